//! Huge, numerous and joined `Set-Cookie`s, and cookies for a public suffix.

use super::helpers::{
    assert_survived, canned, is_transport_failure, mount_scripted, setup_with_cookie,
};
use super::*;
use anyhow::Context as _;

#[tokio::test(flavor = "multi_thread")]
async fn a_200_kib_set_cookie_does_not_trap_the_next_request_to_that_host() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let out = no_trap!(
        "GET /hostile/big-cookie",
        h.get(s, &server.url("/hostile/big-cookie?size=204800"), None)
            .await
    );
    if let Ok(r) = out {
        assert_eq!(h.status(r).await?, 200);
    }
    // The next request to that host would carry it in its Cookie header.
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), None).await
    );
    out.map_err(|e| anyhow::anyhow!("the next request to the host failed: {e:?}"))?;
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_set_cookies_do_not_trap_the_next_request_to_that_host() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // Over the wire: the host's hyper refuses a head of more than 100 headers.
    let out = no_trap!(
        "GET /hostile/many-cookies",
        h.get(s, &server.url("/hostile/many-cookies?n=20000"), None)
            .await
    );
    match &out {
        Ok(r) => assert_eq!(h.status(*r).await?, 200),
        Err(e) => assert!(is_transport_failure(e), "{e:?}"),
    }
    // Past the host: a scripted adapter on a path of the same host hands the component all
    // 20,000, and the next request to the host goes over wasi:http with the jar's cookies.
    let headers = (0..20_000)
        .map(|i| ("Set-Cookie".to_string(), format!("s{i}=v{i}; Path=/")))
        .collect();
    let prefix = server.url("/scripted/");
    mount_scripted(&mut h, s, &prefix, &[canned(200, headers, b"{}")]).await?;
    let out = no_trap!(
        "GET through the scripted adapter",
        h.get(s, &server.url("/scripted/cookies"), None).await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), None).await
    );
    out.map_err(|e| anyhow::anyhow!("the next request to the host failed: {e:?}"))?;
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_that_fit_one_by_one_but_not_together_are_a_typed_error_not_a_trap() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // 90 cookies of 4,000 bytes: each is an ordinary size, the head (360 KB) gets past the
    // host's hyper, and together they make a Cookie header wasi:http cannot carry.
    let out = no_trap!(
        "GET /hostile/many-cookies (90 x 4000)",
        h.get(s, &server.url("/hostile/many-cookies?n=90&size=4000"), None)
            .await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), None).await
    );
    match out {
        Ok(r) => assert_eq!(h.status(r).await?, 200),
        Err(e) => assert!(
            matches!(e.kind, ErrorKind::InvalidHeader | ErrorKind::InvalidCookie),
            "{e:?}"
        ),
    }
    for i in 0..90 {
        no_trap!(
            "remove-cookie",
            session!(h, call_remove_cookie, s, &format!("c{i}"), None, None)
        )?;
    }
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn one_set_cookie_of_twenty_thousand_comma_joined_cookies_does_not_trap() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let out = no_trap!(
        "GET /hostile/joined-cookies",
        h.get(s, &server.url("/hostile/joined-cookies?n=20000"), None)
            .await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), None).await
    );
    out.map_err(|e| anyhow::anyhow!("the next request to the host failed: {e:?}"))?;
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_for_a_public_suffix_are_refused() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let set = |v: &[&str]| -> Vec<(String, String)> {
        v.iter()
            .map(|c| ("Set-Cookie".to_string(), c.to_string()))
            .collect()
    };
    mount_scripted(
        &mut h,
        s,
        "http://www.example.co.uk/",
        &[canned(
            200,
            set(&[
                "ps=1; Domain=co.uk; Path=/",
                "dot=1; Domain=.co.uk; Path=/",
                "ok=1; Domain=example.co.uk; Path=/",
            ]),
            b"",
        )],
    )
    .await?;
    mount_scripted(
        &mut h,
        s,
        "http://evil.github.io/",
        &[canned(200, set(&["gh=1; Domain=github.io; Path=/"]), b"")],
    )
    .await?;
    let other = mount_scripted(
        &mut h,
        s,
        "http://other.co.uk/",
        &[canned(200, vec![], b"")],
    )
    .await?;
    let sibling = mount_scripted(
        &mut h,
        s,
        "http://pages.github.io/",
        &[canned(200, vec![], b"")],
    )
    .await?;
    for url in [
        "http://www.example.co.uk/",
        "http://evil.github.io/",
        "http://other.co.uk/",
        "http://pages.github.io/",
    ] {
        let r = no_trap!(url, h.get(s, url, None).await).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        assert_eq!(h.status(r).await?, 200);
    }
    let jar = session!(h, call_cookies, s)?;
    let domains: Vec<_> = jar
        .iter()
        .map(|c| (c.name.as_str(), c.domain.as_str()))
        .collect();
    assert!(
        domains.contains(&("ok", "example.co.uk")),
        "a registrable domain is fine: {domains:?}"
    );
    for name in ["ps", "dot", "gh"] {
        assert!(
            !domains.iter().any(|(n, _)| *n == name),
            "a cookie for a public suffix is refused: {domains:?}"
        );
    }
    for (adapter, host) in [(other, "other.co.uk"), (sibling, "pages.github.io")] {
        let received = adapter!(h, call_received, adapter)?;
        let cookie = received[0]
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("cookie"));
        assert_eq!(cookie, None, "nothing leaks to {host}");
    }
    // Over the wire to an IP host, a Domain attribute never matches.
    let r = no_trap!(
        "GET /hostile/domain-cookie",
        h.get(s, &server.url("/hostile/domain-cookie?domain=co.uk"), None)
            .await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(response!(h, call_cookies, r)?.is_empty());
    assert_survived(&mut h, s, &server).await
}
