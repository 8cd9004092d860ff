"""requests_wasm: Python's requests.Session API over the `requests:http` WebAssembly component.

This file owns the public surface: it re-exports `Session`, `Response`, the auth helpers
(`HTTPBasicAuth`, `HTTPDigestAuth`, `BearerAuth`), `Retry`, adapters, the objects hooks see
(`HookRequest`, `HookResponse`) and every exception. The session's state (headers, params, auth,
cookie jar, redirect policy, timeouts, base URL, body limit, retries, adapters) and all HTTP logic
(Digest, multipart, decoding, line splitting, `Link` parsing, saved state, retries and backoff,
when hooks run) live in the component, run by wasmtime-py; this package only converts arguments
and results, and runs the Python hooks the component calls by name (`hooks.py`).

    from requests_wasm import Session
    with Session() as s:
        r = s.get("http://127.0.0.1:8080/get", params={"q": "1"}, timeout=5)
        r.raise_for_status()
        print(r.json())

        # hooks, as requests' `hooks` (plus httpx's "request" event)
        s.hooks["request"].append(lambda req: req.headers.__setitem__("X-Trace", "1"))
        s.hooks["response"].append(lambda r, *args, **kwargs: r.raise_for_status())
"""

from ._component import COMPONENT_ENV_VAR, DEFAULT_COMPONENT_PATH, load_component
from .adapters import Adapter, CannedResponse, RecordedRequest
from .exceptions import *  # noqa: F401,F403 - the requests-style exception names
from .exceptions import __all__ as _exception_names
from .hooks import HookRequest, HookResponse
from .models import BearerAuth, HTTPBasicAuth, HTTPDigestAuth, PreparedRequest, Request, Response
from .retries import Retry
from .sessions import PROXY_ENV_VARS, Session, session
from .structures import CaseInsensitiveDict, Cookie, Cookies, MutableHeaders, ResponseHeaders

__version__ = "0.1.0"

__all__ = [
    "Session", "session", "Response", "Request", "PreparedRequest", "HTTPBasicAuth",
    "HTTPDigestAuth", "BearerAuth", "Retry", "HookRequest", "HookResponse", "MutableHeaders",
    "Adapter", "CannedResponse", "RecordedRequest", "CaseInsensitiveDict", "ResponseHeaders",
    "Cookie", "Cookies", "load_component", "DEFAULT_COMPONENT_PATH", "COMPONENT_ENV_VAR",
    "PROXY_ENV_VARS", *_exception_names,
]
