//! Request and response hooks: which hooks a request runs (requests'
//! `merge_hooks`), what a hook sees and gives back, and applying that to the
//! request or response.
//!
//! WIT cannot pass closures, so hooks are named. The session keeps names; a
//! [`HookRunner`] runs the hook of a name. In the component that runner calls
//! the host through the imported `requests:http/hooks` interface (world
//! `client-with-host`); a build without that import has no runner, and
//! asking it for hooks is `Unsupported`.

use crate::error::{Error, Result};
use crate::headers::validate_method;
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::response::Response;

/// The error for hooks asked of a build that cannot run them.
pub fn unsupported() -> Error {
    Error::Unsupported(
        "hooks need the component built for world `client-with-host` (cargo feature `host`): \
         this build does not import requests:http/hooks"
            .into(),
    )
}

/// The largest body hooks are shown, request or response. A larger one
/// reaches them as `None` and stays as it is unless a hook gives a body of its
/// own: a host may refuse to copy a large value across the boundary
/// (wasmtime-py traps on a `list<u8>` of about 2.7 MB), and a hook that
/// cannot see a body had better not be handed a copy of it.
///
/// Defaults to 1 MiB.
pub const MAX_HOOK_BODY: usize = 1024 * 1024;

/// The body if hooks may see it (`MAX_HOOK_BODY`).
fn shown(body: &[u8]) -> Option<Vec<u8>> {
    (body.len() <= MAX_HOOK_BODY).then(|| body.to_vec())
}

/// A request as hooks see it and give it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRequest {
    pub method: String,
    /// The full URL, without userinfo.
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// `None` for no body, for a streamed upload, and for a body larger than
    /// `MAX_HOOK_BODY`.
    pub body: Option<Vec<u8>>,
}

impl HookRequest {
    /// What hooks see of a prepared request.
    pub fn of(request: &PreparedRequest) -> Self {
        HookRequest {
            method: request.method.clone(),
            url: crate::urls::redact(&request.url),
            headers: request.headers.to_pairs(),
            body: request.body.as_deref().and_then(shown),
        }
    }
}

/// A response as hooks see it and give it: the body is decoded content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// `None` when the body is left for a streaming caller or is larger than
    /// `MAX_HOOK_BODY`; empty when given.
    pub body: Option<Vec<u8>>,
}

/// What a request hook returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAction {
    Keep,
    /// Send this request instead.
    Replace(HookRequest),
    /// Send nothing; this is the response.
    Respond(HookResponse),
}

/// What a response hook returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseAction {
    Keep,
    /// Use this response instead.
    Replace(HookResponse),
}

/// Runs hooks by name: the host's, through the `hooks` import, in the
/// component; a scripted one in tests. An `Err` is the hook's own message.
pub trait HookRunner {
    fn on_request(
        &mut self,
        name: &str,
        request: &HookRequest,
    ) -> std::result::Result<RequestAction, String>;
    fn on_response(
        &mut self,
        name: &str,
        request: &HookRequest,
        response: &HookResponse,
    ) -> std::result::Result<ResponseAction, String>;
}

/// Runs `request.hooks.request` in order on a request about to be sent. A
/// replacement is validated like a prepared request's setters and later hooks
/// see it; a hook's response ends the run and is returned (not yet limited by
/// the session's body size). `streamed` is true for a streamed upload, whose
/// body comes from the writer: its hooks may give neither a body nor a
/// response (the writer still has a body to send).
pub fn run_request_hooks(
    runner: &mut dyn HookRunner,
    request: &mut PreparedRequest,
    streamed: bool,
) -> Result<Option<Response>> {
    let names = request.hooks.request.clone();
    for name in &names {
        let seen = HookRequest::of(request);
        match runner
            .on_request(name, &seen)
            .map_err(|m| Error::Hook(format!("the request hook {name:?} failed: {m}")))?
        {
            RequestAction::Keep => {}
            RequestAction::Replace(replacement) => {
                if streamed && replacement.body.is_some() {
                    return Err(refused(name, "a body"));
                }
                apply_request(request, replacement, !streamed)
                    .map_err(|e| invalid("request", name, e))?;
            }
            RequestAction::Respond(_) if streamed => return Err(refused(name, "a response")),
            RequestAction::Respond(answer) => {
                let (status, headers, body) =
                    checked(answer).map_err(|e| invalid("response", name, e))?;
                let response = Response::from_content(
                    status,
                    headers,
                    body,
                    request.clone(),
                    std::time::Duration::ZERO,
                );
                return Ok(Some(response));
            }
        }
    }
    Ok(None)
}

