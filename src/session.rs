//! The session: settings, cookie jar and mounted adapters kept across
//! requests, and the send loop that follows redirects.

use crate::cookies::CookieJar;
use crate::digest;
use crate::error::{Error, Result};
use crate::merge::{merge_plain, select_proxy};
use crate::prepare::{PreparedRequest, RequestParts, SendOverrides, Settings};
use crate::redirect;
use crate::response::Response;
use crate::retry::{self, Decision, Outcome, RetryPolicy, RetryState};
use crate::transport::{BodySink, RawResponse, SendOptions, SharedTransport};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// requests' `Session`, less what the binding layer owns (resource handles).
pub struct Session {
    settings: Settings,
    jar: CookieJar,
    /// Longest prefix first; ties in mount order (requests' `mount`).
    adapters: Vec<(String, SharedTransport)>,
    /// Digest challenge and nonce count per origin (`crate::digest`).
    digest: Vec<(String, digest::DigestState)>,
    /// Waits between retries: `std::thread::sleep` (on wasm32-wasip2 it
    /// blocks on a wasi:clocks timer), replaceable so tests see the waits
    /// asked for without waiting.
    sleeper: Box<dyn FnMut(Duration)>,
    closed: bool,
}

/// A request whose head is sent and whose body the caller is writing
/// (`Session::start_request`); `Session::finish_upload` gets the response.
pub struct Upload {
    sink: Box<dyn BodySink>,
    request: PreparedRequest,
    send: SendOverrides,
    started: Instant,
    written: u64,
    length: Option<u64>,
}

