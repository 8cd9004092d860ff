//! Request bodies: raw bytes, text, form pairs and JSON, encoded as requests' `prepare_body` does.

use crate::error::{Error, Result};

/// A request body as the caller gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Bytes(Vec<u8>),
    /// Bytes as a string, one code point (U+0000-U+00FF) per byte.
    Latin1(String),
    Text(String),
    Form(Vec<(String, String)>),
    Json(String),
    Multipart(Vec<crate::multipart::Part>),
}

impl Body {
    /// Encodes the body, with the `Content-Type` to add when the caller set none.
    /// Consumes `self` so bytes and text move without a copy.
    pub fn encode(self) -> Result<(Vec<u8>, Option<String>)> {
        match self {
            Body::Bytes(b) => Ok((b, None)),
            Body::Latin1(text) => {
                let bytes = crate::latin1::to_bytes(&text).ok_or_else(|| {
                    Error::InvalidOption(
                        "a latin1 body holds a code point above U+00FF (one code point per byte)"
                            .into(),
                    )
                })?;
                Ok((bytes, None))
            }
            Body::Multipart(parts) => {
                let boundary = crate::multipart::random_boundary()?;
                let bytes = crate::multipart::encode(parts, &boundary)?;
                Ok((bytes, Some(crate::multipart::content_type(&boundary))))
            }
            Body::Text(t) => Ok((t.into_bytes(), None)),
            Body::Form(pairs) => {
                let encoded = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                Ok((
                    encoded.into_bytes(),
                    Some("application/x-www-form-urlencoded".into()),
                ))
            }
            Body::Json(text) => {
                serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                    Error::InvalidJson(format!("the JSON body does not parse: {e}"))
                })?;
                Ok((text.into_bytes(), Some("application/json".into())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_urlencoded_with_plus_for_spaces() {
        let (bytes, ct) = Body::Form(vec![("a b".into(), "c&d".into()), ("e".into(), "é".into())])
            .encode()
            .unwrap();
        assert_eq!(bytes, b"a+b=c%26d&e=%C3%A9");
        assert_eq!(ct.as_deref(), Some("application/x-www-form-urlencoded"));
    }

    #[test]
    fn latin1_is_one_byte_per_code_point() {
        let all: String = (0..=255u8).map(char::from).collect();
        let (bytes, ct) = Body::Latin1(all).encode().unwrap();
        assert_eq!(bytes, (0..=255u8).collect::<Vec<u8>>());
        assert_eq!(ct, None);
        let err = Body::Latin1("caf\u{0100}".into()).encode().unwrap_err();
        assert!(matches!(err, Error::InvalidOption(_)), "{err:?}");
    }

    #[test]
    fn json_is_validated_and_typed() {
        let (bytes, ct) = Body::Json(r#"{"a": [1, 2]}"#.into()).encode().unwrap();
        assert_eq!(bytes, br#"{"a": [1, 2]}"#);
        assert_eq!(ct.as_deref(), Some("application/json"));
        assert!(matches!(
            Body::Json("{nope".into()).encode(),
            Err(Error::InvalidJson(_))
        ));
        assert!(matches!(
            Body::Json("NaN".into()).encode(),
            Err(Error::InvalidJson(_))
        ));
    }

    #[test]
    fn bytes_and_text_get_no_content_type() {
        assert_eq!(
            Body::Bytes(vec![1, 2]).encode().unwrap(),
            (vec![1, 2], None)
        );
        assert_eq!(
            Body::Text("hi".into()).encode().unwrap(),
            (b"hi".to_vec(), None)
        );
    }
}
