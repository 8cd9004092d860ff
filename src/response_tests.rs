//! Unit tests of `response`: status errors, charsets, JSON, buffered and streamed bodies
//! (bounded memory, size limits), lines and links.

use super::*;
use crate::transport::{BodyReader, BytesBody};

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let url = Url::parse("http://h/x").unwrap();
    let request = PreparedRequest {
        method: "GET".into(),
        url: url.clone(),
        headers: Headers::new(),
        body: None,
        request_cookies: vec![],
        digest: None,
        hooks: Default::default(),
    };
    let headers = Headers::from_trusted(
        headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    );
    let raw = RawResponse {
        status,
        headers,
        body: Box::new(BytesBody::new(body.to_vec())),
    };
    Response::new(raw, request, Duration::ZERO, vec![])
}

#[test]
fn raise_for_status_words_the_error_as_requests_does() {
    let r = response(404, &[], b"");
    match r.raise_for_status() {
        Err(Error::HttpStatus { message, response }) => {
            assert_eq!(message, "404 Client Error: Not Found for url: http://h/x");
            assert_eq!(
                (response.status, response.reason.as_str()),
                (404, "Not Found")
            );
            assert_eq!(response.url, "http://h/x");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(response(503, &[], b"").raise_for_status(), Err(Error::HttpStatus { message, .. }) if message.starts_with("503 Server Error"))
    );
    assert!(response(302, &[], b"").raise_for_status().is_ok());
}

#[test]
fn text_follows_the_charset_and_replaces_bad_bytes() {
    let mut r = response(
        200,
        &[("Content-Type", "text/plain; charset=ISO-8859-1")],
        b"caf\xe9",
    );
    assert_eq!(r.encoding(), "iso-8859-1");
    assert_eq!(r.text().unwrap(), "café");
    let mut r = response(200, &[("Content-Type", "text/plain")], b"caf\xe9");
    assert_eq!(r.encoding(), "utf-8");
    assert_eq!(r.text().unwrap(), "caf\u{FFFD}");
    r.set_encoding("windows-1252").unwrap();
    assert_eq!(r.text().unwrap(), "café");
    assert!(matches!(
        r.set_encoding("klingon"),
        Err(Error::InvalidOption(_))
    ));
}

#[test]
fn json_is_checked() {
    assert_eq!(
        response(200, &[], b"\xEF\xBB\xBF{\"a\":1}").json().unwrap(),
        "{\"a\":1}"
    );
    assert!(matches!(
        response(200, &[], b"nope").json(),
        Err(Error::JsonDecode(_))
    ));
}

#[test]
fn chunks_then_content_is_a_consumed_error() {
    let mut r = response(200, &[], b"0123456789");
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"0123");
    assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
    assert_eq!(r.read_chunk(100).unwrap().unwrap(), b"456789");
    assert_eq!(r.read_chunk(100).unwrap(), None);
    assert!(matches!(r.read_chunk(1), Err(Error::StreamConsumed(_))));
}

#[test]
fn a_buffered_body_can_also_be_read_in_chunks() {
    let mut r = response(200, &[], b"abcdef");
    assert_eq!(r.content().unwrap(), b"abcdef");
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"abcd");
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"ef");
    assert_eq!(r.read_chunk(4).unwrap(), None);
    assert_eq!(r.content().unwrap(), b"abcdef");
}

#[test]
fn an_unknown_content_encoding_fails_on_read_not_on_head() {
    let mut r = response(200, &[("Content-Encoding", "compress")], b"xx");
    assert_eq!(r.status, 200);
    assert!(matches!(r.content(), Err(Error::ContentDecoding(_))));
}

#[test]
fn redirect_flags_need_a_location() {
    assert!(response(302, &[("Location", "/x")], b"").is_redirect());
    assert!(!response(302, &[], b"").is_redirect());
    assert!(response(308, &[("Location", "/x")], b"").is_permanent_redirect());
    assert!(!response(307, &[("Location", "/x")], b"").is_permanent_redirect());
}

/// A transport body handing out at most `piece` bytes per read.
struct Pieces(BytesBody, usize);

impl BodyReader for Pieces {
    fn read(&mut self, _max: usize) -> Result<Option<Vec<u8>>> {
        self.0.read(self.1)
    }
}