impl Upload {
    /// Sends the next piece of the body. Writing past an announced
    /// `Content-Length` is refused before anything is sent.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let written = self.written.saturating_add(bytes.len() as u64);
        if let Some(length) = self.length.filter(|l| written > *l) {
            return Err(Error::InvalidOption(format!(
                "the upload announced Content-Length {length}; {written} bytes is more"
            )));
        }
        self.sink.write(bytes)?;
        self.written = written;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

/// requests' `merge_environment_settings` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSettings {
    pub proxies: Vec<(String, String)>,
    pub stream: bool,
    pub verify: bool,
    pub ca_bundle: Option<String>,
    pub cert: Option<String>,
    /// Netrc credentials would be used for this URL.
    pub netrc_auth: bool,
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
            digest: Vec::new(),
            sleeper: Box::new(std::thread::sleep),
            closed: false,
        }
    }

    /// Replaces how the session waits between retries (by default it sleeps
    /// the thread). Tests record the waits; an embedder may bound them.
    pub fn set_sleeper(&mut self, sleeper: Box<dyn FnMut(Duration)>) {
        self.sleeper = sleeper;
    }

    /// Sets the session's retry policy in one call, validated first; `None`
    /// falls back to the mounted adapter's policy, if any.
    pub fn set_retries(&mut self, policy: Option<RetryPolicy>) -> Result<()> {
        self.open()?;
        if let Some(policy) = &policy {
            policy.validate()?;
        }
        self.settings.retries = policy;
        Ok(())
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
        let netrc = |host: &str| crate::netrc::netrc_auth(host);
        PreparedRequest::prepare(&self.settings, &self.jar, now(), method, url, parts, &netrc)
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
    pub fn send(&mut self, request: PreparedRequest, send: SendOverrides) -> Result<Response> {
        self.send_hops(request, send, None)
    }

    /// Starts a request whose body the caller writes in pieces (a streaming
    /// upload): the head goes out now, with `Content-Length` when the length
    /// is known and chunked transfer when it is not.
    pub fn start_request(
        &mut self,
        method: &str,
        url: &str,
        parts: RequestParts,
        send: SendOverrides,
        content_length: Option<u64>,
    ) -> Result<Upload> {
        if parts.body.is_some() {
            return Err(Error::InvalidOption(
                "a streamed request takes its body from the writer; leave `body` unset".into(),
            ));
        }
        let mut request = self.prepare(method, url, parts)?;
        request.headers.remove("content-length");
        if let Some(length) = content_length {
            request.headers.set("Content-Length", &length.to_string());
        }
        let adapter = self.get_adapter(request.url.as_str())?;
        let (mut options, proxies) = self.send_options(&send);
        options.proxy = self.proxy_for(&request.url, &proxies);
        let sink = adapter.borrow_mut().start(&request, &options)?;
        Ok(Upload {
            sink,
            request,
            send,
            started: Instant::now(),
            written: 0,
            length: content_length,
        })
    }

    /// Ends a streaming upload and follows the response as `send` does. The
    /// body cannot be sent twice: a 307/308 redirect or a Digest challenge to
    /// it is returned as the response, and it is never retried.
    pub fn finish_upload(&mut self, upload: Upload) -> Result<Response> {
        self.open()?;
        let Upload {
            sink,
            request,
            send,
            started,
            written,
            length,
        } = upload;
        if let Some(length) = length.filter(|l| *l != written) {
            return Err(Error::InvalidOption(format!(
                "the upload announced Content-Length {length} but {written} bytes were written"
            )));
        }
        let raw = sink.finish()?;
        self.send_hops(request, send, Some((raw, started.elapsed())))
    }

    /// The send settings merged from the request's and the session's, and the proxies.
    fn send_options(&self, send: &SendOverrides) -> (SendOptions, Vec<(String, String)>) {
        let proxies = merge_plain(&self.settings.proxies, send.proxies.as_deref());
        let options = SendOptions {
            timeout: send.timeout.or(self.settings.timeout),
            verify: send.verify.unwrap_or(self.settings.verify),
            cert: send.cert.clone().or_else(|| self.settings.cert.clone()),
            proxy: None,
            ca_bundle: if self.settings.trust_env {
                crate::env::ca_bundle().map(|e| (e.value, e.variable))
            } else {
                None
            },
        };
        (options, proxies)
    }

    /// The proxy for a URL and where it was set. Explicit proxies beat the
    /// environment's (requests lets the environment win: psf/requests #2018).
    fn proxy_for(&self, url: &url::Url, proxies: &[(String, String)]) -> Option<(String, String)> {
        match select_proxy(url, proxies) {
            Some(proxy) => Some((proxy, "the proxies setting".to_string())),
            None if self.settings.trust_env => crate::env::proxy_for(url)
                .map(|e| (e.value, format!("the {} environment variable", e.variable))),
            None => None,
        }
    }

    /// The send loop: every hop of one request. `first` is the answer to a
    /// streamed upload, whose body cannot be sent again.
    fn send_hops(
        &mut self,
        mut request: PreparedRequest,
        send: SendOverrides,
        mut first: Option<(RawResponse, Duration)>,
    ) -> Result<Response> {
        self.open()?;
        let allow_redirects = send.allow_redirects.unwrap_or(true);
        let stream = send.stream.unwrap_or(self.settings.stream);
        let (mut options, proxies) = self.send_options(&send);
        // Digest credentials go only to the origin the request was made to.
        let digest_origin = request.url.origin();
        let mut digest_retries = digest::Retries::default();
        let mut history: Vec<Response> = Vec::new();
        let mut redirects = 0usize;
        loop {
            // 1. Adapter and proxy for this hop's URL (a redirect may change both).
            let adapter = self.get_adapter(request.url.as_str())?;
            options.proxy = self.proxy_for(&request.url, &proxies);
            // A streamed upload's body is gone once sent: nothing may replay it.
            let replayable = first.is_none();
            let digest_here = request
                .digest
                .clone()
                .filter(|_| request.url.origin() == digest_origin);
            if let Some((user, pass)) = &digest_here {
                if !request.headers.contains("authorization") {
                    let uri = digest::request_target(&request.url);
                    let state = self.digest_state(&request.url);
                    if let Some(value) = state.preemptive(
                        user,
                        pass,
                        &request.method,
                        &uri,
                        request.body.as_deref(),
                    )? {
                        request.headers.set("Authorization", &value);
                    }
                }
            }

            // 2. Send, retried by the session's or the adapter's policy;
            //    `elapsed` runs until the head of the last attempt has arrived.
            let (raw, elapsed) = match first.take() {
                Some(answer) => answer,
                None => self.send_with_retries(&adapter, &request, &options)?,
            };

            // 3. Cookies from every response go into the jar, redirect hops and 401s included.
            let set = self.jar.store_response_cookies(
                &request.url,
                raw.headers.get_all("set-cookie"),
                now(),
            );

            // 4. A Digest challenge is answered once (twice when the nonce was stale);
            //    the 401 goes into history and its cookies go with the retry.
            let challenge = match (&digest_here, raw.status) {
                (Some(_), 401) if replayable => {
                    digest::find_digest(raw.headers.get_all("www-authenticate"))
                        .filter(|c| digest_retries.allow(c))
                }
                _ => None,
            };
            if let (Some(challenge), Some((user, pass))) = (challenge, digest_here) {
                let mut retry = request.clone();
                let uri = digest::request_target(&retry.url);
                let value = self.digest_state(&retry.url).authorization(
                    &challenge,
                    &user,
                    &pass,
                    &retry.method,
                    &uri,
                    retry.body.as_deref(),
                )?;
                retry.headers.set("Authorization", &value);
                retry.headers.remove("cookie");
                retry.set_cookie_header(&self.jar, now());
                let unauthorized = self.response(raw, request, elapsed, set);
                push_hop(&mut history, unauthorized);
                request = retry;
                continue;
            }

            let follow = allow_redirects
                && redirect::is_redirect(raw.status, &raw.headers)
                && (replayable || redirect::drops_body(raw.status));
            let next = if follow {
                Some(redirect_target(
                    &request,
                    raw.status,
                    raw.headers.get("location").unwrap_or(""),
                )?)
            } else {
                None
            };
            let mut response = self.response(raw, request, elapsed, set);

            // 5. Not a redirect to follow: this is the answer.
            let Some((next_url, next_method)) = next else {
                if !stream {
                    response.read_all()?;
                }
                if self.settings.error_for_status {
                    response.raise_for_status()?;
                }
                response.history = history;
                return Ok(response);
            };

            // 6. A hop: the limit is checked (the body is read either way).
            if redirects >= self.settings.max_redirects as usize {
                let _ = response.read_all();
                response.history = history;
                return Err(Error::TooManyRedirects {
                    message: format!("Exceeded {} redirects.", self.settings.max_redirects),
                    response: Box::new(response),
                });
            }
            redirects += 1;
            digest_retries = digest::Retries::default();

            // 7. The next request: method rewritten, body dropped except on
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
                digest: sent.digest.clone(),
            };
            next_request.set_cookie_header(&self.jar, now());
            push_hop(&mut history, response);
            request = next_request;
        }
    }

    /// One hop's request sent until an attempt is not retried. The retry
    /// counts start afresh for every hop (redirect or Digest answer): urllib3
    /// counts redirects apart from retries, and here the session follows them.
    ///
    /// A response that is retried is dropped unread (its body is closed, its
    /// cookies are not stored): as under requests, where urllib3 retries below
    /// the cookie jar, only the answer that is kept is seen by the session.
    fn send_with_retries(
        &mut self,
        adapter: &SharedTransport,
        request: &PreparedRequest,
        options: &SendOptions,
    ) -> Result<(RawResponse, Duration)> {
        let policy = self
            .settings
            .retries
            .clone()
            .or_else(|| adapter.borrow().retries());
        let mut state = RetryState::default();
        loop {
            let started = Instant::now();
            let result = adapter.borrow_mut().send(request, options);
            let elapsed = started.elapsed();
            let Some(policy) = &policy else {
                return result.map(|raw| (raw, elapsed));
            };
            let outcome = match &result {
                Ok(raw) => Outcome::Status {
                    status: raw.status,
                    retry_after: raw.headers.get("retry-after"),
                },
                Err(error) => Outcome::Error(error),
            };
            match state.decide(policy, &request.method, outcome, now()) {
                Decision::Retry { after } => {
                    drop(result);
                    (self.sleeper)(after);
                }
                Decision::Stop => return result.map(|raw| (raw, elapsed)),
                Decision::Exhausted => {
                    return match result {
                        Ok(raw) => Err(retry::exhausted(&request.url, raw.status)),
                        Err(error) => Err(error),
                    }
                }
            }
        }
    }

    /// A response with the session's body limit, not yet read.
    fn response(
        &self,
        raw: RawResponse,
        request: PreparedRequest,
        elapsed: Duration,
        cookies: Vec<crate::cookies::StoredCookie>,
    ) -> Response {
        let mut response = Response::new(raw, request, elapsed, cookies);
        response.set_max_body_size(self.settings.max_body_size);
        response
    }

    /// The Digest state (last challenge, nonce count) for a URL's origin.
    fn digest_state(&mut self, url: &url::Url) -> &mut digest::DigestState {
        let origin = url.origin().ascii_serialization();
        let at = match self.digest.iter().position(|(o, _)| *o == origin) {
            Some(at) => at,
            None => {
                self.digest.push((origin, digest::DigestState::new()));
                self.digest.len() - 1
            }
        };
        &mut self.digest[at].1
    }

    /// The session's settings and cookies as JSON (`crate::state`).
    pub fn export_state(&mut self, include_secrets: bool) -> Result<String> {
        self.open()?;
        Ok(crate::state::export(
            &self.settings,
            &self.jar,
            now(),
            include_secrets,
        ))
    }

    /// Replaces settings and cookies with an exported state; nothing changes on error.
    pub fn import_state(&mut self, json: &str) -> Result<()> {
        self.open()?;
        crate::state::import(json, &mut self.settings, &mut self.jar, now())?;
        self.digest.clear();
        Ok(())
    }

    /// requests' `merge_environment_settings`: what a request to `url` would be
    /// sent with once request, session and environment settings are merged.
    pub fn merge_environment_settings(
        &self,
        url: &str,
        send: SendOverrides,
    ) -> Result<EnvironmentSettings> {
        self.open()?;
        let url = crate::urls::parse_with_base(url, self.settings.base_url.as_ref())?;
        let mut proxies = merge_plain(&self.settings.proxies, send.proxies.as_deref());
        let trust_env = self.settings.trust_env;
        if trust_env && select_proxy(&url, &proxies).is_none() {
            if let Some(found) = crate::env::proxy_for(&url) {
                proxies.push((url.scheme().to_string(), found.value));
            }
        }
        let netrc_auth = trust_env
            && self.settings.auth.is_none()
            && url.host_str().and_then(crate::netrc::netrc_auth).is_some();
        Ok(EnvironmentSettings {
            proxies,
            stream: send.stream.unwrap_or(self.settings.stream),
            verify: send.verify.unwrap_or(self.settings.verify),
            ca_bundle: if trust_env {
                crate::env::ca_bundle().map(|e| e.value)
            } else {
                None
            },
            cert: send.cert.or_else(|| self.settings.cert.clone()),
            netrc_auth,
        })
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

/// Records a hop that is not the answer (a redirect or a Digest 401): its body
/// is read (a body that fails to decode is dropped, as requests does) and its
/// history is the hops before it.
fn push_hop(history: &mut Vec<Response>, mut hop: Response) {
    let _ = hop.read_all();
    hop.history = history.iter().map(Response::duplicate).collect();
    history.push(hop);
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
