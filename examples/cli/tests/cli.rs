//! Runs the `rq` binary against the loopback fixture server.

use host_tests::server::TestServer;
use std::process::Command;

fn rq(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rq"))
        .args(args)
        .output()
        .expect("rq runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The body `rq --body` printed, as JSON.
fn body_json(args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = rq(args);
    assert!(ok, "rq {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn items_become_params_headers_and_a_json_body() {
    let server = TestServer::start();
    let echo = body_json(&[
        "--body",
        &server.url("/anything"),
        "q==1",
        "X-Trace:on",
        "name=rq",
        "n:=3",
    ]);
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["query"], "q=1");
    assert_eq!(echo["headers"]["x-trace"], "on");
    assert_eq!(echo["json"], serde_json::json!({"name": "rq", "n": 3}));
}

#[test]
fn form_fields_auth_and_an_explicit_method() {
    let server = TestServer::start();
    let echo = body_json(&["--body", "--form", "put", &server.url("/anything"), "a=b c"]);
    assert_eq!(
        (echo["method"].as_str(), echo["data"].as_str()),
        (Some("PUT"), Some("a=b+c"))
    );
    let ok = body_json(&["--body", "--auth", "u:p", &server.url("/basic-auth/u/p")]);
    assert_eq!(ok["authenticated"], true);
}

#[test]
fn redirects_are_followed_and_listed() {
    let server = TestServer::start();
    let (ok, out, _) = rq(&["--headers", &server.url("/redirect/2")]);
    assert!(ok);
    assert!(
        out.lines()
            .filter(|l| l.starts_with("302 Found <- "))
            .count()
            == 2,
        "{out}"
    );
    assert!(
        out.contains(&format!("HTTP 200 OK  {}", server.url("/get"))),
        "{out}"
    );
    let (_, out, _) = rq(&["--headers", "--no-follow", &server.url("/redirect/2")]);
    assert!(out.starts_with("HTTP 302 Found"), "{out}");
}

/// A fresh directory for one test's files.
fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rq-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The saved session file, as JSON.
fn saved(file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn a_session_file_keeps_cookies_and_headers_between_runs() {
    let server = TestServer::start();
    let dir = temp_dir("session");
    let file = dir.join("session.json");
    let file = file.to_str().unwrap();
    let (ok, _, err) = rq(&[
        "--session",
        file,
        "--max-redirects",
        "5",
        &server.url("/cookies/set?flavour=oatmeal"),
        "X-Team:blue",
    ]);
    assert!(ok, "{err}");
    let echo = body_json(&["--body", "--session", file, &server.url("/anything")]);
    assert_eq!(echo["cookies"]["flavour"], "oatmeal");
    assert_eq!(echo["headers"]["x-team"], "blue");

    // The file is the component's exported state: every header and cookie attribute, and
    // the session's settings (not this run's --max-redirects).
    let doc = saved(file);
    assert_eq!(doc["version"], 1, "{doc}");
    let headers = doc["headers"].as_array().unwrap();
    assert!(
        headers.contains(&serde_json::json!(["X-Team", "blue"])),
        "{doc}"
    );
    assert!(
        headers.iter().any(|h| h[0] == "User-Agent"),
        "the defaults are part of the state: {doc}"
    );
    assert_eq!(doc["max_redirects"], 30, "{doc}");
    let cookie = &doc["cookies"][0];
    assert_eq!(
        (&cookie["name"], &cookie["value"], &cookie["domain"]),
        (
            &serde_json::json!("flavour"),
            &serde_json::json!("oatmeal"),
            &serde_json::json!("127.0.0.1")
        ),
        "{doc}"
    );
    assert_eq!(
        cookie["host_only"], true,
        "a cookie set without Domain stays host-only across runs: {doc}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds cookies and secrets");
    }

    // `Name:` removes a session header, and the removal is saved too.
    let echo = body_json(&[
        "--body",
        "--session",
        file,
        &server.url("/anything"),
        "X-Team:",
    ]);
    assert_eq!(echo["headers"]["x-team"], serde_json::Value::Null);
    assert_eq!(echo["cookies"]["flavour"], "oatmeal");
    let doc = saved(file);
    assert!(
        !doc["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "X-Team"),
        "{doc}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_session_file_that_is_not_a_saved_session_is_an_error() {
    let dir = temp_dir("bad-session");
    let file = dir.join("session.json");
    std::fs::write(&file, r#"{"headers": {"X-Team": "blue"}}"#).unwrap();
    let file = file.to_str().unwrap();
    let (ok, _, err) = rq(&["--session", file, "http://127.0.0.1:1/"]);
    assert!(!ok);
    assert!(err.contains("is not a saved session"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn errors_are_reported_with_a_non_zero_exit() {
    let (ok, _, err) = rq(&["127.0.0.1/nothing"]);
    assert!(!ok);
    assert!(err.contains("No scheme supplied"), "{err}");
    let (ok, _, err) = rq(&["http://h/", "not-an-item"]);
    assert!(!ok && err.contains("not a request item"), "{err}");
}