fn streamed(headers: &[(&str, &str)], body: Box<dyn BodyReader>) -> Response {
    let mut r = response(200, headers, b"");
    let decoded = DecodedBody::new(body, r.headers.get_joined("content-encoding").as_deref());
    r.body = Body::Streaming {
        decoded,
        started: false,
        pending: Vec::new(),
        scratch: Vec::new(),
    };
    r
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Live heap bytes of the calling thread, and their peak since `reset`:
/// tests run on their own threads, so each sees only its own allocations.
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    pub struct Counting;

    fn add(n: isize) {
        // `try_with`: allocations during thread teardown are not counted.
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + n);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
    }

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            add(layout.size() as isize);
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            add(-(layout.size() as isize));
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Starts measuring: the peak becomes what is live now.
    pub fn reset() -> isize {
        let live = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(live));
        live
    }

    /// The most bytes live at once since `reset`, above what was live then.
    pub fn peak_since(base: isize) -> isize {
        PEAK.with(Cell::get) - base
    }
}

#[test]
fn streamed_gzip_reads_are_bounded_by_the_caller() {
    let zeros = vec![0u8; 10_000_000];
    let data = gzip(&zeros);
    drop(zeros);
    let mut r = streamed(
        &[("Content-Encoding", "gzip")],
        Box::new(Pieces(BytesBody::new(data), 1 << 20)),
    );
    let base = heap::reset();
    let mut total = 0;
    while let Some(chunk) = r.read_chunk(4096).unwrap() {
        assert!(chunk.len() <= 4096 && !chunk.is_empty());
        total += chunk.len();
    }
    assert_eq!(total, 10_000_000);
    // Inflate state, the 32 KiB window and input buffer, one chunk: far
    // below the 10 MB body.
    assert!(
        heap::peak_since(base) < 512 * 1024,
        "{}",
        heap::peak_since(base)
    );
    assert!(matches!(r.read_chunk(4096), Err(Error::StreamConsumed(_))));
}

/// A transport body of `left` bytes of 7s, made up as it is read.
struct Endless {
    left: u64,
}

impl BodyReader for Endless {
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let n = (max as u64).min(self.left) as usize;
        self.left -= n as u64;
        Ok((n > 0).then(|| vec![7u8; n]))
    }
}

#[test]
fn a_1_gib_stream_is_read_in_bounded_memory() {
    let mut r = streamed(&[], Box::new(Endless { left: 1 << 30 }));
    let base = heap::reset();
    let mut total = 0u64;
    while let Some(chunk) = r.read_chunk(64 * 1024).unwrap() {
        assert!(chunk.len() <= 64 * 1024);
        total += chunk.len() as u64;
    }
    assert_eq!(total, 1 << 30);
    assert!(
        heap::peak_since(base) < 1 << 20,
        "{}",
        heap::peak_since(base)
    );
    // No total limit for streams, and the in-memory limit is far below.
    assert_eq!(r.max_body_size(), DEFAULT_MAX_BODY_SIZE);
}

