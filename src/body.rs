//! Request bodies: raw bytes, text, form pairs and JSON, encoded as requests' `prepare_body` does.

use crate::error::{Error, Result};

/// A request body as the caller gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Bytes(Vec<u8>),
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
