//! The settings read from the environment, and the PRNG they seed.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};

pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) calls: usize,
    pub(crate) per_instance: usize,
    pub(crate) hostile: bool,
    pub(crate) keep_going: bool,
}

impl Config {
    pub(crate) fn from_env() -> Result<Config> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let seed = match var("API_SEQUENCE_SEED") {
            Some(v) => {
                let v = v.trim();
                match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => v.parse(),
                }
                .with_context(|| format!("API_SEQUENCE_SEED={v:?} is not a number"))?
            }
            None => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
                now.as_secs() ^ u64::from(now.subsec_nanos()).rotate_left(32)
            }
        };
        let number = |name: &str, default: usize| -> Result<usize> {
            match var(name) {
                Some(v) => v
                    .trim()
                    .replace('_', "")
                    .parse()
                    .with_context(|| format!("{name}={v:?} is not a number")),
                None => Ok(default),
            }
        };
        Ok(Config {
            seed,
            calls: number("API_SEQUENCE_CALLS", 10_000)?,
            per_instance: number("API_SEQUENCE_PER_INSTANCE", 1_000)?.max(1),
            hostile: var("API_SEQUENCE_HOSTILE").as_deref() != Some("0"),
            keep_going: var("API_SEQUENCE_KEEP_GOING").as_deref() == Some("1"),
        })
    }
}

/// xorshift64*: small, fast and the same on every platform, so a seed replays exactly.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds start far apart; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    pub(crate) fn string(&mut self, items: &[&str]) -> String {
        self.pick(items).to_string()
    }
}
