//! History: every hop stored once and shared, bounded in memory, and
//! request-only cookies kept to their origin across redirects.

use super::{canned, get, header, received, session_with, Canned};
use crate::error::Error;
use crate::settings::{RequestParts, SendOverrides};
use std::rc::Rc;

fn hop(to: &str, body: &str) -> Canned {
    canned(302, &[("Location", to)], body)
}

#[test]
fn a_redirect_loop_at_the_default_limit_ends_in_too_many_redirects() {
    // 31 redirects: the 31st is one more than the default max-redirects of 30.
    let script = (0..31).map(|_| hop("/again", "loop")).collect();
    let (mut s, t) = session_with(script);
    match get(&mut s, "http://a.test/") {
        Err(Error::TooManyRedirects {
            message,
            response,
            history,
        }) => {
            assert_eq!(message, "Exceeded 30 redirects.");
            assert_eq!(response.status, 302);
            assert_eq!(history.len(), 30, "as requests' e.response.history");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(received(&t).len(), 31);
}

#[test]
fn thirty_redirects_keep_a_linear_history_of_shared_hops() {
    let mut script: Vec<_> = (0..30).map(|_| hop("/again", "loop")).collect();
    script.push(canned(200, &[], "done"));
    let (mut s, t) = session_with(script);
    match get(&mut s, "http://a.test/") {
        Ok(response) => {
            assert_eq!(response.history.len(), 30);
            // Each hop's own history is the hops before it, and they are the
            // same objects (shared), not copies.
            let hops = response.history.hops();
            for (i, hop) in hops.iter().enumerate() {
                let before = hop.borrow().history.hops();
                assert_eq!(before.len(), i);
                for (j, earlier) in before.iter().enumerate() {
                    assert!(Rc::ptr_eq(earlier, &hops[j]), "hop {i} copies hop {j}");
                }
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(received(&t).len(), 31);
}

#[test]
fn the_bodies_kept_in_history_share_one_max_body_size() {
    let kib = "x".repeat(1024);
    let script = vec![
        hop("/1", &kib),
        hop("/2", &kib),
        hop("/3", &kib),
        canned(200, &[], "done"),
    ];
    let (mut s, _t) = session_with(script);
    s.settings_mut().unwrap().max_body_size = 2048 + 100;
    let mut r = get(&mut s, "http://a.test/").unwrap();
    assert_eq!(r.content().unwrap(), b"done");
    let hops = r.history.hops();
    assert_eq!(hops.len(), 3);
    // Two bodies fit in the limit; the third hop's is dropped, the hop kept.
    assert_eq!(hops[0].borrow_mut().content().unwrap().len(), 1024);
    assert_eq!(hops[1].borrow_mut().content().unwrap().len(), 1024);
    assert!(hops[2].borrow_mut().content().is_err());
    assert_eq!(hops[2].borrow().status, 302);
}

#[test]
fn request_cookies_do_not_follow_a_redirect_to_another_host() {
    let (mut s, t) = session_with(vec![
        hop("http://b.test/", ""),
        hop("http://a.test/back", ""),
        canned(200, &[], ""),
    ]);
    let parts = RequestParts {
        cookies: Some(vec![("secret".into(), "1".into())]),
        ..Default::default()
    };
    s.request("GET", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    let sent = received(&t);
    assert_eq!(header(&sent[0], "cookie"), Some("secret=1"));
    assert_eq!(header(&sent[1], "cookie"), None, "leaked to b.test");
    // Once gone to another host they are not brought back.
    assert_eq!(header(&sent[2], "cookie"), None);
}

#[test]
fn request_cookies_follow_a_redirect_on_the_same_origin() {
    let (mut s, t) = session_with(vec![hop("/next", ""), canned(200, &[], "")]);
    let parts = RequestParts {
        cookies: Some(vec![("k".into(), "v".into())]),
        ..Default::default()
    };
    s.request("GET", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    assert_eq!(header(&received(&t)[1], "cookie"), Some("k=v"));
}

#[test]
fn a_server_that_fills_the_jar_gets_invalid_header_not_a_host_trap() {
    // 100 cookies of 1000 bytes: each within every per-cookie limit, together
    // past the request-header budget.
    let set_cookies: Vec<String> = (0..100)
        .map(|i| format!("c{i}={}", "v".repeat(1000)))
        .collect();
    let headers: Vec<(&str, &str)> = set_cookies
        .iter()
        .map(|c| ("Set-Cookie", c.as_str()))
        .collect();
    let (mut s, t) = session_with(vec![
        canned(200, &headers, ""),
        canned(200, &[], "other host"),
    ]);
    get(&mut s, "http://a.test/fill").unwrap();
    match get(&mut s, "http://a.test/next") {
        Err(Error::InvalidHeader(m)) => {
            assert!(m.contains("budget") && m.contains("Cookie"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // Nothing reached the adapter, and the session still works elsewhere.
    assert_eq!(received(&t).len(), 1);
    let mut r = get(&mut s, "http://b.test/").unwrap();
    assert_eq!(r.content().unwrap(), b"other host");
}

#[test]
fn a_body_sent_again_on_307_is_shared_by_every_hop_not_copied() {
    let (mut s, t) = session_with(vec![
        canned(307, &[("Location", "/1")], ""),
        canned(308, &[("Location", "/2")], ""),
        canned(200, &[], ""),
    ]);
    let parts = RequestParts {
        body: Some(crate::body::Body::Bytes(vec![7; 4096])),
        ..Default::default()
    };
    let r = s
        .request("PUT", "http://a.test/", parts, SendOverrides::default())
        .unwrap();
    let body = r.request.body.clone().unwrap();
    for hop in r.history.hops() {
        let hop_body = hop.borrow().request.body.clone().unwrap();
        assert!(Rc::ptr_eq(&hop_body, &body));
    }
    assert!(received(&t).iter().all(|r| r.body == vec![7; 4096]));
}
