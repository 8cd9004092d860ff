//! The jar's storage: cookies bucketed by their domain field, so a request
//! looks only at its host's domains, with the orders eviction needs (RFC 6265
//! §5.3 step 12): by expiry, by age, and by age within a site.
//!
//! Every operation is logarithmic in the jar's size, or linear in one
//! bucket, which the per-site cap bounds. A cookie's id is the sequence
//! number of its last set: the smallest id is the least recently set cookie.

use std::collections::{BTreeMap, BTreeSet};

use super::{site_of, StoredCookie};

#[derive(Debug, Clone)]
struct Slot {
    id: u64,
    cookie: StoredCookie,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    /// Cookies by domain field; `""` holds the hand-set cookies sent to every host.
    domains: BTreeMap<String, Vec<Slot>>,
    /// Every cookie's id, least recently set first, with its domain field.
    by_age: BTreeMap<u64, String>,
    /// The ids of each site's cookies (see [`site_of`]).
    by_site: BTreeMap<String, BTreeSet<u64>>,
    /// `(expires, id)` of the cookies that expire.
    by_expiry: BTreeSet<(i64, u64)>,
    next_id: u64,
}

impl Index {
    /// How many cookies the index holds, expired ones included.
    pub(super) fn len(&self) -> usize {
        self.by_age.len()
    }

    /// How many cookies `site` holds.
    pub(super) fn site_len(&self, site: &str) -> usize {
        self.by_site.get(site).map_or(0, BTreeSet::len)
    }

    /// The cookies whose domain field is `domain`.
    pub(super) fn bucket<'a>(&'a self, domain: &str) -> impl Iterator<Item = &'a StoredCookie> {
        self.domains
            .get(domain)
            .into_iter()
            .flatten()
            .map(|slot| &slot.cookie)
    }

    /// Every cookie, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &StoredCookie> {
        self.domains.values().flatten().map(|slot| &slot.cookie)
    }

    /// The id and creation order of the cookie with this name, domain and path.
    pub(super) fn find(&self, domain: &str, name: &str, path: &str) -> Option<(u64, u64)> {
        self.domains
            .get(domain)?
            .iter()
            .find(|slot| slot.cookie.name == name && slot.cookie.path == path)
            .map(|slot| (slot.id, slot.cookie.created))
    }

    /// Adds a cookie as the most recently set one (no limits are checked here).
    pub(super) fn put(&mut self, cookie: StoredCookie) {
        let id = self.next_id;
        self.next_id += 1;
        self.by_age.insert(id, cookie.domain.clone());
        self.by_site
            .entry(site_of(&cookie.domain).to_string())
            .or_default()
            .insert(id);
        if let Some(expires) = cookie.expires {
            self.by_expiry.insert((expires, id));
        }
        self.domains
            .entry(cookie.domain.clone())
            .or_default()
            .push(Slot { id, cookie });
    }

    /// Removes the cookie with this id, from every order.
    pub(super) fn remove(&mut self, id: u64) -> Option<StoredCookie> {
        let domain = self.by_age.remove(&id)?;
        let site = site_of(&domain);
        if let Some(ids) = self.by_site.get_mut(site) {
            ids.remove(&id);
            if ids.is_empty() {
                self.by_site.remove(site);
            }
        }
        let bucket = self.domains.get_mut(&domain)?;
        let at = bucket.iter().position(|slot| slot.id == id)?;
        // Order within a bucket does not matter: readers sort by creation.
        let slot = bucket.swap_remove(at);
        if bucket.is_empty() {
            self.domains.remove(&domain);
        }
        if let Some(expires) = slot.cookie.expires {
            self.by_expiry.remove(&(expires, id));
        }
        Some(slot.cookie)
    }

    /// Removes the cookies that `now` has expired; returns how many.
    pub(super) fn remove_expired(&mut self, now: i64) -> usize {
        let mut removed = 0;
        while let Some(&(expires, id)) = self.by_expiry.first() {
            if expires > now {
                break;
            }
            self.by_expiry.remove(&(expires, id));
            if self.remove(id).is_some() {
                removed += 1;
            }
        }
        removed
    }

    /// The least recently set cookie.
    pub(super) fn oldest(&self) -> Option<u64> {
        self.by_age.keys().next().copied()
    }

    /// The least recently set cookie of `site`.
    pub(super) fn oldest_in_site(&self, site: &str) -> Option<u64> {
        self.by_site.get(site)?.first().copied()
    }

    /// Removes the cookies of `domain` (every domain when `None`) for which
    /// `remove` holds; returns how many.
    pub(super) fn remove_where(
        &mut self,
        domain: Option<&str>,
        remove: impl Fn(&StoredCookie) -> bool,
    ) -> usize {
        let ids: Vec<u64> = match domain {
            Some(d) => self
                .domains
                .get(d)
                .into_iter()
                .flatten()
                .filter(|slot| remove(&slot.cookie))
                .map(|slot| slot.id)
                .collect(),
            None => self
                .domains
                .values()
                .flatten()
                .filter(|slot| remove(&slot.cookie))
                .map(|slot| slot.id)
                .collect(),
        };
        ids.into_iter().filter_map(|id| self.remove(id)).count()
    }

    /// Empties the index; ids keep counting up.
    pub(super) fn clear(&mut self) {
        self.domains.clear();
        self.by_age.clear();
        self.by_site.clear();
        self.by_expiry.clear();
    }
}
