"""Debug logging of every request and response, on ``logging.getLogger("<package>")``.

One line per attempt before it is sent (method, URL, retry number) and one when it ends (the
status, or the transport error, and the time it took). Headers and bodies are never logged, and
the values of query parameters named like credentials (``api_key``, ``access_token``,
``signature``...) are replaced by ``[redacted]``, and any user info in the URL by ``redacted``.

Setting ``<PACKAGE>_LOG=debug`` (or ``info``) in the environment turns the logger on without
code: it gets a handler writing to stderr at that level.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from ._deferred import deferred

if TYPE_CHECKING:
    import httpx
else:
    httpx = deferred("httpx", globals())

__all__ = ["LOG_ENV", "logger"]

PACKAGE = __name__.rpartition(".")[0] or __name__
logger = logging.getLogger(PACKAGE)
LOG_ENV = f"{PACKAGE.upper()}_LOG"
REDACTED = "[redacted]"

# Query parameters whose values are secrets: a name with one of these words (``api_key``,
# ``X-Amz-Signature``, ``sessionId``, ``apikey``) or a word ending in token or secret
# (``accessToken``, ``clientsecret``). ``keyword`` or ``monkey_count`` are not secrets.
_SECRET_WORDS = frozenset(
    {"accesskey", "apikey", "auth", "authorization", "code", "credential", "credentials", "jwt",
     "key", "pass", "passwd", "password", "privatekey", "pwd", "secretkey", "session", "sid",
     "sig", "signature"}
)  # fmt: skip
_SECRET_ENDINGS = ("token", "secret")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _secret(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name)]
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


def setup_from_environment(environ: Mapping[str, str] | None = None) -> None:
    """Turn the logger on when ``<PACKAGE>_LOG`` asks for ``debug`` or ``info``."""
    level = (os.environ if environ is None else environ).get(LOG_ENV, "").strip().lower()
    if level not in ("debug", "info"):
        return
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    if not any(getattr(h, "_specgen", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handler._specgen = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def safe_url(url: httpx.URL) -> str:
    """``url`` fit for a log: credential-like query values and user info redacted."""
    if url.userinfo:
        url = url.copy_with(username="redacted", password=None)
    query = url.query.decode("ascii", "replace")
    if not query:
        return str(url)
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_secret(name) for name, _ in pairs):
        clean = [(n, REDACTED if _secret(n) else v) for n, v in pairs]
        url = url.copy_with(query=urlencode(clean, safe="[]").encode())
    return str(url)


def log_request(request: httpx.Request, retry: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("request: %s %s (retry %d)", request.method, safe_url(request.url), retry)


def log_outcome(
    request: httpx.Request, outcome: httpx.Response | Exception, elapsed: float, retry: int
) -> None:
    """The end of one attempt: its status or error, and how long it took."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    if isinstance(outcome, httpx.Response):
        status = f"{outcome.status_code} {outcome.reason_phrase}".rstrip()
    else:
        status = f"no response ({type(outcome).__name__})"
    logger.debug(
        "response: %s %s: %s in %.0f ms (retry %d)",
        request.method,
        safe_url(request.url),
        status,
        elapsed * 1000,
        retry,
    )


setup_from_environment()
