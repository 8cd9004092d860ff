"""requests_wasm: Python's requests.Session API over the `requests:http` WebAssembly component.

This file owns the public surface: it re-exports `Session`, `Response`, the auth helpers
(`HTTPBasicAuth`, `HTTPDigestAuth`, `BearerAuth`), `Retry`, adapters (the component's, and the
contract of adapters written in Python: `BaseAdapter`, `AdapterRequest`, `SendSettings`,
`AdapterResponse`, `AdapterFailure`), `PemData`, the objects hooks see (`HookRequest`,
`HookResponse`) and every exception. The session's state (headers, params, auth,
cookie jar, redirect policy, timeouts, base URL, body limit, retries, adapters) and all HTTP logic
(Digest, multipart, decoding, line splitting, `Link` parsing, saved state, retries and backoff,
when hooks run) live in the component, run by wasmtime-py; this package only converts arguments
and results, and runs the Python hooks and adapters the component calls by name (`hooks.py`,
`_host_adapters.py`).

    from requests_wasm import Session
    with Session() as s:
        r = s.get("http://127.0.0.1:8080/get", params={"q": "1"}, timeout=5)
        r.raise_for_status()
        print(r.json())

        # hooks, as requests' `hooks` (plus httpx's "request" event)
        s.hooks["request"].append(lambda req: req.headers.__setitem__("X-Trace", "1"))
        s.hooks["response"].append(lambda r, *args, **kwargs: r.raise_for_status())

        # an adapter of your own, as requests' mount (the session does cookies, redirects...)
        class Canned(BaseAdapter):
            def send(self, request, settings):
                return 200, {"Content-Type": "text/plain"}, b"hello from Python"
        s.mount("mock://", Canned())
        print(s.get("mock://anything").text)
"""

from ._component import COMPONENT_ENV_VAR, DEFAULT_COMPONENT_PATH, load_component
from .adapters import (Adapter, AdapterFailure, AdapterRequest, AdapterResponse, BaseAdapter,
                       CannedResponse, RecordedRequest, SendSettings)
from .exceptions import *  # noqa: F401,F403 - the requests-style exception names
from .exceptions import __all__ as _exception_names
from .hooks import HookRequest, HookResponse
from .models import BearerAuth, HTTPBasicAuth, HTTPDigestAuth, PreparedRequest, Request, Response
from .options import PemData
from .retries import COMPONENT_DEFAULT, Retry
from ._urllib3_adapter import Urllib3Adapter
from .sessions import PROXY_ENV_VARS, TRANSPORTS, Session, session
from .structures import (CaseInsensitiveDict, Cookie, Cookies, MutableHeaders, ResponseHead,
                         ResponseHeaders)

__version__ = "0.2.0"

__all__ = [
    "Session", "session", "Response", "Request", "PreparedRequest", "HTTPBasicAuth",
    "HTTPDigestAuth", "BearerAuth", "Retry", "COMPONENT_DEFAULT", "HookRequest", "HookResponse",
    "MutableHeaders", "Adapter", "CannedResponse", "RecordedRequest", "BaseAdapter",
    "Urllib3Adapter", "TRANSPORTS",
    "AdapterRequest", "AdapterResponse", "AdapterFailure", "SendSettings", "PemData",
    "CaseInsensitiveDict", "ResponseHeaders", "ResponseHead", "Cookie", "Cookies",
    "load_component", "DEFAULT_COMPONENT_PATH", "COMPONENT_ENV_VAR", "PROXY_ENV_VARS",
    *_exception_names,
]
