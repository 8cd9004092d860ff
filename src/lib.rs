//! A requests-style HTTP session as a WebAssembly component.
//!
//! The core (everything but `component` and `wasi_http`) is plain Rust,
//! tested natively: settings merging, URLs, cookies, redirects, auth, bodies,
//! decoding. `component` binds it to the WIT world in `wit/`, and `wasi_http`
//! is the default adapter, sending over `wasi:http/outgoing-handler`.

pub mod auth;
pub mod body;
pub mod cookies;
pub mod decode;
pub mod digest;
pub mod env;
pub mod error;
pub mod headers;
pub mod hooks;
pub mod merge;
pub mod multipart;
pub mod netrc;
pub mod prepare;
pub mod redirect;
pub mod response;
pub mod retry;
pub mod session;
pub mod state;
pub mod transport;
pub mod urls;

#[cfg(test)]
mod session_tests;

#[cfg(target_family = "wasm")]
mod component;
#[cfg(target_family = "wasm")]
mod wasi_http;

pub use error::{Error, Result};
pub use session::Session;
