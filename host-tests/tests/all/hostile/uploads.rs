//! Uploads answered early (cleanly or abruptly closed), and uploads cut off without an answer.

use super::helpers::{
    assert_survived, is_transport_failure, setup_with_cookie, setup_with_cookie_on,
};
use super::*;
use anyhow::Context as _;
use host_tests::host::{Body, HarnessBuilder};
use host_tests::pool::PooledTransport;
use host_tests::server::HostileServer;

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
        send: Some(SendOptions {
            allow_redirects: Some(allow_redirects),
            ..send_opts()
        }),
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
            Some(&o),
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
        let out = no_trap!("GET /cut", h.get(s, &url, None).await);
        assert!(
            matches!(&out, Err(e) if is_transport_failure(e)),
            "{close}: {out:?}"
        );
    }
    assert_survived(&mut h, s, &server).await
}
