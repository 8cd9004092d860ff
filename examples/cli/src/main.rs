//! `rq`: an HTTPie-like command-line host for the requests component.
//!
//! ```text
//! cargo run -q -p requests-cli -- [OPTIONS] [METHOD] URL [ITEM...]
//! cargo run -q -p requests-cli -- http://127.0.0.1:8080/get q==1 X-Trace:on
//! cargo run -q -p requests-cli -- --session s.json http://127.0.0.1:8080/cookies/set?k=v
//! ```
//!
//! Every request goes through the component's `session` (cookies, redirects,
//! auth, decoding happen in the guest); this host only parses arguments,
//! prints, and keeps the session in a file between runs (the component's
//! `export-state` JSON, read back with `import-state`).

mod args;
mod session_file;

use anyhow::{anyhow, Result};
use args::{Item, USAGE};
use host_tests::host::{
    opts, send_opts, Auth, AuthOverride, Body, Credentials, Error, Harness, SendOptions, Timeout,
};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("rq: {e:#}");
        std::process::exit(2);
    }
}

/// A session error as the user reads it: the component's message is complete.
fn failed(e: Error) -> anyhow::Error {
    anyhow!("{}", e.message)
}

async fn run() -> Result<()> {
    let cli = args::parse(std::env::args().skip(1))?;
    if cli.help {
        println!("{USAGE}");
        return Ok(());
    }
    let mut h = Harness::new().await?;
    let s = h.session().await?;
    macro_rules! session {
        ($call:ident $(, $arg:expr)*) => {
            h.client.requests_http_session().session().$call(&mut h.store, s $(, $arg)*).await?
        };
    }

    // 1. A saved session (the component's own `export-state` document: headers,
    //    cookies with every attribute, settings), then this run's header items on top.
    if let Some(path) = &cli.session {
        if let Some(state) = session_file::load(path)? {
            session!(call_import_state, &state)
                .map_err(|e| anyhow!("{} is not a saved session: {}", path.display(), e.message))?;
        }
    }
    let saved_max_redirects = session!(call_max_redirects);
    let mut options = opts();
    let (mut params, mut fields, mut json) = (Vec::new(), Vec::new(), serde_json::Map::new());
    for item in &cli.items {
        match item {
            Item::Header(name, Some(value)) => {
                session!(call_set_header, name, value).map_err(failed)?
            }
            Item::Header(name, None) => {
                session!(call_remove_header, name).map_err(failed)?;
            }
            Item::Param(name, value) => params.push((name.clone(), Some(value.clone()))),
            Item::Field(name, value) => {
                fields.push((name.clone(), value.clone()));
                json.insert(name.clone(), Value::String(value.clone()));
            }
            Item::RawJson(name, value) => {
                json.insert(name.clone(), value.clone());
            }
        }
    }

    // 2. The request: params, body, auth, how to send it.
    if !params.is_empty() {
        options.params = Some(params);
    }
    if cli.form {
        options.body = (!fields.is_empty()).then_some(Body::Form(fields));
    } else if !json.is_empty() {
        options.body = Some(Body::Json(Value::Object(json).to_string()));
    }
    if let Some((username, password)) = cli.auth.clone() {
        options.auth = Some(AuthOverride::Replace(Auth::Basic(Credentials {
            username,
            password,
        })));
    } else if let Some(token) = cli.bearer.clone() {
        options.auth = Some(AuthOverride::Replace(Auth::Bearer(token)));
    }
    options.send = Some(SendOptions {
        allow_redirects: Some(cli.follow),
        timeout: cli.timeout_ms.map(|ms| Timeout {
            connect_ms: Some(ms),
            read_ms: Some(ms),
        }),
        ..send_opts()
    });
    if let Some(max) = cli.max_redirects {
        session!(call_set_max_redirects, max).map_err(failed)?;
    }
    let method = cli.method.clone().unwrap_or_else(|| {
        if options.body.is_some() {
            "POST"
        } else {
            "GET"
        }
        .into()
    });
    let r = h
        .request(s, &method, &cli.url, Some(options))
        .await?
        .map_err(failed)?;

    // 3. Print: the redirect hops, the status line and headers, then the body.
    if cli.print_head {
        for hop in h.history(r).await? {
            println!(
                "{} {} <- {}",
                h.status(hop).await?,
                h.reason(hop).await?,
                h.url(hop).await?
            );
        }
        println!(
            "HTTP {} {}  {}",
            h.status(r).await?,
            h.reason(r).await?,
            h.url(r).await?
        );
        for (name, value) in h.headers(r).await? {
            println!("{name}: {value}");
        }
    }
    if cli.print_body {
        if cli.print_head {
            println!();
        }
        let text = h.text(r).await?;
        match serde_json::from_str::<Value>(&text) {
            Ok(doc) => println!("{}", serde_json::to_string_pretty(&doc)?),
            Err(_) => print!("{text}"),
        }
    }

    // 4. Save the session, secrets included as HTTPie does (an `Authorization`
    //    header item stays in the session), without this run's `--max-redirects`.
    if let Some(path) = &cli.session {
        session!(call_set_max_redirects, saved_max_redirects).map_err(failed)?;
        let state = session!(call_export_state, true).map_err(failed)?;
        session_file::save(path, &state)?;
    }
    Ok(())
}
