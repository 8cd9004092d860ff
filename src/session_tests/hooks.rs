//! Request and response hooks in the send loop, through a scripted hook runner.

use super::{canned, get, header, received, session_with};
use crate::error::Error;
use crate::hooks::{HookRequest, HookResponse, HookRunner, RequestAction, ResponseAction};
use crate::session::Session;
use crate::settings::HookSet;
use crate::settings::{RequestParts, SendOverrides};
use std::cell::RefCell;
use std::rc::Rc;

type OnRequest = Box<dyn FnMut(&str, &HookRequest) -> Result<RequestAction, String>>;
type OnResponse =
    Box<dyn FnMut(&str, &HookRequest, &HookResponse) -> Result<ResponseAction, String>>;

/// Runs hooks with closures and logs every call as `request:<name> <METHOD> <url>`
/// or `response:<name> <status> <body>`.
struct Scripted {
    log: Rc<RefCell<Vec<String>>>,
    on_request: OnRequest,
    on_response: OnResponse,
}

impl HookRunner for Scripted {
    fn on_request(&mut self, name: &str, r: &HookRequest) -> Result<RequestAction, String> {
        self.log
            .borrow_mut()
            .push(format!("request:{name} {} {}", r.method, r.url));
        (self.on_request)(name, r)
    }

    fn on_response(
        &mut self,
        name: &str,
        req: &HookRequest,
        r: &HookResponse,
    ) -> Result<ResponseAction, String> {
        let body = match &r.body {
            Some(b) => String::from_utf8_lossy(b).into_owned(),
            None => "<unread>".into(),
        };
        self.log
            .borrow_mut()
            .push(format!("response:{name} {} {body}", r.status));
        (self.on_response)(name, req, r)
    }
}

/// Installs the closures as the session's hook runner; returns the call log.
fn with_hooks(
    s: &mut Session,
    on_request: OnRequest,
    on_response: OnResponse,
) -> Rc<RefCell<Vec<String>>> {
    let log = Rc::new(RefCell::new(Vec::new()));
    s.set_hook_runner(Box::new(Scripted {
        log: log.clone(),
        on_request,
        on_response,
    }));
    log
}

fn keep_requests() -> OnRequest {
    Box::new(|_, _| Ok(RequestAction::Keep))
}

fn keep_responses() -> OnResponse {
    Box::new(|_, _, _| Ok(ResponseAction::Keep))
}

fn hooks(request: &[&str], response: &[&str]) -> HookSet {
    HookSet {
        request: request.iter().map(|s| s.to_string()).collect(),
        response: response.iter().map(|s| s.to_string()).collect(),
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn request_hooks_run_on_every_hop_and_their_changes_are_sent() {
    let (mut s, t) = session_with(vec![
        canned(302, &[("Location", "/next")], ""),
        canned(200, &[], "done"),
    ]);
    let log = with_hooks(
        &mut s,
        Box::new(|name, r| {
            let mut signed = r.clone();
            signed.headers.push(("X-Signed".into(), name.into()));
            Ok(RequestAction::Replace(signed))
        }),
        keep_responses(),
    );
    s.set_hooks(hooks(&["sign"], &[])).unwrap();
    let r = get(&mut s, "http://a.test/start").unwrap();
    assert_eq!(r.status, 200);
    let sent = received(&t);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| header(r, "x-signed") == Some("sign")));
    assert_eq!(
        *log.borrow(),
        [
            "request:sign GET http://a.test/start",
            "request:sign GET http://a.test/next"
        ]
    );
}

