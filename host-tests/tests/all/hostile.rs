//! Hostile servers: redirect loops, huge and numerous cookies and headers, early answers to
//! uploads, cut connections and malformed framing. Every call ends in a typed error or a correct
//! response, never a trap (a trap is the outer `Err` of a call, and poisons the instance), and
//! afterwards the session still works and still sends the cookie it had before.
//!
//! The known cookie lives on `127.0.0.2` (the fixture's second address) while the hostile
//! answers come from `127.0.0.1`, so a jar that evicts a flooding host's own cookies first (as
//! RFC 6265 §5.3 suggests) keeps it; the session must also keep working for the hostile host.
//! Endpoints: `host_tests::server` (`hostile` for the hyper ones, `HostileServer` for raw bytes).

use super::*;
use anyhow::Context as _;
use host_tests::host::{
    send_opts, Auth, Body, CannedResponse, Credentials, HarnessBuilder, Link, NewCookie,
};
use host_tests::pool::PooledTransport;
use host_tests::server::HostileServer;

/// The `Ok` of a call, or why it trapped (a trap is never acceptable here).
macro_rules! no_trap {
    ($what:expr, $call:expr) => {
        $call
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{} trapped the component", $what))?
    };
}

/// A server, an instance and a session holding the cookie `known=yes` for `127.0.0.2`.
async fn setup_with_cookie() -> Result<(TestServer, Harness, ResourceAny)> {
    setup_with_cookie_on(Harness::builder()).await
}

/// [`setup_with_cookie`] with an instance built by `builder` (another transport, say).
async fn setup_with_cookie_on(
    builder: HarnessBuilder,
) -> Result<(TestServer, Harness, ResourceAny)> {
    let server = TestServer::start();
    let mut h = builder.build().await?;
    let s = h.session().await?;
    let r = h
        .get(s, &server.alt_url("/cookies/set?known=yes"), opts())
        .await??;
    assert_eq!(h.json(r).await?["cookies"]["known"], "yes");
    Ok((server, h, s))
}

/// The session still sends `known=yes` to `127.0.0.2`, lists it, and still works for `127.0.0.1`.
async fn assert_survived(h: &mut Harness, s: ResourceAny, server: &TestServer) -> Result<()> {
    let r = no_trap!(
        "GET /cookies afterwards",
        h.get(s, &server.alt_url("/cookies"), opts()).await
    );
    let r = r.map_err(|e| anyhow::anyhow!("the session broke after a hostile answer: {e:?}"))?;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["cookies"]["known"], "yes",
        "the cookie set before the hostile answer is still sent: {echo}"
    );
    let jar = no_trap!("cookies()", session!(h, call_cookies, s))?;
    assert!(
        jar.iter().any(|c| c.name == "known" && c.value == "yes"),
        "the jar still lists the known cookie"
    );
    let r = no_trap!(
        "GET /get afterwards",
        h.get(s, &server.url("/get"), opts()).await
    );
    let r = r.map_err(|e| {
        anyhow::anyhow!("the session no longer works for the hostile host after it: {e:?}")
    })?;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

