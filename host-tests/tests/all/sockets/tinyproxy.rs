//! A real forward proxy for the sockets adapter's proxy tests: tinyproxy (Debian package
//! `tinyproxy`, installed by `.ci/run`), started by each test on a free loopback port with a
//! generated configuration, and killed when dropped. A missing tinyproxy fails the test.
//!
//! tinyproxy adds `Via: 1.1 requests-test-proxy (tinyproxy/...)` to the requests it forwards
//! (so the origin shows that the proxy was used), strips `Proxy-Authorization`, and logs each
//! request line (`GET http://...`, `CONNECT host:port`) to the log file read by [`Tinyproxy::log`].

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::certs::TempDir;

/// The name tinyproxy gives itself in `Via`.
pub const VIA_NAME: &str = "requests-test-proxy";

/// A running tinyproxy on `127.0.0.1`.
pub struct Tinyproxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: TempDir,
}

/// Where Debian puts tinyproxy (`/usr/bin` since bookworm, `/usr/sbin` before), then `PATH`.
fn binary() -> PathBuf {
    for candidate in ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"] {
        if std::path::Path::new(candidate).is_file() {
            return candidate.into();
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("tinyproxy");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "tinyproxy is not installed (looked in /usr/bin, /usr/sbin and PATH): the sockets \
         adapter's proxy tests run a real forward proxy. Install it: `apt-get install tinyproxy` \
         (Debian/Ubuntu; .ci/run does)."
    )
}

/// A port free on 127.0.0.1 at the time of asking.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

impl Tinyproxy {
    /// Starts tinyproxy allowing CONNECT to `connect_ports` only, and requiring these Basic
    /// credentials when given. Panics (failing the test) if it does not start.
    pub fn start(connect_ports: &[u16], basic_auth: Option<(&str, &str)>) -> Tinyproxy {
        let binary = binary();
        let dir = TempDir::new("tinyproxy");
        let log = dir.path().join("tinyproxy.log");
        // A port taken between asking and tinyproxy's bind fails the start: try a few.
        let mut last_failure = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut config = format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\n\
                 ViaProxyName \"{VIA_NAME}\"\nLogFile \"{}\"\nLogLevel Connect\n",
                log.display()
            );
            for p in connect_ports {
                config.push_str(&format!("ConnectPort {p}\n"));
            }
            if let Some((user, pass)) = basic_auth {
                config.push_str(&format!("BasicAuth {user} {pass}\n"));
            }
            let config_path = dir.write("tinyproxy.conf", &config);
            let mut child = Command::new(&binary)
                .arg("-d")
                .arg("-c")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|err| panic!("could not run {}: {err}", binary.display()));
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_failure = format!(
                        "tinyproxy exited ({status}) on port {port}; its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Tinyproxy {
                        child,
                        port,
                        log,
                        _dir: dir,
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_failure = format!("tinyproxy did not listen on {addr} within 10 s");
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not start tinyproxy: {last_failure}");
    }

    /// `http://<userinfo>127.0.0.1:PORT` (`userinfo` is `""` or `"user:pass@"`).
    pub fn url(&self, userinfo: &str) -> String {
        format!("http://{userinfo}127.0.0.1:{}", self.port)
    }

    /// tinyproxy's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
