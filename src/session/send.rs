//! The send loop: one request's hops (redirects, Digest answers) with the
//! hooks, retries and cookies of each, and streaming uploads.

use super::{budget, now, Session};
use crate::digest;
use crate::error::{Error, Result};
use crate::hooks;
use crate::prepare::PreparedRequest;
use crate::redirect;
use crate::response::{History, Response};
use crate::retry::{self, Decision, Outcome, RetryState};
use crate::settings::{RequestParts, SendOverrides};
use crate::transport::{BodySink, RawResponse, SendOptions, SharedTransport};
use std::time::{Duration, Instant};

/// A request whose head is sent and whose body the caller is writing
/// (`Session::start_request`); `Session::finish_upload` gets the response.
pub struct Upload {
    sink: Box<dyn BodySink>,
    request: PreparedRequest,
    send: SendOverrides,
    started: Instant,
    written: u64,
    length: Option<u64>,
    /// A write failed: `finish` gives the sink's own answer (the server's
    /// early response, or why the connection failed), not a length mismatch.
    write_failed: bool,
    /// The host writes the body to its adapter itself (`host_upload`).
    handed: bool,
}

impl Upload {
    /// Sends the next piece of the body. Writing past an announced
    /// `Content-Length` is refused before anything is sent.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.handed {
            return Err(Error::InvalidOption(
                "the upload was handed to the host adapter: write its body there".into(),
            ));
        }
        let written = self.written.saturating_add(bytes.len() as u64);
        if let Some(length) = self.length.filter(|l| written > *l) {
            return Err(Error::InvalidOption(format!(
                "the upload announced Content-Length {length}; {written} bytes is more"
            )));
        }
        if let Err(e) = self.sink.write(bytes) {
            self.write_failed = true;
            return Err(e);
        }
        self.written = written;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The host adapter's handle for the upload, when a host adapter carries
    /// it and nothing was written here: the host then writes the body to its
    /// adapter directly (no copy through the guest), keeps to the announced
    /// `Content-Length` itself, and `write` here is refused.
    pub fn host_upload(&mut self) -> Option<u64> {
        if self.written > 0 || self.write_failed {
            return None;
        }
        let id = self.sink.host_upload()?;
        self.handed = true;
        Some(id)
    }
}

impl Session {
    /// Sends a prepared request through the adapter mounted for its URL,
    /// storing cookies from every response and following redirects.
    pub fn send(&mut self, request: PreparedRequest, send: SendOverrides) -> Result<Response> {
        self.send_hops(request, send, None)
    }

    /// Starts a request whose body the caller writes in pieces (a streaming
    /// upload): the head goes out now, with `Content-Length` when the length
    /// is known and chunked transfer when it is not. Request hooks run first.
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
        if let Some(runner) = self.hook_runner.as_deref_mut() {
            // A streamed upload's hooks cannot answer it: this is always `None`.
            hooks::run_request_hooks(runner, &mut request, true)?;
        }
        let adapter = self.get_adapter(request.url.as_str())?;
        send.validate()?;
        let options = self.settings.merge_send(&request.url, &send).options;
        budget::check(&request.headers)?;
        let sink = adapter
            .borrow_mut()
            .start(&request, &options)
            .map_err(|e| e.at(&request.url))?;
        Ok(Upload {
            sink,
            request,
            send,
            started: Instant::now(),
            written: 0,
            length: content_length,
            write_failed: false,
            handed: false,
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
            write_failed,
            handed,
        } = upload;
        if let Some(length) = length.filter(|l| *l != written && !write_failed && !handed) {
            return Err(Error::InvalidOption(format!(
                "the upload announced Content-Length {length} but {written} bytes were written"
            )));
        }
        let raw = sink.finish()?;
        self.send_hops(request, send, Some((raw, started.elapsed())))
    }

