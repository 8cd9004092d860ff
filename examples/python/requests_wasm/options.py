"""Python arguments -> WIT values: every conversion from requests-style arguments to the values
the component takes (and the few back), none of which needs a `Session`'s state.

This module owns the `request-options` and `send-options` records (`_request_options`,
`_send_options`; both give None, "inherit everything", when no argument is set: a plain
request lowers one `none` instead of a record of `none`s) and their parts: timeouts
(`_timeout_record`, back with `_timeout_from_wit`), params and headers as overrides or pairs
(`_param_overrides`, `_header_overrides`, ...), cookies and proxies as pairs (`_pairs`), auth
(`_auth_value`, `_auth_override`, back with `_auth_from_wit`), `verify` and `cert` (`_verify`,
`_cert`, back with `_verify_from_wit`, `_cert_from_wit`; `PemData` marks PEM text), and the
request `body` (`_body`, `_multipart_body`). It also owns the pieces of a streaming upload:
whether a body streams (`_is_stream`), its length (`_stream_length`, `_announced_length`) and
its chunks (`_stream_chunks`, at most `UPLOAD_CHUNK_SIZE` each); `Session._upload` in
`sessions.py` sends them.

The shapes wasmtime-py 50 expects for this WIT (untagged when the cases' Python classes differ):

* `record` -> a `wasmtime.component.Record` with kebab-case attributes (`rec(...)`);
* `tuple<string, string>` -> a Python `tuple`; `list<u8>` -> `bytes`; `list<T>` -> `list`;
  `enum` -> its case name as a `str`;
* `option<T>` -> `None` or the value, except `option<auth-override>`, which is *tagged*
  (`auth-override.disable` lifts to `None` too): `Variant("none")` / `Variant("some", x)`;
* `auth` -> tagged (`basic` and `digest` are both records): `Variant("basic", Record(username,
  password))`, `Variant("digest", Record(...))`, `Variant("bearer", "token")`;
* `auth-override` -> untagged: `None` for `disable`, an `auth` `Variant` for `replace`;
* `verify` -> tagged (`enabled` and `disabled` carry nothing): `Variant("enabled")`,
  `Variant("disabled")`, `Variant("ca-bundle", pem)`; `pem` -> tagged: `Variant("path", "...")`
  or `Variant("data", "-----BEGIN ...")`; `client-cert` -> `Record(cert=pem, key=pem | None)`;
* `body` -> tagged (`text` and `json` are both `str`): `Variant("json", "...")`, ...;
  `Variant("multipart", [Record(name, filename, content-type, headers, data), ...])`;
* `hook-set` -> `Record(request=[names], response=[names])`; the hooks import's own shapes
  are in `hooks.py`, the host-adapters import's in `_host_adapters.py`;
* `error` -> a `Record` (kind, message, url, response, code): see `Instance.call_ok`;
* resources -> `ResourceAny` (owned ones must be dropped; see `Handle`).
"""

from __future__ import annotations

import codecs
import io
import math
import os
import re
import secrets
import stat
from collections.abc import Mapping as _MappingABC
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union
from urllib.parse import parse_qsl

from wasmtime.component import Variant

from ._component import field, rec
from . import _limits  # read at call time: tests may lower the limits
from ._redact import redact_header
from .exceptions import InvalidHeader
from .models import BearerAuth, HTTPBasicAuth, HTTPDigestAuth

__all__ = ["UPLOAD_CHUNK_SIZE", "TimeoutArg", "AuthValue", "BodyPlan", "PemData", "VerifyValue",
           "CertValue"]

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
TimeoutArg = Union[None, float, int, Tuple[Optional[float], Optional[float]]]


# ---- Python arguments -> WIT values ---------------------------------------------------------

def _ms(seconds: Optional[float], what: str) -> Optional[int]:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise ValueError(f"Timeout value {what} was {seconds!r}, but it must be an int, float "
                         "or None (a number of seconds)")
    if seconds < 0:
        raise ValueError(f"{what} timeout must not be negative: {seconds!r}")
    ms = max(1, math.ceil(seconds * 1000)) if seconds > 0 else 0
    if ms > _U32_MAX:
        raise ValueError(f"{what} timeout is too large for a u32 of milliseconds: {seconds!r}")
    return ms


