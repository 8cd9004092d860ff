//! Retries in the send loop, through a flaky adapter that fails on cue and a sleeper that records waits.

use super::*;
use crate::prepare::PreparedRequest;
use crate::retry::RetryPolicy;
use crate::transport::{BytesBody, RawResponse, SendOptions};
use std::time::Duration;

/// What the flaky adapter does on one attempt.
enum Step {
    Fail(fn() -> Error),
    Answer(Canned),
}

/// Fails or answers from a script, counting attempts, then answers 200.
struct Flaky {
    steps: std::collections::VecDeque<Step>,
    attempts: Vec<String>,
    retries: Option<RetryPolicy>,
}

impl Transport for Flaky {
    fn kind(&self) -> crate::transport::AdapterKind {
        crate::transport::AdapterKind::Scripted
    }

    fn send(
        &mut self,
        request: &PreparedRequest,
        _options: &SendOptions,
    ) -> crate::Result<RawResponse> {
        self.attempts
            .push(format!("{} {}", request.method, request.url));
        let (status, headers, body) = match self.steps.pop_front() {
            Some(Step::Fail(error)) => return Err(error()),
            Some(Step::Answer(canned)) => canned,
            None => canned(200, &[], "ok"),
        };
        Ok(RawResponse {
            status,
            headers: crate::headers::Headers::from_pairs(headers)?,
            body: Box::new(BytesBody::new(body)),
        })
    }

    fn close(&mut self) {}

    fn retries(&self) -> Option<RetryPolicy> {
        self.retries.clone()
    }

    fn set_retries(&mut self, policy: Option<RetryPolicy>) {
        self.retries = policy;
    }
}

/// A policy with millisecond backoffs and no jitter, so waits are exact.
fn fast(total: u32) -> RetryPolicy {
    RetryPolicy {
        total,
        backoff_factor_ms: 1,
        backoff_max_ms: 4,
        backoff_jitter_ms: 0,
        retry_after_max_ms: 5_000,
        ..RetryPolicy::default()
    }
}

type Waits = Rc<RefCell<Vec<Duration>>>;

/// A session on a flaky adapter whose waits are recorded, not slept.
fn flaky(steps: Vec<Step>, policy: Option<RetryPolicy>) -> (Session, Rc<RefCell<Flaky>>, Waits) {
    let t = Rc::new(RefCell::new(Flaky {
        steps: steps.into(),
        attempts: Vec::new(),
        retries: None,
    }));
    let shared: SharedTransport = t.clone();
    let mut s = Session::new(shared);
    s.settings_mut().unwrap().set_retries(policy).unwrap();
    let waits: Waits = Rc::default();
    let record = waits.clone();
    s.set_sleeper(Box::new(move |d| record.borrow_mut().push(d)));
    (s, t, waits)
}

fn attempts(t: &Rc<RefCell<Flaky>>) -> usize {
    t.borrow().attempts.len()
}

fn post(s: &mut Session, url: &str) -> crate::Result<crate::response::Response> {
    s.request(
        "POST",
        url,
        RequestParts::default(),
        SendOverrides::default(),
    )
}

fn refused() -> Error {
    Error::ConnectionRefused("the server refused the connection".into())
}

fn read_timeout() -> Error {
    Error::ReadTimeout("the server did not answer within the read timeout".into())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn without_a_policy_nothing_is_retried() {
    let (mut s, t, waits) = flaky(vec![Step::Fail(refused)], None);
    assert!(matches!(
        get(&mut s, "http://a.test/").as_ref().map_err(Error::inner),
        Err(Error::ConnectionRefused(_))
    ));
    assert_eq!(attempts(&t), 1);
    let (mut s, t, _) = flaky(
        vec![Step::Answer(canned(503, &[("Retry-After", "1")], ""))],
        None,
    );
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 503);
    assert_eq!(attempts(&t), 1);
    assert!(waits.borrow().is_empty());
}

