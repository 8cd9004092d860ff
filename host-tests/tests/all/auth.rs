//! Auth through the component: session Basic and Bearer, per-request override, URL userinfo.

use super::*;
use host_tests::host::{Auth, AuthOverride, Credentials};

fn basic(user: &str, pass: &str) -> Auth {
    Auth::Basic(Credentials {
        username: user.into(),
        password: pass.into(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn session_basic_auth_is_applied_to_every_request() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&basic("alice", "wonder")))??;
    assert!(
        matches!(session!(h, call_auth, s)?, Some(Auth::Basic(c)) if c.username == "alice" && c.password == "wonder")
    );
    let echo = get_json(&mut h, s, &server, "/basic-auth/alice/wonder").await?;
    assert_eq!(
        echo,
        serde_json::json!({"authenticated": true, "user": "alice"})
    );
    let r = h
        .get(s, &server.url("/basic-auth/alice/other"), None)
        .await??;
    assert_eq!(h.status(r).await?, 401);
    assert!(response!(h, call_raise_for_status, r)?.error_kind() == Some(ErrorKind::HttpStatus));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_auth_replaces_or_disables_the_session_auth() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&basic("alice", "wonder")))??;
    let o = RequestOptions {
        auth: Some(AuthOverride::Replace(Auth::Bearer("tok3n".into()))),
        ..opts()
    };
    let r = h.get(s, &server.url("/bearer"), o).await??;
    assert_eq!(h.json(r).await?["token"], "tok3n");
    let o = RequestOptions {
        auth: Some(AuthOverride::Disable),
        ..opts()
    };
    let r = h.get(s, &server.url("/headers"), o).await??;
    assert!(h.json(r).await?["headers"].get("authorization").is_none());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn url_userinfo_is_used_as_basic_auth_and_never_echoed_back() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = server
        .url("/basic-auth/bob/s3cret")
        .replace("http://", "http://bob:s3cret@");
    let r = h.get(s, &url, None).await??;
    assert_eq!(h.status(r).await?, 200);
    let final_url = h.url(r).await?;
    assert!(
        !final_url.contains("bob:"),
        "userinfo echoed in {final_url}"
    );
    let req = response!(h, call_request, r)?;
    assert_eq!(
        prepared!(h, call_url, req)?,
        server.url("/basic-auth/bob/s3cret"),
        "no userinfo in the prepared URL"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_credentials_are_refused_before_sending() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = session!(h, call_set_auth, s, Some(&basic("a:b", "x")))?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    let o = RequestOptions {
        auth: Some(AuthOverride::Replace(Auth::Bearer(
            "x\r\nInjected: 1".into(),
        ))),
        ..opts()
    };
    assert!(h.get(s, &server.url("/get"), o).await?.error_kind() == Some(ErrorKind::InvalidHeader));
    assert_still_works(&mut h, s, &server).await
}
