//! The `requests:http/hooks` import: the [`Hooks`] registry of request and response hooks by name.

use std::collections::HashMap;

use super::bindings;
use super::{HookRequest, HookResponse, RequestAction, ResponseAction};

/// A request hook: what the host runs for `on-request` of its name.
pub type RequestHook = Box<dyn FnMut(&HookRequest) -> RequestAction + Send>;
/// A response hook: what the host runs for `on-response` of its name.
pub type ResponseHook = Box<dyn FnMut(&HookRequest, &HookResponse) -> ResponseAction + Send>;

/// The host's hooks by name, and a log of the calls the guest made.
#[derive(Default)]
pub struct Hooks {
    pub(super) request: HashMap<String, RequestHook>,
    pub(super) response: HashMap<String, ResponseHook>,
    /// `request <name> <METHOD> <url>` or `response <name> <status>`, in call order.
    pub calls: Vec<String>,
}

impl bindings::requests::http::hooks::Host for Hooks {
    fn on_request(&mut self, name: String, request: HookRequest) -> RequestAction {
        self.calls
            .push(format!("request {name} {} {}", request.method, request.url));
        match self.request.get_mut(&name) {
            Some(hook) => hook(&request),
            None => RequestAction::Fail(format!("the host has no request hook {name:?}")),
        }
    }

    fn on_response(
        &mut self,
        name: String,
        request: HookRequest,
        response: HookResponse,
    ) -> ResponseAction {
        self.calls
            .push(format!("response {name} {}", response.status));
        match self.response.get_mut(&name) {
            Some(hook) => hook(&request, &response),
            None => ResponseAction::Fail(format!("the host has no response hook {name:?}")),
        }
    }
}