/// Runs `response.request.hooks.response` in order on a response just
/// received. Unless `stream`, hooks see the decoded body, read now within the
/// response's size limit. A body that fails to read reaches hooks as `None`,
/// and its error is returned (unless a hook replaced the response) for the
/// caller to raise where it would have raised it without hooks: a final answer
/// fails with it, a redirect hop does not. A replacement becomes the response,
/// its body taken as content, and later hooks see it.
pub fn run_response_hooks(
    runner: &mut dyn HookRunner,
    response: &mut Response,
    stream: bool,
) -> Result<Option<Error>> {
    let names = response.request.hooks.response.clone();
    if names.is_empty() {
        return Ok(None);
    }
    let request = HookRequest::of(&response.request);
    let mut read_error = None;
    let mut hidden = false;
    let body = if stream {
        None
    } else {
        match response.content() {
            Ok(content) => {
                hidden = content.len() > MAX_HOOK_BODY;
                shown(content)
            }
            Err(e) => {
                read_error = Some(e);
                None
            }
        }
    };
    let mut seen = HookResponse {
        status: response.status,
        headers: response.headers.to_pairs(),
        body,
    };
    for name in &names {
        match runner
            .on_response(name, &request, &seen)
            .map_err(|m| Error::Hook(format!("the response hook {name:?} failed: {m}")))?
        {
            ResponseAction::Keep => {}
            ResponseAction::Replace(replacement) => {
                let keep_body = hidden && replacement.body.is_none();
                let (status, headers, body) =
                    checked(replacement.clone()).map_err(|e| invalid("response", name, e))?;
                if keep_body {
                    // The hook could not see the body: it replaced the head only.
                    response.replace_head(status, headers);
                } else {
                    response.replace_with_content(status, headers, body);
                    hidden = false;
                }
                read_error = None;
                seen = replacement;
            }
        }
    }
    Ok(read_error)
}

/// Replaces method, URL, headers and body with a hook's. `Content-Length`
/// follows the body, except for a streamed upload, which keeps its own. A
/// body too large for hooks to see stays unless the hook gave one.
fn apply_request(request: &mut PreparedRequest, new: HookRequest, with_body: bool) -> Result<()> {
    let content_length = request.headers.get("content-length").map(str::to_string);
    let body = match new.body {
        Some(body) => Some(body.into()),
        None if request
            .body
            .as_ref()
            .is_some_and(|b| b.len() > MAX_HOOK_BODY) =>
        {
            request.body.clone()
        }
        None => None,
    };
    let mut next = PreparedRequest {
        method: validate_method(&new.method)?,
        url: request.url.clone(),
        headers: Headers::from_pairs(new.headers)?,
        body,
        request_cookies: request.request_cookies.clone(),
        digest: request.digest.clone(),
        hooks: request.hooks.clone(),
    };
    next.set_url(&new.url)?;
    if with_body {
        next.set_content_length();
    } else {
        next.headers.remove("content-length");
        if let Some(length) = content_length {
            next.headers.set("Content-Length", &length);
        }
    }
    *request = next;
    Ok(())
}

/// A hook's response, checked: a status in 100-999 and valid headers.
fn checked(response: HookResponse) -> Result<(u16, Headers, Vec<u8>)> {
    if !(100..=999).contains(&response.status) {
        return Err(Error::InvalidOption(format!(
            "status {} is outside 100-999",
            response.status
        )));
    }
    let headers = Headers::from_pairs(response.headers)?;
    Ok((response.status, headers, response.body.unwrap_or_default()))
}

/// A hook gave something that does not make a valid request or response.
fn invalid(what: &str, name: &str, error: Error) -> Error {
    Error::Hook(format!(
        "the hook {name:?} returned an invalid {what}: {error}"
    ))
}

/// A request hook gave what a streamed upload cannot take.
fn refused(name: &str, what: &str) -> Error {
    Error::Hook(format!(
        "the request hook {name:?} returned {what} for a streamed upload, whose body comes from \
         its writer"
    ))
}
