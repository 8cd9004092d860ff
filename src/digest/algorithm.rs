//! Digest `algorithm`s (RFC 7616 §3.2, §6.1): names, preference and the hashes behind them.

use std::fmt::Write as _;

/// A Digest `algorithm` (RFC 7616 §6.1 registry, plus requests' `SHA`, meaning SHA-1, and
/// `SHA-512`, which requests and httpbin use though the registry has only SHA-512/256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`, and the default when a challenge names none (RFC 7616 §3.3).
    Md5,
    /// `MD5-sess` (RFC 7616 §3.4.2).
    Md5Sess,
    /// `SHA`: SHA-1, which requests supports though no RFC registers it.
    Sha1,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`: SHA-512/256 of FIPS 180-4.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
    /// `SHA-512`: full SHA-512 (128 hex digits), as requests answers it; not registered.
    Sha512,
    /// `SHA-512-sess`.
    Sha512Sess,
}

impl Algorithm {
    /// Every algorithm, strongest first.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Sha512_256,
        Algorithm::Sha512_256Sess,
        Algorithm::Sha512,
        Algorithm::Sha512Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
        Algorithm::Sha1,
        Algorithm::Md5,
        Algorithm::Md5Sess,
    ];

    /// The algorithm an `algorithm` value names, case-insensitively; `None` when unknown
    /// (RFC 7616 §3.3: a challenge with an algorithm the client does not understand is ignored).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The registered name (RFC 7616 §6.1).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha1 => "SHA",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
            Algorithm::Sha512 => "SHA-512",
            Algorithm::Sha512Sess => "SHA-512-sess",
        }
    }

    /// Whether A1 is the session variant (RFC 7616 §3.4.2), hashed with the nonce and cnonce.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess
                | Algorithm::Sha256Sess
                | Algorithm::Sha512_256Sess
                | Algorithm::Sha512Sess
        )
    }

    /// The preference among several Digest challenges: SHA-512-256 and SHA-512 > SHA-256 >
    /// SHA-1 > MD5; a `-sess` variant ranks with its hash.
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha1 => 2,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 3,
            Algorithm::Sha512_256
            | Algorithm::Sha512_256Sess
            | Algorithm::Sha512
            | Algorithm::Sha512Sess => 4,
        }
    }

    /// `H(data)` as lowercase hex (RFC 7616 §3.2: digests are sent as 32 or 64 lowercase hex
    /// digits; 40 for SHA-1, 128 for SHA-512), over the concatenated parts.
    pub(super) fn hex(self, parts: &[&[u8]]) -> String {
        fn run<D: md5::Digest>(parts: &[&[u8]]) -> String {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            to_hex(&hasher.finalize())
        }
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => run::<md5::Md5>(parts),
            Algorithm::Sha1 => run::<sha1::Sha1>(parts),
            Algorithm::Sha256 | Algorithm::Sha256Sess => run::<sha2::Sha256>(parts),
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => run::<sha2::Sha512_256>(parts),
            Algorithm::Sha512 | Algorithm::Sha512Sess => run::<sha2::Sha512>(parts),
        }
    }

    /// `H` over text joined with `:`, as RFC 7616 §3.4.1-§3.4.3 write their inputs.
    pub(super) fn hash_joined(self, parts: &[&str]) -> String {
        let mut bytes: Vec<&[u8]> = Vec::with_capacity(parts.len() * 2);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                bytes.push(b":");
            }
            bytes.push(part.as_bytes());
        }
        self.hex(&bytes)
    }
}

pub(super) fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
