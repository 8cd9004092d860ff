//! The `waki` guest of `examples/bench`: `get(url)` is one `waki::Client` GET, body read whole.

wit_bindgen::generate!({ path: "../wit", world: "getter" });

struct Getter;

impl Guest for Getter {
    fn get(url: String) -> Result<Vec<u8>, String> {
        let response = waki::Client::new()
            .get(&url)
            .send()
            .map_err(|e| format!("GET {url}: {e:#}"))?;
        response
            .body()
            .map_err(|e| format!("reading the body: {e:#}"))
    }
}

export!(Getter);
