//! The session's send loop, natively, through the scripted adapter and (for
//! retries) a flaky one that fails on cue.

use crate::auth::Auth;
use crate::error::Error;
use crate::session::Session;
use crate::settings::{RequestParts, SendOverrides};
use crate::transport::{RecordedRequest, ScriptedTransport, SharedTransport, Transport};
use std::cell::RefCell;
use std::rc::Rc;

mod cost;
mod history;
mod hooks;
mod retries;
mod uploads;

type Canned = crate::transport::CannedParts;

fn canned(status: u16, headers: &[(&str, &str)], body: &str) -> Canned {
    (
        status,
        headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body.as_bytes().to_vec(),
    )
}

fn session_with(responses: Vec<Canned>) -> (Session, Rc<RefCell<ScriptedTransport>>) {
    let scripted = Rc::new(RefCell::new(ScriptedTransport::new(responses).unwrap()));
    let shared: SharedTransport = scripted.clone();
    (Session::new(shared), scripted)
}

fn received(t: &Rc<RefCell<ScriptedTransport>>) -> Vec<RecordedRequest> {
    t.borrow().received()
}

fn header<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn get(s: &mut Session, url: &str) -> crate::Result<crate::response::Response> {
    s.request(
        "GET",
        url,
        RequestParts::default(),
        SendOverrides::default(),
    )
}

#[test]
fn a_redirect_is_followed_and_recorded_in_history() {
    let (mut s, t) = session_with(vec![
        canned(302, &[("Location", "/next")], "moved"),
        canned(200, &[], "done"),
    ]);
    let mut r = get(&mut s, "http://a.test/start").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.url().as_str(), "http://a.test/next");
    assert_eq!(r.history.len(), 1);
    assert_eq!(r.history.hops()[0].borrow().status, 302);
    assert_eq!(r.content().unwrap(), b"done");
    assert_eq!(received(&t).len(), 2);
}

