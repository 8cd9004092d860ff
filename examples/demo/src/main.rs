//! A requests-style `session` at work: this host runs the requests component in
//! wasmtime and drives one session through cookies, redirects, default headers,
//! session auth, a JSON POST and a typed error.
//!
//! ```text
//! cargo run -p session-demo                          # against an embedded loopback server
//! cargo run -p session-demo -- http://127.0.0.1:8080 # against an httpbin-compatible server
//! ```
//!
//! The guest reaches the network only through wasi:http; everything below is a
//! call into the component's exported `session` and `response` resources.

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{
    opts, Auth, Body, Credentials, ErrorKind, Harness, RequestOptions, ResourceAny,
};
use host_tests::server::TestServer;
use serde_json::json;

// One instance, driven by one task: a current-thread runtime is all it needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    // The embedded server lives until the end of `main`; an argument replaces it.
    let (base, _server) = match std::env::args().nth(1) {
        Some(url) => (url.trim_end_matches('/').to_string(), None),
        None => {
            let server = TestServer::start();
            (server.url(""), Some(server))
        }
    };
    println!("session-demo against {base}\n");
    let url = |path: &str| format!("{base}{path}");

    let mut h = Harness::new().await?;

    // 1. A session with a default header and Basic auth for every request.
    let s = h.session().await?;
    let api = h.client.requests_http_session().session();
    api.call_set_header(&mut h.store, s, "X-Demo", "1")
        .await??;
    let auth = Auth::Basic(Credentials {
        username: "demo".into(),
        password: "s3cret".into(),
    });
    api.call_set_auth(&mut h.store, s, Some(&auth)).await??;
    println!("1. session(): default header X-Demo: 1, auth Basic demo/s3cret");

    // 2. The server sets a cookie and redirects to /cookies; the redirect is followed.
    let r = h
        .get(s, &url("/cookies/set?flavour=oatmeal"), None)
        .await??;
    let (status, final_url) = (h.status(r).await?, h.url(r).await?);
    let mut hops = Vec::new();
    for hop in h.history(r).await? {
        hops.push(h.status(hop).await?);
        h.drop_resource(hop).await?;
    }
    let body = json_of(&mut h, r).await?;
    println!(
        "2. GET /cookies/set?flavour=oatmeal -> {status} {final_url} (history {}: {hops:?}), \
         body cookies {}",
        hops.len(),
        body["cookies"]
    );
    ensure!(
        status == 200 && body["cookies"]["flavour"] == "oatmeal",
        "cookie not set: {body}"
    );
    let api = h.client.requests_http_session().session();
    let jar = api.call_cookies(&mut h.store, s).await?;
    for c in &jar {
        println!(
            "   jar: {}={} (domain {:?}, path {})",
            c.name, c.value, c.domain, c.path
        );
    }

    // 3. The jar sends the cookie back on the next request.
    let r = h.get(s, &url("/cookies"), None).await??;
    let body = json_of(&mut h, r).await?;
    println!(
        "3. GET /cookies -> cookies {} (sent from the jar)",
        body["cookies"]
    );
    ensure!(
        body["cookies"]["flavour"] == "oatmeal",
        "cookie not sent back: {body}"
    );

    // 4. The session's Basic auth unlocks a protected endpoint.
    let r = h.get(s, &url("/basic-auth/demo/s3cret"), None).await??;
    let status = h.status(r).await?;
    let body = json_of(&mut h, r).await?;
    println!("4. GET /basic-auth/demo/s3cret -> {status} {body} (session auth)");
    ensure!(status == 200, "session auth was not accepted");

    // 5. A JSON body and a per-request param; the default header rides along.
    let options = RequestOptions {
        params: Some(vec![("page".into(), Some("2".into()))]),
        body: Some(Body::Json(
            json!({ "cookie": "oatmeal", "count": 3 }).to_string(),
        )),
        ..opts()
    };
    let r = h.post(s, &url("/anything"), Some(options)).await??;
    let body = json_of(&mut h, r).await?;
    let x_demo = header_of(&body, "x-demo");
    println!(
        "5. POST /anything?page=2 -> json {}, args {}, X-Demo header: {}",
        body["json"],
        body["args"],
        x_demo.unwrap_or("missing")
    );
    ensure!(
        body["json"]["count"] == 3 && x_demo == Some("1"),
        "unexpected echo: {body}"
    );

    // 6. A URL without a scheme is an error, raised before any network access: a
    //    record with a `kind` to match on and the message requests would show.
    match h.get(s, "example.invalid/x", None).await? {
        Err(e) if e.kind == ErrorKind::MissingSchema => {
            println!("6. GET example.invalid/x -> {:?}: {}", e.kind, e.message)
        }
        Err(other) => bail!("expected MissingSchema, got {other:?}"),
        Ok(_) => bail!("a URL without a scheme was accepted"),
    }
    let r = h.get(s, &url("/get"), None).await??;
    let status = h.status(r).await?;
    h.drop_resource(r).await?;
    println!("   GET /get -> {status} (the session still works)");
    ensure!(status == 200, "the session broke after the error");

    h.close(s).await?;
    h.drop_resource(s).await?;
    Ok(())
}

/// Reads a response's body as JSON and releases the response.
async fn json_of(h: &mut Harness, response: ResourceAny) -> Result<serde_json::Value> {
    let body = h.json(response).await.context("reading the JSON body")?;
    h.drop_resource(response).await?;
    Ok(body)
}

/// A header from an httpbin-style echo, by case-insensitive name.
fn header_of<'a>(echo: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    let headers = echo["headers"].as_object()?;
    let (_, value) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))?;
    value.as_str()
}
