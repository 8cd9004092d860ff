//! The generated bindings of world `client`, or with the `host` feature world
//! `client-with-host`, which also imports `requests:http/hooks` and
//! `requests:http/host-adapters`; with the `sockets` feature world
//! `client-with-sockets`, which also imports `wasi:sockets` (both features:
//! `client-with-host-and-sockets`). The exports are the same. The glue
//! (`component`) and the adapters (`wasi_http`, `host_adapter`) use them.

#[cfg(not(any(feature = "host", feature = "sockets")))]
wit_bindgen::generate!({ path: "wit", world: "client", generate_all });
#[cfg(all(feature = "host", not(feature = "sockets")))]
wit_bindgen::generate!({ path: "wit", world: "client-with-host", generate_all });
#[cfg(all(feature = "sockets", not(feature = "host")))]
wit_bindgen::generate!({ path: "wit", world: "client-with-sockets", generate_all });
#[cfg(all(feature = "host", feature = "sockets"))]
wit_bindgen::generate!({ path: "wit", world: "client-with-host-and-sockets", generate_all });
