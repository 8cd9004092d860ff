"""Exceptions of the Python host: requests-style classes, one per `error-kind` of the WIT `error`.

This module owns the exception hierarchy and the single table (`ERROR_CLASSES`) that maps each
case of `requests:http/types.error-kind` to a class, and `exception_from_wit`, which turns a
lifted `error` record into one. The record is plain data and its message is final: nothing
here builds or rewrites a message, it only picks the class and exposes the record's fields.
Every exception carries `.kind` (the WIT case name, e.g. ``"read-timeout"``; Python-side
argument errors use the case they stand in for), `.message` (the component's message), `.url`
(the URL of the request that failed, without userinfo, when there was one), `.code` (for
`transport`, the wasi:http `error-code` case name) and `.response`: for `http-status` and
`too-many-redirects`, a `ResponseHead` (status_code, reason, url, headers) made from the
record, or the `Response` itself when `Response.raise_for_status()` raised. The names follow
`requests.exceptions` so that code written against requests catches the same things; the cases
requests has no class for get one here (`ConnectionRefused`, `NameResolutionError`,
`InvalidMethod`, `InvalidCookie`, `InvalidOption`, `BodyTooLargeError`, `UnsupportedError`,
`SessionClosed`, `TransportError`, `HookError`).
"""

from __future__ import annotations

import json as _json
from typing import Any, Dict, Optional, Type

from .structures import ResponseHead

__all__ = [
    "RequestException", "HTTPError", "ConnectionError", "ConnectionRefused", "NameResolutionError",
    "ProxyError", "InvalidProxyURL", "ChunkedEncodingError", "SSLError", "Timeout", "ConnectTimeout", "ReadTimeout", "TransportError",
    "URLRequired", "TooManyRedirects", "MissingSchema", "InvalidSchema", "InvalidURL",
    "InvalidHeader", "InvalidMethod", "InvalidJSONError", "JSONDecodeError", "InvalidCookie",
    "InvalidOption", "ContentDecodingError", "BodyTooLargeError", "RetryError",
    "StreamConsumedError", "UnsupportedError", "SessionClosed", "HookError", "ERROR_CLASSES",
    "exception_from_wit",
]


class _Reason(str):
    """An exception's message that also answers `.args`, as the urllib3 error requests puts
    in `args[0]` does (code reads ``e.args[0].args[0]``)."""

    @property
    def args(self) -> tuple:
        return (str(self),)


class RequestException(IOError):
    """Base of every error raised by a `Session` or `Response` (as in requests)."""

    #: The WIT `error` case this class stands for (a class default; instances may override).
    default_kind: Optional[str] = None

    def __init__(self, *args: Any, kind: Optional[str] = None, response: Any = None,
                 request: Any = None, url: Optional[str] = None,
                 code: Optional[str] = None) -> None:
        if args and type(args[0]) is str:
            args = (_Reason(args[0]), *args[1:])
        super().__init__(*args)
        self.kind: Optional[str] = kind or self.default_kind
        self.message: str = str(args[0]) if args else ""
        self.response = response
        self._request = request
        #: The URL of the request that failed (without userinfo), when the component named one.
        self.url: Optional[str] = url
        #: For `transport`: the wasi:http `error-code` case name (``HTTP-protocol-error``...).
        self.code: Optional[str] = code

    @property
    def request(self) -> Any:
        """The request that failed, when known (else the request of `.response`)."""
        if self._request is None and self.response is not None:
            self._request = self.response.request
        return self._request

    def __str__(self) -> str:
        return self.message


class HTTPError(RequestException):
    """`raise_for_status()` (or `Session.error_for_status`) found a 4xx or 5xx status
    (`error.http-status`); `.status_code`, `.reason` and `.url` are the response's."""

    default_kind = "http-status"

    def __init__(self, *args: Any, status_code: Optional[int] = None, reason: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status_code = status_code
        self.reason = reason


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
    """The proxy refused the connection or the tunnel, or failed (`error.proxy`). (The default
    wasi:http adapter cannot use a proxy: it answers `UnsupportedError`; host adapters can.)"""

    default_kind = "proxy"


class ChunkedEncodingError(ConnectionError):
    """The body broke off while it was read (urllib3's "Connection broken: ...", e.g. a chunked
    body cut short: `IncompleteRead`), as requests' `ChunkedEncodingError`; a
    `ConnectionError` too (the component's `error.connection`)."""

    default_kind = "connection"


class SSLError(ConnectionError):
    """TLS failed: certificate, protocol or alert (`error.tls`)."""

    default_kind = "tls"


class TransportError(ConnectionError):
    """Any other transport failure (`error.transport`); `.code` names the wasi:http
    `error-code` (``host-adapter`` for a failure a host adapter did not classify)."""

    default_kind = "transport"


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
    """More redirects than `max_redirects` (`error.too-many-redirects`); `.response` is the head
    of the last hop (a `ResponseHead`: status_code, reason, url, headers)."""

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


class InvalidProxyURL(InvalidURL):
    """A proxy URL (`proxies=`, `Session.proxies`, the environment's) cannot be parsed or has
    no host, as requests' `InvalidProxyURL` (checked here before the request is sent)."""


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
    """A setting the adapter cannot honour (`error.unsupported`): the default wasi:http adapter
    cannot honour `verify` other than True, a `cert` (on https) or a proxy; a host adapter may
    refuse what it likes; a build for world `client` has no hooks or host adapters."""

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


#: Each case of the WIT `error-kind` enum and the class raised for it.
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
    "proxy": ProxyError,
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


#: Messages of urllib3 failures (which a Python adapter reports as `connection`) that requests
#: raises as another class: a body that broke off while read, conflicting `Content-Length`s.
_URLLIB3_MESSAGES = (("Connection broken:", ChunkedEncodingError),
                     ("Content-Length contained multiple unmatching values", InvalidHeader))


def exception_from_wit(error: Any) -> RequestException:
    """The exception for one lifted WIT `error` record (`kind`, `message`, `url`, `response`,
    `history`, `code`): the class of its kind, with its message as it is and its fields as
    attributes (`history` as the `response`'s)."""
    kind = getattr(error, "kind")
    message = getattr(error, "message")
    head = getattr(error, "response")
    response = None if head is None else ResponseHead._from_wit(head)
    if response is not None:
        response.history = [ResponseHead._from_wit(h) for h in getattr(error, "history", ())]
    fields: Dict[str, Any] = dict(kind=kind, response=response, url=getattr(error, "url"),
                                  code=getattr(error, "code"))
    cls = ERROR_CLASSES.get(kind, RequestException)  # a newer kind: the base class
    if cls is ConnectionError:
        # a urllib3 failure requests raises as a class of its own, known by urllib3's words
        cls = next((c for prefix, c in _URLLIB3_MESSAGES if message.startswith(prefix)), cls)
    if cls is HTTPError and response is not None:
        return HTTPError(message, status_code=response.status_code, reason=response.reason,
                         **fields)
    return cls(message, **fields)
