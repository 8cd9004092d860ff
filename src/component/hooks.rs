//! The hook runner of world `client-with-host`: each hook is a call to the
//! host's `requests:http/hooks` import, by name (feature `host`).

use crate::bindings::requests::http::hooks as host;
use crate::hooks::{HookRequest, HookResponse, HookRunner, RequestAction, ResponseAction};

/// Runs hooks through the imported interface; the host dispatches by name.
pub(super) struct HostHooks;

impl HookRunner for HostHooks {
    fn on_request(&mut self, name: &str, request: &HookRequest) -> Result<RequestAction, String> {
        match host::on_request(name, &to_host_request(request)) {
            host::RequestAction::Keep => Ok(RequestAction::Keep),
            host::RequestAction::Replace(r) => Ok(RequestAction::Replace(from_host_request(r))),
            host::RequestAction::Respond(r) => Ok(RequestAction::Respond(from_host_response(r))),
            host::RequestAction::Fail(message) => Err(message),
        }
    }

    fn on_response(
        &mut self,
        name: &str,
        request: &HookRequest,
        response: &HookResponse,
    ) -> Result<ResponseAction, String> {
        let response = host::HookResponse {
            status: response.status,
            headers: response.headers.clone(),
            body: response.body.clone(),
        };
        match host::on_response(name, &to_host_request(request), &response) {
            host::ResponseAction::Keep => Ok(ResponseAction::Keep),
            host::ResponseAction::Replace(r) => Ok(ResponseAction::Replace(from_host_response(r))),
            host::ResponseAction::Fail(message) => Err(message),
        }
    }
}

fn to_host_request(r: &HookRequest) -> host::HookRequest {
    host::HookRequest {
        method: r.method.clone(),
        url: r.url.clone(),
        headers: r.headers.clone(),
        body: r.body.clone(),
    }
}

fn from_host_request(r: host::HookRequest) -> HookRequest {
    HookRequest {
        method: r.method,
        url: r.url,
        headers: r.headers,
        body: r.body,
    }
}

fn from_host_response(r: host::HookResponse) -> HookResponse {
    HookResponse {
        status: r.status,
        headers: r.headers,
        body: r.body,
    }
}
