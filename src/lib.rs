//! A requests-style HTTP session as a WebAssembly component.
//!
//! The core (everything but `component`, `wasi_http` and `host_adapter`) is
//! plain Rust, tested natively: settings (one owner, `settings`), merging,
//! URLs, cookies, redirects, auth, bodies, decoding. `component` binds it to
//! the WIT world in `wit/`; `wasi_http` is the default adapter, sending over
//! `wasi:http/outgoing-handler`, and `host_adapter` sends through adapters
//! the host implements (world `client-with-host`).
//!
//! Nothing outside the crate links the core (the product is the component),
//! so every module is `pub(crate)` and dead code shows. It shows on the
//! component build (`wasm32-wasip2`), where the binding glue uses the core; a
//! native build has no glue, so there the core's API looks unused.
#![cfg_attr(not(target_family = "wasm"), allow(dead_code, unused_imports))]

pub(crate) mod auth;
pub(crate) mod body;
pub(crate) mod cookies;
pub(crate) mod decode;
pub(crate) mod digest;
pub(crate) mod env;
pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod hooks;
pub(crate) mod latin1;
pub(crate) mod merge;
pub(crate) mod multipart;
pub(crate) mod netrc;
pub(crate) mod prepare;
pub(crate) mod redirect;
pub(crate) mod response;
pub(crate) mod retry;
pub(crate) mod session;
pub(crate) mod settings;
#[cfg(feature = "sockets")]
pub(crate) mod sockets;
pub(crate) mod state;
pub(crate) mod transport;
pub(crate) mod urls;

#[cfg(test)]
mod session_tests;

#[cfg(target_family = "wasm")]
mod bindings;
#[cfg(target_family = "wasm")]
mod component;
#[cfg(all(target_family = "wasm", feature = "host"))]
mod host_adapter;
#[cfg(target_family = "wasm")]
mod wasi_http;

pub(crate) use error::Result;