def _timeout_record(timeout: TimeoutArg) -> Any:
    """`None` -> none (inherit); ``5`` -> both 5 s; ``(connect, read)``, each may be `None`;
    a `urllib3.Timeout` (requests takes one) -> its connect and read timeouts (its `total`
    caps both; unset parts are no limit)."""
    if timeout is None:
        return None
    if _is_urllib3_timeout(timeout):
        timeout = _urllib3_timeout(timeout)
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise ValueError(f"timeout must be a (connect, read) tuple, a number or None: {timeout!r}")
        connect, read = timeout
    else:
        connect = read = timeout
    return rec(connect_ms=_ms(connect, "connect"), read_ms=_ms(read, "read"))


def _is_urllib3_timeout(value: Any) -> bool:
    return type(value).__name__ == "Timeout" and all(
        hasattr(value, name) for name in ("_connect", "_read", "total"))


def _urllib3_timeout(timeout: Any) -> Tuple[Optional[float], Optional[float]]:
    """``(connect, read)`` of a `urllib3.Timeout` not started (what `connect_timeout` and
    `read_timeout` give before a request): each part capped by `total`; its "default"
    sentinel and None are no limit."""
    def number(value: Any) -> Optional[float]:
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    total = number(timeout.total)
    parts = []
    for value in (timeout._connect, timeout._read):
        value = number(value)
        parts.append(total if value is None else value if total is None else min(value, total))
    return parts[0], parts[1]


def _timeout_from_wit(record: Any) -> Optional[Tuple[Optional[float], Optional[float]]]:
    if record is None:
        return None
    to_s = lambda ms: None if ms is None else ms / 1000  # noqa: E731
    return (to_s(field(record, "connect_ms")), to_s(field(record, "read_ms")))


def _items(value: Any) -> Iterable[Tuple[Any, Any]]:
    if isinstance(value, _MappingABC):
        return value.items()
    return value


