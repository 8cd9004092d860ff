//! Host adapters (world `client-with-host`): the ones the instance registers, and mounting
//! `adapter.host(name)` on random prefixes.

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{
    adapter_fn, failure, AdapterFuture, AdapterKind, AdapterRequest, AdapterResponse, BodyStream,
    ErrorKind, FailureKind, HarnessBuilder, HostAdapter, ResponseBody, SendSettings, Upload,
};
use host_tests::pool::PoolAdapter;

use crate::driver::{short, Driver};

/// Every failure kind, in the order the flaky adapter gives them.
const FAILURES: [FailureKind; 11] = [
    FailureKind::ConnectionRefused,
    FailureKind::Connection,
    FailureKind::Dns,
    FailureKind::Tls,
    FailureKind::Proxy,
    FailureKind::ConnectTimeout,
    FailureKind::ReadTimeout,
    FailureKind::Unsupported,
    FailureKind::InvalidHeader,
    FailureKind::InvalidUrl,
    FailureKind::Other,
];

/// Registers the host adapters: `pool` (the pooled hyper-util client), `echo` (answers by
/// path, streams uploads and large bodies) and `flaky` (fails with each failure kind in turn,
/// answering every third request). `ghost` is a name nobody registers.
pub(crate) fn register(builder: HarnessBuilder) -> HarnessBuilder {
    let mut calls = 0usize;
    builder
        .host_adapter("pool", PoolAdapter::default())
        .host_adapter("echo", Echo)
        .host_adapter(
            "flaky",
            adapter_fn(move |_, _| {
                calls += 1;
                if calls.is_multiple_of(3) {
                    return Ok(AdapterResponse::new(200, &[], "flaky but fine"));
                }
                let kind = FAILURES[calls % FAILURES.len()];
                Err(failure(kind, format!("flaky adapter: {kind:?}")))
            }),
        )
}

/// The echo adapter: see [`Echo::answer`].
struct Echo;

impl Echo {
    /// The answer to `request` (whose body had `body_len` bytes): by the URL's path.
    fn answer(
        request: &AdapterRequest,
        body_len: usize,
    ) -> Result<AdapterResponse, host_tests::host::Failure> {
        let path = request
            .url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_else(|| "/".into());
        let path = path.split('?').next().unwrap_or_default().to_string();
        Ok(match path.as_str() {
            "/redirect" => AdapterResponse::new(
                302,
                &[("Location", "/landing"), ("Set-Cookie", "hop=1; Path=/")],
                "",
            ),
            "/cookie" => AdapterResponse::new(200, &[("Set-Cookie", "echo=1; Path=/")], "set"),
            "/big" => AdapterResponse {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                body: ResponseBody::Stream(Box::new(Pieces {
                    left: 4,
                    size: 700 << 10,
                    pause: false,
                })),
            },
            "/slow" => AdapterResponse {
                status: 200,
                headers: Vec::new(),
                body: ResponseBody::Stream(Box::new(Pieces {
                    left: 3,
                    size: 10,
                    pause: true,
                })),
            },
            "/bad-gzip" => AdapterResponse::new(200, &[("Content-Encoding", "gzip")], "not gzip"),
            "/fail" => {
                return Err(failure(
                    FailureKind::Connection,
                    "the echo adapter was told to fail",
                ))
            }
            "/status/503" => AdapterResponse::new(503, &[("Retry-After", "0")], ""),
            _ => AdapterResponse::new(
                200,
                &[("Content-Type", "application/json")],
                serde_json::json!({
                    "method": request.method,
                    "url": request.url,
                    "body_len": body_len,
                })
                .to_string(),
            ),
        })
    }
}

impl HostAdapter for Echo {
    fn send(
        &mut self,
        request: AdapterRequest,
        _: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse> {
        let len = request.body.as_ref().map_or(0, Vec::len);
        let answer = Echo::answer(&request, len);
        Box::pin(async move { answer })
    }

    fn start(
        &mut self,
        request: AdapterRequest,
        _: SendSettings,
    ) -> AdapterFuture<'_, Option<Box<dyn Upload>>> {
        Box::pin(async move {
            let upload: Box<dyn Upload> = Box::new(EchoUpload { request, len: 0 });
            Ok(Some(upload))
        })
    }
}

/// An upload the echo adapter counts.
struct EchoUpload {
    request: AdapterRequest,
    len: usize,
}

impl Upload for EchoUpload {
    fn write(&mut self, bytes: Vec<u8>) -> AdapterFuture<'_, ()> {
        self.len += bytes.len();
        Box::pin(async { Ok(()) })
    }

    fn finish(self: Box<Self>) -> AdapterFuture<'static, AdapterResponse> {
        let answer = Echo::answer(&self.request, self.len);
        Box::pin(async move { answer })
    }
}

/// `left` pieces of `size` bytes each, optionally a little apart.
struct Pieces {
    left: usize,
    size: usize,
    pause: bool,
}

impl BodyStream for Pieces {
    fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>> {
        Box::pin(async move {
            if self.left == 0 {
                return Ok(None);
            }
            if self.pause {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            self.left -= 1;
            Ok(Some(vec![b'e'; self.size]))
        })
    }
}

impl Driver {
    pub(crate) async fn mount_host(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let name = self
            .rng
            .string(&["pool", "echo", "echo", "flaky", "ghost", ""]);
        let prefix = match self.rng.below(10) {
            0 => "http://".to_string(),
            1 => self.server.url("/"),
            2 => "mock://".to_string(),
            _ => "host://".to_string(),
        };
        self.note(format!("mount host adapter {name:?} on {prefix:?}"));
        let made = adapter!(self, call_host, &name);
        self.outcome("adapter.host", &made);
        let a = match (made, self.host_build) {
            (Ok(_), false) => bail!("adapter.host({name:?}) worked in world client"),
            (Err(e), false) => {
                ensure!(
                    e.kind == ErrorKind::Unsupported,
                    "adapter.host in world client: {}",
                    short(&e)
                );
                return Ok(());
            }
            (Err(e), true) => {
                ensure!(
                    name.is_empty() && e.kind == ErrorKind::InvalidOption,
                    "adapter.host({name:?}): {}",
                    short(&e)
                );
                return Ok(());
            }
            (Ok(a), true) => a,
        };
        ensure!(!name.is_empty(), "adapter.host(\"\") made an adapter");
        let kind = adapter!(self, call_kind, a);
        ensure!(kind == AdapterKind::Host, "adapter.host made a {kind:?}");
        let out = session!(self, call_mount, s, &prefix, a);
        self.outcome("mount", &out);
        self.check_closed(i, "mount", &out)?;
        self.keep_adapter(a).await
    }
}
