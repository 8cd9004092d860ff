//! A `Link` header of 100,000 entries and a megabyte `Digest` challenge.

use super::helpers::{
    assert_survived, canned, is_transport_failure, mount_scripted, setup_with_cookie, text_of,
};
use super::*;
use anyhow::Context as _;
use host_tests::host::{Auth, Credentials, Link};

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
        h.get(s, &server.url("/hostile/link?n=100000&compact=1"), None)
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
        h.get(s, &server.url("/scripted/links"), None).await
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
        h.get(s, &server.url("/hostile/digest?size=1048576"), None)
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
        h.get(s, &server.url("/hostile/digest?size=400000"), None)
            .await
    );
    match &out {
        Ok(r) => assert!([200, 401].contains(&h.status(*r).await?)),
        Err(e) => assert!(
            e.kind == ErrorKind::InvalidHeader || is_transport_failure(e),
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
        h.get(s, &server.url("/scripted/digest"), None).await
    );
    match &out {
        Ok(r) => assert!([200, 401].contains(&h.status(*r).await?)),
        Err(e) => assert!(e.kind == ErrorKind::InvalidHeader, "{e:?}"),
    }
    session!(h, call_set_auth, s, None)??;
    assert_survived(&mut h, s, &server).await
}