def _param_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _header_text(name: Any, value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    shown = redact_header(name, value)  # an `Authorization` value is not printed
    raise InvalidHeader(f"Header part ({shown!r}) from ({name!r}, {shown!r}) must be of type "
                        f"str or bytes, not {type(value)}")


def _param_overrides(params: Any) -> Optional[List[Tuple[str, Optional[str]]]]:
    """Params as WIT overrides: a `None` value removes the session param of that name; a list
    value repeats the key (as requests does)."""
    if params is None:
        return None
    if isinstance(params, (str, bytes)):
        text = params.decode("utf-8") if isinstance(params, bytes) else params
        return [(k, v) for k, v in parse_qsl(text.lstrip("?"), keep_blank_values=True)]
    out: List[Tuple[str, Optional[str]]] = []
    for name, value in _items(params):
        name = _param_text(name)
        if value is None:
            out.append((name, None))
        elif isinstance(value, (list, tuple)):
            out.extend((name, _param_text(v)) for v in value)
        else:
            out.append((name, _param_text(value)))
    return out


def _param_pairs(params: Any) -> List[Tuple[str, str]]:
    return [(k, v) for k, v in (_param_overrides(params) or []) if v is not None]


def _header_overrides(headers: Any) -> Optional[List[Tuple[str, Optional[str]]]]:
    if headers is None:
        return None
    return [(n.decode("latin-1") if isinstance(n, bytes) else str(n),
             None if v is None else _header_text(n, v)) for n, v in _items(headers)]


def _header_pairs(headers: Any) -> List[Tuple[str, str]]:
    return [(k, v) for k, v in (_header_overrides(headers) or []) if v is not None]


def _pairs(value: Any) -> Optional[List[Tuple[str, str]]]:
    if value is None:
        return None
    return [(str(k), str(v)) for k, v in _items(value)]


AuthValue = Union[None, HTTPBasicAuth, HTTPDigestAuth, BearerAuth]


def _auth_value(auth: Any) -> Optional[Variant]:
    """A Python auth -> the tagged WIT `auth` value (or `None`)."""
    if auth is None:
        return None
    if isinstance(auth, BearerAuth):
        return Variant("bearer", auth.token)
    if isinstance(auth, HTTPDigestAuth):
        return Variant("digest", rec(username=str(auth.username), password=str(auth.password)))
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return Variant("basic", rec(username=_credential(auth[0]), password=_credential(auth[1])))
    # Only the type is named: the value may hold the password.
    raise TypeError("auth must be None, a (user, password) tuple, HTTPBasicAuth, HTTPDigestAuth "
                    f"or BearerAuth; callable auth handlers are not supported: "
                    f"{type(auth).__name__}")


def _credential(value: Any) -> str:
    """A Basic credential as the component takes it (a `str`, sent as UTF-8): `bytes` are
    decoded as UTF-8 (so UTF-8 bytes go out as given; other bytes as Latin-1, which then go
    out re-encoded), anything else is `str(value)` (requests' deprecated behaviour)."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    return str(value)


def _auth_from_wit(value: Optional[Variant]) -> AuthValue:
    if value is None:
        return None
    if value.tag == "bearer":
        return BearerAuth(value.payload)
    cls = HTTPDigestAuth if value.tag == "digest" else HTTPBasicAuth
    return cls(field(value.payload, "username"), field(value.payload, "password"))


def _auth_override(auth: Any) -> Variant:
    """`option<auth-override>` is tagged in wasmtime-py: `None` inherits, `False` disables."""
    if auth is None:
        return Variant("none")
    if auth is False:
        return Variant("some", None)             # auth-override.disable
    return Variant("some", _auth_value(auth))    # auth-override.replace(auth)


def _body(data: Any, json_obj: Any) -> Optional[Variant]:
    """requests' rule: `data` wins unless it is empty and `json` is given."""
    if not data and json_obj is not None:
        import json as _json
        # allow_nan: NaN/Infinity give invalid JSON, which the component rejects (InvalidJSONError)
        return Variant("json", _json.dumps(json_obj))
    if data is None or (not data and not hasattr(data, "read") and not hasattr(data, "__next__")):
        return None   # as requests: an empty body is no body
    if isinstance(data, str):
        return Variant("text", data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _bytes_body(bytes(data))
    if hasattr(data, "read"):
        content = data.read()
        return Variant("text", content) if isinstance(content, str) else _bytes_body(bytes(content))
    form = _form_pairs(data)
    if form is not None:
        return Variant("form", form)
    if hasattr(data, "__iter__"):  # only `prepare_request` gets here (a prepared request
        # holds its whole body); `Session.request` streams iterables (see `_stream_chunks`)
        chunks = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in data]
        return _bytes_body(b"".join(chunks))
    raise TypeError(f"cannot send {type(data).__name__} as a request body")


def _multipart_body(files: Any, data: Any) -> Variant:
    """requests' `files=` (with `data=` fields first) -> `body.multipart`.

    Each file is ``value``, ``(filename, value)``, ``(filename, value, content_type)`` or
    ``(filename, value, content_type, headers)``; a value is `bytes`, `str` or a file object
    (read here), and a bare file object's filename is its base name (else the field name), as
    in requests. ``filename=None`` in a tuple makes a plain field part; a `None` value skips the
    entry. `data` must then be form fields (a mapping or pairs), not a string.
    """
    parts = _multipart_parts(files, data)
    return Variant("multipart", [rec(name=name, filename=filename, content_type=content_type,
                                     headers=headers, data=content)
                                 for name, filename, content_type, headers, content in parts])


#: One multipart part: name, filename, content type, header pairs, data.
PartValues = Tuple[str, Optional[str], Optional[str], List[Tuple[str, str]], bytes]


class Parts(list):
    """`files=` already turned into parts (file objects read): `_body_plan` gives it back when
    the component is to build the body, so that nothing is read twice. Always true, as the
    non-empty `files=` it stands for."""

    def __bool__(self) -> bool:
        return True


def _multipart_parts(files: Any, data: Any) -> List[PartValues]:
    """The parts of requests' `files=` (with `data=` fields first), as Python values; file
    objects are read here. See `_multipart_body`."""
    if isinstance(files, Parts):
        return files
    if isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")
    parts: List[PartValues] = []
    for name, value in _items(data or {}):
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if v is not None:
                parts.append(_part(_param_text(name), None, None, None, v))
    for name, value in _items(files):
        name = _param_text(name)
        content_type = headers = None
        if isinstance(value, (tuple, list)):
            filename, value, content_type, headers = (*value, None, None)[:4]
        else:
            filename = _guess_filename(value) or name
        if value is not None:
            parts.append(_part(name, filename, content_type, headers, value))
    return parts


def _guess_filename(obj: Any) -> Optional[str]:
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return None


def _part(name: str, filename: Optional[str], content_type: Optional[str], headers: Any,
          value: Any) -> PartValues:
    """One part, for a WIT `part`. Its `data` is a `list<u8>`, which crosses as one 32-byte C
    value per byte (64 bytes of memory per byte while it is converted): fine for forms and files;
    past `LIST_BODY_LIMIT` in all, the body is encoded here instead (`encode_multipart`)."""
    if hasattr(value, "read"):
        value = value.read()
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:  # str, and numbers and the like as requests sends them: str(value)
        data = str(value).encode("utf-8")
    return (name, None if filename is None else str(filename), content_type,
            _header_pairs(headers), data)


# ---- large bodies: encoded here, sent as one string or as a streaming upload ---------------

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
#: The type of a file part that names none (the component's `multipart::DEFAULT_FILE_TYPE`).
DEFAULT_FILE_TYPE = "application/octet-stream"


def _quoted_param(key: str, value: str) -> str:
    """`key="value"` as the component writes it: `"` as ``%22``, `\\` doubled; CR, LF and NUL
    refused."""
    if any(c in value for c in "\r\n\0"):
        raise InvalidHeader(f"a multipart {key} cannot contain CR, LF or NUL: {value!r}")
    return f'{key}="' + value.replace("\\", "\\\\").replace('"', "%22") + '"'


def _check_header(name: str, value: str) -> None:
    if not _TOKEN.match(name) or any(c in value for c in "\r\n\0"):
        raise InvalidHeader(f"invalid header {name!r} in a multipart part")


def encode_multipart(parts: List[PartValues]) -> Tuple[bytes, str]:
    """A `multipart/form-data` body and its `Content-Type`, byte for byte as the component's
    `multipart::encode` makes it (urllib3's layout: `Content-Disposition` first, then
    `Content-Type` (``application/octet-stream`` for a file part that names none), then the
    part's headers; a random 32-hex-digit boundary that occurs in no part)."""
    heads = []
    for name, filename, content_type, headers, _ in parts:
        head = "Content-Disposition: form-data; " + _quoted_param("name", name)
        if filename is not None:
            head += "; " + _quoted_param("filename", filename)
        head += "\r\n"
        extra_type = False
        for key, value in headers:
            _check_header(key, value)
            if key.lower() == "content-disposition":
                raise InvalidHeader(f"part {name!r}: Content-Disposition is built from the name "
                                    "and filename, not given as a header")
            extra_type = extra_type or key.lower() == "content-type"
        if content_type is not None and extra_type:
            raise InvalidHeader(f"part {name!r} has a content type and a Content-Type header")
        if content_type is None and not extra_type and filename is not None:
            content_type = DEFAULT_FILE_TYPE
        if content_type is not None:
            _check_header("Content-Type", content_type)
            head += f"Content-Type: {content_type}\r\n"
        head += "".join(f"{key}: {value}\r\n" for key, value in headers)
        heads.append((head + "\r\n").encode("utf-8"))
    while True:
        boundary = secrets.token_hex(16)
        delimiter = b"--" + boundary.encode()
        if not any(delimiter in head or delimiter in part[4] for head, part in zip(heads, parts)):
            break
    out = bytearray()
    for head, part in zip(heads, parts):
        out += delimiter + b"\r\n" + head + part[4] + b"\r\n"
    out += delimiter + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _form_pairs(data: Any) -> Optional[List[Tuple[str, str]]]:
    """The pairs of a form `data` (a mapping or pairs, as `_body` takes it), else None."""
    if isinstance(data, _MappingABC) or (isinstance(data, (list, tuple))
                                         and all(isinstance(p, (tuple, list)) for p in data)):
        form: List[Tuple[str, str]] = []
        for name, value in _items(data):
            values = value if isinstance(value, (list, tuple)) else [value]
            form.extend((_param_text(name), _param_text(v)) for v in values if v is not None)
        return form
    return None


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8. Its first 64 KiB are tried first: `bytes.decode` sizes its
    result for the whole input before it finds an invalid byte (9 ms to say no to a 10 MiB
    binary body whose 129th byte is 0x80), and a binary body is seldom UTF-8 after 64 KiB."""
    try:
        if len(data) > _UTF8_PROBE:
            codecs.getincrementaldecoder("utf-8")().decode(data[:_UTF8_PROBE], final=False)
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: How much of a large body `_is_utf8` tries before the whole.
_UTF8_PROBE = 64 * 1024


#: How a request body goes when not as given: ``("text", body, content_type)`` sends `body`
#: (a `str`) as one `string`; ``("stream", body, content_type)`` sends `body` (`bytes`) as a
#: streaming upload (`content_type` is None when the body implies none); ``("parts", parts,
#: None)`` is `files=` read into `Parts`, for the component to build as usual.
BodyPlan = Tuple[str, Union[str, bytes], Optional[str]]


def _body_plan(data: Any, files: Any) -> Optional[BodyPlan]:
    """Whether a request body must leave the usual way (`_request_options`), and how.

    The usual way hands the component the body as it is: text as one `string` (any size: a
    value lowered into the guest costs no fuel, and a `string` goes in one copy), bytes as a
    `list<u8>` (one 32-byte C value per byte, 64 bytes of memory per byte while it is
    converted), multipart parts as
    `list<u8>`s. That is kept, since the component can then replay the body (a 307/308
    redirect, a Digest challenge, a retry), except for:

    * binary bytes (not UTF-8) over `LIST_BODY_LIMIT`: streamed, in bounded pieces;
    * a multipart body whose parts hold more than `LIST_BODY_LIMIT`: encoded here and sent as
      one `string` when it is UTF-8, else streamed.

    Hooks change nothing here: the component shows them a body only up to 1 MiB (a larger
    one reaches them as ``body=None`` and is sent as it is), so no body has to be kept from
    them. A streamed body is sent once: a 307/308 redirect or a Digest challenge to it is
    returned as the response, not followed (see `Session._upload`).
    """
    if files:
        if _is_stream(data):
            return None  # `_request_options` raises requests' error for it
        parts = Parts(_multipart_parts(files, data))
        if sum(len(part[4]) for part in parts) <= _limits.LIST_BODY_LIMIT:
            return ("parts", parts, None)
        body, content_type = encode_multipart(parts)
        if _is_utf8(body):
            return ("text", body.decode("utf-8"), content_type)
        return ("stream", body, content_type)
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > _limits.LIST_BODY_LIMIT and not _is_utf8(raw):
            return ("stream", raw, None)
    return None


def _bytes_body(data: bytes) -> Variant:
    """`body.bytes`, `body.latin1` and `body.text` are sent alike (as they are, no
    Content-Type added), and a `string` is lowered in one copy but a `list<u8>` as one C value
    per byte (~0.1 s per MB, see `_witcache`), so bytes travel as a string: `text` when they
    are valid UTF-8, else `latin1` (one code point per byte)."""
    try:
        return Variant("text", data.decode("utf-8"))
    except UnicodeDecodeError:
        return Variant("latin1", data.decode("latin-1"))


# ---- streaming uploads -----------------------------------------------------------------------

#: The most bytes one `body-writer.write` call carries. A `list<u8>` is lowered as one
#: 32-byte C value per byte (about 0.1 s per MB, and 64 bytes of memory per byte while it
#: is converted: see `_witcache`), so a big chunk from the caller is cut into pieces of at
#: most this size: the time is per byte either way, but the transient memory stays bounded.
UPLOAD_CHUNK_SIZE = 64 * 1024


def _is_stream(data: Any) -> bool:
    """requests' test for a streamed body: a file-like object (`read`), or an iterable that is
    not `str`/bytes, a list, a tuple or a mapping (those are sent whole or as a form)."""
    if data is None or isinstance(data, (str, bytes, bytearray, memoryview, list, tuple,
                                         _MappingABC)):
        return False
    return hasattr(data, "read") or hasattr(data, "__iter__")


def _is_text_file(data: Any) -> bool:
    mode = getattr(data, "mode", None)
    return isinstance(data, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode)


def _stream_length(data: Any) -> Optional[int]:
    """The bytes a file-like body has left to send, when that is known (requests' `super_len`
    for files): its `len` attribute (requests-toolbelt's encoders), else `len()` of an object
    that is not an `io` file (less what `tell()` says was read), else its end found with
    `seek`/`tell` (put back after), else `os.fstat` for a regular file. `None` for iterators,
    text-mode files (their encoded size is not the size on disk), pipes and sockets, and a
    length of 0, which requests sends chunked too (a /proc file reports 0 and has content)."""
    if not hasattr(data, "read") or _is_text_file(data):
        return None
    length: Optional[int] = None
    total = getattr(data, "len", None)
    if isinstance(total, int) and not isinstance(total, bool):
        length = total
        try:
            length -= data.tell()
        except (AttributeError, OSError, ValueError):
            pass
    elif hasattr(data, "__len__") and not hasattr(data, "seekable"):
        # requests' `super_len`: `len()` is the whole size; `tell()` says how much was read
        length = len(data)
        try:
            length -= data.tell()
        except (AttributeError, OSError, ValueError):
            pass
    else:
        try:
            if data.seekable():
                position = data.tell()
                end = data.seek(0, os.SEEK_END)
                data.seek(position)
                length = end - position
        except (AttributeError, OSError, ValueError):
            length = None
        if length is None:
            try:
                st = os.fstat(data.fileno())
                if stat.S_ISREG(st.st_mode):
                    length = st.st_size
            except (AttributeError, OSError, ValueError):
                pass
    return length if length else None


def _replayable(data: Any) -> Optional[bytes]:
    """The rest of a small seekable binary file-like body, read now, so that it goes as
    `bytes` the component can send again (a 307/308 redirect, a Digest challenge, a retry),
    as requests rewinds such a body; None for any other body (it streams). Small: its size is
    known and at most `LIST_BODY_LIMIT`. Its position is left at its end, as sending it would."""
    if not hasattr(data, "read") or not hasattr(data, "seek") or _is_text_file(data):
        return None
    length = _stream_length(data)
    if length is None or length > _limits.LIST_BODY_LIMIT:
        return None
    content = data.read()
    return bytes(content) if isinstance(content, (bytes, bytearray, memoryview)) else None


def _announced_length(headers: Any) -> Tuple[Optional[List[Tuple[str, Optional[str]]]],
                                              Optional[int]]:
    """The request's header overrides without `Content-Length` and `Transfer-Encoding` (the
    component frames a streamed body itself, and the wasi:http host forbids the latter), and
    the `Content-Length` the caller gave, if any (`InvalidHeader` when it is not a number)."""
    overrides = _header_overrides(headers)
    if overrides is None:
        return None, None
    kept: List[Tuple[str, Optional[str]]] = []
    announced: Optional[int] = None
    for name, value in overrides:
        lower = name.lower()
        if lower == "content-length" and value is not None:
            text = value.strip()
            if not text.isdigit() or not text.isascii() or int(text) > _U64_MAX:
                raise InvalidHeader(f"Content-Length must be a number of bytes: {value!r}")
            announced = int(text)
        elif lower not in ("content-length", "transfer-encoding"):
            kept.append((name, value))
    return kept, announced


def _stream_chunks(data: Any) -> Iterator[bytes]:
    """The pieces of a streamed body as `bytes` of at most `UPLOAD_CHUNK_SIZE`: a file-like
    object is read `UPLOAD_CHUNK_SIZE` at a time, an iterable's chunks are taken as they come
    (cut when larger, never merged, so a slow generator's data goes out as it is made). `str`
    is sent as UTF-8, as urllib3 does; empty chunks are skipped."""
    if hasattr(data, "read"):
        source: Iterable[Any] = iter(lambda: data.read(UPLOAD_CHUNK_SIZE), b"")
    else:
        source = data
    for chunk in source:
        if not chunk:
            if hasattr(data, "read"):
                return               # "" from a text file, or None: the end
            continue
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        elif not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"a streamed request body must give bytes or str chunks, not "
                            f"{type(chunk).__name__}")
        if isinstance(chunk, bytes) and len(chunk) <= UPLOAD_CHUNK_SIZE:
            yield chunk
            continue
        view = memoryview(chunk).cast("B")
        for start in range(0, len(view), UPLOAD_CHUNK_SIZE):
            yield bytes(view[start:start + UPLOAD_CHUNK_SIZE])


# ---- request and send options ----------------------------------------------------------------

class PemData(str):
    """PEM text given in place of a file path, for `verify` and `cert`:
    ``s.verify = PemData(open("ca.pem").read())``. A plain `str` is a path, as in requests.
    The component checks that it holds a PEM block. Its repr does not show the text (a client
    certificate's key may be in it)."""

    def __repr__(self) -> str:
        return f"PemData(<{len(self)} characters>)"

    __str__ = str.__str__


#: requests' `verify`: True, False, or a CA bundle (a path, or `PemData`).
VerifyValue = Union[bool, str, PemData]
#: requests' `cert`: None, a path (or `PemData`) holding the certificate and its key, or a
#: ``(cert, key)`` pair of them.
CertValue = Union[None, str, PemData, Tuple[str, str]]


def _pem(value: Any, what: str) -> Variant:
    """A path (`str` or `os.PathLike`) or `PemData` -> the tagged WIT `pem`."""
    if isinstance(value, PemData):
        return Variant("data", str(value))
    if isinstance(value, (str, os.PathLike)):
        return Variant("path", os.fspath(value))
    raise TypeError(f"{what} must be a path or PemData, not {type(value).__name__}")


def _pem_from_wit(value: Variant) -> str:
    return PemData(value.payload) if value.tag == "data" else value.payload


def _verify(verify: Any) -> Optional[Variant]:
    """requests' ``verify=`` -> `option<verify>`: None inherits; True, False, or a CA bundle."""
    if verify is None:
        return None
    if verify is True:
        return Variant("enabled")
    if verify is False:
        return Variant("disabled")
    return Variant("ca-bundle", _pem(verify, "verify"))


def _verify_from_wit(value: Variant) -> VerifyValue:
    if value.tag == "enabled":
        return True
    if value.tag == "disabled":
        return False
    return _pem_from_wit(value.payload)


def _cert(cert: Any) -> Any:
    """requests' ``cert=`` -> `option<client-cert>`: a path (the certificate with its key) or
    a ``(cert, key)`` pair; each may be `PemData`."""
    if cert is None:
        return None
    if isinstance(cert, (tuple, list)):
        if len(cert) != 2:
            raise ValueError(f"cert must be a path or a (cert, key) pair, not {len(cert)} items")
        return rec(cert=_pem(cert[0], "cert"), key=_pem(cert[1], "cert key"))
    return rec(cert=_pem(cert, "cert"), key=None)


def _cert_from_wit(record: Any) -> CertValue:
    if record is None:
        return None
    cert = _pem_from_wit(field(record, "cert"))
    key = field(record, "key")
    return cert if key is None else (cert, _pem_from_wit(key))


def _all_none(record: Any) -> bool:
    return all(value is None for value in vars(record).values())


def _send_options(*, timeout: TimeoutArg = None, allow_redirects: Optional[bool] = None,
                  stream: Optional[bool] = None, verify: Any = None, cert: Any = None,
                  proxies: Any = None) -> Any:
    """The `send-options` record, or None when every argument is None (all inherited)."""
    options = rec(timeout=_timeout_record(timeout),
                  allow_redirects=None if allow_redirects is None else bool(allow_redirects),
                  stream=None if stream is None else bool(stream), verify=_verify(verify),
                  cert=_cert(cert), proxies=_pairs(proxies))
    return None if _all_none(options) else options


def _request_options(*, params: Any = None, data: Any = None, headers: Any = None,
                     cookies: Any = None, files: Any = None, auth: Any = None,
                     timeout: TimeoutArg = None, allow_redirects: Optional[bool] = None,
                     proxies: Any = None, stream: Optional[bool] = None,
                     verify: Any = None, cert: Any = None, json: Any = None) -> Any:
    """requests' keyword arguments (but `hooks`) -> the WIT `request-options` record, or None
    when nothing is set. As in requests, `files` makes a multipart body (with `data` as its
    fields) and wins over `json`. Its `hooks` field is left none: `with_hooks` fills it with
    the registered names."""
    if files and _is_stream(data):
        raise NotImplementedError("Streamed bodies and files are mutually exclusive.")
    body = _multipart_body(files, data) if files else _body(data, json)
    options = rec(params=_param_overrides(params), headers=_header_overrides(headers),
                  cookies=_pairs(cookies), body=body, auth=None, hooks=None,
                  send=_send_options(timeout=timeout, allow_redirects=allow_redirects,
                                     stream=stream, verify=verify, cert=cert, proxies=proxies))
    if auth is None and _all_none(options):
        return None
    options.auth = _auth_override(auth)
    return options


def with_hooks(options: Any, names: Any) -> Any:
    """`options` (a `request-options` record or None) with its `hooks` set to `names` (a
    `hook-set`, or None for none of the request's own)."""
    if names is None:
        return options
    if options is None:
        options = rec(params=None, headers=None, cookies=None, body=None,
                      auth=Variant("none"), hooks=None, send=None)
    options.hooks = names
    return options
