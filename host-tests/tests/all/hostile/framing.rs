//! Malformed framing: a short body, bad or truncated chunked encoding, truncated gzip.

use super::helpers::{assert_survived, is_transport_failure, setup_with_cookie};
use super::*;
use anyhow::Context as _;
use host_tests::server::HostileServer;

/// GETs `url` in full and streamed (reading until the end or an error); returns both errors.
async fn get_both_ways(
    h: &mut Harness,
    s: ResourceAny,
    url: &str,
) -> Result<(Option<Error>, Option<Error>)> {
    let whole = no_trap!("GET", h.get(s, url, None).await).err();
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
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
        assert!(
            matches!(&e, Some(e) if e.kind == ErrorKind::ContentDecoding),
            "{e:?}"
        );
    }
    assert_survived(&mut h, s, &server).await
}
