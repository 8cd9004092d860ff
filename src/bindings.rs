//! The generated bindings of world `client`, or with the `host` feature world
//! `client-with-host`, which also imports `requests:http/hooks` and
//! `requests:http/host-adapters`. The exports are the same. The glue
//! (`component`) and the adapters (`wasi_http`, `host_adapter`) use them.

#[cfg(not(feature = "host"))]
wit_bindgen::generate!({ path: "wit", world: "client", generate_all });
#[cfg(feature = "host")]
wit_bindgen::generate!({ path: "wit", world: "client-with-host", generate_all });
