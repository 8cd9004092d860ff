//! What every case GETs: one 100-byte JSON document, from a loopback server or, for the no-I/O
//! cases, from a `wasi:http` transport that answers at once without any network.

use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks};

/// The response body: 100 bytes of JSON.
pub const BODY: &str = r#"{"id":42,"name":"requests:http","tags":["bench","wasi:http"],"ok":true,"items":[1,2,3],"pad":"xxxx"}"#;
const _: () = assert!(BODY.len() == 100);

/// The headers of every response, the loopback server's and the canned one alike (hyper's
/// server adds `date`, so the canned response carries one too).
const CONTENT_TYPE: &str = "application/json";
const CANNED_DATE: &str = "Mon, 01 Jan 2024 00:00:00 GMT";

/// A loopback HTTP/1.1 server, keep-alive, answering every request with [`BODY`]. It runs on a
/// thread of its own with its own current-thread runtime, so its work does not share the
/// runtime of the cases it answers; it lives as long as the process.
pub fn serve() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let addr = listener.local_addr().expect("the listener's address");
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the server's runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let service =
                            service_fn(|_request: Request<hyper::body::Incoming>| async {
                                Ok::<_, std::convert::Infallible>(
                                    Response::builder()
                                        .header(header::CONTENT_TYPE, CONTENT_TYPE)
                                        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
                                        .expect("a valid response"),
                                )
                            });
                        let _ = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            })
        })
        .expect("spawning the server thread");
    addr
}

/// A `wasi:http` transport with no network: `send_request` drops the request and answers at
/// once with a `200` carrying [`BODY`] and the headers the loopback server sends. What a
/// request then costs is the guest's work and wasmtime's, and nothing else.
#[derive(Debug, Default, Clone, Copy)]
pub struct CannedTransport;

/// The future [`WasiHttpHooks::send_request`] returns.
type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for CannedTransport {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        drop((request, fut));
        Box::new(async {
            let body = Full::new(Bytes::from_static(BODY.as_bytes()))
                .map_err(|never| match never {})
                .boxed_unsync();
            let response = Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, CONTENT_TYPE)
                .header(header::CONTENT_LENGTH, BODY.len())
                .header(header::DATE, CANNED_DATE)
                .body(body)
                .expect("a valid response");
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> =
                Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }
}
