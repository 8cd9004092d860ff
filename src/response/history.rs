//! A response's history: the hops before it (redirects, Digest 401s), each
//! stored once and shared.
//!
//! requests keeps `history` as a list in which every hop's own `history` is the
//! hops before it. Copying those lists at every hop costs time and memory
//! exponential in the number of hops (hop n would hold about 2^n responses), so
//! a history is a persistent list instead: each hop points at the hop before
//! it, a new hop is one allocation, and every response of a chain shares the
//! same hops. Handing the history out is cheap too: the hops are reference
//! counted, never copied.

use super::Response;
use std::cell::RefCell;
use std::rc::Rc;

/// A response that is shared: a hop of one or more histories, or a handle's.
pub type SharedResponse = Rc<RefCell<Response>>;

/// The hops before a response, oldest first when listed.
#[derive(Clone, Default)]
pub struct History {
    last: Option<Rc<Hop>>,
}

struct Hop {
    response: SharedResponse,
    /// The hops before this one: the same list as `response`'s own history,
    /// kept here so walking the list never borrows a response.
    before: History,
    /// How many hops the list holds up to and including this one.
    len: usize,
}

impl History {
    /// The number of hops.
    pub fn len(&self) -> usize {
        self.last.as_ref().map_or(0, |hop| hop.len)
    }

    /// Appends a hop; its own history becomes the hops before it.
    pub fn push(&mut self, mut response: Response) {
        response.history = self.clone();
        let hop = Hop {
            response: Rc::new(RefCell::new(response)),
            before: self.clone(),
            len: self.len() + 1,
        };
        self.last = Some(Rc::new(hop));
    }

    /// The hops, oldest first, shared (not copied).
    pub fn hops(&self) -> Vec<SharedResponse> {
        let mut hops = Vec::with_capacity(self.len());
        let mut at = self.last.as_ref();
        while let Some(hop) = at {
            hops.push(hop.response.clone());
            at = hop.before.last.as_ref();
        }
        hops.reverse();
        hops
    }
}

impl Drop for History {
    /// Unlinks the list hop by hop: dropping a long chain recursively could
    /// overflow the stack (each hop's response holds the history before it).
    fn drop(&mut self) {
        let mut next = self.last.take();
        while let Some(hop) = next {
            match Rc::try_unwrap(hop) {
                Ok(mut hop) => {
                    next = hop.before.last.take();
                    // The response's own history is the same list: unlink it too.
                    if let Ok(cell) = Rc::try_unwrap(hop.response) {
                        let mut response = cell.into_inner();
                        response.history.last.take();
                    }
                }
                Err(_) => break,
            }
        }
    }
}
