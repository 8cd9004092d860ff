//! Body and timing endpoints: compressed echo, delay, drip, byte payloads, fixed documents, link; the streaming `ChannelBody`.

use std::convert::Infallible;
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper::header;
use hyper::{Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::endpoints::{echo, Req};
use super::helpers::{bytes_response, empty, error, json_response, num, with_header, Body};

/// `/gzip`, `/deflate` (zlib, RFC 1950), `/deflate-raw` (RFC 1951), `/brotli` and `/zstd`: compressed echo.
pub(super) fn compressed(r: &Req, family: &str) -> Response<Body> {
    use flate2::read::{DeflateEncoder, GzEncoder, ZlibEncoder};
    let flag = match family {
        "gzip" => "gzipped",
        "brotli" => "brotli",
        "zstd" => "zstd",
        _ => "deflated",
    };
    let mut doc = echo(r);
    doc.insert(flag.into(), Value::Bool(true));
    let raw = serde_json::to_vec(&doc).expect("serialize echo");
    let level = flate2::Compression::default();
    let (encoded, coding) = match family {
        "gzip" => (read_all(GzEncoder::new(&raw[..], level)), "gzip"),
        "deflate" => (read_all(ZlibEncoder::new(&raw[..], level)), "deflate"),
        "brotli" => (
            read_all(brotli::CompressorReader::new(&raw[..], 4096, 5, 22)),
            "br",
        ),
        "zstd" => (
            ruzstd::encoding::compress_to_vec(
                &raw[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
            "zstd",
        ),
        _ => (read_all(DeflateEncoder::new(&raw[..], level)), "deflate"),
    };
    let resp = bytes_response(StatusCode::OK, "application/json", encoded);
    with_header(resp, header::CONTENT_ENCODING, coding)
}

/// `/delay/MS`: wait, then echo.
pub(super) async fn delay(r: &Req, ms: &str) -> Response<Body> {
    let Some(ms) = num::<u64>(ms) else {
        return error(StatusCode::BAD_REQUEST, "bad delay");
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    json_response(StatusCode::OK, &Value::Object(echo(r)))
}

/// `/drip?numbytes=N&delay_ms=D`: N `*` bytes, one per chunk, D ms before each.
pub(super) fn drip(r: &Req) -> Response<Body> {
    let n = r
        .arg("numbytes")
        .and_then(|s| num::<usize>(&s))
        .unwrap_or(10);
    let d = r
        .arg("delay_ms")
        .and_then(|s| num::<u64>(&s))
        .unwrap_or(100);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for _ in 0..n {
            tokio::time::sleep(Duration::from_millis(d)).await;
            if tx.send(Bytes::from_static(b"*")).await.is_err() {
                break;
            }
        }
    });
    with_header(
        Response::new(body),
        header::CONTENT_TYPE,
        "application/octet-stream",
    )
}

/// `/bytes/N`: deterministic bytes `i % 251`, with Content-Length.
pub(super) fn bytes_fixed(n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let resp = bytes_response(StatusCode::OK, "application/octet-stream", pattern(0, n));
    with_header(resp, header::CONTENT_LENGTH, &n.to_string())
}

/// `/stream-bytes/N?chunk_size=C`: the `/bytes/N` payload, chunked, without Content-Length.
pub(super) fn bytes_stream(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let chunk = r.arg("chunk_size").and_then(|s| num::<usize>(&s));
    let chunk = chunk.filter(|c| *c > 0).unwrap_or(10240);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            if tx.send(Bytes::from(pattern(start, end))).await.is_err() {
                break;
            }
        }
    });
    with_header(
        Response::new(body),
        header::CONTENT_TYPE,
        "application/octet-stream",
    )
}

/// Fixed documents: `/json`, `/html`, `/encoding/latin1`, `/not-json`.
pub(super) fn static_doc(family: &str) -> Response<Body> {
    const HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>Moby-Dick</title></head>\n<body>\n\
        <h1>Herman Melville - Moby-Dick</h1>\n<p>Call me Ishmael.</p>\n</body>\n</html>\n";
    let slideshow = json!({ "slideshow": {
        "title": "Sample Slide Show",
        "author": "Yours Truly",
        "slides": [{ "title": "Wake up to WonderWidgets!", "type": "all" }]
    }});
    match family {
        "json" => json_response(StatusCode::OK, &slideshow),
        "html" => bytes_response(StatusCode::OK, "text/html; charset=utf-8", HTML),
        "encoding" => bytes_response(
            StatusCode::OK,
            "text/plain; charset=iso-8859-1",
            &b"caf\xe9"[..],
        ),
        _ => bytes_response(StatusCode::OK, "text/plain", "this is not json"),
    }
}

/// `/link`: pagination `Link` header, empty body.
pub(super) fn link(port: u16) -> Response<Body> {
    let base = format!("http://127.0.0.1:{port}/page");
    let value = format!("<{base}/2>; rel=\"next\", <{base}/9>; rel=\"last\"");
    with_header(empty(StatusCode::OK), header::LINK, &value)
}

/// A streaming body fed by a channel; its size is unknown, so hyper sends it chunked.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = mpsc::channel(1);
    (tx, ChannelBody(rx).boxed())
}

/// Bytes `start..end` of the `i % 251` pattern.
fn pattern(start: usize, end: usize) -> Vec<u8> {
    (start..end).map(|i| (i % 251) as u8).collect()
}

fn read_all(mut reader: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out).expect("in-memory compression");
    out
}
