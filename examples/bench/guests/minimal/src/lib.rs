//! The minimal wasi:http guest of `examples/bench`: `get(url)` makes one outgoing request with
//! the raw `wasi:http` 0.2 bindings and reads the body to its end. No headers, no URL library,
//! no session: the least a Rust guest does for a GET.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, IncomingBody, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

wit_bindgen::generate!({ path: "../wit", world: "getter" });

struct Getter;

impl Guest for Getter {
    fn get(url: String) -> Result<Vec<u8>, String> {
        let (scheme, rest) = url.split_once("://").ok_or("the URL has no scheme")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let request = OutgoingRequest::new(Fields::new());
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other.into()),
        };
        request
            .set_scheme(Some(&scheme))
            .and(request.set_authority(Some(authority)))
            .and(request.set_path_with_query(Some(path)))
            .map_err(|()| format!("invalid URL {url}"))?;

        let pending = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
        let response = loop {
            match pending.get() {
                Some(result) => break result,
                None => pending.subscribe().block(),
            }
        };
        let response = response
            .map_err(|()| "the response was taken already".to_string())?
            .map_err(|e| format!("{e:?}"))?;

        let body = response.consume().map_err(|()| "no body")?;
        let stream = body.stream().map_err(|()| "no body stream")?;
        let mut content = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => content.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(format!("reading the body: {}", e.to_debug_string()))
                }
            }
        }
        drop(stream);
        drop(IncomingBody::finish(body));
        Ok(content)
    }
}

export!(Getter);
