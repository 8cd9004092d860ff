//! What one `TestServer` remembers between requests: the request log behind `/__seen` (kept
//! only by [`TestServer::start_recording`](super::TestServer::start_recording), as the
//! `fixture-server` binary does for the JavaScript and Python tests) and the `/flaky` counters.
//!
//! | path | answer |
//! |---|---|
//! | `/__seen?marker=M` | the requests received so far whose target (path and query) contains `M`, oldest first: `[{"method", "path", "headers"}]` (`path` is the whole target, `headers` as in the echo: lower-case names, repeats joined with `, `); `/__seen` itself is not logged; `404` when the server does not record |
//! | `/flaky/KEY/N?status=S&retry_after=R&stall=T` | any method; requests are counted per `KEY`: the first `N` get status `S` (default `503`, with `Retry-After: R` when given), or with `stall=T` no answer at all for `T` seconds and then a closed connection; later ones `200`. The body is `{"key", "attempt", "method"}` (`attempt` counts from 1 per key) |
//! | `/flaky/N?key=KEY&...` | the same counter, the key as a query parameter (default empty); the body is `{"attempts", "method"}` |

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hyper::header::{self, HeaderMap};
use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

use super::endpoints::Req;
use super::helpers::{close_without_answer, error, json_response, num, status_code, Body};

/// The longest `stall` a `/flaky` request may ask for.
const MAX_STALL: Duration = Duration::from_secs(60);

/// Per-server state shared by every connection.
#[derive(Default)]
pub(super) struct State {
    record: bool,
    seen: Mutex<Vec<Value>>,
    flaky: Mutex<HashMap<String, u64>>,
}

impl State {
    pub(super) fn new(record: bool) -> State {
        State {
            record,
            ..State::default()
        }
    }

    /// Logs one request head (unless this server does not record, or it asks for the log).
    pub(super) fn record(&self, method: &str, target: &str, headers: &HeaderMap) {
        if !self.record || target.split('?').next() == Some("/__seen") {
            return;
        }
        let mut joined = Map::new();
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match joined.get_mut(name.as_str()) {
                Some(Value::String(s)) => *s = format!("{s}, {value}"),
                _ => drop(joined.insert(name.as_str().into(), Value::String(value))),
            }
        }
        let entry = json!({ "method": method, "path": target, "headers": joined });
        self.seen.lock().expect("request log").push(entry);
    }

    /// `/__seen?marker=M`.
    pub(super) fn seen(&self, r: &Req) -> Response<Body> {
        if !self.record {
            return error(
                StatusCode::NOT_FOUND,
                "this server does not record requests (TestServer::start_recording does)",
            );
        }
        let marker = r.arg("marker").unwrap_or_default();
        let log = self.seen.lock().expect("request log");
        let hits = log.iter().filter(|e| {
            let path = e["path"].as_str().unwrap_or("");
            path.contains(marker.as_str())
        });
        json_response(StatusCode::OK, &Value::Array(hits.cloned().collect()))
    }

    /// `/flaky/KEY/N` and `/flaky/N?key=KEY`.
    pub(super) async fn flaky(&self, r: &Req, rest: &str) -> Response<Body> {
        let (key, failures, key_in_path) = match rest.split_once('/') {
            Some((key, n)) => (key.to_string(), n, true),
            None => (r.arg("key").unwrap_or_default(), rest, false),
        };
        let Some(failures) = num::<u64>(failures) else {
            return error(
                StatusCode::BAD_REQUEST,
                "use /flaky/KEY/N or /flaky/N?key=KEY",
            );
        };
        let attempt = {
            let mut counts = self.flaky.lock().expect("flaky counters");
            let count = counts.entry(key.clone()).or_insert(0);
            *count += 1;
            *count
        };
        let body = match key_in_path {
            true => json!({ "key": key, "attempt": attempt, "method": r.method }),
            false => json!({ "attempts": attempt, "method": r.method }),
        };
        if attempt > failures {
            return json_response(StatusCode::OK, &body);
        }
        if let Some(stall) = r.arg("stall") {
            let secs = stall.trim().parse::<f64>().unwrap_or(0.0);
            let stall = Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO);
            tokio::time::sleep(stall.min(MAX_STALL)).await;
            return close_without_answer();
        }
        let status = r.arg("status").and_then(|s| status_code(&s));
        let mut resp = json_response(status.unwrap_or(StatusCode::SERVICE_UNAVAILABLE), &body);
        if let Some(after) = r.arg("retry_after") {
            if let Ok(value) = after.parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        resp
    }
}
