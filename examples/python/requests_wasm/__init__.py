"""requests_wasm: Python's requests.Session API over the `requests:http` WebAssembly component.

This file owns the public surface: it re-exports `Session`, `Response`, the auth helpers
(`HTTPBasicAuth`, `HTTPDigestAuth`, `BearerAuth`), `Retry`, adapters and every exception. The
session's state (headers, params, auth, cookie jar, redirect policy, timeouts, base URL, body
limit, retries, adapters) and all HTTP logic (Digest, multipart, decoding, line splitting, `Link`
parsing, saved state, retries and backoff) live in the component, run by wasmtime-py; this
package only converts arguments and results.

    from requests_wasm import Session
    with Session() as s:
        r = s.get("http://127.0.0.1:8080/get", params={"q": "1"}, timeout=5)
        r.raise_for_status()
        print(r.json())
"""

from ._component import COMPONENT_ENV_VAR, DEFAULT_COMPONENT_PATH, load_component
from .adapters import Adapter, CannedResponse, RecordedRequest
from .exceptions import *  # noqa: F401,F403 - the requests-style exception names
from .exceptions import __all__ as _exception_names
from .models import BearerAuth, HTTPBasicAuth, HTTPDigestAuth, PreparedRequest, Request, Response
from .retries import Retry
from .sessions import PROXY_ENV_VARS, Session, session
from .structures import CaseInsensitiveDict, Cookie, Cookies, ResponseHeaders

__version__ = "0.1.0"

__all__ = [
    "Session", "session", "Response", "Request", "PreparedRequest", "HTTPBasicAuth",
    "HTTPDigestAuth", "BearerAuth", "Retry",
    "Adapter", "CannedResponse", "RecordedRequest", "CaseInsensitiveDict", "ResponseHeaders",
    "Cookie", "Cookies", "load_component", "DEFAULT_COMPONENT_PATH", "COMPONENT_ENV_VAR",
    "PROXY_ENV_VARS", *_exception_names,
]
