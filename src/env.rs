//! What `trust-env` reads from the environment (WASI `wasi:cli/environment`):
//! proxy variables with `NO_PROXY`, CA bundle variables, and where the netrc
//! file is, as requests does.

use url::{Host, Url};

/// A setting found in the environment, and the variable it came from.
///
/// The value of a proxy variable may carry credentials
/// (`http://user:pw@proxy:3128`): `Debug` shows it redacted, and messages
/// that name it must go through `crate::urls::redact_str`.
#[derive(Clone, PartialEq, Eq)]
pub struct FromEnv {
    pub value: String,
    pub variable: String,
}

impl std::fmt::Debug for FromEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FromEnv")
            .field("value", &crate::urls::redact_str(&self.value))
            .field("variable", &self.variable)
            .finish()
    }
}

/// The proxy the environment names for `url`, unless `NO_PROXY` bypasses it.
pub fn proxy_for(url: &Url) -> Option<FromEnv> {
    with_vars(|vars| proxy_from(vars, url))
}

/// The CA bundle the environment names (`REQUESTS_CA_BUNDLE`, then `CURL_CA_BUNDLE`).
pub fn ca_bundle() -> Option<FromEnv> {
    with_vars(ca_bundle_from)
}

/// The environment's variables. Unlike `std::env::vars`, which panics on a
/// name or value that is not UTF-8 (and a host may pass one), such variables
/// are skipped.
fn vars() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Runs `f` over the environment's variables. In the component they are
/// read once: `wasi:cli/environment` is the instance's environment and
/// returns the same values every time (its spec says so), and every request
/// with `trust-env` consults it up to three times (proxies, CA bundle, netrc).
pub fn with_vars<T>(f: impl FnOnce(&[(String, String)]) -> T) -> T {
    #[cfg(target_family = "wasm")]
    {
        thread_local! {
            static VARS: Vec<(String, String)> = vars();
        }
        VARS.with(|vars| f(vars))
    }
    #[cfg(not(target_family = "wasm"))]
    {
        f(&vars())
    }
}

/// Where requests looks for a netrc file (`get_netrc_auth`): the `NETRC`
/// variable's path alone when it is set (a leading `~/` is the home
/// directory), else `$HOME/.netrc`, then `$HOME/_netrc`. Empty variables
/// count as unset; without `HOME` (common in a component) only `NETRC` applies.
pub fn netrc_paths_from(vars: &[(String, String)]) -> Vec<std::path::PathBuf> {
    use std::path::PathBuf;
    let get = |name: &str| {
        vars.iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let home = get("HOME");
    if let Some(path) = get("NETRC") {
        return match (path.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => vec![PathBuf::from(home).join(rest)],
            (Some(_), None) => Vec::new(),
            (None, _) if path == "~" => home.map(PathBuf::from).into_iter().collect(),
            (None, _) => vec![PathBuf::from(path)],
        };
    }
    home.map(|home| {
        vec![
            PathBuf::from(home).join(".netrc"),
            PathBuf::from(home).join("_netrc"),
        ]
    })
    .unwrap_or_default()
}

/// A variable by name, lower-case spelling first (urllib's `getproxies_environment`).
fn lookup(vars: &[(String, String)], name: &str) -> Option<FromEnv> {
    let find = |n: &str| {
        vars.iter()
            .find(|(k, v)| k == n && !v.is_empty())
            .map(|(k, v)| FromEnv {
                value: v.clone(),
                variable: k.clone(),
            })
    };
    find(&name.to_ascii_lowercase()).or_else(|| find(&name.to_ascii_uppercase()))
}

/// requests' `get_environ_proxies` + `select_proxy`: `<scheme>_proxy`, then `all_proxy`.
pub fn proxy_from(vars: &[(String, String)], url: &Url) -> Option<FromEnv> {
    if let Some(no_proxy) = lookup(vars, "no_proxy") {
        if bypasses(&no_proxy.value, url) {
            return None;
        }
    }
    lookup(vars, &format!("{}_proxy", url.scheme())).or_else(|| lookup(vars, "all_proxy"))
}

/// `REQUESTS_CA_BUNDLE`, then `CURL_CA_BUNDLE`.
pub fn ca_bundle_from(vars: &[(String, String)]) -> Option<FromEnv> {
    ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]
        .iter()
        .find_map(|name| vars.iter().find(|(k, v)| k == name && !v.is_empty()))
        .map(|(k, v)| FromEnv {
            value: v.clone(),
            variable: k.clone(),
        })
}

