//! Random inputs: header names and values, pairs, credentials, timeouts, retry policies,
//! bodies, request and send options, methods and URLs (fixture, hostile, mock, broken).

use host_tests::host::{
    opts, Auth, AuthOverride, Body, ClientCert, Credentials, Part, Pem, RequestOptions,
    RetryPolicy, SendOptions, Timeout, Verify,
};

use crate::driver::Driver;

impl Driver {
    /// A header name: mostly ordinary, sometimes one the host forbids or that is not a token.
    pub(crate) fn header_name(&mut self) -> String {
        if self.rng.chance(20) {
            return self.rng.string(&[
                "Content-Length",
                "Host",
                "Connection",
                "Transfer-Encoding",
                "Bad Name",
                "",
                "X-\u{e9}t\u{e9}",
                "X:Colon",
            ]);
        }
        self.rng.string(&[
            "X-Test",
            "x-test",
            "X-Other",
            "Accept",
            "User-Agent",
            "Accept-Encoding",
            "Authorization",
            "Cookie",
            "Content-Type",
        ])
    }

    /// A header value: mostly ordinary, sometimes invalid, rarely (hostile) 200 KiB.
    pub(crate) fn header_value(&mut self) -> String {
        if self.cfg.hostile && self.rng.chance(2) {
            return "h".repeat(200 << 10);
        }
        if self.rng.chance(20) {
            return self.rng.string(&[
                " padded ",
                "caf\u{e9}",
                "a\r\nInjected: 1",
                "x\ny",
                "nul\0byte",
            ]);
        }
        self.rng.string(&[
            "1",
            "text/plain",
            "a b  c",
            "",
            "gzip",
            "Basic dXNlcjpwYXNz",
            "k=v; k2=v2",
        ])
    }

    pub(crate) fn overrides(&mut self, names: bool) -> Vec<(String, Option<String>)> {
        if names && self.cfg.hostile && self.rng.chance(2) {
            return (0..5000)
                .map(|i| (format!("X-Many-{i}"), Some("v".to_string())))
                .collect();
        }
        (0..self.rng.below(4))
            .map(|_| {
                let name = if names {
                    self.header_name()
                } else {
                    self.rng.string(&["q", "page", "a b", "&", "", "\u{e9}"])
                };
                let value = match self.rng.chance(20) {
                    true => None,
                    false if names => Some(self.header_value()),
                    false => Some(
                        self.rng
                            .string(&["1", "x y", "&=?", "", "%zz", "\u{1f600}"]),
                    ),
                };
                (name, value)
            })
            .collect()
    }

    pub(crate) fn pairs(&mut self) -> Vec<(String, String)> {
        (0..self.rng.below(4))
            .map(|_| {
                (
                    self.rng.string(&["a", "b", "x y", "", "k=v", "\u{e9}"]),
                    self.rng.string(&["1", "", "a;b", "\r\n", "long value"]),
                )
            })
            .collect()
    }

    pub(crate) fn credentials(&mut self) -> Credentials {
        Credentials {
            username: self.rng.string(&["user", "", "us:er", "\u{e9}"]),
            password: self.rng.string(&["pass", "", "p\r\nw", "long pass phrase"]),
        }
    }

    pub(crate) fn auth(&mut self) -> Auth {
        match self.rng.below(3) {
            0 => Auth::Basic(self.credentials()),
            1 => Auth::Bearer(self.rng.string(&["token", "", "t\r\nx", "abc.def"])),
            _ => Auth::Digest(self.credentials()),
        }
    }

    pub(crate) fn timeout(&mut self) -> Timeout {
        Timeout {
            connect_ms: self.rng.pick(&[None, Some(1), Some(200), Some(5000)]),
            read_ms: self
                .rng
                .pick(&[None, Some(1), Some(50), Some(2000), Some(10_000)]),
        }
    }

