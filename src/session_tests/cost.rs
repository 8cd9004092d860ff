//! The session layer's own cost, without I/O: an adapter that answers every
//! request at once. Ignored by default; run it to profile the send path
//! (`cargo test --release --lib cost -- --ignored --nocapture`, or under
//! `valgrind --tool=callgrind`). It asserts only that every request worked.

use super::{canned, Canned};
use crate::prepare::PreparedRequest;
use crate::session::Session;
use crate::settings::{RequestParts, SendOptions, SendOverrides};
use crate::transport::{AdapterKind, BytesBody, RawResponse, SharedTransport, Transport};
use std::cell::RefCell;
use std::rc::Rc;

struct Canned100(Canned);

impl Transport for Canned100 {
    fn kind(&self) -> AdapterKind {
        AdapterKind::Scripted
    }

    fn send(&mut self, _: &PreparedRequest, _: &SendOptions) -> crate::Result<RawResponse> {
        let (status, headers, body) = self.0.clone();
        Ok(RawResponse {
            status,
            headers: crate::headers::Headers::from_trusted(headers),
            body: Box::new(BytesBody::new(body)),
        })
    }

    fn close(&mut self) {}
}

#[test]
#[ignore]
fn cost_of_a_plain_get() {
    let body = format!("{{\"slideshow\": {{\"title\": \"{}\"}}}}", "x".repeat(72));
    let response = canned(
        200,
        &[
            ("Content-Type", "application/json"),
            ("Content-Length", &body.len().to_string()),
            ("Date", "Sun, 29 Nov 2026 23:00:00 GMT"),
        ],
        &body,
    );
    let adapter: SharedTransport = Rc::new(RefCell::new(Canned100(response)));
    let mut s = Session::new(adapter);
    // In the component the environment is read once per instance; natively it
    // is read every time, which would swamp the session's own work.
    if std::env::var_os("COST_TRUST_ENV").is_none() {
        s.settings_mut().unwrap().set_trust_env(false);
    }
    let n: u32 = std::env::var("COST_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let started = std::time::Instant::now();
    for _ in 0..n {
        let mut r = s
            .request(
                "GET",
                "http://127.0.0.1:8080/get",
                RequestParts::default(),
                SendOverrides::default(),
            )
            .unwrap();
        assert_eq!(r.content().unwrap().len(), body.len());
    }
    println!(
        "{:.2} us a request",
        started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}
