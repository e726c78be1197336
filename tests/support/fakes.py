"""Fake servers for tests/properties/test_properties.py: httpx.MockTransport handlers that speak an
operation's ``x-pagination`` protocol, with faults injected on demand."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from generator.errors import parse_pointer

BASE_URL = "https://api.example.test"

# A fault: ("status", code, retry_after | None), ("connect",), ("timeout",),
# ("truncated", fraction), ("not-json",), ("wrong-type",). None means "answer normally".
Fault = tuple[Any, ...] | None
RETRYABLE = {"status", "connect", "timeout"}


def set_pointer(document: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = parse_pointer(pointer)
    node = document
    for token in tokens[:-1]:
        if not isinstance(node.get(token), dict):
            node[token] = {}
        node = node[token]
    node[tokens[-1]] = value


def drop_pointer(document: dict[str, Any], pointer: str) -> None:
    tokens = parse_pointer(pointer)
    node: Any = document
    for token in tokens[:-1]:
        node = node.get(token) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(tokens[-1], None)


def json_response(status: int, body: Any, media_type: str = "application/json") -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": media_type}
    )


@dataclass
class FaultyServer:
    """Answers with ``serve`` unless the next queued fault says otherwise."""

    serve: Callable[[httpx.Request], httpx.Response]
    faults: list[Fault] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault is None:
            return self.serve(request)
        kind = fault[0]
        if kind == "status":
            headers = {"content-type": "application/json"}
            if fault[2] is not None:
                headers["retry-after"] = fault[2]
            return httpx.Response(fault[1], content=b"{}", headers=headers)
        if kind == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        if kind == "timeout":
            raise httpx.ReadTimeout("read timed out", request=request)
        good = self.serve(request)
        if kind == "truncated":
            cut = min(int(len(good.content) * fault[1]), len(good.content) - 1)
            return httpx.Response(200, content=good.content[:cut], headers=good.headers)
        if kind == "not-json":
            return httpx.Response(
                200, content=b"<html>busy</html>", headers={"content-type": "application/json"}
            )
        assert kind == "wrong-type", fault
        return httpx.Response(200, content=good.content, headers={"content-type": "text/html"})


@dataclass
class PagedServer:
    """A stateless server for one paginated operation: the request's position picks the page.

    ``pages`` are the item lists (raw JSON) in order; ``skeleton`` a valid success body whose
    items, total, next-position and has-more members are overwritten per page. Positions are
    opaque tokens ``<prefix>~<page index>`` (offsets for the offset style).
    """

    pagination: dict[str, Any]  # the raw x-pagination object
    pages: list[list[Any]]
    skeleton: dict[str, Any]
    prefix: str
    path: str
    media_type: str = "application/json"
    check_body: Callable[[Any], None] = lambda body: None

    @property
    def items(self) -> list[Any]:
        return [item for page in self.pages for item in page]

    @property
    def starts(self) -> list[int]:
        starts, total = [], 0
        for page in self.pages:
            starts.append(total)
            total += len(page)
        return starts

    def token(self, index: int) -> str:
        return f"{self.prefix}~{index}"

    def index(self, token: str | None) -> int:
        if token is None:
            return 0
        index = int(token.rsplit("~", 1)[1])
        assert token == self.token(index), f"position {token!r} was never handed out"
        return index

    def __call__(self, request: httpx.Request) -> httpx.Response:
        p = self.pagination
        body = copy.deepcopy(self.skeleton)
        style = p["style"]
        if style == "offset":
            offset = int(request.url.params.get(p["offsetParam"], "0"))
            later = [s for s in self.starts if s > offset]
            end = later[0] if later else len(self.items)
            page = self.items[offset:end]
            set_pointer(body, p["total"], len(self.items))
        else:
            if style == "cursor":
                sent = json.loads(request.content) if request.content else {}
                index = self.index(sent.get(p["cursorField"]) if isinstance(sent, dict) else None)
            else:
                name = p["watermarkParam"] if style == "watermark" else p["startParam"]
                index = self.index(request.url.params.get(name))
            page = self.pages[index] if index < len(self.pages) else []
            more = index + 1 < len(self.pages)
            if style == "page":
                if more:
                    start = quote(self.token(index + 1), safe="")
                    url = f"{BASE_URL}{self.path}?{p['startParam']}={start}"
                    set_pointer(body, p["nextPage"], url)
                else:
                    drop_pointer(body, p["nextPage"])
            else:
                following = self.token(min(index + 1, len(self.pages)))
                set_pointer(
                    body, p["nextCursor" if style == "cursor" else "nextWatermark"], following
                )
                set_pointer(body, p["hasMore"], more)
        set_pointer(body, p["items"], page)
        self.check_body(body)
        return json_response(200, body, self.media_type)


def expected_outcome(
    faults: list[Fault], requests_needed: int, max_retries: int
) -> tuple[int, str | None, list[Fault]]:
    """(requests answered, error kind or None, faults retried): what the client must do with
    ``faults`` queued in front of ``requests_needed`` good answers, retrying each request at
    most ``max_retries`` times."""
    queue = list(faults)
    retried: list[Fault] = []
    for served in range(requests_needed):
        attempt = 0
        while True:
            fault = queue.pop(0) if queue else None
            if fault is None:
                break
            if fault[0] in RETRYABLE and attempt < max_retries:
                attempt += 1
                retried.append(fault)
                continue
            kind = fault[0] if fault[0] in RETRYABLE else "bad-body"
            if kind == "status":
                kind = "429" if fault[1] == 429 else "5xx"
            return served, kind, retried
    return requests_needed, None, retried


@dataclass
class LoopingServer:
    """A paged server that goes wrong from page ``at`` on, the ways that made pagers loop:

    - ``repeat``: page ``at`` hands out the position of page ``back_to`` (at most ``at``) as the
      next one, so the walk would go round; for the offset style the server ignores the offset
      from page ``at`` on and sends that page again and again, without a total;
    - ``empty``: empty pages with fresh positions that keep saying more follow, forever.

    Pages before ``at`` come from ``good`` unchanged.
    """

    good: PagedServer
    at: int
    fault: str
    back_to: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        p = self.good.pagination
        if p["style"] == "offset":
            return self._offset(request)
        index = self._index(request)
        if index < self.at:
            return self.good(request)
        body = copy.deepcopy(self.good.skeleton)
        if self.fault == "repeat":
            page = self.good.pages[index] if index < len(self.good.pages) else []
            following = self.back_to
        else:
            page, following = [], index + 1
        token = self.good.token(following)
        if p["style"] == "page":
            start = quote(token, safe="")
            set_pointer(
                body, p["nextPage"], f"{BASE_URL}{self.good.path}?{p['startParam']}={start}"
            )
        else:
            set_pointer(body, p["nextCursor" if p["style"] == "cursor" else "nextWatermark"], token)
            set_pointer(body, p["hasMore"], True)
        set_pointer(body, p["items"], page)
        self.good.check_body(body)
        return json_response(200, body, self.good.media_type)

    def _index(self, request: httpx.Request) -> int:
        p = self.good.pagination
        if p["style"] == "cursor":
            sent = json.loads(request.content) if request.content else {}
            return self.good.index(sent.get(p["cursorField"]) if isinstance(sent, dict) else None)
        name = p["watermarkParam"] if p["style"] == "watermark" else p["startParam"]
        return self.good.index(request.url.params.get(name))

    def _offset(self, request: httpx.Request) -> httpx.Response:
        p = self.good.pagination
        offset = int(request.url.params.get(p["offsetParam"], "0"))
        if offset < self.good.starts[self.at]:
            return self.good(request)
        body = copy.deepcopy(self.good.skeleton)
        drop_pointer(body, p["total"])  # no total: only the pages can show the walk is stuck
        set_pointer(body, p["items"], self.good.pages[self.at])
        self.good.check_body(body)
        return json_response(200, body, self.good.media_type)
