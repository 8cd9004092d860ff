//! Property tests (run longer with PROPTEST_CASES): any text, any values under the document's
//! keys, and mutated exports all import all or nothing, with typed errors.

use super::*;
use proptest::prelude::*;

/// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

/// Keys the document and its parts use, and a few it does not.
const KEYS: &[&str] = &[
    "version",
    "secrets",
    "headers",
    "params",
    "auth",
    "max_redirects",
    "trust_env",
    "stream",
    "verify",
    "cert",
    "proxies",
    "timeout",
    "base_url",
    "error_for_status",
    "max_body_size",
    "retries",
    "hooks",
    "cookies",
    "type",
    "username",
    "password",
    "token",
    "connect_ms",
    "read_ms",
    "request",
    "response",
    "name",
    "value",
    "domain",
    "path",
    "host_only",
    "secure",
    "http_only",
    "expires",
    "total",
    "status_forcelist",
    "allowed_methods",
    "unknown",
];

/// Any JSON value, small, its object keys mostly ones the document uses.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(0.5f64), Just(-1.0), Just(1e300)].prop_map(Value::from),
        prop_oneof![Just(0u64), Just(1), Just(2), Just(503), Just(4_294_967_296)]
            .prop_map(Value::from),
        text().prop_map(Value::from),
        prop::sample::select(vec![
            "http://h/",
            "https://u:p@h/x?q",
            "basic",
            "digest",
            "bearer",
            "/",
            "example.com",
            "X-A",
            "a\r\nb",
            "",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

/// One change to a document: a value replaced, a key removed or added, anywhere in it.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Vec<prop::sample::Index>, Value),
    Remove(Vec<prop::sample::Index>),
    Add(Vec<prop::sample::Index>, &'static str, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(any::<prop::sample::Index>(), 0..4);
    prop_oneof![
        (path.clone(), json_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        path.clone().prop_map(Mutation::Remove),
        (path, prop::sample::select(KEYS), json_value())
            .prop_map(|(p, k, v)| Mutation::Add(p, k, v)),
    ]
}

/// The value at the end of a walk down `path` (each step picks a child, while there is one),
/// and, for the last step taken, the parent and the key or index it was reached by.
fn walk<'a>(doc: &'a mut Value, path: &[prop::sample::Index]) -> &'a mut Value {
    let mut at = doc;
    for step in path {
        let next = match at {
            Value::Array(items) if !items.is_empty() => {
                let i = step.index(items.len());
                Some(i)
            }
            Value::Object(map) if !map.is_empty() => Some(step.index(map.len())),
            _ => None,
        };
        let Some(i) = next else {
            break;
        };
        at = match at {
            Value::Array(items) => &mut items[i],
            Value::Object(map) => map.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
    }
    at
}

fn mutate(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::Replace(path, value) => *walk(doc, path) = value.clone(),
        Mutation::Remove(path) => {
            let (last, parent) = path
                .split_last()
                .map_or((None, &path[..]), |(l, p)| (Some(l), p));
            match (walk(doc, parent), last) {
                (Value::Object(map), Some(i)) if !map.is_empty() => {
                    let key = map.keys().nth(i.index(map.len())).unwrap().clone();
                    map.remove(&key);
                }
                (Value::Array(items), Some(i)) if !items.is_empty() => {
                    items.remove(i.index(items.len()));
                }
                _ => {}
            }
        }
        Mutation::Add(path, key, value) => match walk(doc, path) {
            Value::Object(map) => {
                map.insert(key.to_string(), value.clone());
            }
            Value::Array(items) => items.push(value.clone()),
            _ => {}
        },
    }
}

/// The errors import may give: every one typed, none a surprise.
fn typed(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidJson(_)
            | Error::InvalidOption(_)
            | Error::InvalidHeader(_)
            | Error::InvalidCookie(_)
            | Error::InvalidUrl(_)
            | Error::MissingSchema(_)
            | Error::InvalidSchema(_)
            | Error::Unsupported(_)
    )
}

/// Imports `text` into the full session: a typed error leaves it exactly as it was; a success
/// gives a session whose export imports back to the same export.
fn check_import(text: &str, hooks_supported: bool) -> std::result::Result<(), TestCaseError> {
    let (mut s, mut j) = full();
    let before = (format!("{s:?}"), format!("{j:?}"));
    match import(text, &mut s, &mut j, NOW, hooks_supported) {
        Err(e) => {
            prop_assert!(typed(&e), "{:?}", e);
            prop_assert_eq!((format!("{s:?}"), format!("{j:?}")), before);
        }
        Ok(()) => {
            let saved = export(&s, &j, NOW, true);
            let (mut s2, mut j2) = (Settings::default(), CookieJar::new());
            import(&saved, &mut s2, &mut j2, NOW, true).unwrap();
            prop_assert_eq!(export(&s2, &j2, NOW, true), saved);
        }
    }
    Ok(())
}

proptest! {
    // Any text, JSON or not: import is all or nothing, with a typed error.
    #[test]
    fn prop_any_text_imports_all_or_nothing(
        text in prop_oneof![
            text(),
            json_value().prop_map(|v| v.to_string()),
            json_value().prop_map(|v| json!({"version": 1, "headers": v}).to_string()),
        ],
        hooks_supported in any::<bool>(),
    ) {
        check_import(&text, hooks_supported)?;
    }

    // A version 1 document whose keys hold any JSON values: all or nothing, typed errors, and
    // what imports exports and imports again unchanged.
    #[test]
    fn prop_any_values_under_the_documents_keys_import_all_or_nothing(
        entries in proptest::collection::vec((prop::sample::select(KEYS), json_value()), 0..6),
        hooks_supported in any::<bool>(),
    ) {
        let mut doc = json!({"version": 1});
        for (key, value) in entries {
            doc[key] = value;
        }
        check_import(&doc.to_string(), hooks_supported)?;
    }

    // A valid export changed anywhere (values replaced, keys removed or added, the text cut or
    // a byte changed): all or nothing, typed errors.
    #[test]
    fn prop_mutated_exports_import_all_or_nothing(
        secrets in any::<bool>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let (settings, jar) = full();
        let mut doc = doc(&export(&settings, &jar, NOW, secrets));
        for m in &mutations {
            mutate(&mut doc, m);
        }
        let mut bytes = doc.to_string().into_bytes();
        if let Some((at, b)) = flip {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        let text = String::from_utf8_lossy(&bytes);
        check_import(&text, true)?;
    }
}
