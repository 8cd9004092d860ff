//! Host-side support for testing the requests component: the wasmtime embedding and the loopback fixture server.

pub mod host;
pub mod server;