#[test]
fn connect_errors_are_retried_even_for_post_with_doubling_waits() {
    let steps = vec![
        Step::Fail(refused),
        Step::Fail(refused),
        Step::Fail(refused),
    ];
    let (mut s, t, waits) = flaky(steps, Some(fast(5)));
    let mut r = post(&mut s, "http://a.test/submit").unwrap();
    assert_eq!((r.status, r.content().unwrap()), (200, &b"ok"[..]));
    assert_eq!(attempts(&t), 4);
    assert!(t
        .borrow()
        .attempts
        .iter()
        .all(|a| a == "POST http://a.test/submit"));
    // 1, 2, 4 ms: the factor doubling, held at the 4 ms cap.
    assert_eq!(*waits.borrow(), [ms(1), ms(2), ms(4)]);
}

#[test]
fn read_errors_are_retried_for_get_but_never_for_post() {
    let (mut s, t, waits) = flaky(
        vec![Step::Fail(read_timeout), Step::Fail(read_timeout)],
        Some(fast(3)),
    );
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    assert_eq!((attempts(&t), waits.borrow().len()), (3, 2));

    let (mut s, t, waits) = flaky(vec![Step::Fail(read_timeout)], Some(fast(3)));
    assert!(matches!(
        post(&mut s, "http://a.test/")
            .as_ref()
            .map_err(Error::inner),
        Err(Error::ReadTimeout(_))
    ));
    assert_eq!(attempts(&t), 1);
    assert!(waits.borrow().is_empty());

    let broken = || Error::Connection("connection-terminated".into());
    let (mut s, t, _) = flaky(vec![Step::Fail(broken)], Some(fast(3)));
    assert!(matches!(
        s.request(
            "PATCH",
            "http://a.test/",
            RequestParts::default(),
            SendOverrides::default()
        )
        .as_ref()
        .map_err(Error::inner),
        Err(Error::Connection(_))
    ));
    assert_eq!(attempts(&t), 1);
}

