"""Exceptions of the Python host: requests-style classes, one per case of the WIT `error` variant.

This module owns the exception hierarchy and the single table (`ERROR_CLASSES`) that maps each
case of `requests:http/types.error` to a class. Every exception carries `.kind` (the WIT case
name, e.g. ``"read-timeout"``; Python-side argument errors use the case they stand in for) and
`.message` (the component's message). The names follow `requests.exceptions` so that code
written against requests catches the same things; the cases requests has no class for get one
here (`ConnectionRefused`, `NameResolutionError`, `InvalidMethod`, `InvalidCookie`,
`InvalidOption`, `BodyTooLargeError`, `UnsupportedError`, `SessionClosed`, `TransportError`,
`HookError`).
"""

from __future__ import annotations

import json as _json
from typing import Any, Callable, Dict, Optional, Type

__all__ = [
    "RequestException", "HTTPError", "ConnectionError", "ConnectionRefused", "NameResolutionError",
    "ProxyError", "SSLError", "Timeout", "ConnectTimeout", "ReadTimeout", "TransportError",
    "URLRequired", "TooManyRedirects", "MissingSchema", "InvalidSchema", "InvalidURL",
    "InvalidHeader", "InvalidMethod", "InvalidJSONError", "JSONDecodeError", "InvalidCookie",
    "InvalidOption", "ContentDecodingError", "BodyTooLargeError", "RetryError",
    "StreamConsumedError", "UnsupportedError", "SessionClosed", "HookError", "ERROR_CLASSES",
    "exception_from_wit",
]


class RequestException(IOError):
    """Base of every error raised by a `Session` or `Response` (as in requests)."""

    #: The WIT `error` case this class stands for (a class default; instances may override).
    default_kind: Optional[str] = None

    def __init__(self, *args: Any, kind: Optional[str] = None, response: Any = None,
                 request: Any = None) -> None:
        super().__init__(*args)
        self.kind: Optional[str] = kind or self.default_kind
        self.message: str = str(args[0]) if args else ""
        self.response = response
        self._request = request

    @property
    def request(self) -> Any:
        """The request that failed, when known (else the request of `.response`)."""
        if self._request is None and self.response is not None:
            self._request = self.response.request
        return self._request

    def __str__(self) -> str:
        return self.message


