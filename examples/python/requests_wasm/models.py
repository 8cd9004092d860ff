"""Requests-style models over the component's resources: `Response`, `PreparedRequest`, `Request`
and the auth helpers (`HTTPBasicAuth`, `HTTPDigestAuth`, `BearerAuth`).

This module owns the Python faces of the WIT `response` and `prepared-request` resources.
Attributes are fetched from the guest on first use and cached (a response does not change once
received); the body is read through `content` / `text` / `json` / `read-chunk`. `Response.close()`
drops the guest resource at once; otherwise it is dropped after the object is garbage-collected.
"""

from __future__ import annotations

import codecs
import datetime
import json as _json
from dataclasses import dataclass, field as dc_field
from functools import cached_property
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from wasmtime.component import ResourceAny

from ._component import TYPES, Handle, Instance, field
from .exceptions import HTTPError
from .structures import Cookie, Cookies, ResponseHeaders

__all__ = ["HTTPBasicAuth", "HTTPDigestAuth", "BearerAuth", "Request", "PreparedRequest",
           "Response"]

_U32_MAX = 2**32 - 1
#: The charset names the component's `set-encoding` accepts (it lower-cases and trims).
_RESTORABLE_ENCODINGS = frozenset({"utf-8", "utf8", "iso-8859-1", "iso8859-1", "latin-1",
                                   "latin1", "l1", "windows-1252", "cp1252", "us-ascii", "ascii"})


def _strip_cr(line: Any) -> Any:
    return line[:-1] if line.endswith("\r" if isinstance(line, str) else b"\r") else line


class HTTPBasicAuth(NamedTuple):
    """Basic auth; a plain ``("user", "pass")`` tuple means the same and compares equal."""

    username: str
    password: str


@dataclass(frozen=True)
class HTTPDigestAuth:
    """HTTP Digest auth (RFC 7616), as requests' `HTTPDigestAuth(username, password)`.

    The component answers the server's 401 challenge (MD5, MD5-sess, SHA, SHA-256,
    SHA-256-sess, SHA-512-256; qop ``auth`` or none) with one retry, then reuses the nonce with
    a rising count; the 401 is kept in `Response.history`. Unlike a tuple, it never compares
    equal to `HTTPBasicAuth` or ``("user", "pass")``.
    """

    username: str
    password: str

    def __repr__(self) -> str:
        return f"HTTPDigestAuth(username={self.username!r}, password='***')"


@dataclass(frozen=True)
class BearerAuth:
    """`Authorization: Bearer <token>`: pass ``auth=BearerAuth("t")``."""

    token: str

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


@dataclass
class Request:
    """A request to prepare with `Session.prepare_request` (as `requests.Request`). `hooks` is
    as ``hooks=`` of `Session.request` (``{"request": ..., "response": ...}``)."""

    method: str = "GET"
    url: str = ""
    headers: Any = None
    params: Any = None
    data: Any = None
    json: Any = None
    cookies: Any = None
    auth: Any = None
    files: Any = None
    hooks: Any = dc_field(default=None, repr=False)


class PreparedRequest:
    """A request merged with the session's settings (WIT `prepared-request`).

    `method`, `url`, `body` are settable; `headers` is a snapshot, change it with
    `set_header(name, value)` (``None`` removes). `Session.send(prepared)` sends it as it is,
    with the hooks it was prepared with (kept registered until `close()` or collection).
    """

    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        #: Unregisters the hooks it was prepared with (set by `Session.prepare_request`).
        self._release_hooks: Optional[Callable[[], Any]] = None

    def _call(self, name: str, *args: Any) -> Any:
        return self._handle.call(TYPES, f"[method]prepared-request.{name}", *args)

    def _call_ok(self, name: str, *args: Any) -> Any:
        return self._handle.call_ok(TYPES, f"[method]prepared-request.{name}", *args)

    @property
    def method(self) -> str:
        return self._call("method")

    @method.setter
    def method(self, method: str) -> None:
        self._call_ok("set-method", method)

    @property
    def url(self) -> str:
        return self._call("url")

    @url.setter
    def url(self, url: str) -> None:
        self._call_ok("set-url", url)

    @property
    def headers(self) -> ResponseHeaders:
        return ResponseHeaders(self._call("headers"))

    def set_header(self, name: str, value: Optional[str]) -> None:
        self._call_ok("set-header", name, value)

    @property
    def body(self) -> Optional[bytes]:
        return self._call("body")

    @body.setter
    def body(self, body: Union[bytes, str, None]) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self._call("set-body", None if body is None else bytes(body))

    def close(self) -> None:
        """Release the guest resource (and the hooks it was prepared with) now."""
        if self._release_hooks is not None:
            self._release_hooks()
        self._handle.drop()

    def __repr__(self) -> str:
        if not self._handle.alive:
            return "<PreparedRequest (closed)>"
        return f"<PreparedRequest [{self.method}]>"


