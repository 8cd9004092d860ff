//! Redirect loops and long redirect chains.

use super::helpers::{assert_survived, setup_with_cookie};
use super::*;
use anyhow::Context as _;
use host_tests::host::Body;

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_ends_in_too_many_redirects_at_the_default_limit() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let before = server.connections();
    let out = no_trap!("GET /loop", h.get(s, &server.url("/loop"), None).await);
    let e = out.expect_kind(ErrorKind::TooManyRedirects);
    assert_eq!(e.message, "Exceeded 30 redirects.");
    assert_eq!(e.url.as_deref(), Some(server.url("/loop").as_str()));
    let last = e
        .response
        .expect("too-many-redirects carries the last response");
    assert_eq!(last.status, 302);
    assert_eq!(last.url, server.url("/loop"));
    assert!(
        last.headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("location") && v.contains("/loop")),
        "{:?}",
        last.headers
    );
    let used = server.connections() - before;
    assert!(
        used <= 32,
        "a redirect loop costs one request per hop, not more: {used} connections"
    );
    // POST and a stricter limit end the same way; a limit of 0 follows nothing.
    session!(h, call_set_max_redirects, s, 0)??;
    let o = RequestOptions {
        body: Some(Body::Bytes(vec![b'x'; 1 << 20])),
        ..opts()
    };
    let out = no_trap!(
        "POST /loop",
        h.post(s, &server.url("/loop?post=1"), o).await
    );
    assert!(
        matches!(&out, Err(e) if e.kind == ErrorKind::TooManyRedirects && e.message == "Exceeded 0 redirects."),
        "{out:?}"
    );
    session!(h, call_set_max_redirects, s, 30)??;
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thirty_hop_chain_with_one_mib_bodies_succeeds_with_nested_history() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let size = 1 << 20;
    let url = server.url(&format!("/chain/30?size={size}"));
    let r = no_trap!("GET /chain/30", h.get(s, &url, None).await)
        .map_err(|e| anyhow::anyhow!("a 30-hop chain failed: {e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(h.json(r).await?["path"], "/chain/0");
    let history = h.history(r).await?;
    assert_eq!(history.len(), 30, "one entry per hop");
    for (i, hop) in history.iter().enumerate() {
        assert_eq!(h.status(*hop).await?, 302);
        let expected = server.url(&format!("/chain/{}?size={size}", 30 - i));
        assert_eq!(h.url(*hop).await?, expected, "hop {i}");
        assert_eq!(
            h.history(*hop).await?.len(),
            i,
            "hop {i}'s own history holds the hops before it"
        );
        // A hop's body is kept, or dropped to bound memory (then reading it says so).
        match no_trap!("a hop's content()", response!(h, call_content, *hop)) {
            Ok(body) => assert_eq!(body.len(), size, "hop {i}'s body"),
            Err(e) => assert!(e.kind == ErrorKind::StreamConsumed, "hop {i}: {e:?}"),
        }
    }
    // One hop more than the limit is too many.
    let url = server.url(&format!("/chain/31?size={size}"));
    let out = no_trap!("GET /chain/31", h.get(s, &url, None).await);
    assert!(
        out.error_kind() == Some(ErrorKind::TooManyRedirects),
        "{out:?}"
    );
    assert_survived(&mut h, s, &server).await
}