#[test]
fn a_replaced_request_is_validated_and_its_content_length_follows_the_body() {
    let (mut s, t) = session_with(vec![canned(200, &[], "")]);
    with_hooks(
        &mut s,
        Box::new(|_, r| {
            Ok(RequestAction::Replace(HookRequest {
                method: "put".into(),
                url: "http://b.test/moved?x=1".into(),
                headers: r.headers.clone(),
                body: Some(b"new body".to_vec()),
            }))
        }),
        keep_responses(),
    );
    let parts = RequestParts {
        hooks: Some(hooks(&["move"], &[])),
        body: Some(crate::body::Body::Text("old".into())),
        ..Default::default()
    };
    s.request("POST", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    let sent = &received(&t)[0];
    assert_eq!(
        (sent.method.as_str(), sent.url.as_str()),
        ("PUT", "http://b.test/moved?x=1")
    );
    assert_eq!(sent.body, b"new body");
    assert_eq!(header(sent, "content-length"), Some("8"));
}

#[test]
fn an_invalid_replacement_is_a_hook_error_and_the_session_keeps_working() {
    let (mut s, t) = session_with(vec![canned(200, &[], "")]);
    with_hooks(
        &mut s,
        Box::new(|name, r| {
            let mut bad = r.clone();
            match name {
                "crlf" => bad
                    .headers
                    .push(("X-Bad".into(), "a\r\nInjected: 1".into())),
                "url" => bad.url = "not a url".into(),
                _ => bad.method = "GE T".into(),
            }
            Ok(RequestAction::Replace(bad))
        }),
        keep_responses(),
    );
    for name in ["crlf", "url", "method"] {
        let parts = RequestParts {
            hooks: Some(hooks(&[name], &[])),
            ..Default::default()
        };
        let err = s
            .request("GET", "http://a.test/", parts, SendOverrides::default())
            .unwrap_err();
        assert!(
            matches!(&err, Error::Hook(m) if m.contains(&format!("{name:?}")) && m.contains("invalid request")),
            "{name}: {err:?}"
        );
    }
    assert!(received(&t).is_empty(), "nothing invalid was sent");
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
}

#[test]
fn a_request_hook_can_answer_without_sending_and_response_hooks_still_run() {
    let (mut s, t) = session_with(vec![]);
    let log = with_hooks(
        &mut s,
        Box::new(|_, _| {
            Ok(RequestAction::Respond(HookResponse {
                status: 200,
                headers: pairs(&[("Content-Type", "text/plain"), ("Set-Cookie", "c=1")]),
                body: Some(b"cached".to_vec()),
            }))
        }),
        keep_responses(),
    );
    s.set_hooks(hooks(&["cache", "never"], &["log"])).unwrap();
    let mut r = get(&mut s, "http://a.test/x").unwrap();
    assert_eq!(r.text().unwrap(), "cached");
    assert_eq!(r.url().as_str(), "http://a.test/x");
    assert!(received(&t).is_empty());
    assert_eq!(
        *log.borrow(),
        [
            "request:cache GET http://a.test/x",
            "response:log 200 cached"
        ]
    );
    assert_eq!(r.cookies.len(), 1, "the answer's cookies are stored");
}

#[test]
fn response_hooks_see_every_hop_decoded_and_a_replacement_becomes_the_answer() {
    let gzipped = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"compressed").unwrap();
        e.finish().unwrap()
    };
    let (mut s, _t) = session_with(vec![
        canned(301, &[("Location", "/b")], "hop"),
        (200, pairs(&[("Content-Encoding", "gzip")]), gzipped),
    ]);
    let log = with_hooks(
        &mut s,
        keep_requests(),
        Box::new(|name, req, r| {
            if name == "patch" && r.status == 200 {
                assert_eq!(req.url, "http://a.test/b");
                Ok(ResponseAction::Replace(HookResponse {
                    status: 203,
                    // Content-Encoding stays, but the replacement body is content.
                    headers: r.headers.clone(),
                    body: Some(b"patched".to_vec()),
                }))
            } else {
                Ok(ResponseAction::Keep)
            }
        }),
    );
    s.set_hooks(hooks(&[], &["log", "patch", "after"])).unwrap();
    let mut r = get(&mut s, "http://a.test/a").unwrap();
    assert_eq!((r.status, r.content().unwrap()), (203, &b"patched"[..]));
    assert_eq!(r.history.len(), 1);
    assert_eq!(
        *log.borrow(),
        [
            "response:log 301 hop",
            "response:patch 301 hop",
            "response:after 301 hop",
            "response:log 200 compressed",
            "response:patch 200 compressed",
            "response:after 203 patched",
        ]
    );
}

#[test]
fn a_replacement_is_handled_as_if_the_server_sent_it() {
    // A hook turning a 200 into a redirect makes the session follow it, and
    // the replacement's cookies go into the jar.
    let (mut s, t) = session_with(vec![canned(200, &[], "first"), canned(200, &[], "second")]);
    with_hooks(
        &mut s,
        keep_requests(),
        Box::new(|_, req, r| {
            if req.url.ends_with("/start") {
                Ok(ResponseAction::Replace(HookResponse {
                    status: 302,
                    headers: pairs(&[("Location", "/other"), ("Set-Cookie", "k=v")]),
                    body: None,
                }))
            } else {
                assert_eq!(r.body.as_deref(), Some(&b"second"[..]));
                Ok(ResponseAction::Keep)
            }
        }),
    );
    s.set_hooks(hooks(&[], &["bounce"])).unwrap();
    let r = get(&mut s, "http://a.test/start").unwrap();
    assert_eq!(r.url().as_str(), "http://a.test/other");
    let sent = received(&t);
    assert_eq!(header(&sent[1], "cookie"), Some("k=v"));
}