#[test]
fn forcelisted_statuses_are_retried_then_end_in_a_retry_error() {
    let unavailable = || Step::Answer(canned(503, &[("Set-Cookie", "lb=1")], "busy"));
    let policy = RetryPolicy {
        status_forcelist: vec![503],
        ..fast(2)
    };
    let (mut s, t, waits) = flaky(
        vec![unavailable(), unavailable(), unavailable()],
        Some(policy.clone()),
    );
    match get(&mut s, "http://a.test/path?q=1") {
        Err(Error::Retry(m)) => assert_eq!(
            m,
            "Max retries exceeded with url: http://a.test/path?q=1 (too many 503 error responses)"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(attempts(&t), 3);
    assert_eq!(*waits.borrow(), [ms(1), ms(2)]);
    // Retried responses are dropped: their cookies are not stored.
    assert!(s.jar().unwrap().list(0).is_empty());
    // The session keeps working, and a 503 that then recovers gives the answer.
    let (mut s, t, _) = flaky(vec![unavailable()], Some(policy.clone()));
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    assert_eq!(attempts(&t), 2);
    // POST is not in the allowed methods: the 503 is the answer.
    let (mut s, t, _) = flaky(vec![unavailable()], Some(policy));
    assert_eq!(post(&mut s, "http://a.test/").unwrap().status, 503);
    assert_eq!(attempts(&t), 1);
}

#[test]
fn retry_after_is_waited_for_up_to_the_cap() {
    let busy = |after: &str| Step::Answer(canned(429, &[("Retry-After", after)], ""));
    let policy = RetryPolicy {
        retry_after_max_ms: 2_500,
        ..fast(3)
    };
    let (mut s, t, waits) = flaky(vec![busy("2"), busy("3600"), busy("later")], Some(policy));
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    assert_eq!(attempts(&t), 4);
    // 2 s as asked; an hour cut to the 2.5 s cap; an unreadable value backs off (third retry: 4 ms).
    assert_eq!(*waits.borrow(), [ms(2_000), ms(2_500), ms(4)]);
}

#[test]
fn the_total_bounds_every_kind_together() {
    let steps = vec![
        Step::Fail(refused),
        Step::Fail(read_timeout),
        Step::Answer(canned(503, &[("Retry-After", "0")], "")),
        Step::Fail(refused),
    ];
    let (mut s, t, waits) = flaky(steps, Some(fast(3)));
    // The fourth attempt fails with the budget spent: its own error comes back.
    assert!(matches!(
        get(&mut s, "http://a.test/").as_ref().map_err(Error::inner),
        Err(Error::ConnectionRefused(_))
    ));
    assert_eq!(attempts(&t), 4);
    assert_eq!(*waits.borrow(), [ms(1), ms(2), Duration::ZERO]);
    // A per-kind count below the total ends sooner.
    let policy = RetryPolicy {
        connect: Some(1),
        ..fast(5)
    };
    let (mut s, t, _) = flaky(vec![Step::Fail(refused), Step::Fail(refused)], Some(policy));
    assert!(matches!(
        get(&mut s, "http://a.test/").as_ref().map_err(Error::inner),
        Err(Error::ConnectionRefused(_))
    ));
    assert_eq!(attempts(&t), 2);
}

#[test]
fn errors_no_retry_fixes_are_returned_at_once() {
    let unsupported = || Error::Unsupported("verify=false".into());
    let (mut s, t, _) = flaky(vec![Step::Fail(unsupported)], Some(fast(3)));
    assert!(matches!(
        get(&mut s, "http://a.test/"),
        Err(Error::Unsupported(_))
    ));
    assert_eq!(attempts(&t), 1);
}

#[test]
fn the_adapter_policy_applies_unless_the_session_sets_one() {
    let (mut s, t, waits) = flaky(vec![Step::Fail(refused)], None);
    t.borrow_mut().set_retries(Some(fast(1)));
    assert_eq!(get(&mut s, "http://a.test/").unwrap().status, 200);
    assert_eq!(attempts(&t), 2);
    // The session's policy wins over the adapter's.
    s.settings_mut()
        .unwrap()
        .set_retries(Some(RetryPolicy {
            connect: Some(0),
            ..fast(1)
        }))
        .unwrap();
    t.borrow_mut().steps.push_back(Step::Fail(refused));
    assert!(matches!(
        get(&mut s, "http://a.test/").as_ref().map_err(Error::inner),
        Err(Error::ConnectionRefused(_))
    ));
    assert_eq!(attempts(&t), 3);
    assert_eq!(waits.borrow().len(), 1);
    // An invalid policy is refused and the old one kept.
    let bad = RetryPolicy {
        backoff_factor_ms: 10,
        backoff_max_ms: 1,
        ..fast(1)
    };
    assert!(matches!(
        s.settings_mut().unwrap().set_retries(Some(bad)),
        Err(Error::InvalidOption(_))
    ));
    assert_eq!(
        s.settings().retries.as_ref().and_then(|p| p.connect),
        Some(0)
    );
}

#[test]
fn retries_start_afresh_on_every_redirect_hop() {
    let steps = vec![
        Step::Fail(refused),
        Step::Answer(canned(302, &[("Location", "/next")], "")),
        Step::Fail(refused),
        Step::Answer(canned(200, &[], "there")),
    ];
    let (mut s, t, waits) = flaky(steps, Some(fast(1)));
    let r = get(&mut s, "http://a.test/start").unwrap();
    assert_eq!((r.status, r.history.len()), (200, 1));
    assert_eq!(
        t.borrow().attempts,
        [
            "GET http://a.test/start",
            "GET http://a.test/start",
            "GET http://a.test/next",
            "GET http://a.test/next"
        ]
    );
    assert_eq!(*waits.borrow(), [ms(1), ms(1)]);
}

#[test]
fn the_scripted_adapter_keeps_a_policy() {
    let mut t = ScriptedTransport::new(vec![]).unwrap();
    assert_eq!(t.retries(), None);
    t.set_retries(Some(RetryPolicy::default()));
    assert_eq!(t.retries(), Some(RetryPolicy::default()));
}
