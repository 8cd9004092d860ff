//! Request and response hooks through the component built for world `client-with-host`, the
//! host's hooks being Rust closures in the harness; and their refusal by the world `client` build.

use super::*;
use host_tests::host::{
    Auth, Credentials, HookRequest, HookResponse, HookSet, RequestAction, ResponseAction,
};

fn names(request: &[&str], response: &[&str]) -> HookSet {
    HookSet {
        request: request.iter().map(|s| s.to_string()).collect(),
        response: response.iter().map(|s| s.to_string()).collect(),
    }
}

fn with_hooks(request: &[&str], response: &[&str]) -> RequestOptions {
    RequestOptions {
        hooks: Some(names(request, response)),
        ..opts()
    }
}

/// A request hook that sets `X-Signature: <METHOD> <path>` (replacing one an
/// earlier hop left: a redirect starts from the request as sent).
fn sign(request: &HookRequest) -> RequestAction {
    let mut signed = request.clone();
    let path = request.url.splitn(4, '/').nth(3).unwrap_or_default();
    signed
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("x-signature"));
    signed
        .headers
        .push(("X-Signature".into(), format!("{} /{path}", request.method)));
    RequestAction::Replace(signed)
}

/// What the guest asked the host to run, in order.
fn calls(h: &Harness) -> Vec<String> {
    h.store.data().hooks.calls.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_hook_signs_every_redirect_hop_and_the_server_sees_it() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("sign", sign)
        .build()
        .await?;
    let s = h.session().await?;
    session!(h, call_set_hooks, s, &names(&["sign"], &[]))??;
    let r = h.get(s, &server.url("/redirect/2"), None).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["x-signature"], "GET /get");
    let base = server.url("/");
    assert_eq!(
        calls(&h),
        [
            format!("request sign GET {base}redirect/2"),
            format!("request sign GET {base}redirect/1"),
            format!("request sign GET {base}get"),
        ]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_response_hook_sees_the_decoded_body_and_its_replacement_is_the_answer() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .response_hook("patch", |request, response| {
            let body = String::from_utf8_lossy(response.body.as_deref().unwrap_or_default());
            if !body.contains("\"gzipped\":true") {
                return ResponseAction::Fail(format!("not decoded: {body}"));
            }
            ResponseAction::Replace(HookResponse {
                status: 299,
                headers: vec![
                    ("Content-Type".into(), "text/plain; charset=utf-8".into()),
                    ("X-Seen-Url".into(), request.url.clone()),
                ],
                body: Some("patched by the host".into()),
            })
        })
        .build()
        .await?;
    let s = h.session().await?;
    let r = h
        .get(s, &server.url("/gzip"), with_hooks(&[], &["patch"]))
        .await??;
    assert_eq!(h.status(r).await?, 299);
    assert_eq!(h.text(r).await?, "patched by the host");
    assert_eq!(h.header(r, "x-seen-url").await?, Some(server.url("/gzip")));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_hook_can_answer_from_a_cache_without_any_connection() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("cache", |_| {
            RequestAction::Respond(HookResponse {
                status: 200,
                headers: vec![("Set-Cookie".into(), "cached=yes".into())],
                body: Some(b"{\"from\": \"cache\"}".to_vec()),
            })
        })
        .response_hook("log", |_, _| ResponseAction::Keep)
        .build()
        .await?;
    let s = h.session().await?;
    session!(h, call_set_hooks, s, &names(&["cache"], &["log"]))??;
    let r = h.get(s, &server.url("/get"), None).await??;
    assert_eq!(h.json(r).await?["from"], "cache");
    assert_eq!(server.connections(), 0, "nothing was sent");
    assert_eq!(calls(&h)[1], "response log 200", "response hooks still run");
    let cookies = session!(h, call_cookies, s)?;
    assert_eq!(cookies[0].name, "cached", "the answer's cookies are stored");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_hooks_replace_the_sessions_for_one_request_only() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("sign", sign)
        .request_hook("tag", |r| {
            let mut tagged = r.clone();
            tagged.headers.push(("X-Tag".into(), "per-request".into()));
            RequestAction::Replace(tagged)
        })
        .build()
        .await?;
    let s = h.session().await?;
    session!(h, call_set_hooks, s, &names(&["sign"], &[]))??;
    let r = h
        .get(s, &server.url("/get"), with_hooks(&["tag"], &[]))
        .await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["x-tag"], "per-request");
    assert!(echo["headers"].get("x-signature").is_none());
    let echo = get_json(&mut h, s, &server, "/get").await?;
    assert_eq!(echo["headers"]["x-signature"], "GET /get");
    let hooks = session!(h, call_hooks, s)?;
    assert_eq!(
        (hooks.request, hooks.response),
        (vec!["sign".to_string()], vec![])
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_unknown_and_invalid_hooks_are_hook_errors_and_the_session_keeps_working(
) -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("deny", |_| RequestAction::Fail("no token".into()))
        .request_hook("inject", |r| {
            let mut bad = r.clone();
            bad.headers
                .push(("X-Bad".into(), "a\r\nInjected: 1".into()));
            RequestAction::Replace(bad)
        })
        .response_hook("status", |_, _| {
            ResponseAction::Replace(HookResponse {
                status: 42,
                headers: vec![],
                body: None,
            })
        })
        .build()
        .await?;
    let s = h.session().await?;
    for (hooks, expected) in [
        (
            with_hooks(&["deny"], &[]),
            "the request hook \"deny\" failed: no token",
        ),
        (
            with_hooks(&["missing"], &[]),
            "the request hook \"missing\" failed: the host has no request hook \"missing\"",
        ),
        (with_hooks(&["inject"], &[]), "returned an invalid request"),
        (with_hooks(&[], &["status"]), "status 42 is outside 100-999"),
    ] {
        let err = h.get(s, &server.url("/get"), hooks).await?.unwrap_err();
        assert!(
            err.kind == ErrorKind::Hook && err.message.contains(expected),
            "{expected}: {err:?}"
        );
        assert_still_works(&mut h, s, &server).await?;
    }
    let err = session!(h, call_set_hooks, s, &names(&[""], &[]))?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidOption, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_run_on_the_digest_401_and_its_retry() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("sign", sign)
        .response_hook("log", |_, _| ResponseAction::Keep)
        .build()
        .await?;
    let s = h.session().await?;
    let o = RequestOptions {
        auth: Some(host_tests::host::AuthOverride::Replace(Auth::Digest(
            Credentials {
                username: "u".into(),
                password: "p".into(),
            },
        ))),
        ..with_hooks(&["sign"], &["log"])
    };
    let r = h
        .get(s, &server.url("/digest-auth/auth/u/p/SHA-256"), o)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    let url = server.url("/digest-auth/auth/u/p/SHA-256");
    assert_eq!(
        calls(&h),
        [
            format!("request sign GET {url}"),
            "response log 401".to_string(),
            format!("request sign GET {url}"),
            "response log 200".to_string(),
        ]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_response_reaches_hooks_unread_and_the_caller_reads_it() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .response_hook("peek", |_, response| match &response.body {
            None => ResponseAction::Keep,
            Some(_) => ResponseAction::Fail("a streamed body was read for the hook".into()),
        })
        .build()
        .await?;
    let s = h.session().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..with_hooks(&[], &["peek"])
    };
    let r = h.get(s, &server.url("/bytes/5000"), o).await??;
    assert_eq!(h.content(r).await?.len(), 5000);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_runs_its_request_hooks_before_the_head_is_sent() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .request_hook("sign", sign)
        .build()
        .await?;
    let s = h.session().await?;
    let o = with_hooks(&["sign"], &[]);
    let url = server.url("/anything");
    let api = h.client.requests_http_session();
    let w = api
        .session()
        .call_start_request(&mut h.store, s, "PUT", &url, Some(&o), Some(5))
        .await??;
    api.body_writer()
        .call_write(&mut h.store, w, b"hello")
        .await??;
    let r = api.body_writer().call_finish(&mut h.store, w).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["x-signature"], "PUT /anything");
    assert_eq!(echo["data"], "hello");
    assert_eq!(calls(&h).len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn saved_hooks_come_back_and_a_build_without_hooks_refuses_them() -> Result<()> {
    let mut hooked = Harness::builder().hooks_build().build().await?;
    let s = hooked.session().await?;
    let set = names(&["sign"], &["log"]);
    let h = &mut hooked;
    session!(h, call_set_hooks, s, &set)??;
    let saved = session!(h, call_export_state, s, false)??;
    let s2 = h.session().await?;
    session!(h, call_import_state, s2, &saved)??;
    let restored = session!(h, call_hooks, s2)?;
    assert_eq!(
        (restored.request, restored.response),
        (set.request, set.response)
    );

    let (server, mut h, s) = setup().await?;
    let err = session!(h, call_import_state, s, &saved)?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("client-with-host"),
        "{err:?}"
    );
    let set = names(&["sign"], &["log"]);
    let err = session!(h, call_set_hooks, s, &set)?.unwrap_err();
    assert!(err.kind == ErrorKind::Unsupported, "{err:?}");
    let err = h
        .get(s, &server.url("/get"), with_hooks(&[], &["log"]))
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::Unsupported, "{err:?}");
    session!(h, call_set_hooks, s, &names(&[], &[]))??;
    assert_still_works(&mut h, s, &server).await
}