fn canned(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> CannedResponse {
    CannedResponse {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// Mounts a scripted adapter with `responses` on `prefix`; returns the adapter.
async fn mount_scripted(
    h: &mut Harness,
    s: ResourceAny,
    prefix: &str,
    responses: &[CannedResponse],
) -> Result<ResourceAny> {
    let mock = adapter!(h, call_scripted, responses)??;
    session!(h, call_mount, s, prefix, mock)??;
    Ok(mock)
}

/// An error the host's transport reports: the connection failed or the answer was not HTTP.
/// `the response was already taken` is the guest tripping over its own bookkeeping, not a reason.
fn is_transport_failure(e: &Error) -> bool {
    match e {
        Error::Connection(_) | Error::ReadTimeout(_) => true,
        Error::Transport(t) => {
            t.code != "internal-error"
                || !t
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.contains("already taken"))
        }
        _ => false,
    }
}

fn text_of(n: usize) -> String {
    "v".repeat(n)
}

// ---------------------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_ends_in_too_many_redirects_at_the_default_limit() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let before = server.connections();
    let out = no_trap!("GET /loop", h.get(s, &server.url("/loop"), opts()).await);
    match out {
        Err(Error::TooManyRedirects(e)) => {
            assert_eq!(e.message, "Exceeded 30 redirects.");
            assert_eq!(h.status(e.response).await?, 302);
            assert_eq!(h.url(e.response).await?, server.url("/loop"));
            assert_eq!(h.history(e.response).await?.len(), 30);
        }
        other => panic!("expected too-many-redirects, got {other:?}"),
    }
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
        matches!(&out, Err(Error::TooManyRedirects(e)) if e.message == "Exceeded 0 redirects."),
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
    let r = no_trap!("GET /chain/30", h.get(s, &url, opts()).await)
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
            Err(e) => assert!(matches!(e, Error::StreamConsumed(_)), "hop {i}: {e:?}"),
        }
    }
    // One hop more than the limit is too many.
    let url = server.url(&format!("/chain/31?size={size}"));
    let out = no_trap!("GET /chain/31", h.get(s, &url, opts()).await);
    assert!(matches!(&out, Err(Error::TooManyRedirects(_))), "{out:?}");
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Cookies
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_200_kib_set_cookie_does_not_trap_the_next_request_to_that_host() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let out = no_trap!(
        "GET /hostile/big-cookie",
        h.get(s, &server.url("/hostile/big-cookie?size=204800"), opts())
            .await
    );
    if let Ok(r) = out {
        assert_eq!(h.status(r).await?, 200);
    }
    // The next request to that host would carry it in its Cookie header.
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), opts()).await
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
        h.get(s, &server.url("/hostile/many-cookies?n=20000"), opts())
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
        h.get(s, &server.url("/scripted/cookies"), opts()).await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), opts()).await
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
        h.get(
            s,
            &server.url("/hostile/many-cookies?n=90&size=4000"),
            opts()
        )
        .await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), opts()).await
    );
    match out {
        Ok(r) => assert_eq!(h.status(r).await?, 200),
        Err(e) => assert!(
            matches!(e, Error::InvalidHeader(_) | Error::InvalidCookie(_)),
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
        h.get(s, &server.url("/hostile/joined-cookies?n=20000"), opts())
            .await
    );
    let r = out.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    let out = no_trap!(
        "GET /cookies after it",
        h.get(s, &server.url("/cookies"), opts()).await
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
        let r = no_trap!(url, h.get(s, url, opts()).await).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        assert_eq!(h.status(r).await?, 200);
    }
    let jar = session!(h, call_cookies, s)??;
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
        h.get(
            s,
            &server.url("/hostile/domain-cookie?domain=co.uk"),
            opts()
        )
        .await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(response!(h, call_cookies, r)?.is_empty());
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Response headers
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn thousands_of_response_headers_are_a_typed_error_or_a_response() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // Past the host's hyper (100 headers): a typed error.
    let out = no_trap!(
        "GET /hostile/many-headers?n=5000",
        h.get(s, &server.url("/hostile/many-headers?n=5000"), opts())
            .await
    );
    match &out {
        Ok(r) => assert_eq!(
            response!(h, call_header_all, *r, "x-hostile-4999")?,
            ["v4999"]
        ),
        Err(e) => assert!(is_transport_failure(e), "{e:?}"),
    }
    // Just under it: every header arrives.
    let r = no_trap!(
        "GET /hostile/many-headers?n=90",
        h.get(s, &server.url("/hostile/many-headers?n=90"), opts())
            .await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let headers = h.headers(r).await?;
    assert_eq!(
        headers
            .iter()
            .filter(|(n, _)| n.starts_with("x-hostile-"))
            .count(),
        90
    );
    // Past the host: 20,000 headers straight into the component.
    let many = (0..20_000)
        .map(|i| (format!("X-Hostile-{i}"), format!("v{i}")))
        .collect();
    mount_scripted(
        &mut h,
        s,
        &server.url("/scripted/"),
        &[canned(200, many, b"")],
    )
    .await?;
    let r = no_trap!(
        "GET through the scripted adapter",
        h.get(s, &server.url("/scripted/headers"), opts()).await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(h.headers(r).await?.len() >= 20_000);
    assert_eq!(
        h.header(r, "x-hostile-19999").await?.as_deref(),
        Some("v19999")
    );
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_response_header_is_a_typed_error_or_a_response() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // 1 MiB: past the host's hyper (about 408 KiB of head).
    let out = no_trap!(
        "GET /hostile/huge-header (1 MiB)",
        h.get(s, &server.url("/hostile/huge-header?size=1048576"), opts())
            .await
    );
    match &out {
        Ok(r) => assert_eq!(
            h.header(*r, "x-huge").await?.map(|v| v.len()),
            Some(1 << 20)
        ),
        Err(e) => assert!(is_transport_failure(e), "{e:?}"),
    }
    // 400,000 bytes: just under it, so it reaches the component.
    let r = no_trap!(
        "GET /hostile/huge-header (400 KB)",
        h.get(s, &server.url("/hostile/huge-header?size=400000"), opts())
            .await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.header(r, "x-huge").await?.map(|v| v.len()), Some(400_000));
    // 4 MiB past the host, through a scripted adapter.
    let huge = vec![("X-Huge".to_string(), text_of(4 << 20))];
    mount_scripted(
        &mut h,
        s,
        &server.url("/scripted/"),
        &[canned(200, huge, b"")],
    )
    .await?;
    let r = no_trap!(
        "GET through the scripted adapter",
        h.get(s, &server.url("/scripted/huge"), opts()).await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.header(r, "x-huge").await?.map(|v| v.len()), Some(4 << 20));
    assert_survived(&mut h, s, &server).await
}

/// `links` holds the first entries of the header, in order: all `sent` of them, or as many as
/// a bound the component sets on the list (at least 100).
fn assert_links(links: &[Link], sent: usize, expected: impl Fn(usize) -> (String, Option<String>)) {
    assert!(
        (100..=sent).contains(&links.len()),
        "{} links of {sent}",
        links.len()
    );
    for (i, link) in links.iter().enumerate() {
        let (url, rel) = expected(i);
        assert_eq!((&link.url, &link.rel), (&url, &rel), "link {i}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_header_with_100000_entries_is_parsed_or_bounded() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // `<a>` entries: 100,000 of them fit under the host's 408 KiB head.
    let r = no_trap!(
        "GET /hostile/link (compact)",
        h.get(s, &server.url("/hostile/link?n=100000&compact=1"), opts())
            .await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let links = no_trap!("links()", response!(h, call_links, r));
    assert_links(&links, 100_000, |_| (server.url("/hostile/a"), None));
    // Full entries past the host, through a scripted adapter.
    let value = (0..100_000)
        .map(|i| format!("</page/{i}>; rel=\"p{i}\"; title=\"page {i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let headers = vec![("Link".to_string(), value)];
    mount_scripted(
        &mut h,
        s,
        &server.url("/scripted/"),
        &[canned(200, headers, b"")],
    )
    .await?;
    let r = no_trap!(
        "GET through the scripted adapter",
        h.get(s, &server.url("/scripted/links"), opts()).await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let links = no_trap!("links()", response!(h, call_links, r));
    assert_links(&links, 100_000, |i| {
        (server.url(&format!("/page/{i}")), Some(format!("p{i}")))
    });
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_digest_challenge_is_a_typed_error_or_a_response() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let digest = Auth::Digest(Credentials {
        username: "user".into(),
        password: "pass".into(),
    });
    session!(h, call_set_auth, s, Some(&digest))??;
    // 1 MiB over the wire: past the host's hyper.
    let out = no_trap!(
        "GET /hostile/digest (1 MiB)",
        h.get(s, &server.url("/hostile/digest?size=1048576"), opts())
            .await
    );
    match &out {
        Ok(r) => assert!([200, 401].contains(&h.status(*r).await?)),
        Err(e) => assert!(is_transport_failure(e), "{e:?}"),
    }
    // 400 KB over the wire: the challenge reaches the component, and an answer echoing its
    // nonce and opaque would be a header wasi:http cannot carry.
    let out = no_trap!(
        "GET /hostile/digest (400 KB)",
        h.get(s, &server.url("/hostile/digest?size=400000"), opts())
            .await
    );
    match &out {
        Ok(r) => assert!([200, 401].contains(&h.status(*r).await?)),
        Err(e) => assert!(
            matches!(e, Error::InvalidHeader(_)) || is_transport_failure(e),
            "{e:?}"
        ),
    }
    // 1 MiB through a scripted adapter: it takes any answer.
    let challenge = format!(
        "Digest realm=\"hostile\", qop=\"auth\", nonce=\"{}\", opaque=\"{}\"",
        text_of(512 << 10),
        text_of(512 << 10)
    );
    let responses = [
        canned(401, vec![("WWW-Authenticate".into(), challenge)], b""),
        canned(200, vec![], b"answered"),
    ];
    mount_scripted(&mut h, s, &server.url("/scripted/"), &responses).await?;
    let out = no_trap!(
        "GET through the scripted adapter",
        h.get(s, &server.url("/scripted/digest"), opts()).await
    );
    match &out {
        Ok(r) => assert!([200, 401].contains(&h.status(*r).await?)),
        Err(e) => assert!(matches!(e, Error::InvalidHeader(_)), "{e:?}"),
    }
    session!(h, call_set_auth, s, None)??;
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Request headers the host cannot carry
// ---------------------------------------------------------------------------------------------

fn is_invalid_header(out: &std::result::Result<ResourceAny, Error>) -> bool {
    matches!(out, Err(Error::InvalidHeader(_)))
}

#[tokio::test(flavor = "multi_thread")]
async fn request_headers_too_big_for_the_host_are_invalid_header_not_a_trap() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let url = server.url("/get");
    let big = text_of(200 << 10);

    // One header of 200 KiB, per request.
    let o = with_headers(&[("X-Big", Some(&big))]);
    let out = no_trap!("GET with a 200 KiB header", h.get(s, &url, o).await);
    assert!(is_invalid_header(&out), "{out:?}");

    // 5,000 small headers, per request.
    let names: Vec<String> = (0..5000).map(|i| format!("X-Many-{i}")).collect();
    let many: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), Some("v"))).collect();
    let out = no_trap!(
        "GET with 5,000 headers",
        h.get(s, &url, with_headers(&many)).await
    );
    assert!(is_invalid_header(&out), "{out:?}");

    // A session header of 200 KiB: refused when set, or when sent.
    let set = no_trap!(
        "set-header 200 KiB",
        session!(h, call_set_header, s, "X-Big", &big)
    );
    if set.is_ok() {
        let out = no_trap!(
            "GET with a 200 KiB session header",
            h.get(s, &url, opts()).await
        );
        assert!(is_invalid_header(&out), "{out:?}");
        session!(h, call_remove_header, s, "X-Big")??;
    } else {
        assert!(matches!(set, Err(Error::InvalidHeader(_))), "{set:?}");
    }

    // A cookie of 200 KiB set by hand: refused when set, or when sent.
    let cookie = NewCookie {
        name: "huge".into(),
        value: big.clone(),
        domain: None,
        path: None,
        secure: false,
        expires: None,
    };
    let set = no_trap!(
        "set-cookie 200 KiB",
        session!(h, call_set_cookie, s, &cookie)
    );
    if set.is_ok() {
        let out = no_trap!("GET with a 200 KiB cookie", h.get(s, &url, opts()).await);
        assert!(is_invalid_header(&out), "{out:?}");
        session!(h, call_remove_cookie, s, "huge", None, None)??;
    } else {
        assert!(matches!(set, Err(Error::InvalidCookie(_))), "{set:?}");
    }

    // Per-request cookies of 200 KiB.
    let o = RequestOptions {
        cookies: Some(pairs(&[("huge", big.as_str())])),
        ..opts()
    };
    let out = no_trap!("GET with a 200 KiB request cookie", h.get(s, &url, o).await);
    assert!(
        matches!(out, Err(Error::InvalidHeader(_) | Error::InvalidCookie(_))),
        "{out:?}"
    );

    // A prepared request given a 200 KiB header, then sent.
    let p = session!(h, call_prepare_request, s, "GET", &url, &opts())??;
    prepared!(h, call_set_header, p, "X-Big", Some(big.as_str()))??;
    let out = no_trap!(
        "send with a 200 KiB header",
        session!(h, call_send, s, p, &send_opts())
    );
    assert!(is_invalid_header(&out), "{out:?}");

    // A streaming upload with a 200 KiB header.
    let o = with_headers(&[("X-Big", Some(&big))]);
    let out = no_trap!(
        "start-request with a 200 KiB header",
        session!(
            h,
            call_start_request,
            s,
            "PUT",
            &server.url("/upload"),
            &o,
            None
        )
    );
    assert!(matches!(out, Err(Error::InvalidHeader(_))), "{out:?}");

    // A URL of 200 KiB: a typed error, or the server's own answer (414).
    let long = server.url(&format!("/get?q={big}"));
    let out = no_trap!("GET a 200 KiB URL", h.get(s, &long, opts()).await);
    match &out {
        Ok(r) => assert!([200, 414, 431].contains(&h.status(*r).await?)),
        Err(e) => assert!(
            matches!(e, Error::InvalidUrl(_)) || is_transport_failure(e),
            "{e:?}"
        ),
    }
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Uploads answered early, and cut off
// ---------------------------------------------------------------------------------------------

macro_rules! writer {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_session().body_writer().$call(&mut $h.store $(, $arg)*).await
    };
}

/// The upload size: bigger than loopback's socket buffers usually take in one go, so the
/// answer tends to arrive while the body is still being written.
const UPLOAD: usize = 4 << 20;

/// POSTs `UPLOAD` bytes to `url`, in one `post` (`streamed` false) or through `start-request`
/// and a body writer in 256 KiB pieces. Write errors are returned as the outcome too.
async fn upload(
    h: &mut Harness,
    s: ResourceAny,
    url: &str,
    streamed: bool,
    allow_redirects: bool,
) -> Result<std::result::Result<ResourceAny, Error>> {
    let o = RequestOptions {
        allow_redirects: Some(allow_redirects),
        ..opts()
    };
    if !streamed {
        let o = RequestOptions {
            body: Some(Body::Bytes(vec![b'u'; UPLOAD])),
            ..o
        };
        return Ok(no_trap!("POST upload", h.post(s, url, o).await));
    }
    let w = match no_trap!(
        "start-request",
        session!(
            h,
            call_start_request,
            s,
            "POST",
            url,
            &o,
            Some(UPLOAD as u64)
        )
    ) {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    let piece = vec![b'u'; 256 << 10];
    for _ in 0..UPLOAD / piece.len() {
        if let Err(e) = no_trap!("body-writer.write", writer!(h, call_write, w, &piece)) {
            // The writer is given up; dropping it must not trap either.
            no_trap!("dropping the body writer", h.drop_resource(w).await);
            return Ok(Err(e));
        }
    }
    Ok(no_trap!("body-writer.finish", writer!(h, call_finish, w)))
}

/// 54 uploads answered early (413, 307, 401; after reading nothing or 64 KiB; in one piece or
/// streamed), each closed cleanly (FIN, then the rest of the body read and discarded, as nginx's
/// lingering close does). With `every_time`, each answer must arrive; without it (wasmtime's
/// stock transport, see below) an answer may be lost to a typed transport error, never a trap.
async fn early_answers_with_a_clean_close(builder: HarnessBuilder, every_time: bool) -> Result<()> {
    let (server, mut h, s) = setup_with_cookie_on(builder).await?;
    let hostile = HostileServer::start();
    let elsewhere: String =
        form_urlencoded::byte_serialize(server.url("/anything").as_bytes()).collect();
    let mut lost = 0;
    for i in 0..54 {
        let status = [413, 307, 401][i % 3];
        let read = [0, 65536][(i / 3) % 2];
        let streamed = (i / 6) % 2 == 1;
        let url = hostile.url(&format!(
            "/early/{status}?read={read}&close=clean&location={elsewhere}"
        ));
        let out = upload(&mut h, s, &url, streamed, false).await?;
        let r = match out {
            Err(e) if !every_time && is_transport_failure(&e) => {
                lost += 1;
                continue;
            }
            out => out.map_err(|e| {
                anyhow::anyhow!(
                    "round {i}: {status} after {read} bytes (streamed {streamed}): {e:?}"
                )
            })?,
        };
        assert_eq!(h.status(r).await?, status, "round {i}");
        assert_eq!(
            h.json(r).await?["early"],
            status,
            "round {i}: the early answer's body"
        );
    }
    eprintln!("{lost} of 54 early answers were lost by the host");
    if !every_time {
        return assert_survived(&mut h, s, &server).await;
    }
    // A 307 answered early to a body sent in one piece is followed, body and all.
    let url = hostile.url(&format!("/early/307?close=clean&location={elsewhere}"));
    let r = upload(&mut h, s, &url, false, true)
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(h.json(r).await?["body_len"], UPLOAD);
    assert_eq!(h.history(r).await?.len(), 1);
    // Streamed, it is the response: the body is never sent twice.
    let r = upload(&mut h, s, &url, true, true)
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.status(r).await?, 307);
    assert_survived(&mut h, s, &server).await
}

/// wasmtime's stock transport (`default_send_request`) can lose the answer: when the server's FIN
/// arrives with it while the body is still being sent, hyper hands the response to its callback
/// and then fails the connection ("connection closed before message completed") in the same
/// poll, and `default_send_request` returns that error (`HTTP-protocol-error`) instead of the
/// response it already has. Nothing in the guest can get it back; it must still be a typed error.
#[tokio::test(flavor = "multi_thread")]
async fn uploads_answered_early_with_a_clean_close_are_the_answer_or_a_typed_error_over_the_stock_transport(
) -> Result<()> {
    early_answers_with_a_clean_close(Harness::builder(), false).await
}

/// Over a hyper-util client (the pooled transport), which drives the connection apart from the
/// response, every early answer arrives.
#[tokio::test(flavor = "multi_thread")]
async fn uploads_answered_early_with_a_clean_close_get_the_answer_every_time_over_the_pooled_transport(
) -> Result<()> {
    early_answers_with_a_clean_close(
        Harness::builder().transport(PooledTransport::default()),
        true,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_answered_early_with_an_abrupt_close_get_the_answer_or_a_typed_error() -> Result<()>
{
    let (server, mut h, s) = setup_with_cookie().await?;
    let hostile = HostileServer::start();
    let mut answered = 0;
    for i in 0..54 {
        let status = [413, 307, 401][i % 3];
        let read = [0, 65536][(i / 3) % 2];
        let streamed = (i / 6) % 2 == 1;
        let url = hostile.url(&format!("/early/{status}?read={read}&close=abrupt"));
        match upload(&mut h, s, &url, streamed, false).await? {
            Ok(r) => {
                assert_eq!(h.status(r).await?, status, "round {i}");
                answered += 1;
            }
            Err(e) => assert!(
                is_transport_failure(&e),
                "round {i}: {status} after {read} bytes (streamed {streamed}): {e:?}"
            ),
        }
    }
    eprintln!("{answered} of 54 early answers arrived before the reset");
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_cut_off_without_an_answer_are_a_typed_error() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let hostile = HostileServer::start();
    for i in 0..24 {
        let close = ["abrupt", "clean"][i % 2];
        let read = [0, 65536][(i / 2) % 2];
        let streamed = (i / 4) % 2 == 1;
        let url = hostile.url(&format!("/cut?read={read}&close={close}"));
        let out = upload(&mut h, s, &url, streamed, true).await?;
        match out {
            Ok(r) => panic!(
                "round {i}: no answer was sent, yet the upload got {}",
                h.status(r).await?
            ),
            Err(e) => assert!(
                is_transport_failure(&e),
                "round {i}: {close} close after {read} bytes (streamed {streamed}): {e:?}"
            ),
        }
    }
    // A GET cut off the same way.
    for close in ["abrupt", "clean"] {
        let url = hostile.url(&format!("/cut?close={close}"));
        let out = no_trap!("GET /cut", h.get(s, &url, opts()).await);
        assert!(
            matches!(&out, Err(e) if is_transport_failure(e)),
            "{close}: {out:?}"
        );
    }
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Malformed framing
// ---------------------------------------------------------------------------------------------

/// GETs `url` in full and streamed (reading until the end or an error); returns both errors.
async fn get_both_ways(
    h: &mut Harness,
    s: ResourceAny,
    url: &str,
) -> Result<(Option<Error>, Option<Error>)> {
    let whole = no_trap!("GET", h.get(s, url, opts()).await).err();
    let o = RequestOptions {
        stream: Some(true),
        ..opts()
    };
    let streamed = match no_trap!("GET streamed", h.get(s, url, o).await) {
        Err(e) => Some(e),
        Ok(r) => loop {
            match no_trap!("read-chunk", response!(h, call_read_chunk, r, 4096)) {
                Ok(Some(_)) => continue,
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        },
    };
    Ok((whole, streamed))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_content_length_longer_than_the_body_is_a_typed_error() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let hostile = HostileServer::start();
    let (whole, streamed) = get_both_ways(&mut h, s, &hostile.url("/short-body")).await?;
    for e in [whole, streamed] {
        assert!(matches!(&e, Some(e) if is_transport_failure(e)), "{e:?}");
    }
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_or_truncated_chunked_encoding_is_a_typed_error() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let hostile = HostileServer::start();
    for path in ["/bad-chunked", "/truncated-chunked"] {
        let (whole, streamed) = get_both_ways(&mut h, s, &hostile.url(path)).await?;
        for e in [whole, streamed] {
            assert!(
                matches!(&e, Some(e) if is_transport_failure(e)),
                "{path}: {e:?}"
            );
        }
    }
    assert_survived(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_gzip_body_is_a_content_decoding_error() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    let hostile = HostileServer::start();
    let (whole, streamed) = get_both_ways(&mut h, s, &hostile.url("/truncated-gzip")).await?;
    for e in [whole, streamed] {
        assert!(matches!(e, Some(Error::ContentDecoding(_))), "{e:?}");
    }
    assert_survived(&mut h, s, &server).await
}
