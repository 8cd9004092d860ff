"""How much one call may move across the component boundary, and why (wasmtime-py 50).

This module owns the size limits the wrapper keeps to, so that no call of its public API can
trap the instance. What was measured (wasmtime-py 50.0.1, whose engine gives every call
`Store::set_hostcall_fuel`'s default of 128 MiB, a budget wasmtime-py does not expose):

* A value *lifted* out of the guest (a function's result, or the arguments of a host function
  the guest calls: the hooks import) costs fuel. A `list<u8>` costs 48 bytes of fuel per
  element (one `Val` each), so one longer than 2,796,202 bytes (128 MiB / 48, about 2.67 MiB)
  traps: "too much data is being copied between the host and the guest: fuel allocated for
  hostcalls has been exhausted", after which every call fails with "cannot enter component
  instance". A `string` costs one byte of fuel per UTF-8 byte: it traps past 128 MiB.
  Measured: `content` of a 3 MiB body traps; `content` read through ISO-8859-1 `text` works
  at 10 MiB and traps at 90 MiB (its UTF-8 is 135 MiB); `PreparedRequest.body` traps at 10
  MiB. Before the component showed hooks at most 1 MiB of a body (`MAX_HOOK_BODY`), a
  response hook trapped on a 3 MiB body and a request hook on a 10 MiB request body.
* A value *lowered* into the guest costs no fuel (a 200 MB `string` and a 10 MiB `list<u8>`
  both go), but wasmtime-py's C API holds a `list<u8>` as one 32-byte value per byte, which
  wasmtime-py converted one at a time in Python (3 to 4 us and about 70 bytes of memory per
  byte: a 10 MiB binary body took 27-42 s). `_witcache` now copies those values in bulk (about
  0.1 us per byte into the guest, 0.05 us out of it, 64 bytes of memory per byte while it
  does: a 10 MB binary upload takes under a second), still several times what a `string`
  costs, which goes in one copy.

So the wrapper keeps to these rules:

* a response body is taken as one `string` only when it is known to be at most
  `STRING_SAFE_BODY` (its text is then at most 96 MiB of UTF-8, every byte decoding to at most
  3): from the component's `body-size` for any body it holds in memory (every body not
  streamed, compressed or chunked alike), else from `max_body_size` or a `Content-Length`;
  otherwise it is read with `read-chunk` in pieces of `READ_PIECE` (see `models.py`);
* a request body that is text (a `str`, UTF-8 `bytes`, `json=`, a form, a multipart body that
  is UTF-8) goes as one `string` whatever its size, and is replayed on a 307/308 redirect and
  a Digest challenge as requests does; so does a binary body up to `LIST_BODY_LIMIT`, as a
  Latin-1 `string` (`body.latin1`, one code point per byte: no `list<u8>` at all); a larger
  binary body is sent as a streaming upload (sent once: see `sessions.py`), handed whole to a
  Python adapter (`body-writer.host-upload`) or else written in Latin-1 pieces of
  `UPLOAD_CHUNK_SIZE` (`write-latin1`);
* a streamed response body crosses in Latin-1 pieces too (`read-chunk-latin1`), and one a
  Python adapter keeps (over 64 KiB, nothing to decode: `keeps-rest`) does not cross at all:
  the wrapper reads it from the adapter (`take-host-body`, see `models.py`);
* nothing is needed for hooks: the component shows them a body only up to `HOOK_BODY_LIMIT`
  (a larger one reaches them as None and is kept), so a body of any size goes with hooks set,
  and a body a hook gives, however large, only goes into the guest (see `hooks.py`);
* nor for Python adapters: their bodies cross the `host-adapters` import as Latin-1 strings in
  pieces of at most what the component asks for (1 MiB, its `host_adapter::PIECE`), both ways
  (see `_host_adapters.py`).
"""

from __future__ import annotations

__all__ = ["HOSTCALL_FUEL", "LIST_ELEMENT_FUEL", "READ_PIECE", "STRING_SAFE_BODY",
           "LIST_BODY_LIMIT", "HOOK_BODY_LIMIT"]

#: wasmtime's per-call budget for what the host lifts out of the guest (`hostcall_fuel`).
HOSTCALL_FUEL = 128 << 20
#: The fuel one `list<u8>` element costs (`size_of::<wasmtime::component::Val>()`).
LIST_ELEMENT_FUEL = 48
#: The most bytes one `read-chunk` asks for: 48 MiB of fuel, well inside the budget. (The
#: component also returns at most 1 MiB from one call, streamed or not, whatever it is asked.)
READ_PIECE = 1 << 20
#: The largest body taken out of the component as one `string` (`text`, `json`, `read-line`,
#: and `content` through ISO-8859-1): 3 UTF-8 bytes per byte at most is 96 MiB < 128 MiB.
STRING_SAFE_BODY = 32 << 20
#: The largest binary body (or multipart body that is not UTF-8) sent whole, as one Latin-1
#: `string` (and so replayed on a 307/308 or a Digest challenge); larger ones go as a streaming
#: upload, straight to a Python adapter or in bounded pieces to any other. (The name is from
#: when such bodies crossed as a `list<u8>`.)
LIST_BODY_LIMIT = 1 << 20
#: The largest body hooks are shown, request or response: the component's `MAX_HOOK_BODY`
#: (src/hooks.rs), not a setting (changing it here changes nothing). A larger body reaches
#: them as None and stays unless a hook gives one. `on-response` lifts the request's body and
#: the response's in one call: 2 x 48 MiB of fuel plus the headers stays inside the budget.
HOOK_BODY_LIMIT = 1 << 20