class Response:
    """A response (WIT `response`), with requests' attribute names.

    Unless the request was made with ``stream=True``, the body was read when the response
    arrived; `iter_content` then slices `content`. A streamed body is read from the component
    chunk by chunk (`read-chunk`) and can be read only once.
    """

    def __init__(self, handle: Handle, streamed: bool = False) -> None:
        self._handle = handle
        self._streamed = streamed
        self._content: Optional[bytes] = None
        self._text: Optional[Tuple[str, str]] = None  # (encoding, text)

    @classmethod
    def _wrap(cls, instance: Instance, resource: ResourceAny, streamed: bool = False) -> "Response":
        return cls(Handle(instance, resource), streamed)

    def _call(self, name: str, *args: Any) -> Any:
        return self._handle.call(TYPES, f"[method]response.{name}", *args)

    def _call_ok(self, name: str, *args: Any) -> Any:
        return self._handle.call_ok(TYPES, f"[method]response.{name}", *args)

    # ---- metadata (cached: it cannot change) ---------------------------------------------

    @cached_property
    def status_code(self) -> int:
        return self._call("status")

    @cached_property
    def reason(self) -> str:
        return self._call("reason")

    @cached_property
    def url(self) -> str:
        return self._call("url")

    @cached_property
    def headers(self) -> ResponseHeaders:
        return ResponseHeaders(self._call("headers"))

    @cached_property
    def history(self) -> List["Response"]:
        return [Response._wrap(self._handle.instance, r) for r in self._call("history")]

    @cached_property
    def elapsed(self) -> datetime.timedelta:
        return datetime.timedelta(milliseconds=self._call("elapsed-ms"))

    @cached_property
    def cookies(self) -> Cookies:
        """The cookies this response set (they are already in the session's jar)."""
        return Cookies(Cookie._from_wit(c) for c in self._call("cookies"))

    @cached_property
    def ok(self) -> bool:
        return self._call("ok")

    @cached_property
    def is_redirect(self) -> bool:
        return self._call("is-redirect")

    @cached_property
    def is_permanent_redirect(self) -> bool:
        return self._call("is-permanent-redirect")

    @cached_property
    def request(self) -> PreparedRequest:
        return PreparedRequest(Handle(self._handle.instance, self._call("request")))

    @property
    def encoding(self) -> str:
        """The charset `text` decodes with; settable (`utf-8`, `iso-8859-1`, `us-ascii`, ...)."""
        return self._call("encoding")

    @encoding.setter
    def encoding(self, encoding: str) -> None:
        self._call_ok("set-encoding", encoding)
        self._text = None

    # ---- body ------------------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The decoded body (gzip/deflate undone). For a streamed response, reads the rest."""
        if self._content is None:
            self._content = self._fetch_content()
        return self._content

    def _fetch_content(self) -> bytes:
        """`content`, fast: wasmtime-py lifts a `list<u8>` one element at a time in Python
        (~0.6 s per MB) but a `string` in one copy. ISO-8859-1 maps each byte to the code point
        of the same value (the component decodes it exactly so), so `text` in iso-8859-1,
        encoded back to latin-1, is the body byte for byte, ~80x faster. Used when the body is
        already read and the current encoding can be set back (the component's `encoding` may
        name a charset that `set-encoding` refuses, e.g. ``shift_jis``)."""
        if self._streamed:
            return self._call_ok("content")
        with self._handle.instance.lock:
            original = self.encoding
            if original not in _RESTORABLE_ENCODINGS:
                return self._call_ok("content")
            self._call_ok("set-encoding", "iso-8859-1")
            try:
                text = self._call_ok("text")
            finally:
                self._call_ok("set-encoding", original)
        return text.encode("latin-1")

    @property
    def text(self) -> str:
        """The body as text in `encoding`; invalid bytes become U+FFFD."""
        encoding = self.encoding
        if self._text is None or self._text[0] != encoding:
            self._text = (encoding, self._call_ok("text"))
        return self._text[1]

    def json(self, **kwargs: Any) -> Any:
        """The body parsed with `json.loads` (`JSONDecodeError` if it is not JSON)."""
        return _json.loads(self._call_ok("json"), **kwargs)

    def raise_for_status(self) -> None:
        """Raise `HTTPError` (with `.response` set to this response) for a 4xx or 5xx status."""
        try:
            self._call_ok("raise-for-status")
        except HTTPError as e:
            e.response = self
            raise

    def iter_content(self, chunk_size: Optional[int] = 1,
                     decode_unicode: bool = False) -> Iterator[Union[bytes, str]]:
        """Iterate over the body in chunks of at most `chunk_size` bytes.

        A streamed body is pulled from the component (`read-chunk`); `chunk_size=None` means
        "whatever is there" (up to 64 KiB per call). Otherwise the read `content` is sliced.
        """
        if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
            raise TypeError(f"chunk_size must be a positive int or None, not {chunk_size!r}")

        def raw_chunks() -> Iterator[bytes]:
            if self._streamed and self._content is None:
                size = min(chunk_size or 65536, _U32_MAX)
                while True:
                    chunk = self._call_ok("read-chunk", size)
                    if chunk is None:
                        return
                    if chunk:
                        yield chunk
            else:
                content = self.content
                step = chunk_size or max(len(content), 1)
                for i in range(0, len(content), step):
                    yield content[i:i + step]

        if not decode_unicode:
            return raw_chunks()
        return self._decode(raw_chunks())

    def _decode(self, chunks: Iterator[bytes]) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")(errors="replace")
        for chunk in chunks:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def iter_lines(self, chunk_size: int = 512, decode_unicode: bool = False,
                   delimiter: Optional[Union[str, bytes]] = None) -> Iterator[Union[str, bytes]]:
        """Iterate over the body line by line, without line endings (requests' `iter_lines`).

        Lines end at ``\\n`` and a ``\\r`` before it goes too, so ``\\r\\n`` never yields an
        extra empty line (requests' `splitlines` can, when a chunk ends between the two); a last
        line without ``\\n`` is still a line. Lines are `bytes`, or `str` in `encoding` with
        ``decode_unicode=True``.

        A streamed body is read by the component one line at a time (WIT `read-line`): only
        that line is held in memory, a line longer than `Session.max_body_size` raises
        `BodyTooLargeError`, and the position is shared with `iter_content`. A body already
        read (not streamed, or after `content`) is split here, so iterating again gives the same
        lines, as in requests. `chunk_size` only matters when the split happens in Python: with a
        `delimiter` (the body is split on exactly that) or with an `encoding` the component
        does not decode (e.g. ``shift_jis``).
        """
        if delimiter is None and self._content is None and self.encoding in _RESTORABLE_ENCODINGS:
            if self._streamed:
                return self._read_lines(decode_unicode)
            return self._split_lines([self.text if decode_unicode else self.content], None)
        return self._split_lines(self.iter_content(chunk_size, decode_unicode), delimiter)

    def _read_lines(self, decode_unicode: bool) -> Iterator[Union[str, bytes]]:
        """Lines from `read-line`. It decodes in `encoding`; for `bytes` the encoding is switched
        to ISO-8859-1 around each call (every byte maps to the same code point, so encoding the
        line back to latin-1 gives its bytes exactly), under the lock so no other call sees it."""
        while True:
            if decode_unicode:
                line = self._call_ok("read-line")
            else:
                with self._handle.instance.lock:
                    original = self.encoding
                    self._call_ok("set-encoding", "iso-8859-1")
                    try:
                        line = self._call_ok("read-line")
                    finally:
                        self._call_ok("set-encoding", original)
            if line is None:
                return
            yield line if decode_unicode else line.encode("latin-1")

    @staticmethod
    def _split_lines(chunks: Iterable[Any], delimiter: Any) -> Iterator[Any]:
        """Split chunks (all `bytes` or all `str`) into lines: on `delimiter` exactly, else on
        ``\\n`` with a trailing ``\\r`` removed (the component's rule); no empty last line."""
        pending: Any = None
        for chunk in chunks:
            if pending is not None:
                chunk = pending + chunk
            separator = delimiter or ("\n" if isinstance(chunk, str) else b"\n")
            lines = chunk.split(separator)
            pending = lines.pop()  # after the last separator: maybe the start of a longer line
            for line in lines:
                yield line if delimiter else _strip_cr(line)
        if pending:
            yield pending if delimiter else _strip_cr(pending)

    @cached_property
    def links(self) -> Dict[str, Dict[str, str]]:
        """The `Link` headers (RFC 8288) keyed by `rel`, else by URL, as in requests:
        ``r.links["next"]["url"]``. Each value holds ``url`` and every parameter of that link
        (``rel``, ``title``, ...). Parsed by the component (WIT `links`): unlike requests, relative
        URLs come back resolved against `url`, and quoted commas or semicolons stay in their
        parameter."""
        out: Dict[str, Dict[str, str]] = {}
        for link in self._call("links"):
            entry = {name: value for name, value in field(link, "params")}
            # The component gives `rel` on its own and (unlike the WIT doc) not in `params`.
            rel = field(link, "rel")
            if rel is not None:
                entry["rel"] = rel
            entry["url"] = field(link, "url")
            out[rel or entry["url"]] = entry
        return out

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_content(128)  # type: ignore[return-value]

    # ---- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Release the guest resource now (a later uncached attribute raises `ValueError`)."""
        for response in self.__dict__.get("history", []):
            response.close()
        self._handle.drop()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        if "status_code" not in self.__dict__ and not self._handle.alive:
            return "<Response (closed)>"
        return f"<Response [{self.status_code}]>"
