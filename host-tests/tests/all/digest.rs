//! Digest auth (RFC 7616) through the component against the fixture's verifying endpoint.

use super::*;
use host_tests::host::{Auth, Credentials};

fn digest(user: &str, pass: &str) -> Auth {
    Auth::Digest(Credentials {
        username: user.into(),
        password: pass.into(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_auth_answers_the_challenge_once_for_every_algorithm() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&digest("user", "passwd")))??;
    for algorithm in [
        "MD5",
        "MD5-sess",
        "SHA",
        "SHA-256",
        "SHA-256-sess",
        "SHA-512-256",
    ] {
        let r = h
            .get(
                s,
                &server.url(&format!("/digest-auth/auth/user/passwd/{algorithm}")),
                None,
            )
            .await??;
        assert_eq!(h.status(r).await?, 200, "{algorithm}");
        let body = h.json(r).await?;
        assert_eq!(body["authenticated"], true, "{algorithm}: {body}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_keeps_the_401_in_history_and_carries_its_cookies() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        auth: Some(host_tests::host::AuthOverride::Replace(digest("u", "p"))),
        ..opts()
    };
    // The server answers 403 if the cookie its 401 set does not come back with the retry.
    let r = h
        .get(s, &server.url("/digest-auth/auth/u/p/SHA-256"), o)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    let history = h.history(r).await?;
    assert_eq!(history.len(), 1);
    assert_eq!(h.status(history[0]).await?, 401);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_counts_nonce_uses_and_retries_a_stale_nonce() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&digest("u", "p")))??;
    let url = server.url("/digest-auth/auth/u/p/MD5");
    let r = h.get(s, &url, None).await??;
    assert_eq!(h.json(r).await?["nc"], "00000001");
    // The next request answers the known challenge up front, with the next count.
    let r = h.get(s, &url, None).await??;
    assert_eq!(h.json(r).await?["nc"], "00000002");
    assert!(
        h.history(r).await?.is_empty(),
        "no 401 when the nonce is known"
    );
    // A stale nonce gets one more retry with the new nonce.
    let r = h
        .get(s, &server.url("/digest-auth/auth/u/p/MD5/stale-once"), None)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_digest_credentials_end_in_the_401_after_one_retry() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&digest("u", "wrong")))??;
    let r = h
        .get(s, &server.url("/digest-auth/auth/u/p/MD5"), None)
        .await??;
    assert_eq!(h.status(r).await?, 401);
    assert_eq!(h.history(r).await?.len(), 1, "exactly one retry");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_credentials_follow_a_redirect_on_the_same_host_only() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_auth, s, Some(&digest("u", "p")))??;
    let target = "/digest-auth/auth/u/p/MD5";
    let r = h
        .get(s, &server.url(&format!("/redirect-to?url={target}")), None)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    let r = h
        .get(
            s,
            &server.url(&format!("/redirect-to?url={}", server.alt_url(target))),
            None,
        )
        .await??;
    assert_eq!(h.status(r).await?, 401, "no Digest answer to another host");
    Ok(())
}