    pub(crate) fn retry_policy(&mut self) -> RetryPolicy {
        RetryPolicy {
            total: self.rng.below(4) as u32,
            connect: self.rng.pick(&[None, Some(0), Some(1)]),
            read: self.rng.pick(&[None, Some(0), Some(1)]),
            status: self.rng.pick(&[None, Some(0), Some(2)]),
            backoff_factor_ms: self.rng.below(5) as u32,
            backoff_max_ms: self.rng.below(20) as u32,
            backoff_jitter_ms: self.rng.below(3) as u32,
            status_forcelist: self
                .rng
                .pick(&[vec![], vec![503], vec![500, 502, 503, 504]]),
            allowed_methods: self.rng.pick(&[
                None,
                Some(vec!["GET".to_string()]),
                Some(vec!["POST".to_string(), "get".to_string()]),
            ]),
            respect_retry_after: self.rng.chance(50),
            retry_after_max_ms: self.rng.below(20) as u32,
        }
    }

    pub(crate) fn body(&mut self) -> Body {
        match self.rng.below(6) {
            0 => Body::Bytes(vec![b'b'; self.rng.pick(&[0, 1, 1000, 100_000])]),
            1 => Body::Text(self.rng.string(&["hello", "", "caf\u{e9}\nline"])),
            2 => Body::Form(self.pairs()),
            3 => Body::Json(
                self.rng
                    .string(&["{\"a\": 1}", "[1, 2", "null", "\"x\"", ""]),
            ),
            _ => Body::Multipart(
                (0..self.rng.below(3))
                    .map(|_| Part {
                        name: self.rng.string(&["field", "file", "bad\r\nname", ""]),
                        filename: self.rng.pick(&[None, Some("notes.txt".into())]),
                        content_type: self.rng.pick(&[None, Some("text/plain".into())]),
                        headers: self.pairs(),
                        data: b"part data".to_vec(),
                    })
                    .collect(),
            ),
        }
    }

    /// Request options, or (one time in five) none at all.
    pub(crate) fn options(&mut self) -> Option<RequestOptions> {
        if self.rng.chance(20) {
            return None;
        }
        let mut o = opts();
        if self.rng.chance(25) {
            o.params = Some(self.overrides(false));
        }
        if self.rng.chance(30) {
            o.headers = Some(self.overrides(true));
        }
        if self.rng.chance(15) {
            o.cookies = Some(self.pairs());
        }
        if self.rng.chance(25) {
            o.body = Some(self.body());
        }
        if self.rng.chance(10) {
            o.auth = Some(match self.rng.chance(30) {
                true => AuthOverride::Disable,
                false => AuthOverride::Replace(self.auth()),
            });
        }
        if self.rng.chance(5) {
            o.hooks = Some(self.hook_set());
        }
        o.send = self.send_options();
        Some(o)
    }

    /// How to verify certificates.
    pub(crate) fn verify(&mut self) -> Verify {
        match self.rng.below(4) {
            0 => Verify::Enabled,
            1 => Verify::Disabled,
            2 => Verify::CaBundle(Pem::Path("/etc/ssl/ca.pem".into())),
            _ => Verify::CaBundle(Pem::Data("not a bundle".into())),
        }
    }

    /// Send options, or (mostly) none.
    pub(crate) fn send_options(&mut self) -> Option<SendOptions> {
        if self.rng.chance(40) {
            return None;
        }
        Some(SendOptions {
            timeout: self.rng.chance(15).then(|| self.timeout()),
            allow_redirects: self.rng.chance(20).then(|| self.rng.chance(50)),
            stream: self.rng.chance(25).then(|| self.rng.chance(60)),
            verify: self.rng.chance(5).then(|| self.verify()),
            cert: self.rng.chance(3).then(|| ClientCert {
                cert: Pem::Path("/client.pem".into()),
                key: None,
            }),
            proxies: self.rng.chance(3).then(|| {
                vec![(
                    self.rng.string(&["http", "https", "all"]),
                    self.rng.string(&[
                        "http://127.0.0.1:9",
                        "http://u:p@127.0.0.1:9",
                        "socks5://x:1",
                    ]),
                )]
            }),
        })
    }

