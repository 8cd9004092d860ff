//! Host-side support for testing the requests component: the wasmtime embedding, a pooling wasi:http transport and the loopback fixture server.

pub mod host;
pub mod pool;
pub mod server;
