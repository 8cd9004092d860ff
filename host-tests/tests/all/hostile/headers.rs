//! Response headers too many or too big for the host, and request headers the host cannot
//! carry.

use super::helpers::{
    assert_survived, canned, is_transport_failure, mount_scripted, setup_with_cookie, text_of,
};
use super::*;
use anyhow::Context as _;
use host_tests::host::NewCookie;

// ---------------------------------------------------------------------------------------------
// Response headers
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn thousands_of_response_headers_are_a_typed_error_or_a_response() -> Result<()> {
    let (server, mut h, s) = setup_with_cookie().await?;
    // Past the host's hyper (100 headers): a typed error.
    let out = no_trap!(
        "GET /hostile/many-headers?n=5000",
        h.get(s, &server.url("/hostile/many-headers?n=5000"), None)
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
        h.get(s, &server.url("/hostile/many-headers?n=90"), None)
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
        h.get(s, &server.url("/scripted/headers"), None).await
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
        h.get(s, &server.url("/hostile/huge-header?size=1048576"), None)
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
        h.get(s, &server.url("/hostile/huge-header?size=400000"), None)
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
        h.get(s, &server.url("/scripted/huge"), None).await
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(h.header(r, "x-huge").await?.map(|v| v.len()), Some(4 << 20));
    assert_survived(&mut h, s, &server).await
}

// ---------------------------------------------------------------------------------------------
// Request headers the host cannot carry
// ---------------------------------------------------------------------------------------------

fn is_invalid_header(out: &std::result::Result<ResourceAny, Error>) -> bool {
    out.error_kind() == Some(ErrorKind::InvalidHeader)
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
            h.get(s, &url, None).await
        );
        assert!(is_invalid_header(&out), "{out:?}");
        session!(h, call_remove_header, s, "X-Big")??;
    } else {
        assert!(
            set.error_kind() == Some(ErrorKind::InvalidHeader),
            "{set:?}"
        );
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
        let out = no_trap!("GET with a 200 KiB cookie", h.get(s, &url, None).await);
        assert!(is_invalid_header(&out), "{out:?}");
        session!(h, call_remove_cookie, s, "huge", None, None)??;
    } else {
        assert!(
            set.error_kind() == Some(ErrorKind::InvalidCookie),
            "{set:?}"
        );
    }

    // Per-request cookies of 200 KiB.
    let o = RequestOptions {
        cookies: Some(pairs(&[("huge", big.as_str())])),
        ..opts()
    };
    let out = no_trap!("GET with a 200 KiB request cookie", h.get(s, &url, o).await);
    assert!(
        matches!(
            out.error_kind(),
            Some(ErrorKind::InvalidHeader | ErrorKind::InvalidCookie)
        ),
        "{out:?}"
    );

    // A prepared request given a 200 KiB header, then sent.
    let p = session!(h, call_prepare_request, s, "GET", &url, None)??;
    prepared!(h, call_set_header, p, "X-Big", Some(big.as_str()))??;
    let out = no_trap!(
        "send with a 200 KiB header",
        session!(h, call_send, s, p, None)
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
            Some(&o),
            None
        )
    );
    assert!(
        out.error_kind() == Some(ErrorKind::InvalidHeader),
        "{out:?}"
    );

    // A URL of 200 KiB: a typed error, or the server's own answer (414).
    let long = server.url(&format!("/get?q={big}"));
    let out = no_trap!("GET a 200 KiB URL", h.get(s, &long, None).await);
    match &out {
        Ok(r) => assert!([200, 414, 431].contains(&h.status(*r).await?)),
        Err(e) => assert!(
            e.kind == ErrorKind::InvalidUrl || is_transport_failure(e),
            "{e:?}"
        ),
    }
    assert_survived(&mut h, s, &server).await
}
