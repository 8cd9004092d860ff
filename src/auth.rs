//! Authentication schemes: Basic (RFC 7617), Bearer (RFC 6750), and Digest
//! (RFC 7616), whose challenge-response lives in `crate::digest`.

use crate::error::{Error, Result};
use base64::Engine as _;

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Basic base64(username:password)`.
    Basic { username: String, password: String },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP Digest (RFC 7616): answered after the server's 401 challenge (`crate::digest`).
    Digest { username: String, password: String },
}

impl Auth {
    /// Checks what would make a broken header: a `:` in a Basic user name
    /// (RFC 7617 §2), or a token with characters a header value cannot hold.
    pub fn validate(&self) -> Result<()> {
        match self {
            Auth::Basic { username, .. } if username.contains(':') => Err(Error::InvalidHeader(
                "a Basic auth username cannot contain ':' (RFC 7617 §2)".into(),
            )),
            Auth::Digest { username, .. } if username.bytes().any(|b| b.is_ascii_control()) => Err(
                Error::InvalidHeader("a Digest username cannot hold control characters".into()),
            ),
            Auth::Bearer(token) => {
                crate::headers::validate_value("Authorization", token).map_err(|_| {
                    Error::InvalidHeader(
                        "the Bearer token holds whitespace at its start or control characters"
                            .into(),
                    )
                })
            }
            _ => Ok(()),
        }
    }

    /// The `Authorization` header value to send up front; none for Digest,
    /// which needs the server's challenge first. Basic credentials are sent as
    /// UTF-8 (RFC 7617 §2.1 `charset="UTF-8"`); requests uses latin-1 for `str`.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Auth::Basic { username, password } => {
                let raw = format!("{username}:{password}");
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                Some(format!("Basic {encoded}"))
            }
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
            Auth::Digest { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_encodes_user_and_password() {
        let auth = Auth::Basic {
            username: "user".into(),
            password: "pass".into(),
        };
        assert_eq!(auth.header_value().as_deref(), Some("Basic dXNlcjpwYXNz"));
    }

    #[test]
    fn bearer_auth_sends_the_token() {
        assert_eq!(
            Auth::Bearer("abc.def".into()).header_value().as_deref(),
            Some("Bearer abc.def")
        );
        let digest = Auth::Digest {
            username: "u".into(),
            password: "p".into(),
        };
        assert_eq!(
            digest.header_value(),
            None,
            "Digest waits for the challenge"
        );
    }

    #[test]
    fn broken_credentials_are_refused() {
        let auth = Auth::Basic {
            username: "a:b".into(),
            password: String::new(),
        };
        assert!(matches!(auth.validate(), Err(Error::InvalidHeader(_))));
        assert!(matches!(
            Auth::Bearer("x\r\ny".into()).validate(),
            Err(Error::InvalidHeader(_))
        ));
    }
}
