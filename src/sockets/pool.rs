//! Idle keep-alive connections, by origin. Bounded three ways: per origin,
//! in all (the oldest idle connection goes first) and in time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::conn::Stream;
use super::PoolOptions;

/// What a connection can be reused for: the same origin reached the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// The proxy URL, credentials included (another user is another tunnel).
    pub proxy: Option<String>,
    /// Which TLS configuration (`verify` and `cert`) the connection was made with.
    pub tls: Option<u64>,
}

struct Idle {
    stream: Stream,
    since: Instant,
}

pub struct Pool {
    idle: HashMap<Key, Vec<Idle>>,
    count: usize,
    max_per_host: usize,
    max: usize,
    idle_timeout: Duration,
    closed: bool,
}

/// requests' `pool_maxsize`.
const DEFAULT_MAX_PER_HOST: u32 = 10;
const DEFAULT_MAX: u32 = 100;
const DEFAULT_IDLE_TIMEOUT_MS: u32 = 90_000;

impl Pool {
    pub fn new(options: &PoolOptions) -> Pool {
        Pool {
            idle: HashMap::new(),
            count: 0,
            max_per_host: options.max_idle_per_host.unwrap_or(DEFAULT_MAX_PER_HOST) as usize,
            max: options.max_idle.unwrap_or(DEFAULT_MAX) as usize,
            idle_timeout: Duration::from_millis(u64::from(
                options.idle_timeout_ms.unwrap_or(DEFAULT_IDLE_TIMEOUT_MS),
            )),
            closed: false,
        }
    }

    /// The most recently used idle connection to `key` that is neither too
    /// old nor closed by the server.
    pub fn take(&mut self, key: &Key) -> Option<Stream> {
        let list = self.idle.get_mut(key)?;
        let mut found = None;
        while let Some(mut idle) = list.pop() {
            self.count -= 1;
            if idle.since.elapsed() < self.idle_timeout && !idle.stream.peer_closed() {
                found = Some(idle.stream);
                break;
            }
        }
        if list.is_empty() {
            self.idle.remove(key);
        }
        found
    }

    /// Keeps a connection whose last exchange ended cleanly, if there is room.
    pub fn put(&mut self, key: Key, stream: Stream) {
        if self.closed || self.max_per_host == 0 || self.max == 0 {
            return;
        }
        self.expire();
        let list = self.idle.entry(key).or_default();
        if list.len() >= self.max_per_host {
            // The oldest of this origin makes room.
            list.remove(0);
            self.count -= 1;
        }
        list.push(Idle {
            stream,
            since: Instant::now(),
        });
        self.count += 1;
        while self.count > self.max {
            self.drop_oldest();
        }
    }

    /// Closes every idle connection; later ones are closed, not kept.
    pub fn close(&mut self) {
        self.closed = true;
        self.idle.clear();
        self.count = 0;
    }

    /// Idle connections now kept (for tests).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Drops the connections idle for longer than the idle timeout.
    fn expire(&mut self) {
        let timeout = self.idle_timeout;
        let mut dropped = 0;
        self.idle.retain(|_, list| {
            let before = list.len();
            list.retain(|idle| idle.since.elapsed() < timeout);
            dropped += before - list.len();
            !list.is_empty()
        });
        self.count -= dropped;
    }

    fn drop_oldest(&mut self) {
        let oldest = self
            .idle
            .iter()
            .filter_map(|(key, list)| list.first().map(|idle| (key, idle.since)))
            .min_by_key(|(_, since)| *since)
            .map(|(key, _)| key.clone());
        if let Some(key) = oldest {
            if let Some(list) = self.idle.get_mut(&key) {
                list.remove(0);
                self.count -= 1;
                if list.is_empty() {
                    self.idle.remove(&key);
                }
            }
        }
    }
}