#[test]
fn a_failing_hook_is_a_hook_error_naming_it() {
    let (mut s, _t) = session_with(vec![canned(200, &[], ""), canned(200, &[], "")]);
    with_hooks(
        &mut s,
        Box::new(|_, _| Err("no token".into())),
        Box::new(|_, _, _| Err("bad answer".into())),
    );
    let run = |s: &mut Session, h: HookSet| {
        let parts = RequestParts {
            hooks: Some(h),
            ..Default::default()
        };
        s.request("GET", "http://a.test/", parts, SendOverrides::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        run(&mut s, hooks(&["auth"], &[])),
        "the request hook \"auth\" failed: no token"
    );
    assert_eq!(
        run(&mut s, hooks(&[], &["check"])),
        "the response hook \"check\" failed: bad answer"
    );
}

#[test]
fn request_hook_lists_replace_the_sessions_per_event_as_in_requests() {
    let (mut s, _t) = session_with(vec![canned(200, &[], ""), canned(200, &[], "")]);
    let log = with_hooks(&mut s, keep_requests(), keep_responses());
    s.set_hooks(hooks(&["s-req"], &["s-resp"])).unwrap();
    let parts = RequestParts {
        hooks: Some(hooks(&["r-req"], &[])),
        ..Default::default()
    };
    s.request("GET", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    assert_eq!(
        *log.borrow(),
        ["request:r-req GET http://a.test/", "response:s-resp 200 "]
    );
}

#[test]
fn a_streamed_response_is_left_unread_for_the_caller() {
    let (mut s, _t) = session_with(vec![canned(200, &[], "stream me")]);
    let log = with_hooks(&mut s, keep_requests(), keep_responses());
    s.set_hooks(hooks(&[], &["peek"])).unwrap();
    let send = SendOverrides {
        stream: Some(true),
        ..Default::default()
    };
    let mut r = s
        .request("GET", "http://a.test/", RequestParts::default(), send)
        .unwrap();
    assert_eq!(*log.borrow(), ["response:peek 200 <unread>"]);
    assert_eq!(
        r.read_chunk(64).unwrap().as_deref(),
        Some(&b"stream me"[..])
    );
}

#[test]
fn upload_hooks_run_once_before_the_head_and_may_not_give_a_body() {
    let (mut s, t) = session_with(vec![canned(200, &[], ""), canned(200, &[], "")]);
    let log = with_hooks(
        &mut s,
        Box::new(|name, r| {
            let mut next = r.clone();
            next.headers.push(("X-Hook".into(), name.into()));
            if name == "body" {
                next.body = Some(b"sneaky".to_vec());
            }
            Ok(RequestAction::Replace(next))
        }),
        keep_responses(),
    );
    let start = |s: &mut Session, name: &str| {
        let parts = RequestParts {
            hooks: Some(hooks(&[name], &[])),
            ..Default::default()
        };
        s.start_request(
            "PUT",
            "http://a.test/up",
            parts,
            SendOverrides::default(),
            Some(4),
        )
    };
    let mut upload = start(&mut s, "tag").unwrap();
    upload.write(b"data").unwrap();
    s.finish_upload(upload).unwrap();
    let sent = &received(&t)[0];
    assert_eq!(header(sent, "x-hook"), Some("tag"));
    assert_eq!(header(sent, "content-length"), Some("4"));
    assert_eq!(sent.body, b"data");
    assert_eq!(
        log.borrow().len(),
        1,
        "the hook ran once: {:?}",
        log.borrow()
    );

    let err = start(&mut s, "body").err().unwrap();
    assert!(
        matches!(&err, Error::Hook(m) if m.contains("streamed upload")),
        "{err:?}"
    );
}

#[test]
fn without_a_hook_runner_hooks_are_unsupported_but_empty_lists_are_fine() {
    let (mut s, _t) = session_with(vec![canned(200, &[], "")]);
    assert!(matches!(
        s.set_hooks(hooks(&["x"], &[])),
        Err(Error::Unsupported(m)) if m.contains("client-with-host")
    ));
    s.set_hooks(HookSet::default()).unwrap();
    let parts = RequestParts {
        hooks: Some(hooks(&[], &["y"])),
        ..Default::default()
    };
    assert!(matches!(
        s.request("GET", "http://a.test/", parts, SendOverrides::default()),
        Err(Error::Unsupported(_))
    ));
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
}

#[test]
fn hook_names_must_not_be_empty() {
    let (mut s, _t) = session_with(vec![]);
    with_hooks(&mut s, keep_requests(), keep_responses());
    assert!(matches!(
        s.set_hooks(hooks(&[""], &[])),
        Err(Error::InvalidOption(_))
    ));
}

#[test]
fn a_request_hook_that_moves_the_request_elsewhere_takes_digest_credentials_out_of_reach() {
    let challenge = r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5"#;
    let (mut s, t) = session_with(vec![canned(401, &[("WWW-Authenticate", challenge)], "")]);
    with_hooks(
        &mut s,
        Box::new(|_, r| {
            let mut moved = r.clone();
            moved.url = "http://other.test/".into();
            Ok(RequestAction::Replace(moved))
        }),
        keep_responses(),
    );
    let parts = RequestParts {
        auth: Some(crate::settings::AuthOverride::Replace(
            crate::auth::Auth::Digest {
                username: "u".into(),
                password: "p".into(),
            },
        )),
        hooks: Some(hooks(&["move"], &[])),
        ..Default::default()
    };
    let r = s
        .request("GET", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    assert_eq!(r.status, 401, "other.test's challenge is not answered");
    assert_eq!(received(&t).len(), 1);
}

#[test]
fn hooks_run_once_per_hop_and_see_only_the_attempt_that_is_kept() {
    let (mut s, t) = session_with(vec![canned(503, &[], "busy"), canned(200, &[], "ok")]);
    let log = with_hooks(&mut s, keep_requests(), keep_responses());
    s.set_sleeper(Box::new(|_| {}));
    s.settings_mut()
        .unwrap()
        .set_retries(Some(crate::retry::RetryPolicy {
            total: 2,
            connect: None,
            read: None,
            status: None,
            backoff_factor_ms: 0,
            backoff_max_ms: 0,
            backoff_jitter_ms: 0,
            status_forcelist: vec![503],
            allowed_methods: None,
            respect_retry_after: false,
            retry_after_max_ms: 0,
        }))
        .unwrap();
    s.set_hooks(hooks(&["sign"], &["log"])).unwrap();
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    assert_eq!(received(&t).len(), 2, "the 503 was retried");
    assert_eq!(
        *log.borrow(),
        ["request:sign GET http://a.test/", "response:log 200 ok"]
    );
}

#[test]
fn a_body_too_large_for_the_hooks_fails_the_answer_with_its_own_error() {
    let (mut s, _t) = session_with(vec![
        canned(
            302,
            &[("Location", "/big")],
            "a hop body that is too large too",
        ),
        canned(200, &[], "0123456789"),
    ]);
    let log = with_hooks(&mut s, keep_requests(), keep_responses());
    s.set_hooks(hooks(&[], &["peek"])).unwrap();
    s.settings_mut().unwrap().max_body_size = 4;
    let err = get(&mut s, "http://a.test/").unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge(_)), "{err:?}");
    assert_eq!(
        *log.borrow(),
        ["response:peek 302 <unread>", "response:peek 200 <unread>"],
        "the hop's unreadable body did not stop the redirect"
    );
}

#[test]
fn bodies_larger_than_hooks_may_see_reach_them_as_none_and_stay_unless_replaced() {
    let big = "b".repeat(crate::hooks::MAX_HOOK_BODY + 1);
    let (mut s, t) = session_with(vec![canned(200, &[], &big)]);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (seen_req, seen_resp) = (seen.clone(), seen.clone());
    with_hooks(
        &mut s,
        Box::new(move |_, r| {
            seen_req.borrow_mut().push(r.body.as_ref().map(Vec::len));
            // Replace the head only: the body the hook could not see stays.
            let mut headers = r.headers.clone();
            headers.push(("X-Signed".into(), "1".into()));
            Ok(RequestAction::Replace(HookRequest {
                headers,
                body: None,
                ..r.clone()
            }))
        }),
        Box::new(move |_, _, r| {
            seen_resp.borrow_mut().push(r.body.as_ref().map(Vec::len));
            Ok(ResponseAction::Replace(HookResponse {
                status: 201,
                headers: r.headers.clone(),
                body: None,
            }))
        }),
    );
    s.set_hooks(hooks(&["sign"], &["log"])).unwrap();
    let parts = RequestParts {
        body: Some(crate::body::Body::Bytes(big.clone().into_bytes())),
        ..Default::default()
    };
    let mut r = s
        .request("PUT", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    assert_eq!(*seen.borrow(), [None, None]);
    let sent = &received(&t)[0];
    assert_eq!(
        (sent.body.len(), header(sent, "x-signed")),
        (big.len(), Some("1"))
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.content().unwrap().len(), big.len());
}