    /// The send loop: every hop of one request. `first` is the answer to a
    /// streamed upload, whose body cannot be sent again (and whose request
    /// hooks ran before its head was sent).
    fn send_hops(
        &mut self,
        mut request: PreparedRequest,
        send: SendOverrides,
        mut first: Option<(RawResponse, Duration)>,
    ) -> Result<Response> {
        self.open()?;
        let allow_redirects = send.allow_redirects.unwrap_or(true);
        send.validate()?;
        let stream = send.stream.unwrap_or(self.settings.stream);
        // Digest credentials go only to the origin the request was made to.
        let digest_origin = request.digest.is_some().then(|| request.url.origin());
        let mut digest_retries = digest::Retries::default();
        let mut history = History::default();
        // The bodies of the hops kept in history share one `max_body_size`.
        let mut hop_budget = self.settings.max_body_size;
        let mut redirects = 0usize;
        loop {
            // A streamed upload's body is gone once sent: nothing may replay it.
            let replayable = first.is_none();

            // 1. Digest auth from an earlier challenge of this origin, if any,
            //    sent with the request as it was made (as requests' HTTPDigestAuth
            //    adds it when called); a redirect hop is sent without, and its
            //    challenge answered, as requests' redirects are.
            let digest_here = request
                .digest
                .clone()
                .filter(|_| digest_origin == Some(request.url.origin()));
            if let Some((user, pass)) = &digest_here {
                if redirects == 0 && !request.headers.contains("authorization") {
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

            // 2. Request hooks see the request complete; one may answer it. A hook
            //    that moves the request to another origin takes it out of Digest's reach.
            let answered = match self.hook_runner.as_deref_mut() {
                Some(runner) if replayable => {
                    hooks::run_request_hooks(runner, &mut request, false)?
                }
                _ => None,
            };
            let digest_here = digest_here.filter(|_| digest_origin == Some(request.url.origin()));

            // 3. Send through the adapter and proxy for the URL the hooks left,
            //    retried by the session's or the adapter's policy; `elapsed`
            //    runs until the head of the last attempt has arrived.
            let mut response = match answered {
                Some(response) => response,
                None => {
                    let (raw, elapsed) = match first.take() {
                        Some(answer) => answer,
                        None => {
                            let adapter = self.get_adapter(request.url.as_str())?;
                            let options = self.settings.merge_send(&request.url, &send).options;
                            self.send_with_retries(&adapter, &request, &options)?
                        }
                    };
                    Response::new(raw, request, elapsed, Vec::new())
                }
            };
            response.set_max_body_size(self.settings.max_body_size);

            // 4. Response hooks, before the cookies, as requests runs them. A body
            //    they could not get fails a final answer below, as it would have.
            let unread = match self.hook_runner.as_deref_mut() {
                Some(runner) => hooks::run_response_hooks(runner, &mut response, stream)?,
                None => None,
            };

            // 5. Cookies from every response go into the jar, redirect hops and 401s included.
            if response.headers.contains("set-cookie") {
                response.cookies = self.jar.borrow_mut().store_response_cookies(
                    &response.request.url,
                    response.headers.get_all("set-cookie"),
                    now(),
                );
            }

            // 6. A Digest challenge is answered once (twice when the nonce was stale);
            //    the 401 goes into history and its cookies go with the retry.
            let challenge = match (&digest_here, response.status) {
                (Some(_), 401) if replayable => {
                    digest::find_digest(response.headers.get_all("www-authenticate"))
                        .filter(|c| digest_retries.allow(c))
                }
                _ => None,
            };
            if let (Some(challenge), Some((user, pass))) = (challenge, digest_here) {
                let mut retry = response.request.clone();
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
                retry.set_cookie_header(&self.jar.borrow(), now);
                push_hop(&mut history, response, &mut hop_budget);
                request = retry;
                continue;
            }

            // 7. Not a redirect to follow: this is the answer.
            let follow = allow_redirects
                && response.is_redirect()
                && (replayable || redirect::drops_body(response.status));
            if !follow {
                if let Some(error) = unread {
                    return Err(error);
                }
                // A body its host adapter keeps is the host's to read (and to
                // bound by `max_body_size`): it never crosses into the guest.
                if !stream && response.kept_by_host().is_none() {
                    response.read_all()?;
                }
                if self.settings.error_for_status {
                    response.raise_for_status()?;
                }
                response.history = history;
                return Ok(response);
            }
            let status = response.status;
            let sent = &response.request;
            let location = response.headers.get("location").unwrap_or("");
            let next_url = redirect::next_url(&sent.url, location)?;
            let next_method = redirect::next_method(status, &sent.method);

            // 8. A hop: the limit is checked (the body is read either way).
            if redirects >= self.settings.max_redirects as usize {
                return Err(Error::TooManyRedirects {
                    message: format!("Exceeded {} redirects.", self.settings.max_redirects),
                    response: Box::new(response.head()),
                    history: history.hops().iter().map(|h| h.borrow().head()).collect(),
                });
            }
            redirects += 1;
            digest_retries = digest::Retries::default();

            // 9. The next request: method rewritten, body dropped except on
            //    307/308, sensitive headers stripped, cookies rebuilt for the new URL.
            let other_origin = redirect::should_strip_auth(&sent.url, &next_url);
            let mut headers = sent.headers.clone();
            redirect::rewrite_headers(&mut headers, status, &sent.url, &next_url);
            if sent.digest.is_some() {
                // A Digest `Authorization` answers one request-target and nonce
                // count: the next hop gets (and answers) a challenge of its own.
                headers.remove("authorization");
            }
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
                // Request-only cookies stay with the origin they were given
                // for, as `Authorization` does (requests lets them follow).
                request_cookies: if other_origin {
                    Vec::new()
                } else {
                    sent.request_cookies.clone()
                },
                digest: sent.digest.clone(),
                hooks: sent.hooks.clone(),
            };
            next_request.set_cookie_header(&self.jar.borrow(), now);
            push_hop(&mut history, response, &mut hop_budget);
            request = next_request;
        }
    }

    /// One hop's request sent until an attempt is not retried. The retry
    /// counts start afresh for every hop (redirect or Digest answer): urllib3
    /// counts redirects apart from retries, and here the session follows them.
    ///
    /// A response that is retried is dropped unread (its body is closed, its
    /// cookies are not stored, hooks do not see it): as under requests, where
    /// urllib3 retries below the cookie jar, only the answer that is kept is
    /// seen by the session.
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
        budget::check(&request.headers)?;
        let mut state = RetryState::default();
        loop {
            let started = Instant::now();
            let result = adapter
                .borrow_mut()
                .send(request, options)
                .map_err(|e| e.at(&request.url));
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
}

/// Records a hop that is not the answer (a redirect or a Digest 401), once:
/// every later hop shares it. Its body is read, within what is left of the
/// request's `max_body_size` for hop bodies (so 30 hops cannot hold 30 times
/// the limit); a body that fails to decode or does not fit is dropped, as
/// requests drops a hop body that fails to decode.
fn push_hop(history: &mut History, mut hop: Response, budget: &mut u64) {
    hop.set_max_body_size(*budget);
    if hop.read_all().is_ok() {
        *budget = budget.saturating_sub(hop.body_size().unwrap_or(0));
    }
    history.push(hop);
}