    pub(crate) fn method(&mut self) -> String {
        if self.rng.chance(5) {
            return self.rng.string(&["GE T", "", "G\r\nET", "\u{e9}"]);
        }
        self.rng.string(&[
            "GET", "GET", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get",
            "TRACE", "PURGE",
        ])
    }

    pub(crate) fn network_url(&mut self) -> String {
        let fixture = [
            "/get",
            "/anything/x?y=1",
            "/cookies/set?a=1&b=2",
            "/cookies/delete?a",
            "/cookies",
            "/redirect/3",
            "/absolute-redirect/2",
            "/redirect-to?url=/get&status_code=307",
            "/redirect-to?url=mock://api.test/from-network",
            "/redirect-to?url=http://127.0.0.2:1/refused",
            "/status/404",
            "/status/500",
            "/status/503",
            "/status/401",
            "/gzip",
            "/deflate",
            "/brotli",
            "/zstd",
            "/bytes/1000",
            "/stream-bytes/5000?chunk_size=100",
            "/basic-auth/user/pass",
            "/digest-auth/auth/user/pass/MD5",
            "/digest-auth/auth/user/pass/SHA-256",
            "/bearer",
            "/response-headers?X-A=1&Set-Cookie=z%3D1",
            "/link",
            "/json",
            "/html",
            "/not-json",
            "/encoding/latin1",
            "/set-cookie-multi",
            "/upload",
            "/loop",
            "/chain/3?size=1000",
            "/hostile/many-cookies?n=20",
            "/hostile/many-cookies?n=200",
            "/hostile/joined-cookies?n=50",
            "/hostile/domain-cookie?domain=co.uk",
            "/hostile/many-headers?n=200",
            "/hostile/huge-header?size=500000",
            "/hostile/link?n=1000",
            "/hostile/digest?size=1000",
        ];
        let flooding = [
            "/hostile/big-cookie?size=150000",
            "/hostile/joined-cookies?n=15000",
            "/hostile/digest?size=300000",
            "/hostile/many-cookies?n=90&size=4000",
        ];
        let raw = [
            "/early/413?close=clean",
            "/early/307?close=abrupt&location=/x",
            "/early/401?close=clean",
            "/cut?close=abrupt",
            "/cut?close=clean",
            "/short-body",
            "/bad-chunked",
            "/truncated-chunked",
            "/truncated-gzip",
            "/anything",
        ];
        match self.rng.below(20) {
            0..=11 => self.server.url(&self.rng.string(&fixture)),
            12 => self.server.alt_url(&self.rng.string(&fixture)),
            13 if self.cfg.hostile => self.server.url(&self.rng.string(&flooding)),
            13..=16 => self.hostile.url(&self.rng.string(&raw)),
            17 => self.server.url("/mock/into-a-scripted-mount"),
            18 => format!(
                "http://user:pw@127.0.0.1:{}/basic-auth/user/pw",
                self.server.port()
            ),
            _ => self.rng.string(&[
                "",
                "not a url",
                "127.0.0.1/get",
                "ftp://127.0.0.1/",
                "http://",
                "http://[::1",
                "relative/path",
                "/absolute/path",
                "http://127.0.0.1:1/refused",
                "HTTP://127.0.0.1:1/",
            ]),
        }
    }

    pub(crate) fn mock_url(&mut self) -> String {
        match self.rng.below(6) {
            0 => self.server.url("/mock/x"),
            1 => self.host_url(),
            _ => self.rng.string(&[
                "mock://api.test/a",
                "mock://api.test/b?x=1",
                "MOCK://API.TEST/c",
                "mock://other.test/",
            ]),
        }
    }

    /// A URL for the prefixes host adapters are mounted on (`host://`), with the paths the
    /// echo adapter answers specially.
    pub(crate) fn host_url(&mut self) -> String {
        let path = self.rng.string(&[
            "/",
            "/redirect",
            "/cookie",
            "/big",
            "/bad-gzip",
            "/slow",
            "/fail",
            "/status/503",
        ]);
        let host = self.rng.string(&["echo.test", "api.test"]);
        format!("host://{host}{path}")
    }
}
