"""Why a test of requests' suite fails through requests_wasm: the rules RESULTS.md is grouped by.

Each rule names a category, a one-line reason, and what must be seen for it to apply: a pattern
of the failure's message (pytest's crash line, e.g. ``AttributeError: 'Request' object has no
attribute 'prepare'``), optionally of its whole traceback text, and optionally the test functions
it is about. A rule applies only while its pattern still matches, so when the wrapper changes and
a test fails further on, or for another reason, the test falls to a later rule or to
``unclassified`` (shown with its exception): rerun, read the exception, and add or fix a rule.

Categories:

* ``missing feature``: the wrapper lacks something requests has (an attribute, an argument
  form, a behaviour); the reason names it.
* ``bug``: the wrapper does something requests' behaviour and the RFCs both say is wrong.
* ``difference``: the wrapper does it differently from requests (a message's wording, a type,
  an order); not documented as deliberate, to be decided.
* ``deliberate difference``: documented as a choice (the README or a docstring says so).
* ``requests internals``: the test reads or writes private attributes of requests' objects
  (``_content``, ``_content_consumed``).
* ``host limit``: wasmtime-py / the host cannot do it.
* ``harness problem``: the harness, not the wrapper, makes it fail.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple


class Rule(NamedTuple):
    category: str
    reason: str
    message: str                      # regex searched in the crash message
    tests: Optional[Iterable[str]] = None  # test function names (without parameters)
    text: Optional[str] = None        # regex searched in the whole failure text
    outcome: Optional[str] = None     # "hung", "failed", ... (any when None)


MF, BUG, DIFF, DELIB, INTERNALS, HOST, HARNESS = (
    "missing feature", "bug", "difference", "deliberate difference", "requests internals",
    "host limit", "harness problem")

RULES = [
    # -- hangs (the test's own server waits for what requests would send) -----------------
    Rule(DIFF, "Digest `Authorization` re-sent on a same-host redirect (requests sends the "
               "redirected request without it and answers the new 401): the test's server "
               "thread fails its check and never replies, and the request has no timeout: hung",
         r"no result after", tests=["test_digestauth_401_count_reset_on_redirect"],
         outcome="hung"),

    # -- missing attributes and API -------------------------------------------------------
    Rule(MF, "`Request.prepare()` (AttributeError: 'Request' object has no attribute 'prepare')",
         r"'Request' object has no attribute 'prepare'"),
    Rule(MF, "`Session.send()` of an unprepared `Request` should raise ValueError (it raises "
             "AttributeError: 'Request' object has no attribute '_handle')",
         r"'Request' object has no attribute '_handle'"),
    Rule(MF, "`Response.raw` (AttributeError: 'Response' object has no attribute 'raw')",
         r"'Response' object has no attribute 'raw'"),
    Rule(MF, "`Session.resolve_redirects()` (SessionRedirectMixin's generator of redirect hops)",
         r"'Session' object has no attribute 'resolve_redirects'"),
    Rule(MF, "`PreparedRequest.hooks` (the merged hooks of the prepared request)",
         r"'PreparedRequest' object has no attribute 'hooks'"),
    Rule(MF, "`Response()` with no arguments (tests build responses by hand; the wrapper's "
             "`Response.__init__` requires a component handle)",
         r"Response.__init__\(\) missing 1 required positional argument"),
    Rule(MF, "`HTTPAdapter` API on `Session.get_adapter()`'s adapter (`build_response`)",
         r"'Adapter' object has no attribute 'build_response'"),
    Rule(MF, "requests' `HTTPAdapter(...)` (pool sizes, `max_retries=Retry(...)`) mounted on a "
             "session: the wrapper calls it as a Python adapter, `send(request, settings)`, and "
             "requests' adapter fails on the wrapper's AdapterRequest (no `path_url`)",
         r"'AdapterRequest' object has no attribute 'path_url'"),
    Rule(MF, "pickling `Session` / `PreparedRequest` / `Response` (ValueError: ctypes objects "
             "containing pointers cannot be pickled: wasmtime handles; saved state could carry it)",
         r"ctypes objects containing pointers cannot be pickled"),
    Rule(MF, "custom auth callables (`requests.auth.AuthBase` subclasses) as `auth` (TypeError: "
             "callable auth handlers are not supported)",
         r"callable auth handlers are not supported"),
    Rule(MF, "an `http.cookiejar.CookieJar` as `Session.cookies` / `cookies=` (TypeError: cannot "
             "unpack non-iterable Cookie object)",
         r"cannot unpack non-iterable Cookie object"),
    Rule(MF, "a session header set to `None` (requests drops it from the request; the wrapper "
             "raises InvalidHeader: Header part (None) ... must be of type str or bytes)",
         r"Header part \(None\) from"),
    Rule(MF, "keyword arguments to response hooks (requests calls `hook(r, timeout=, verify=, "
             "proxies=, stream=, cert=)`; the wrapper calls `hook(r)`: HookError ... assert {} "
             "!= {})",
         r"HookError: .*assert \{\} != \{\}"),
    Rule(MF, "`TooManyRedirects.request` (the last request sent): it is None",
         r"'NoneType' object has no attribute 'url'", text=r"TooManyRedirects"),
    Rule(MF, "urllib3 `Timeout` objects as `timeout=` (ValueError: connect timeout must be a "
             "number of seconds or None, not Timeout(...))",
         r"must be a number of seconds or None, not Timeout\("),
    Rule(MF, "bytes HTTP methods (`requests.request(b\"GET\", ...)`: TypeError: expected string "
             "type, from wasmtime lowering the method)",
         r"expected string type", tests=["test_encoded_methods"]),
    Rule(MF, "`Response.encoding = None` (back to detection; TypeError: expected string type, "
             "from wasmtime lowering None)",
         r"expected string type", tests=["test_json_decode_compatibility_for_alt_utf_encodings"]),
    Rule(MF, "`JSONDecodeError.doc`: it is '' (requests: the response text)",
         r"assert '' == ", tests=["test_json_decode_persists_doc_attr"]),
    Rule(MF, "`ChunkedEncodingError`: a chunked body cut short raises ConnectionError "
             "(IncompleteRead)",
         r"ConnectionError: Connection broken: IncompleteRead",
         tests=["test_chunked_encoding_error"]),
    Rule(MF, "Digest with `algorithm=SHA-512` (MD5 and SHA-256 work): the 401 comes back "
             "unanswered",
         r"assert 401 == 200", tests=["test_DIGEST_HTTP_200_OK_GET",
                                      "test_DIGEST_AUTH_RETURNS_COOKIE"],
         text=r"SHA-512"),
    Rule(MF, "a seekable body (`io.BytesIO`) re-sent on a 307/308 as requests does (sent once "
             "as a streaming upload, the 307 is the response)",
         r"assert 307 == 200", tests=["test_HTTP_307_ALLOW_REDIRECT_POST_WITH_SEEKABLE"]),
    Rule(MF, "`__len__` of a file-like body giving a `Content-Length` (the object with read/"
             "seek/tell/__len__ and no __iter__ goes chunked, and httpbin's server answers 501)",
         r"assert 501 == 200", tests=["test_POSTBIN_SEEKED_OBJECT_WITH_NO_ITER"]),
    Rule(MF, "the environment's CA bundle (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`) read from "
             "`os.environ` when merging settings (the session reads the environment once, when "
             "made): `merge_environment_settings()['verify']` stays True",
         r"assert True == '/", tests=["test_env_cert_bundles"]),
    Rule(MF, "`Session.get_redirect_target()` overridable in a subclass (redirects are the "
             "component's; the override is never called)",
         r"assert 1 == 2", tests=["test_custom_redirect_mixin"]),
    Rule(MF, "`InvalidProxyURL` for a malformed proxy URL (`http:/badproxyurl:3128`, "
             "`https://`): the request is sent and fails with ConnectionError instead",
         r"ConnectionError", tests=["test_proxy_error_on_bad_url"]),
    Rule(DELIB, "netrc credentials (`$NETRC`, `requests.sessions.get_netrc_auth`) are not used: "
                "the Session.auth docstring says \"netrc is not: the component gets no files "
                "from this host\"; the 401 comes back",
         r"assert 401 == 200", tests=["test_basicauth_with_netrc", "test_basicauth_with_netrc_leak"]),

    # -- differences ------------------------------------------------------------------------
    Rule(DIFF, "exception messages end with ' (URL)' (requests' message has no URL): "
               "str(e) != 'Could not find a suitable TLS CA certificate bundle, invalid path: "
               "/garbage'",
         r"Could not fi.*\(https?://", tests=["test_invalid_ca_certificate_path",
                                              "test_invalid_ssl_certificate_files"]),
    Rule(DIFF, "`Timeout.args[0]` is the message string (requests: urllib3's ReadTimeoutError, "
               "whose args[0] holds 'Read timed out')",
         r"'str' object has no attribute 'args'", tests=["test_stream_timeout"]),
    Rule(DIFF, "the ValueError for a non-number timeout says 'connect timeout must be a number of "
               "seconds or None' (requests/urllib3: '... must be an int, float or None')",
         r"must be an int, float or None", tests=["test_invalid_timeout"]),
    Rule(DIFF, "Digest `qop` sent unquoted (`qop=auth`, as RFC 7616 writes it; requests sends "
               "`qop=\"auth\"`)",
         r"'\"auth\"' in 'Digest"),
    Rule(DIFF, "bytes header values come back as str in `request.headers` (requests keeps the "
               "bytes it was given)",
         r"assert (b'fbbq' == 'fbbq'|'myheader' == b'myheader')"),
    Rule(DIFF, "a generator body is not sent/recorded with `Transfer-Encoding: chunked` in "
               "`request.headers` (requests sets it; the wrapper's prepared request has a "
               "Content-Length, or no framing header)",
         r"(KeyError: 'transfer-encoding'|'Transfer-Encoding' in)"),
    Rule(DIFF, "`Response.history` makes new Response objects on each access (requests keeps the "
               "same objects, so `r.history[1].history == r.history[:1]`)",
         r"At index 0 diff: <Response \[30\d\]> != <Response \[30\d\]>"),
    Rule(DIFF, "conflicting `Content-Length`s raise ConnectionError (urllib3's InvalidHeader "
               "message) instead of requests' `InvalidHeader`",
         r"ConnectionError: Content-Length contained multiple unmatching values"),

    # -- bugs -------------------------------------------------------------------------------
    Rule(BUG, "a non-ASCII `Location` (UTF-8 'š') is percent-encoded after being read as "
              "Latin-1 (`/%C3%85%C2%A1`, double-encoded; requests and RFC 3986: `/%C5%A1`)",
         r"expected_path|%C5%A1|startswith", tests=["test_redirect_rfc1808_to_non_ascii_location"]),
    Rule(BUG, "a cookie value in double quotes (`foo=\"bar:baz\"`) is stored escaped "
              "(`\"\\\"bar:baz\\\"\"`; requests keeps `\"bar:baz\"`)",
         r"bar:baz", tests=["test_cookie_quote_wrapped"]),

    # -- requests internals -----------------------------------------------------------------
    Rule(INTERNALS, "reads `Response._content_consumed` (and `r.raw.closed`)",
         r"has no attribute '_content_consumed'"),
    Rule(INTERNALS, "sets `Response._content = False` / `_content_consumed` and expects "
                    "`r.content` to be None",
         r"assert False is None", tests=["test_response_json_when_content_is_None"]),
]


def _function(nodeid: str) -> str:
    return nodeid.split("::")[-1].split("[", 1)[0]


def classify(test: str, rec: Dict[str, Any]) -> Tuple[str, str]:
    """(category, reason) of one failing test's record (see run.py's results)."""
    message = rec.get("message", "") or ""
    text = rec.get("text", "") or ""
    func = _function(test)
    for rule in RULES:
        if rule.tests is not None and func not in rule.tests:
            continue
        if rule.outcome is not None and rec.get("outcome") != rule.outcome:
            continue
        if not re.search(rule.message, message, re.S):
            continue
        if rule.text is not None and not re.search(rule.text, text, re.S):
            continue
        return rule.category, rule.reason
    first = message.strip().splitlines()[0] if message.strip() else rec.get("outcome", "?")
    return "unclassified", f"{rec.get('outcome')}: {first}"
