//! Body and timing endpoints: compressed echo, delay, drip, byte payloads, lines, fixed documents, link; the streaming `ChannelBody`.

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

/// No `pad` or `/drip` makes a body bigger than this.
const MAX_SIZE: usize = 1 << 30;

/// `/gzip`, `/deflate` (zlib, RFC 1950), `/deflate-raw` (RFC 1951), `/brotli` and `/zstd`:
/// compressed echo; `?pad=N` adds `"pad"`, `N` times `x`.
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
    if let Some(pad) = r.arg("pad").and_then(|s| num::<usize>(&s)) {
        doc.insert("pad".into(), Value::String("x".repeat(pad.min(MAX_SIZE))));
    }
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

/// `/drip?numbytes=N&delay_ms=D&chunks=C`: N `*` bytes in C chunks (default N: one byte each),
/// D ms before each chunk.
pub(super) fn drip(r: &Req) -> Response<Body> {
    let n = r
        .arg("numbytes")
        .and_then(|s| num::<usize>(&s))
        .unwrap_or(10)
        .min(MAX_SIZE);
    let d = r
        .arg("delay_ms")
        .and_then(|s| num::<u64>(&s))
        .unwrap_or(100);
    let chunks = r.arg("chunks").and_then(|s| num::<usize>(&s));
    let step = chunks.map_or(1, |c| n.div_ceil(c.max(1))).max(1);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for start in (0..n).step_by(step) {
            tokio::time::sleep(Duration::from_millis(d)).await;
            let piece = Bytes::from(vec![b'*'; step.min(n - start)]);
            if tx.send(piece).await.is_err() {
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

/// `/bytes/N[?gzip=1]`: deterministic bytes `i % 251`, with Content-Length; with `gzip=1`,
/// gzip'd (`Content-Encoding: gzip`, the Content-Length of the compressed body).
pub(super) fn bytes_fixed(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let (data, gzipped) = maybe_gzip(r, pattern(0, n));
    let len = data.len();
    let resp = bytes_response(StatusCode::OK, "application/octet-stream", data);
    let resp = with_header(resp, header::CONTENT_LENGTH, &len.to_string());
    match gzipped {
        true => with_header(resp, header::CONTENT_ENCODING, "gzip"),
        false => resp,
    }
}

/// `/stream-bytes/N?chunk_size=C[&gzip=1]`: the `/bytes/N` payload, chunked, without
/// Content-Length; with `gzip=1`, its gzip encoding so.
pub(super) fn bytes_stream(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let chunk = r.arg("chunk_size").and_then(|s| num::<usize>(&s));
    let chunk = chunk.filter(|c| *c > 0).unwrap_or(10240);
    let gzipped = r.arg("gzip").is_some_and(|v| v == "1");
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        let gz = gzipped.then(|| gzip(&pattern(0, n)));
        let len = gz.as_ref().map_or(n, Vec::len);
        for start in (0..len).step_by(chunk) {
            let end = (start + chunk).min(len);
            let piece = match &gz {
                Some(gz) => gz[start..end].to_vec(),
                None => pattern(start, end),
            };
            if tx.send(Bytes::from(piece)).await.is_err() {
                break;
            }
        }
    });
    let resp = with_header(
        Response::new(body),
        header::CONTENT_TYPE,
        "application/octet-stream",
    );
    match gzipped {
        true => with_header(resp, header::CONTENT_ENCODING, "gzip"),
        false => resp,
    }
}

/// `data`, gzip'd when the request asks with `gzip=1`; and whether it was.
fn maybe_gzip(r: &Req, data: Vec<u8>) -> (Vec<u8>, bool) {
    match r.arg("gzip").is_some_and(|v| v == "1") {
        true => (gzip(&data), true),
        false => (data, false),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let level = flate2::Compression::default();
    read_all(flate2::read::GzEncoder::new(data, level))
}

/// `/lines`: `text/plain` lines in chunks cut mid-line and between `\r` and `\n`:
/// `alpha\r` `\nbe` `ta\n\n` `gamma café\r\n` `last` (no final newline).
pub(super) fn lines_fixed() -> Response<Body> {
    let chunks: [&[u8]; 5] = [
        b"alpha\r",
        b"\nbe",
        b"ta\n\n",
        "gamma caf\u{e9}\r\n".as_bytes(),
        b"last",
    ];
    let chunks = chunks.iter().map(|c| Bytes::copy_from_slice(c)).collect();
    streamed(chunks, "text/plain; charset=utf-8")
}

/// `/lines/N?chunk_size=C&crlf=1`: `line 0` to `line N-1`, each ended by `\n` (`\r\n` with
/// `crlf=1`), chunked in `C`-byte pieces (default 7) so that lines straddle chunks.
pub(super) fn lines(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n).filter(|n| *n <= 10_000_000) else {
        return error(StatusCode::BAD_REQUEST, "bad line count");
    };
    let eol = match r.arg("crlf").as_deref() {
        Some("1") => "\r\n",
        _ => "\n",
    };
    let text: String = (0..n).map(|i| format!("line {i}{eol}")).collect();
    let size = r.arg("chunk_size").and_then(|s| num::<usize>(&s));
    let size = size.filter(|c| *c > 0).unwrap_or(7);
    let chunks = text.as_bytes().chunks(size).map(Bytes::copy_from_slice);
    streamed(chunks.collect(), "text/plain; charset=utf-8")
}

/// `/stream/N`: `N` JSON lines `{"id": I}`, one chunk each.
pub(super) fn stream_json(n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n).filter(|n| *n <= 1_000_000) else {
        return error(StatusCode::BAD_REQUEST, "bad line count");
    };
    let lines = (0..n).map(|i| Bytes::from(format!("{{\"id\": {i}}}\n")));
    streamed(lines.collect(), "application/json")
}

/// A chunked response of `chunks`, each sent as one chunk.
fn streamed(chunks: Vec<Bytes>, content_type: &str) -> Response<Body> {
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for chunk in chunks {
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
    });
    with_header(Response::new(body), header::CONTENT_TYPE, content_type)
}

/// Fixed documents: `/json`, `/html`, `/not-json`, `/bad-gzip` (`Content-Encoding: gzip` on a
/// body that is not gzip), `/encoding/latin1` (`café` in ISO-8859-1) and `/encoding/sjis`
/// (bytes 0 to 255 labelled `charset=shift_jis`).
pub(super) fn static_doc(family: &str, arg: &str) -> Response<Body> {
    const HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>Moby-Dick</title></head>\n<body>\n\
        <h1>Herman Melville - Moby-Dick</h1>\n<p>Call me Ishmael.</p>\n</body>\n</html>\n";
    let slideshow = json!({ "slideshow": {
        "title": "Sample Slide Show",
        "author": "Yours Truly",
        "slides": [{ "title": "Wake up to WonderWidgets!", "type": "all" }]
    }});
    match (family, arg) {
        ("json", _) => json_response(StatusCode::OK, &slideshow),
        ("html", _) => bytes_response(StatusCode::OK, "text/html; charset=utf-8", HTML),
        ("encoding", "sjis") => bytes_response(
            StatusCode::OK,
            "text/plain; charset=shift_jis",
            (0..=255u8).collect::<Vec<u8>>(),
        ),
        ("encoding", _) => bytes_response(
            StatusCode::OK,
            "text/plain; charset=iso-8859-1",
            &b"caf\xe9"[..],
        ),
        ("bad-gzip", _) => with_header(
            bytes_response(StatusCode::OK, "text/plain", "this is not gzip"),
            header::CONTENT_ENCODING,
            "gzip",
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
