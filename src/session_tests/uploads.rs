//! Streaming uploads in the send loop, through the scripted adapter.

use super::*;

#[test]
fn a_streamed_upload_sends_its_pieces_chunked_when_no_length_is_given() {
    let (mut s, t) = session_with(vec![canned(200, &[], "stored")]);
    let mut up = s
        .start_request(
            "PUT",
            "http://a.test/blob",
            RequestParts::default(),
            SendOverrides::default(),
            None,
        )
        .unwrap();
    for piece in [&b"one,"[..], b"two,", b"three"] {
        up.write(piece).unwrap();
    }
    assert_eq!(up.written(), 13);
    let mut r = s.finish_upload(up).unwrap();
    assert_eq!(r.content().unwrap(), b"stored");
    let sent = &received(&t)[0];
    assert_eq!(sent.body, b"one,two,three");
    assert_eq!(
        header(sent, "content-length"),
        None,
        "no length: chunked transfer"
    );
}

#[test]
fn an_announced_length_is_sent_and_enforced() {
    let (mut s, t) = session_with(vec![canned(200, &[], ""), canned(200, &[], "")]);
    let mut up = s
        .start_request(
            "POST",
            "http://a.test/",
            RequestParts::default(),
            SendOverrides::default(),
            Some(4),
        )
        .unwrap();
    up.write(b"abc").unwrap();
    assert!(
        matches!(up.write(b"de"), Err(Error::InvalidOption(_))),
        "past the length"
    );
    assert!(
        matches!(s.finish_upload(up), Err(Error::InvalidOption(_))),
        "short of the length"
    );
    assert_eq!(header(&received(&t)[0], "content-length"), Some("4"));
    let parts = RequestParts {
        body: Some(crate::body::Body::Text("x".into())),
        ..Default::default()
    };
    let err = s.start_request(
        "POST",
        "http://a.test/",
        parts,
        SendOverrides::default(),
        None,
    );
    assert!(matches!(err, Err(Error::InvalidOption(_))));
}

#[test]
fn an_upload_follows_a_303_but_returns_a_307_it_cannot_replay() {
    let (mut s, t) = session_with(vec![
        canned(303, &[("Location", "/done")], ""),
        canned(200, &[], "done"),
        canned(307, &[("Location", "/again")], ""),
    ]);
    let mut up = s
        .start_request(
            "POST",
            "http://a.test/",
            RequestParts::default(),
            SendOverrides::default(),
            None,
        )
        .unwrap();
    up.write(b"data").unwrap();
    let r = s.finish_upload(up).unwrap();
    assert_eq!((r.status, r.history.len()), (200, 1));
    assert_eq!(received(&t)[1].method, "GET");
    let mut up = s
        .start_request(
            "POST",
            "http://a.test/",
            RequestParts::default(),
            SendOverrides::default(),
            None,
        )
        .unwrap();
    up.write(b"data").unwrap();
    let r = s.finish_upload(up).unwrap();
    assert_eq!(r.status, 307, "the body is gone: the 307 is the answer");
    assert_eq!(received(&t).len(), 3);
}

/// An adapter whose upload the server answers after the first piece, as a
/// server that answers early and closes: later writes fail, `finish` answers.
struct AnsweredEarly;

struct EarlySink {
    pieces: usize,
}

impl crate::transport::BodySink for EarlySink {
    fn write(&mut self, _bytes: &[u8]) -> crate::Result<()> {
        self.pieces += 1;
        if self.pieces > 1 {
            return Err(Error::Connection("the connection closed early".into()));
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> crate::Result<crate::transport::RawResponse> {
        Ok(crate::transport::RawResponse {
            status: 413,
            headers: crate::headers::Headers::from_trusted(Vec::new()),
            body: Box::new(crate::transport::BytesBody::new(b"too large".to_vec())),
        })
    }
}

impl Transport for AnsweredEarly {
    fn kind(&self) -> crate::transport::AdapterKind {
        crate::transport::AdapterKind::Scripted
    }

    fn send(
        &mut self,
        _request: &crate::prepare::PreparedRequest,
        _options: &crate::settings::SendOptions,
    ) -> crate::Result<crate::transport::RawResponse> {
        Err(Error::Unsupported("uploads only".into()))
    }

    fn start(
        &mut self,
        _request: &crate::prepare::PreparedRequest,
        _options: &crate::settings::SendOptions,
    ) -> crate::Result<Box<dyn crate::transport::BodySink>> {
        Ok(Box::new(EarlySink { pieces: 0 }))
    }

    fn close(&mut self) {}
}

#[test]
fn a_failed_write_leaves_finish_to_give_the_answer_not_a_length_mismatch() {
    let adapter: SharedTransport = Rc::new(RefCell::new(AnsweredEarly));
    let mut s = Session::new(adapter);
    let mut up = s
        .start_request(
            "PUT",
            "http://a.test/big",
            RequestParts::default(),
            SendOverrides::default(),
            Some(1000),
        )
        .unwrap();
    up.write(&[1; 10]).unwrap();
    assert!(up.write(&[2; 10]).is_err());
    let r = s.finish_upload(up).unwrap();
    assert_eq!(r.status, 413);
}
