//! Calls into the component: each macro awaits one method and turns a trap (the outer `Err`
//! of a wasmtime call) into an `Err` naming the method.

/// `session!(d, call_x, args...)`: a `session` method; a trap is an `Err` naming the method.
macro_rules! session {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_session()
            .session()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("session.{} trapped", stringify!($call)))?
    }};
}

macro_rules! response {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .response()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("response.{} trapped", stringify!($call)))?
    }};
}

macro_rules! adapter {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .adapter()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("adapter.{} trapped", stringify!($call)))?
    }};
}

macro_rules! prepared {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .prepared_request()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("prepared-request.{} trapped", stringify!($call)))?
    }};
}

macro_rules! writer {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_session()
            .body_writer()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("body-writer.{} trapped", stringify!($call)))?
    }};
}
