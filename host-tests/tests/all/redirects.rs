//! Redirects through the component: history, method rewriting, limits and credential stripping.

use super::*;
use host_tests::host::{Auth, Body, Credentials};

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_chain_is_followed_and_kept_in_history_oldest_first() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/redirect/3"), None).await??;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(h.url(r).await?, server.url("/get"));
    let history = h.history(r).await?;
    let mut urls = Vec::new();
    for hop in &history {
        assert_eq!(h.status(*hop).await?, 302);
        assert!(response!(h, call_is_redirect, *hop)?);
        urls.push(h.url(*hop).await?);
    }
    assert_eq!(
        urls,
        [
            server.url("/redirect/3"),
            server.url("/redirect/2"),
            server.url("/redirect/1")
        ]
    );
    assert_eq!(
        h.history(history[2]).await?.len(),
        2,
        "each hop's history holds the hops before it"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn absolute_redirects_are_followed() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h
        .get(s, &server.url("/absolute-redirect/2"), None)
        .await??;
    assert_eq!(h.url(r).await?, server.url("/get"));
    assert_eq!(h.history(r).await?.len(), 2);
    Ok(())
}

fn redirect_to(server: &TestServer, target: &str, status: u16) -> String {
    let target: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
    server.url(&format!("/redirect-to?url={target}&status_code={status}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_303_turns_post_into_get_and_drops_the_body() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        body: Some(Body::Text("payload".into())),
        ..opts()
    };
    let r = h
        .post(s, &redirect_to(&server, "/anything", 303), o)
        .await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["data"], "");
    assert!(echo["headers"].get("content-length").is_none(), "{echo}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_307_and_308_keep_method_and_body() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    for status in [307, 308] {
        let o = RequestOptions {
            body: Some(Body::Json("[1,2]".into())),
            ..opts()
        };
        let r = h
            .post(s, &redirect_to(&server, "/anything", status), o)
            .await??;
        let echo = h.json(r).await?;
        assert_eq!(echo["method"], "POST", "{status}");
        assert_eq!(echo["json"], serde_json::json!([1, 2]), "{status}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_301_turns_post_into_get_but_keeps_put() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h
        .post(s, &redirect_to(&server, "/anything", 301), None)
        .await??;
    assert_eq!(h.json(r).await?["method"], "GET");
    let r = h
        .put(s, &redirect_to(&server, "/anything", 301), None)
        .await??;
    assert_eq!(h.json(r).await?["method"], "PUT");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_redirects_carries_the_last_response_and_the_session_survives() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_max_redirects, s, 2)??;
    let e = h
        .get(s, &server.url("/redirect/5"), None)
        .await?
        .expect_kind(ErrorKind::TooManyRedirects);
    assert_eq!(e.message, "Exceeded 2 redirects.");
    // The hops before the last response, oldest first (requests' e.response.history).
    let hops: Vec<(u16, String)> = e
        .history
        .iter()
        .map(|h| (h.status, h.url.clone()))
        .collect();
    assert_eq!(
        hops,
        [
            (302, server.url("/redirect/5")),
            (302, server.url("/redirect/4"))
        ]
    );
    let last = e
        .response
        .expect("too-many-redirects carries the last response");
    assert_eq!(last.status, 302);
    assert_eq!(last.reason, "Found");
    assert_eq!(last.url, server.url("/redirect/3"));
    let location = last
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.as_str());
    assert!(
        location.is_some_and(|l| l.ends_with("/redirect/2")),
        "{:?}",
        last.headers
    );
    assert_eq!(e.url.as_deref(), Some(server.url("/redirect/3").as_str()));
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_not_followed_when_disallowed_nor_by_head() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            allow_redirects: Some(false),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &server.url("/redirect/1"), o).await??;
    assert_eq!(h.status(r).await?, 302);
    assert_eq!(h.header(r, "location").await?.as_deref(), Some("/get"));
    let r = h.head(s, &server.url("/redirect/1"), None).await??;
    assert_eq!(h.status(r).await?, 302);
    let o = RequestOptions {
        send: Some(SendOptions {
            allow_redirects: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.head(s, &server.url("/redirect/1"), o).await??;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_is_stripped_when_a_redirect_changes_host_but_kept_on_the_same_host(
) -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let auth = Auth::Basic(Credentials {
        username: "user".into(),
        password: "pass".into(),
    });
    session!(h, call_set_auth, s, Some(&auth))??;
    let r = h
        .get(
            s,
            &redirect_to(&server, &server.alt_url("/headers"), 302),
            None,
        )
        .await??;
    let echo = h.json(r).await?;
    assert!(
        echo["url"]
            .as_str()
            .unwrap_or("")
            .starts_with("http://127.0.0.2:"),
        "{echo}"
    );
    assert!(
        echo["headers"].get("authorization").is_none(),
        "credentials leaked to another host: {echo}"
    );
    let r = h
        .get(s, &redirect_to(&server, "/headers", 302), None)
        .await??;
    assert_eq!(
        h.json(r).await?["headers"]["authorization"],
        "Basic dXNlcjpwYXNz"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_reselected_for_each_hop() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    h.get(s, &server.url("/cookies/set?here=1"), None).await??;
    let r = h
        .get(
            s,
            &redirect_to(&server, &server.alt_url("/cookies"), 302),
            None,
        )
        .await??;
    assert_eq!(
        h.json(r).await?["cookies"],
        serde_json::json!({}),
        "127.0.0.1's cookie must not go to 127.0.0.2"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fragment_is_carried_to_the_final_url() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h
        .get(s, &format!("{}#section", server.url("/redirect/1")), None)
        .await??;
    assert_eq!(h.url(r).await?, format!("{}#section", server.url("/get")));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_scheme_without_adapter_is_invalid_schema() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h
        .get(s, &redirect_to(&server, "ftp://127.0.0.1/file", 302), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidSchema, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}
