//! What every hostile test shares: the setup with a known cookie, the check that the session
//! survived, scripted mounts and the errors a failing transport may give.

use super::*;
use anyhow::Context as _;
use host_tests::host::{CannedResponse, HarnessBuilder};

/// A server, an instance and a session holding the cookie `known=yes` for `127.0.0.2`.
pub(super) async fn setup_with_cookie() -> Result<(TestServer, Harness, ResourceAny)> {
    setup_with_cookie_on(Harness::builder()).await
}

/// [`setup_with_cookie`] with an instance built by `builder` (another transport, say).
pub(super) async fn setup_with_cookie_on(
    builder: HarnessBuilder,
) -> Result<(TestServer, Harness, ResourceAny)> {
    let server = TestServer::start();
    let mut h = builder.build().await?;
    let s = h.session().await?;
    let r = h
        .get(s, &server.alt_url("/cookies/set?known=yes"), None)
        .await??;
    assert_eq!(h.json(r).await?["cookies"]["known"], "yes");
    Ok((server, h, s))
}

/// The session still sends `known=yes` to `127.0.0.2`, lists it, and still works for `127.0.0.1`.
pub(super) async fn assert_survived(
    h: &mut Harness,
    s: ResourceAny,
    server: &TestServer,
) -> Result<()> {
    let r = no_trap!(
        "GET /cookies afterwards",
        h.get(s, &server.alt_url("/cookies"), None).await
    );
    let r = r.map_err(|e| anyhow::anyhow!("the session broke after a hostile answer: {e:?}"))?;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["cookies"]["known"], "yes",
        "the cookie set before the hostile answer is still sent: {echo}"
    );
    let jar = no_trap!("cookies()", session!(h, call_cookies, s));
    assert!(
        jar.iter().any(|c| c.name == "known" && c.value == "yes"),
        "the jar still lists the known cookie"
    );
    let r = no_trap!(
        "GET /get afterwards",
        h.get(s, &server.url("/get"), None).await
    );
    let r = r.map_err(|e| {
        anyhow::anyhow!("the session no longer works for the hostile host after it: {e:?}")
    })?;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

pub(super) fn canned(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> CannedResponse {
    CannedResponse {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// Mounts a scripted adapter with `responses` on `prefix`; returns the adapter.
pub(super) async fn mount_scripted(
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
pub(super) fn is_transport_failure(e: &Error) -> bool {
    match e.kind {
        ErrorKind::Connection | ErrorKind::ReadTimeout => true,
        ErrorKind::Transport => {
            e.code.as_deref() != Some("internal-error") || !e.message.contains("already taken")
        }
        _ => false,
    }
}

pub(super) fn text_of(n: usize) -> String {
    "v".repeat(n)
}
