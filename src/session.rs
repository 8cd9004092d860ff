//! The session: settings, cookie jar and mounted adapters kept across
//! requests, and the send loop that follows redirects.

use crate::cookies::CookieJar;
use crate::error::{Error, Result};
use crate::merge::{merge_plain, select_proxy};
use crate::prepare::{PreparedRequest, RequestParts, SendOverrides, Settings};
use crate::redirect;
use crate::response::Response;
use crate::transport::{SendOptions, SharedTransport};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// requests' `Session`, less what the binding layer owns (resource handles).
pub struct Session {
    settings: Settings,
    jar: CookieJar,
    /// Longest prefix first; ties in mount order (requests' `mount`).
    adapters: Vec<(String, SharedTransport)>,
    closed: bool,
}

/// Seconds since the Unix epoch, for cookie expiry.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Session {
    /// A session with requests' defaults and `default_adapter` mounted on
    /// `https://` and `http://`.
    pub fn new(default_adapter: SharedTransport) -> Self {
        Session {
            settings: Settings::default(),
            jar: CookieJar::new(),
            adapters: vec![
                ("https://".into(), default_adapter.clone()),
                ("http://".into(), default_adapter),
            ],
            closed: false,
        }
    }

    fn open(&self) -> Result<()> {
        if self.closed {
            Err(Error::SessionClosed)
        } else {
            Ok(())
        }
    }

    /// The settings, unless the session is closed.
    pub fn settings(&self) -> Result<&Settings> {
        self.open()?;
        Ok(&self.settings)
    }

    /// The settings to change, unless the session is closed.
    pub fn settings_mut(&mut self) -> Result<&mut Settings> {
        self.open()?;
        Ok(&mut self.settings)
    }

    /// The cookie jar, unless the session is closed.
    pub fn jar(&mut self) -> Result<&mut CookieJar> {
        self.open()?;
        Ok(&mut self.jar)
    }

    /// Merges a request with the session's settings without sending it.
    pub fn prepare(&self, method: &str, url: &str, parts: RequestParts) -> Result<PreparedRequest> {
        self.open()?;
        PreparedRequest::prepare(&self.settings, &self.jar, now(), method, url, parts)
    }

    /// Prepares and sends a request (requests' `Session.request`).
    pub fn request(
        &mut self,
        method: &str,
        url: &str,
        parts: RequestParts,
        send: SendOverrides,
    ) -> Result<Response> {
        let prepared = self.prepare(method, url, parts)?;
        self.send(prepared, send)
    }

    /// Sends a prepared request through the adapter mounted for its URL,
    /// storing cookies from every response and following redirects.
    pub fn send(&mut self, mut request: PreparedRequest, send: SendOverrides) -> Result<Response> {
        self.open()?;
        let allow_redirects = send.allow_redirects.unwrap_or(true);
        let stream = send.stream.unwrap_or(self.settings.stream);
        let proxies = merge_plain(&self.settings.proxies, send.proxies.as_deref());
        let mut options = SendOptions {
            timeout: send.timeout.or(self.settings.timeout),
            verify: send.verify.unwrap_or(self.settings.verify),
            cert: send.cert.or_else(|| self.settings.cert.clone()),
            proxy: None,
            ca_bundle: if self.settings.trust_env {
                crate::env::ca_bundle().map(|e| (e.value, e.variable))
            } else {
                None
            },
        };
        let mut history: Vec<Response> = Vec::new();
        loop {
            // 1. Adapter and proxy for this hop's URL (a redirect may change both).
            //    Explicit proxies beat the environment's (requests lets the
            //    environment win: psf/requests #2018).
            let adapter = self.get_adapter(request.url.as_str())?;
            options.proxy = match select_proxy(&request.url, &proxies) {
                Some(proxy) => Some((proxy, "the proxies setting".to_string())),
                None if self.settings.trust_env => crate::env::proxy_for(&request.url)
                    .map(|e| (e.value, format!("the {} environment variable", e.variable))),
                None => None,
            };

            // 2. Send; `elapsed` runs until the head has arrived.
            let started = Instant::now();
            let raw = adapter.borrow_mut().send(&request, &options)?;
            let elapsed = started.elapsed();

            // 3. Cookies from every response go into the jar, redirect hops included.
            let set = self.jar.store_response_cookies(
                &request.url,
                raw.headers.get_all("set-cookie"),
                now(),
            );
            let next = if allow_redirects && redirect::is_redirect(raw.status, &raw.headers) {
                Some(redirect_target(
                    &request,
                    raw.status,
                    raw.headers.get("location").unwrap_or(""),
                )?)
            } else {
                None
            };
            let mut response = Response::new(raw, request, elapsed, set);

            // 4. Not a redirect to follow: this is the answer.
            let Some((next_url, next_method)) = next else {
                if !stream {
                    response.read_all()?;
                }
                response.history = history;
                return Ok(response);
            };

            // 5. A hop: its body is read (and may fail to decode: requests then
            //    drops it too), then the limit is checked.
            let _ = response.read_all();
            if history.len() >= self.settings.max_redirects as usize {
                response.history = history;
                return Err(Error::TooManyRedirects {
                    message: format!("Exceeded {} redirects.", self.settings.max_redirects),
                    response: Box::new(response),
                });
            }

            // 6. The next request: method rewritten, body dropped except on
            //    307/308, sensitive headers stripped, cookies rebuilt for the new URL.
            let status = response.status;
            let sent = &response.request;
            let mut headers = sent.headers.clone();
            redirect::rewrite_headers(&mut headers, status, &sent.url, &next_url);
            let mut next_request = PreparedRequest {
                method: next_method,
                url: next_url,
                headers,
                // Only 307/308 resend the body; no copy is made for the others.
                body: if redirect::drops_body(status) {
                    None
                } else {
                    sent.body.clone()
                },
                request_cookies: sent.request_cookies.clone(),
            };
            next_request.set_cookie_header(&self.jar, now());
            response.history = history.iter().map(Response::duplicate).collect();
            history.push(response);
            request = next_request;
        }
    }

    /// Mounts an adapter on a URL prefix (requests' `mount`): a prefix mounted
    /// again is replaced; longer prefixes are tried first.
    pub fn mount(&mut self, prefix: &str, adapter: SharedTransport) -> Result<()> {
        self.open()?;
        self.adapters
            .retain(|(p, _)| !p.eq_ignore_ascii_case(prefix));
        let at = self
            .adapters
            .iter()
            .position(|(p, _)| p.len() < prefix.len())
            .unwrap_or(self.adapters.len());
        self.adapters.insert(at, (prefix.to_string(), adapter));
        Ok(())
    }

    /// The adapter whose prefix matches the URL, case-insensitively; the
    /// longest wins. `InvalidSchema` when none does.
    pub fn get_adapter(&self, url: &str) -> Result<SharedTransport> {
        self.open()?;
        let lower = url.to_ascii_lowercase();
        self.adapters
            .iter()
            .find(|(prefix, _)| lower.starts_with(&prefix.to_ascii_lowercase()))
            .map(|(_, adapter)| adapter.clone())
            .ok_or_else(|| {
                Error::InvalidSchema(format!(
                    "No connection adapters were found for {:?}",
                    crate::urls::redact_str(url)
                ))
            })
    }

    /// Closes every mounted adapter; later calls give `SessionClosed`.
    pub fn close(&mut self) {
        for (_, adapter) in &self.adapters {
            if let Ok(mut adapter) = adapter.try_borrow_mut() {
                adapter.close();
            }
        }
        self.closed = true;
    }
}

/// Where a redirect response leads, and with which method.
fn redirect_target(
    request: &PreparedRequest,
    status: u16,
    location: &str,
) -> Result<(url::Url, String)> {
    let url = redirect::next_url(&request.url, location)?;
    Ok((url, redirect::next_method(status, &request.method)))
}