#[test]
fn a_decompression_bomb_is_a_decoding_error_not_a_trap() {
    let bomb = gzip(&vec![0u8; 10_000_000]);
    let mut r = response(200, &[("Content-Encoding", "gzip")], &bomb);
    r.set_max_body_size(1_000_000);
    let base = heap::reset();
    match r.content() {
        Err(Error::ContentDecoding(m)) => {
            assert!(
                m.contains("exceeds 1000000 bytes") && m.contains("gzip"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Stopped one chunk past the limit, not after inflating all 10 MB.
    assert!(
        heap::peak_since(base) < 2_000_000,
        "{}",
        heap::peak_since(base)
    );
    assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
}

#[test]
fn an_oversized_plain_body_is_body_too_large() {
    let mut r = response(200, &[], &[b'x'; 101]);
    r.set_max_body_size(100);
    assert!(
        matches!(r.text(), Err(Error::BodyTooLarge(m)) if m.contains("exceeds 100 bytes") && m.contains("http://h/x"))
    );
    let mut r = response(200, &[], &[b'x'; 100]);
    r.set_max_body_size(100);
    assert_eq!(r.content().unwrap().len(), 100);
    let mut r = response(200, &[], b"");
    r.set_max_body_size(0);
    assert_eq!(r.content().unwrap(), b"");
}

#[test]
fn content_length_only_sizes_the_buffer_the_body_and_the_limit_decide() {
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    // A length that is too small, too large, absurd, or not a number: the
    // whole body is read either way.
    for length in ["3", "100000", "18446744073709551615", "abc", "20000"] {
        let mut r = response(200, &[("Content-Length", length)], &body);
        assert_eq!(r.content().unwrap(), &body[..], "Content-Length {length}");
    }
    // A huge announced length does not reserve memory past the limit, and
    // the limit still stops the read.
    let mut r = response(200, &[("Content-Length", "99999999999")], &body);
    r.set_max_body_size(1000);
    assert!(matches!(r.content(), Err(Error::BodyTooLarge(_))));
    // A gzip body's length is of the encoded bytes: no hint, same result.
    let mut r = response(
        200,
        &[("Content-Encoding", "gzip"), ("Content-Length", "5")],
        &gzip(&body),
    );
    assert_eq!(r.content().unwrap(), &body[..]);
}

#[test]
fn brotli_and_zstd_bodies_decode() {
    let text = "déjà vu ".repeat(100);
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut text.as_bytes(), &mut br, &params).unwrap();
    let mut r = response(200, &[("Content-Encoding", "br")], &br);
    assert_eq!(r.text().unwrap(), text);
    let zst = ruzstd::encoding::compress_to_vec(
        text.as_bytes(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut r = response(200, &[("Content-Encoding", "zstd")], &zst);
    assert_eq!(r.text().unwrap(), text);
    // Stacked in two headers: `gzip` then `zstd` applied, so undone zstd first.
    let zst_gz = ruzstd::encoding::compress_to_vec(
        &gzip(text.as_bytes())[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut r = response(
        200,
        &[("Content-Encoding", "gzip"), ("Content-Encoding", "zstd")],
        &zst_gz,
    );
    assert_eq!(r.text().unwrap(), text);
}

#[test]
fn lines_split_on_newlines_across_chunks() {
    let body = b"first\r\nsecond line\n\nthird\r\nlast".to_vec();
    for piece in [1, 3, 7, 100] {
        let mut r = streamed(&[], Box::new(Pieces(BytesBody::new(body.clone()), piece)));
        let mut lines = Vec::new();
        while let Some(line) = r.read_line().unwrap() {
            lines.push(line);
        }
        assert_eq!(
            lines,
            ["first", "second line", "", "third", "last"],
            "{piece}"
        );
        assert!(matches!(r.read_line(), Err(Error::StreamConsumed(_))));
        assert!(matches!(r.read_chunk(1), Err(Error::StreamConsumed(_))));
    }
    // Buffered: the same lines; a trailing newline makes no empty last line.
    let mut r = response(200, &[], b"a\r\nb\n");
    r.read_all().unwrap();
    assert_eq!(r.read_line().unwrap().as_deref(), Some("a"));
    assert_eq!(r.read_line().unwrap().as_deref(), Some("b"));
    assert_eq!(r.read_line().unwrap(), None);
}

#[test]
fn lines_and_chunks_share_the_position_and_the_charset() {
    let body = b"caf\xe9\nrest of it\nend".to_vec();
    let mut r = streamed(
        &[("Content-Type", "text/plain; charset=latin-1")],
        Box::new(Pieces(BytesBody::new(body.clone()), 4)),
    );
    assert_eq!(r.read_line().unwrap().as_deref(), Some("café"));
    // What the line search read past its end comes first.
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"res");
    assert_eq!(r.read_chunk(2).unwrap().unwrap(), b"t ");
    assert_eq!(r.read_line().unwrap().as_deref(), Some("of it"));
    assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
    assert_eq!(r.read_chunk(100).unwrap().unwrap(), b"end");
    assert_eq!(r.read_chunk(100).unwrap(), None);
    // Invalid UTF-8 in a line is replaced, as in `text`.
    let mut r = streamed(&[], Box::new(Pieces(BytesBody::new(body), 4)));
    assert_eq!(r.read_line().unwrap().as_deref(), Some("caf\u{FFFD}"));
}

#[test]
fn a_line_longer_than_the_limit_is_body_too_large() {
    let mut r = streamed(&[], Box::new(Endless { left: 1 << 20 }));
    r.set_max_body_size(10_000);
    assert!(matches!(r.read_line(), Err(Error::BodyTooLarge(_))));
    assert!(matches!(r.read_line(), Err(Error::StreamConsumed(_))));
}

#[test]
fn gzip_lines_decode_as_they_stream() {
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    let mut r = streamed(
        &[("Content-Encoding", "gzip")],
        Box::new(Pieces(BytesBody::new(gzip(text.as_bytes())), 10)),
    );
    for i in 0..2000 {
        assert_eq!(r.read_line().unwrap().unwrap(), format!("line {i}"));
    }
    assert_eq!(r.read_line().unwrap(), None);
}

fn links_of(values: &[&str]) -> Vec<Link> {
    let headers: Vec<(&str, &str)> = values.iter().map(|v| ("Link", *v)).collect();
    response(200, &headers, b"").links()
}

#[test]
fn links_are_parsed_and_resolved() {
    let links = links_of(&[
        r#"<https://api.example/items?page=2>; rel="next", </items?page=9>; rel=last; title="a, b; c""#,
        r#"<other>;rel="prev" ;title*=UTF-8''x;crossorigin"#,
    ]);
    assert_eq!(
        links,
        [
            Link {
                url: "https://api.example/items?page=2".into(),
                rel: Some("next".into()),
                params: vec![],
            },
            Link {
                url: "http://h/items?page=9".into(),
                rel: Some("last".into()),
                params: vec![("title".into(), "a, b; c".into())],
            },
            Link {
                url: "http://h/other".into(),
                rel: Some("prev".into()),
                params: vec![
                    ("title*".into(), "UTF-8''x".into()),
                    ("crossorigin".into(), String::new())
                ],
            },
        ]
    );
}

#[test]
fn malformed_links_are_skipped() {
    let links = links_of(&[
        r#"no-brackets; rel=x, <http://[bad>; rel=bad, <ok1>; rel="a\"b", <unclosed; rel=y"#,
        r#"<ok2>; rel="unterminated, <ok3>"#,
        r#"<ok4> junk; rel=z, <ok5>; REL=first; rel=second, ,"#,
        "",
    ]);
    let got: Vec<(&str, Option<&str>)> = links
        .iter()
        .map(|l| (l.url.as_str(), l.rel.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("http://h/ok1", Some("a\"b")),
            ("http://h/ok5", Some("first")),
        ]
    );
    assert!(response(200, &[], b"").links().is_empty());
}

#[test]
fn a_read_chunk_of_a_body_in_memory_is_capped_at_one_mib_too() {
    let mut r = response(200, &[], &vec![b'x'; 3 << 20]);
    r.read_all().unwrap();
    let mut sizes = Vec::new();
    while let Some(chunk) = r.read_chunk(usize::MAX).unwrap() {
        sizes.push(chunk.len());
    }
    assert_eq!(sizes, [1 << 20; 3]);
}

#[test]
fn body_size_is_known_once_the_body_is_in_memory() {
    let mut r = response(200, &[], b"hello");
    assert_eq!(r.body_size(), None);
    r.read_all().unwrap();
    assert_eq!(r.body_size(), Some(5));
}

/// A body a host adapter keeps (`incoming.keeps-rest`), as `host_adapter::HostBody`
/// reports it: its handle, until read here or handed over.
struct Kept {
    id: Option<u64>,
    data: BytesBody,
}

impl BodyReader for Kept {
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        self.id = None;
        self.data.read(max)
    }
    fn kept_by_host(&self) -> Option<u64> {
        self.id
    }
    fn release_to_host(&mut self) -> Option<u64> {
        self.id.take()
    }
}

fn kept(headers: &[(&str, &str)]) -> Response {
    let base = response(200, headers, b"");
    let raw = RawResponse {
        status: 200,
        headers: base.headers.clone(),
        body: Box::new(Kept {
            id: Some(7),
            data: BytesBody::new(b"hello".to_vec()),
        }),
    };
    Response::new(raw, base.request, Duration::ZERO, vec![])
}

#[test]
fn a_body_the_host_keeps_is_handed_over_once_and_only_unread_and_unencoded() {
    let mut r = kept(&[]);
    assert_eq!(r.kept_by_host(), Some(7));
    assert_eq!(r.take_host_body(), Some(7));
    assert_eq!((r.kept_by_host(), r.take_host_body()), (None, None));
    for result in [
        r.content().map(<[u8]>::to_vec),
        r.read_chunk(10).map(|_| vec![]),
    ] {
        assert!(
            matches!(&result, Err(Error::StreamConsumed(m)) if m.contains("handed to the host")),
            "{:?}",
            result.err()
        );
    }

    // Read here first (even one byte): it stays the session's.
    let mut r = kept(&[]);
    assert_eq!(r.read_chunk(1).unwrap(), Some(b"h".to_vec()));
    assert_eq!(r.take_host_body(), None);
    assert_eq!(r.read_chunk(10).unwrap(), Some(b"ello".to_vec()));

    // Not taken: read through the response as any other body.
    let mut r = kept(&[]);
    assert_eq!(r.content().unwrap(), b"hello");
    assert_eq!(r.take_host_body(), None);

    // A body to decode is never handed over: the session decodes it.
    let mut r = kept(&[("Content-Encoding", "gzip")]);
    assert_eq!((r.kept_by_host(), r.take_host_body()), (None, None));
}