class HTTPError(RequestException):
    """`raise_for_status()` found a 4xx or 5xx status (`error.http-status`)."""

    default_kind = "http-status"

    def __init__(self, *args: Any, status_code: Optional[int] = None, reason: str = "",
                 url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status_code = status_code
        self.reason = reason
        self.url = url


class ConnectionError(RequestException):  # noqa: A001 - same name as requests
    """The connection failed or broke (`error.connection`)."""

    default_kind = "connection"


class ConnectionRefused(ConnectionError):
    """The server refused the connection (`error.connection-refused`)."""

    default_kind = "connection-refused"


class NameResolutionError(ConnectionError):
    """The host name could not be resolved (`error.dns`)."""

    default_kind = "dns"


class ProxyError(ConnectionError):
    """Kept for requests compatibility; the component reports proxies as `UnsupportedError`."""


class SSLError(ConnectionError):
    """TLS failed: certificate, protocol or alert (`error.tls`)."""

    default_kind = "tls"


class TransportError(ConnectionError):
    """Any other wasi:http `error-code` (`error.transport`); see `.code` and `.detail`."""

    default_kind = "transport"

    def __init__(self, *args: Any, code: str = "", detail: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.code = code
        self.detail = detail


class Timeout(RequestException):
    """The request timed out (base of `ConnectTimeout` and `ReadTimeout`)."""


class ConnectTimeout(ConnectionError, Timeout):
    """The connection was not made within the connect timeout (`error.connect-timeout`)."""

    default_kind = "connect-timeout"


class ReadTimeout(Timeout):
    """The server did not answer within the read timeout (`error.read-timeout`)."""

    default_kind = "read-timeout"


class URLRequired(RequestException):
    """Kept for requests compatibility (a URL is always required here)."""


class TooManyRedirects(RequestException):
    """More redirects than `max_redirects` (`error.too-many-redirects`); `.response` is the last hop."""

    default_kind = "too-many-redirects"


class MissingSchema(RequestException, ValueError):
    """The URL has no scheme (`error.missing-schema`)."""

    default_kind = "missing-schema"


class InvalidSchema(RequestException, ValueError):
    """No adapter is mounted for the URL's scheme (`error.invalid-schema`)."""

    default_kind = "invalid-schema"


class InvalidURL(RequestException, ValueError):
    """The URL cannot be parsed or has no host (`error.invalid-url`)."""

    default_kind = "invalid-url"


class InvalidHeader(RequestException, ValueError):
    """A header name or value is invalid or forbidden by the host (`error.invalid-header`)."""

    default_kind = "invalid-header"


class InvalidMethod(RequestException, ValueError):
    """The method is not an HTTP token (`error.invalid-method`)."""

    default_kind = "invalid-method"


class InvalidJSONError(RequestException):
    """A `json=` body is not valid JSON (`error.invalid-json`)."""

    default_kind = "invalid-json"


class JSONDecodeError(InvalidJSONError, _json.JSONDecodeError):
    """The response body is not JSON (`error.json-decode`); also a `json.JSONDecodeError`."""

    default_kind = "json-decode"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        InvalidJSONError.__init__(self, *args, **kwargs)
        # The attributes json.JSONDecodeError users read; the component gives no position.
        self.msg = self.message
        self.doc = ""
        self.pos = 0
        self.lineno = 1
        self.colno = 1

    def __reduce__(self) -> Any:  # json.JSONDecodeError's own __reduce__ wants (msg, doc, pos)
        return (self.__class__, (self.message,), {"kind": self.kind})


class InvalidCookie(RequestException, ValueError):
    """A cookie given by hand is invalid (`error.invalid-cookie`)."""

    default_kind = "invalid-cookie"


class InvalidOption(RequestException, ValueError):
    """An option is out of range or malformed (`error.invalid-option`)."""

    default_kind = "invalid-option"


class ContentDecodingError(RequestException):
    """The body could not be decoded per its `Content-Encoding`, or it decoded past
    `Session.max_body_size` (a decompression bomb) (`error.content-decoding`)."""

    default_kind = "content-decoding"


class BodyTooLargeError(RequestException):
    """A body read into memory (or one streamed line of `iter_lines`) is larger than
    `Session.max_body_size` (`error.body-too-large`); requests has no such limit. Stream the
    response (``stream=True``) and read it with `iter_content` to go past it."""

    default_kind = "body-too-large"


class RetryError(RequestException):
    """The retry policy ran out while the server kept answering a retried status (`error.retry`):
    "Max retries exceeded with url: ... (too many 503 error responses)", as requests raises
    when urllib3's `MaxRetryError` comes from a response. Retries that run out on a failure
    raise that failure instead (`ConnectionRefused`, `ReadTimeout`, ...)."""

    default_kind = "retry"


class StreamConsumedError(RequestException, TypeError):
    """A streamed body was already read (`error.stream-consumed`)."""

    default_kind = "stream-consumed"


class UnsupportedError(RequestException, NotImplementedError):
    """A setting wasi:http cannot honour: verify=False on https, cert, proxies (`error.unsupported`)."""

    default_kind = "unsupported"


class HookError(RequestException):
    """A request or response hook failed (`error.hook`): it raised, returned something that is
    not a request or response, or gave one the component refuses (a header with CR/LF, a
    status outside 100-999); or a hook called back into the session that runs it. The message
    names the hook by the name the session registered it under. When a hook raised, that
    exception is the `__cause__` (``raise ... from``), as a requests user would see it."""

    default_kind = "hook"


class SessionClosed(RequestException, RuntimeError):
    """The session, or the adapter, was closed (`error.session-closed`)."""

    default_kind = "session-closed"


#: Each case of the WIT `error` variant and the class raised for it.
ERROR_CLASSES: Dict[str, Type[RequestException]] = {
    "missing-schema": MissingSchema,
    "invalid-schema": InvalidSchema,
    "invalid-url": InvalidURL,
    "invalid-header": InvalidHeader,
    "invalid-method": InvalidMethod,
    "invalid-json": InvalidJSONError,
    "invalid-cookie": InvalidCookie,
    "invalid-option": InvalidOption,
    "connection-refused": ConnectionRefused,
    "connection": ConnectionError,
    "dns": NameResolutionError,
    "tls": SSLError,
    "connect-timeout": ConnectTimeout,
    "read-timeout": ReadTimeout,
    "too-many-redirects": TooManyRedirects,
    "http-status": HTTPError,
    "json-decode": JSONDecodeError,
    "content-decoding": ContentDecodingError,
    "body-too-large": BodyTooLargeError,
    "retry": RetryError,
    "stream-consumed": StreamConsumedError,
    "hook": HookError,
    "session-closed": SessionClosed,
    "unsupported": UnsupportedError,
    "transport": TransportError,
}


def exception_from_wit(tag: str, payload: Any,
                       wrap_response: Callable[[Any], Any]) -> RequestException:
    """Build the exception for one WIT `error` value, given as its case name and payload.

    `payload` is what wasmtime-py lifted: a `str` for most cases, a `wasmtime.component.Record`
    for `too-many-redirects` / `http-status` / `transport`, `None` for `session-closed`.
    `wrap_response` turns the `response` resource carried by `too-many-redirects` into a
    Python `Response`.
    """
    cls = ERROR_CLASSES.get(tag)
    if cls is None:  # a newer component with a case this host does not know
        return RequestException(f"{tag}: {payload!r}", kind=tag)
    if tag == "too-many-redirects":
        return cls(getattr(payload, "message"), kind=tag,
                   response=wrap_response(getattr(payload, "response")))
    if tag == "http-status":
        return HTTPError(getattr(payload, "message"), kind=tag,
                         status_code=getattr(payload, "status"),
                         reason=getattr(payload, "reason"), url=getattr(payload, "url"))
    if tag == "transport":
        code, detail = getattr(payload, "code"), getattr(payload, "detail")
        message = f"{code}: {detail}" if detail else code
        return TransportError(message, kind=tag, code=code, detail=detail)
    if tag == "session-closed":
        return SessionClosed("the session is closed", kind=tag)
    return cls(payload if isinstance(payload, str) else repr(payload), kind=tag)
