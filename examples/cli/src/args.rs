//! Command-line parsing: `rq [OPTIONS] [METHOD] URL [ITEM...]`, HTTPie's request items.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: rq [OPTIONS] [METHOD] URL [ITEM...]

Sends one request through the requests component (a wasi:http session in wasmtime).

Items (HTTPie style):
  Name:Value      request header           (Name: removes a session header)
  name==value     query parameter
  field=value     JSON string field        (form field with --form)
  field:=json     raw JSON field           (e.g. n:=3, tags:='[\"a\"]')

Options:
  --form                 send fields as application/x-www-form-urlencoded
  --auth USER:PASS       Basic auth            --bearer TOKEN   Bearer auth
  --session FILE         keep the session (headers, cookies, settings) in FILE between runs:
                         the component's saved state (JSON), secrets included; read before
                         the request, written after it
  --no-follow            do not follow redirects
  --max-redirects N      redirect limit (default 30)
  --timeout SECONDS      connect and read timeout
  --headers              print only the status line and headers
  --body                 print only the body
  -h, --help             this help

METHOD defaults to GET, or POST when there are data fields.";

/// One request item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Header(String, Option<String>),
    Param(String, String),
    Field(String, String),
    RawJson(String, serde_json::Value),
}

/// Everything the command line says.
#[derive(Debug, Default)]
pub struct Cli {
    pub method: Option<String>,
    pub url: String,
    pub items: Vec<Item>,
    pub form: bool,
    pub auth: Option<(String, String)>,
    pub bearer: Option<String>,
    pub session: Option<PathBuf>,
    pub follow: bool,
    pub max_redirects: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub print_head: bool,
    pub print_body: bool,
    pub help: bool,
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli> {
    let mut cli = Cli {
        follow: true,
        print_head: true,
        print_body: true,
        ..Cli::default()
    };
    let mut positional = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => cli.help = true,
            "--form" => cli.form = true,
            "--no-follow" => cli.follow = false,
            "--headers" => cli.print_body = false,
            "--body" => cli.print_head = false,
            "--auth" => {
                let v = value("--auth")?;
                let (user, pass) = v.split_once(':').context("--auth takes USER:PASS")?;
                cli.auth = Some((user.to_string(), pass.to_string()));
            }
            "--bearer" => cli.bearer = Some(value("--bearer")?),
            "--session" => cli.session = Some(PathBuf::from(value("--session")?)),
            "--max-redirects" => {
                cli.max_redirects = Some(
                    value("--max-redirects")?
                        .parse()
                        .context("--max-redirects takes a number")?,
                )
            }
            "--timeout" => {
                let secs: f64 = value("--timeout")?
                    .parse()
                    .context("--timeout takes seconds")?;
                if !(secs > 0.0 && secs < 4_000_000.0) {
                    bail!("--timeout must be a positive number of seconds");
                }
                cli.timeout_ms = Some((secs * 1000.0).round() as u32);
            }
            flag if flag.starts_with("--") => bail!("unknown option {flag}\n\n{USAGE}"),
            _ => positional.push(arg),
        }
    }
    if cli.help {
        return Ok(cli);
    }
    let mut positional = positional.into_iter().peekable();
    let first = positional
        .next()
        .with_context(|| format!("a URL is required\n\n{USAGE}"))?;
    if first.bytes().all(|b| b.is_ascii_alphabetic()) && positional.peek().is_some() {
        cli.method = Some(first.to_ascii_uppercase());
        cli.url = positional.next().unwrap_or_default();
    } else {
        cli.url = first;
    }
    for item in positional {
        cli.items.push(parse_item(&item)?);
    }
    Ok(cli)
}

/// Splits an item at its earliest separator; at one position the longest wins (`:=` over `:`).
pub fn parse_item(item: &str) -> Result<Item> {
    let separators = [":=", "==", "=", ":"];
    let (at, sep) = separators
        .iter()
        .filter_map(|s| item.find(s).map(|i| (i, *s)))
        .min_by_key(|(i, s)| (*i, usize::MAX - s.len()))
        .with_context(|| format!("{item:?} is not a request item (Name:Value, name==value, field=value, field:=json)"))?;
    let (key, value) = (item[..at].to_string(), item[at + sep.len()..].to_string());
    if key.is_empty() {
        bail!("{item:?} has an empty name");
    }
    Ok(match sep {
        ":=" => Item::RawJson(
            key,
            serde_json::from_str(&value).with_context(|| format!("{item:?}: not JSON"))?,
        ),
        "==" => Item::Param(key, value),
        "=" => Item::Field(key, value),
        _ if value.is_empty() => Item::Header(key, None),
        _ => Item::Header(key, Some(value)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        parse(args.iter().map(|s| s.to_string())).unwrap()
    }

    #[test]
    fn items_split_at_their_earliest_separator() {
        assert_eq!(
            parse_item("X-A:1").unwrap(),
            Item::Header("X-A".into(), Some("1".into()))
        );
        assert_eq!(
            parse_item("X-A:").unwrap(),
            Item::Header("X-A".into(), None)
        );
        assert_eq!(
            parse_item("q==a=b").unwrap(),
            Item::Param("q".into(), "a=b".into())
        );
        assert_eq!(
            parse_item("name=a:b").unwrap(),
            Item::Field("name".into(), "a:b".into())
        );
        assert_eq!(
            parse_item("n:=3").unwrap(),
            Item::RawJson("n".into(), serde_json::json!(3))
        );
        assert!(parse_item("plain").is_err());
        assert!(parse_item("n:=nope").is_err());
    }

    #[test]
    fn a_method_is_optional() {
        let c = cli(&["post", "http://h/x", "a=1"]);
        assert_eq!(
            (c.method.as_deref(), c.url.as_str()),
            (Some("POST"), "http://h/x")
        );
        let c = cli(&["http://h/x", "--no-follow", "--timeout", "1.5"]);
        assert_eq!(
            (c.method, c.follow, c.timeout_ms),
            (None, false, Some(1500))
        );
    }
}