#[test]
fn redirect_303_turns_post_into_get_without_body() {
    let (mut s, t) = session_with(vec![
        canned(303, &[("Location", "/r")], ""),
        canned(200, &[], ""),
    ]);
    let parts = RequestParts {
        body: Some(crate::body::Body::Text("data".into())),
        ..Default::default()
    };
    s.request("POST", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    let second = &received(&t)[1];
    assert_eq!(second.method, "GET");
    assert!(second.body.is_empty());
    assert_eq!(header(second, "content-length"), None);
}

#[test]
fn redirect_307_keeps_method_and_body() {
    let (mut s, t) = session_with(vec![
        canned(307, &[("Location", "/r")], ""),
        canned(200, &[], ""),
    ]);
    let parts = RequestParts {
        body: Some(crate::body::Body::Text("data".into())),
        ..Default::default()
    };
    s.request("POST", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    let second = &received(&t)[1];
    assert_eq!(
        (second.method.as_str(), second.body.as_slice()),
        ("POST", &b"data"[..])
    );
}

#[test]
fn too_many_redirects_carries_the_last_response() {
    let loop_ = || canned(302, &[("Location", "/again")], "");
    let (mut s, _t) = session_with(vec![loop_(), loop_(), loop_(), canned(200, &[], "")]);
    s.settings_mut().unwrap().max_redirects = 2;
    match get(&mut s, "http://a.test/") {
        Err(Error::TooManyRedirects {
            message,
            response,
            history,
        }) => {
            assert_eq!(message, "Exceeded 2 redirects.");
            assert_eq!(response.status, 302);
            assert!(response.url.starts_with("http://a.test/again"));
            // The hops before it: the first request's answer, then one redirect.
            let urls: Vec<&str> = history.iter().map(|h| h.url.as_str()).collect();
            assert_eq!(urls, ["http://a.test/", "http://a.test/again"]);
            assert!(history.iter().all(|h| h.status == 302));
            assert!(response
                .headers
                .contains(&("Location".into(), "/again".into())));
        }
        other => panic!("{other:?}"),
    }
    // The session stays usable.
    assert!(get(&mut s, "http://a.test/").is_ok());
}

#[test]
fn authorization_is_stripped_when_the_redirect_changes_host() {
    let (mut s, t) = session_with(vec![
        canned(302, &[("Location", "http://b.test/")], ""),
        canned(200, &[], ""),
    ]);
    s.settings_mut().unwrap().auth = Some(Auth::Bearer("secret".into()));
    get(&mut s, "http://a.test/").unwrap();
    let r = received(&t);
    assert_eq!(header(&r[0], "authorization"), Some("Bearer secret"));
    assert_eq!(header(&r[1], "authorization"), None);
}

#[test]
fn cookies_from_every_hop_are_stored_and_reselected_per_url() {
    let (mut s, t) = session_with(vec![
        canned(
            302,
            &[("Location", "http://b.test/"), ("Set-Cookie", "hop=1")],
            "",
        ),
        canned(200, &[("Set-Cookie", "final=2")], ""),
        canned(200, &[], ""),
    ]);
    get(&mut s, "http://a.test/").unwrap();
    // The cookie set by a.test is not sent to b.test.
    assert_eq!(header(&received(&t)[1], "cookie"), None);
    get(&mut s, "http://a.test/again").unwrap();
    assert_eq!(header(&received(&t)[2], "cookie"), Some("hop=1"));
    let names: Vec<_> = s
        .jar()
        .unwrap()
        .list(0)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["hop", "final"]);
}

#[test]
fn request_cookies_are_sent_on_every_hop_but_not_stored() {
    let (mut s, t) = session_with(vec![
        canned(302, &[("Location", "/x")], ""),
        canned(200, &[], ""),
    ]);
    let parts = RequestParts {
        cookies: Some(vec![("once".into(), "1".into())]),
        ..Default::default()
    };
    s.request("GET", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    assert_eq!(header(&received(&t)[1], "cookie"), Some("once=1"));
    assert!(s.jar().unwrap().list(0).is_empty());
}

#[test]
fn allow_redirects_false_returns_the_redirect() {
    let (mut s, _t) = session_with(vec![canned(301, &[("Location", "/x")], "")]);
    let send = SendOverrides {
        allow_redirects: Some(false),
        ..Default::default()
    };
    let r = s
        .request("GET", "http://a.test/", RequestParts::default(), send)
        .unwrap();
    assert!(r.is_redirect() && r.is_permanent_redirect());
}

#[test]
fn the_longest_mounted_prefix_wins_and_no_match_is_invalid_schema() {
    let (mut s, _t) = session_with(vec![]);
    let special: Rc<RefCell<dyn Transport>> = Rc::new(RefCell::new(
        ScriptedTransport::new(vec![canned(200, &[], "special")]).unwrap(),
    ));
    s.mount("HTTP://a.test/api", special).unwrap();
    let mut r = get(&mut s, "http://a.test/api/v1").unwrap();
    assert_eq!(r.content().unwrap(), b"special");
    assert!(matches!(
        get(&mut s, "ftp://a.test/"),
        Err(Error::InvalidSchema(_))
    ));
}

#[test]
fn a_closed_session_answers_session_closed() {
    let (mut s, _t) = session_with(vec![canned(200, &[], "")]);
    s.close();
    assert!(matches!(
        get(&mut s, "http://a.test/"),
        Err(Error::SessionClosed)
    ));
    assert!(matches!(s.settings_mut(), Err(Error::SessionClosed)));
    // The settings stay readable.
    assert_eq!(s.settings().max_redirects, 30);
    assert!(s.is_closed());
}

#[test]
fn changing_auth_forgets_the_digest_challenge() {
    let challenge = r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5"#;
    let (mut s, t) = session_with(vec![
        canned(401, &[("WWW-Authenticate", challenge)], ""),
        canned(200, &[], ""),
        canned(200, &[], ""),
        canned(200, &[], ""),
    ]);
    let digest = |user: &str| crate::auth::Auth::Digest {
        username: user.into(),
        password: "p".into(),
    };
    s.set_auth(Some(digest("u"))).unwrap();
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    // Holding the challenge, the next request answers it up front.
    get(&mut s, "http://a.test/").unwrap();
    let sent = received(&t);
    assert!(header(&sent[2], "authorization").is_some_and(|a| a.contains("username=\"u\"")));
    // New credentials: the old challenge is not answered with them.
    s.set_auth(Some(digest("v"))).unwrap();
    get(&mut s, "http://a.test/").unwrap();
    assert_eq!(header(&received(&t)[3], "authorization"), None);
}

#[test]
fn a_redirect_hop_gets_no_digest_answer_until_it_is_challenged() {
    // requests' test_digestauth_401_count_reset_on_redirect: 401, answer, 302 to the
    // same host, the hop without Authorization, its 401 answered, 200.
    let challenge = r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5"#;
    let (mut s, t) = session_with(vec![
        canned(401, &[("WWW-Authenticate", challenge)], ""),
        canned(302, &[("Location", "/next")], ""),
        canned(401, &[("WWW-Authenticate", challenge)], ""),
        canned(200, &[], ""),
    ]);
    s.set_auth(Some(crate::auth::Auth::Digest {
        username: "u".into(),
        password: "p".into(),
    }))
    .unwrap();
    let r = get(&mut s, "http://a.test/").unwrap();
    assert_eq!((r.status, r.history.len()), (200, 3));
    let sent = received(&t);
    let auth: Vec<Option<&str>> = sent.iter().map(|r| header(r, "authorization")).collect();
    assert_eq!(auth[0], None);
    assert!(
        auth[1].is_some_and(|a| a.contains(r#"uri="/""#)),
        "{auth:?}"
    );
    assert_eq!(
        auth[2], None,
        "the redirect hop: no stale answer for another URI"
    );
    assert!(
        auth[3].is_some_and(|a| a.contains(r#"uri="/next""#)),
        "{auth:?}"
    );
}

#[test]
fn streamed_responses_leave_the_body_to_the_caller() {
    let (mut s, _t) = session_with(vec![canned(200, &[], "abcdef")]);
    let send = SendOverrides {
        stream: Some(true),
        ..Default::default()
    };
    let mut r = s
        .request("GET", "http://a.test/", RequestParts::default(), send)
        .unwrap();
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"abcd");
    assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"ef");
    assert_eq!(r.read_chunk(4).unwrap(), None);
}
