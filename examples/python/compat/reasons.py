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
    Rule(DIFF, "Digest `Authorization` re-sent on a same-host redirect (the component reuses "
               "the nonce, as RFC 7616 §3.3 allows; requests sends the redirected request "
               "without it and answers the new 401): the test's server thread fails its check "
               "and never replies, and the request has no timeout: hung",
         r"no result after", tests=["test_digestauth_401_count_reset_on_redirect"],
         outcome="hung"),
    Rule(DIFF, "a Digest 401 is in the final response's `history` (the component lists every "
               "response before the last, flat: 401, 302, 401); requests keeps one out of the "
               "top level (in the history of the response that answered it), so its "
               "`history[0]` is the 302. The exchange itself is requests' (no `Authorization` "
               "on the redirect, the new 401 answered, 200)",
         r"assert 401 == 302", tests=["test_digestauth_401_count_reset_on_redirect"],
         outcome="failed"),

    # -- missing features -------------------------------------------------------------------
    Rule(MF, "`TooManyRedirects.request`: the component's `too-many-redirects` error carries "
             "response heads only (WIT `error.response` and `error.history`: status, reason, "
             "URL, headers), no request, so `e.request` is None (`e.response.history` is there)",
         r"'NoneType' object has no attribute 'url'", text=r"TooManyRedirects"),

    # -- deliberate differences -------------------------------------------------------------
    Rule(DELIB, "Digest `qop` sent unquoted (`qop=auth`), as RFC 7616 §3.4 requires "
                "(\"algorithm, qop and nc MUST NOT be quoted\"; `src/digest.rs`); requests "
                "sends `qop=\"auth\"`",
         r"'\"auth\"' in 'Digest"),
    Rule(DELIB, "the session's transport is this package's `Urllib3Adapter`, not requests' "
                "`HTTPAdapter`: `get_adapter()` gives an `Adapter`, which has no "
                "`build_response` for the test to patch (requests' own `HTTPAdapter` can be "
                "mounted: `RequestsAdapter`)",
         r"'Adapter' object has no attribute 'build_response'"),

    # -- differences ------------------------------------------------------------------------
    Rule(DIFF, "exception messages end with ' (URL)' (the component's messages are final and "
               "name the URL; requests' message has none): str(e) != 'Could not find a "
               "suitable TLS CA certificate bundle, invalid path: /garbage'",
         r"Could not fi.*\(https?://", tests=["test_invalid_ca_certificate_path",
                                              "test_invalid_ssl_certificate_files"]),
    Rule(DIFF, "a cookie value with backslash-escaped quotes inside its quotes "
               "(`foo=\"\\\"bar:baz\\\"\"`, as werkzeug writes `\"bar:baz\"`) is kept as "
               "sent by the component's jar (RFC 6265 has no escapes); requests' jar strips the "
               "`\\\"` (`\"bar:baz\"`)",
         r"bar:baz", tests=["test_cookie_quote_wrapped"]),

    # -- requests internals -----------------------------------------------------------------
    Rule(INTERNALS, "replaces `requests.sessions.get_netrc_auth` (a function of requests' "
                    "module): the wrapper reads netrc with its own lookup (`Session._netrc_auth`, "
                    "which test_basicauth_with_netrc_leak exercises with a real `$NETRC`), so "
                    "the mock is never called and the 401 comes back",
         r"assert 401 == 200", tests=["test_basicauth_with_netrc"]),
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
