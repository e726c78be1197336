"""Fetch a document over http(s) within a size cap and an overall deadline.

A spec URL is untrusted: the server may announce or send gigabytes, or trickle bytes slowly
enough that no single read ever times out. ``fetch_url`` streams the answer, refuses it past
``MAX_BYTES`` (announced or actually received, after any content decoding) and gives up when the
whole exchange (connecting, redirects, every read) takes longer than ``DEADLINE_SECONDS``.
There is one attempt per call, never a retry: a failing server is asked once.

Headers given to the fetch (credentials for a private spec) go to the URL's origin only: a
redirect to another origin is refused rather than followed with them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from generator.errors import SpecgenError

MAX_BYTES = 50 * 1024 * 1024
"""Largest answer accepted (50 MiB), counted after content decoding (gzip cannot sneak past)."""

DEADLINE_SECONDS = 60.0
"""Longest a whole fetch may take, redirects and every read included."""


MAX_REDIRECTS = 5
"""Redirects followed before giving up."""


def fetch_url(url: str, headers: Mapping[str, str] | None = None) -> str:
    """The text of ``url`` (UTF-8 unless the answer names another charset)."""
    return asyncio.run(fetch_url_async(url, headers))


async def fetch_url_async(url: str, headers: Mapping[str, str] | None = None) -> str:
    """``fetch_url`` for callers already in an event loop (e.g. to fetch several at once)."""
    max_bytes, deadline = MAX_BYTES, DEADLINE_SECONDS  # read now, so tests can lower them
    try:
        async with asyncio.timeout(deadline):
            body, charset = await _download(url, dict(headers or {}), max_bytes, deadline)
    except TimeoutError:
        raise _failure(url, f"no complete answer within {deadline:g} s (the limit)") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        # httpx adds a second line (a link explaining status codes): keep the error one line.
        raise _failure(url, (str(exc) or type(exc).__name__).splitlines()[0]) from None
    try:
        text = body.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise _failure(url, f"the answer is not text in {charset or 'utf-8'}: {exc}") from None
    # A byte-order mark some servers put first is not part of the document (JSON forbids it).
    return text.removeprefix("\ufeff")


async def _download(
    url: str, headers: dict[str, str], max_bytes: int, deadline: float
) -> tuple[bytes, str | None]:
    too_large = f"the answer is larger than {_size(max_bytes)} (the limit)"
    origin = httpx.URL(url)

    async def same_origin_only(request: httpx.Request) -> None:
        target = request.url
        if (target.scheme, target.host, target.port) != (origin.scheme, origin.host, origin.port):
            # netloc: with the port, which may be all that differs (never the userinfo).
            where = f"{target.scheme}://{target.netloc.decode('ascii')}"
            raise _failure(
                url, f"redirected to another origin ({where}), "
                "which is not sent the configured headers: give the final URL instead",
            )  # fmt: skip

    hooks = {"request": [same_origin_only]} if headers else {}
    async with (
        httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            timeout=deadline,
            headers=headers,
            event_hooks=hooks,
        ) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        announced = response.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > max_bytes:
            raise _failure(url, too_large)
        chunks, received = [], 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise _failure(url, too_large)
            chunks.append(chunk)
        return b"".join(chunks), response.charset_encoding


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:g} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def _failure(url: str, reason: str) -> SpecgenError:
    return SpecgenError(f"{url}: cannot fetch: {reason}")