/// `NO_PROXY`: a comma list of `*`, host names (a leading dot optional; they
/// match on label boundaries, unlike requests' plain suffix test), `host:port`,
/// IP addresses and CIDR blocks.
pub fn bypasses(no_proxy: &str, url: &Url) -> bool {
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let port = url.port_or_known_default();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            if let Some(ip) = ip_of(url) {
                return match entry.split_once('/') {
                    Some((net, bits)) => in_cidr(ip, net, bits),
                    None => entry
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|e| e == ip),
                };
            }
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (n, p.parse::<u16>().ok()),
                _ => (entry.as_str(), None),
            };
            let name = name.trim_start_matches('.');
            let host_ok = host == name
                || host
                    .strip_suffix(name)
                    .is_some_and(|rest| rest.ends_with('.'));
            host_ok && entry_port.is_none_or(|p| Some(p) == port)
        })
}

fn ip_of(url: &Url) -> Option<std::net::IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(ip.into()),
        Host::Ipv6(ip) => Some(ip.into()),
        Host::Domain(_) => None,
    }
}

fn in_cidr(ip: std::net::IpAddr, net: &str, bits: &str) -> bool {
    use std::net::IpAddr;
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_scheme_proxy_wins_over_all_proxy_and_lower_case_over_upper() {
        let v = vars(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("ALL_PROXY", "http://all:1"),
        ]);
        let p = proxy_from(&v, &url("https://a.com/")).unwrap();
        assert_eq!(
            (p.value.as_str(), p.variable.as_str()),
            ("http://lower:1", "https_proxy")
        );
        assert_eq!(
            proxy_from(&v, &url("http://a.com/")).unwrap().variable,
            "ALL_PROXY"
        );
        assert_eq!(proxy_from(&[], &url("http://a.com/")), None);
    }

    #[test]
    fn a_proxy_variable_is_shown_without_its_credentials() {
        let v = vars(&[("HTTP_PROXY", "http://user:p/ss@proxy:3128")]);
        let found = proxy_from(&v, &url("http://a.com/")).unwrap();
        assert_eq!(found.value, "http://user:p/ss@proxy:3128");
        let shown = format!("{found:?}");
        assert!(
            !shown.contains("user") && !shown.contains("p/ss"),
            "{shown}"
        );
        assert!(shown.contains("http://***@proxy:3128") && shown.contains("HTTP_PROXY"));
        let bare = vars(&[("all_proxy", "user:pw@proxy:3128")]);
        let shown = format!("{:?}", proxy_from(&bare, &url("http://a.com/")));
        assert!(!shown.contains("user") && !shown.contains("pw"), "{shown}");
    }

    #[test]
    fn no_proxy_bypasses_hosts_suffixes_ports_ips_and_cidrs() {
        let v = vars(&[
            ("HTTP_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "internal.test, .corp.test,svc.test:8080,10.0.0.0/8,::1",
            ),
        ]);
        for bypassed in [
            "http://internal.test/",
            "http://a.corp.test/",
            "http://svc.test:8080/",
            "http://10.1.2.3/",
            "http://[::1]/",
        ] {
            assert_eq!(proxy_from(&v, &url(bypassed)), None, "{bypassed}");
        }
        for proxied in [
            "http://notinternal.test/",
            "http://svc.test/",
            "http://11.0.0.1/",
            "http://example.test/",
        ] {
            assert!(proxy_from(&v, &url(proxied)).is_some(), "{proxied}");
        }
        let all = vars(&[("HTTP_PROXY", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(proxy_from(&all, &url("http://x.test/")), None);
    }

    #[test]
    fn netrc_paths_follow_requests() {
        use std::path::PathBuf;
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            netrc_paths_from(&vars(&[("HOME", "/h")])),
            [p("/h/.netrc"), p("/h/_netrc")]
        );
        assert_eq!(
            netrc_paths_from(&vars(&[("HOME", "/h"), ("NETRC", "/etc/n")])),
            [p("/etc/n")]
        );
        assert_eq!(
            netrc_paths_from(&vars(&[("HOME", "/h"), ("NETRC", "~/n")])),
            [p("/h/n")]
        );
        assert_eq!(
            netrc_paths_from(&vars(&[("HOME", "/h"), ("NETRC", "")])),
            [p("/h/.netrc"), p("/h/_netrc")]
        );
        assert!(netrc_paths_from(&vars(&[("NETRC", "~/n")])).is_empty());
        assert!(netrc_paths_from(&[]).is_empty());
    }

    #[test]
    fn ca_bundle_prefers_requests_over_curl() {
        let v = vars(&[
            ("CURL_CA_BUNDLE", "/c.pem"),
            ("REQUESTS_CA_BUNDLE", "/r.pem"),
        ]);
        assert_eq!(ca_bundle_from(&v).unwrap().variable, "REQUESTS_CA_BUNDLE");
        assert_eq!(
            ca_bundle_from(&vars(&[("CURL_CA_BUNDLE", "/c.pem")]))
                .unwrap()
                .value,
            "/c.pem"
        );
        assert_eq!(ca_bundle_from(&[]), None);
    }
}
