"""Iterating across pages, for the six pagination styles of ``x-pagination``.

``PageWalk`` holds the I/O-free logic: from one page's raw body it finds the items, the position
to resume from and the arguments of the next request. The pagers only fetch.

A polling job keeps ``position`` (an offset, cursor, watermark, start, page number or next-page
URL) and passes it back the next time (as the offset/watermark/start/page argument, or as
``body={"cursor": position}``, or to ``resume(position)`` of a new pager, which puts it in the
right place) to continue exactly where it stopped.

The ``link`` style follows the ``rel="next"`` link of each response's ``Link`` header (RFC 8288)
as given, but only to the origin (scheme, host and port) of the client's ``base_url``: a link
to anywhere else ends the walk with ``errors.PaginationError`` instead of sending the client's
credentials there.

A server that makes a walk go round in circles ends it with ``errors.PaginationError`` instead
of an endless loop: when it hands out a position the walk already requested (a repeated cursor,
watermark or next-page start; for offsets without a total, the same page again), or after
``MAX_EMPTY_PAGES`` empty pages in a row that still say more follow. The items of the page that
gave it away are handed out first; the error comes instead of the next request.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from ._base import UNDECODED, CallOptions, Raw
from ._deferred import deferred
from ._lenient import lenient
from .errors import PaginationError, ResponseValidationError

if TYPE_CHECKING:
    import httpx
    import pydantic
    import typing_extensions

    from . import _logging, _spec
    from ._client_base import AsyncAPIClient, SyncAPIClient
    from ._spec import OperationSpec, PaginationSpec
else:
    _logging = deferred("._logging", globals())
    _spec = deferred("._spec", globals())
    httpx = deferred("httpx", globals())
    pydantic = deferred("pydantic", globals())
    typing_extensions = deferred("typing_extensions", globals())

ItemT = TypeVar("ItemT")

__all__ = ["MAX_EMPTY_PAGES", "AsyncPager", "Page", "SyncPager"]

# Empty pages in a row that still say more follow, after which a walk gives up.
MAX_EMPTY_PAGES = 10


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One fetched page: its items, the position after it, whether more may follow, the parsed
    body (``result``) and the HTTP response it came in (``response``: status, headers)."""

    items: list[ItemT]
    position: Any
    has_next: bool
    result: Any
    response: httpx.Response


def _pointer(data: Any, pointer: str | None) -> Any:
    if pointer is None:
        return None
    if pointer == "":
        return data  # the whole body (a page that is just the array of items)
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(data, Mapping):
            data = data.get(token)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return None
    return data


@functools.cache
def _picker(pointers: tuple[str, ...]) -> pydantic.TypeAdapter[Any] | None:
    """An adapter that reads from a JSON body only the members at ``pointers``, as the JSON data
    they hold, skipping the rest; ``None`` when a pointer goes through an array index or lies
    inside another (those are read from the decoded body)."""
    tree: dict[str, Any] = {}
    for pointer in pointers:
        if not pointer:
            return None  # the whole body: nothing to skip
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
        node = tree
        for depth, token in enumerate(tokens):
            if token.isdigit():
                return None
            leaf = depth == len(tokens) - 1
            known = node.get(token)
            if known is not None and (leaf or known is Any):
                return None  # one pointer inside another
            node = node.setdefault(token, Any if leaf else {})
    if not tree:
        return None
    return pydantic.TypeAdapter(_members(tree))


def _members(tree: dict[str, Any]) -> Any:
    """A ``TypedDict`` of the members in ``tree``, each optional, like the body's objects."""
    fields = {name: Any if sub is Any else _members(sub) for name, sub in tree.items()}
    return typing_extensions.TypedDict("Members", fields, total=False)  # type: ignore[operator]


def _typed_items(result: Any, pointer: str) -> list[Any] | None:
    """The already-parsed items at ``pointer`` (JSON names) inside the page's model."""
    node = result
    for token in pointer[1:].split("/") if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, pydantic.BaseModel):
            fields = type(node).model_fields
            name = next((n for n, f in fields.items() if (f.alias or n) == token), None)
            if name is None:
                return None
            node = getattr(node, name)
        elif isinstance(node, Mapping):
            node = node.get(token)
        else:
            return None
    if node is None:
        return []
    return node if isinstance(node, list) else None


def _with_positions(page: Page[ItemT], before: Any) -> Iterator[tuple[ItemT, Any]]:
    """Each item with the position to expose while it is handed out: the page's own start,
    except for its last item, which moves the position past the page."""
    last = len(page.items) - 1
    for index, item in enumerate(page.items):
        yield item, page.position if index == last else before


# RFC 8288 ``Link`` values: ``<URL>`` then ``; name=value`` parameters (a token or a quoted
# string with backslash escapes), links separated by commas.
_LINK_TARGET = re.compile(r"[\s,]*<([^<>]*)>")
_LINK_PARAM = re.compile(
    r'\s*;\s*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]*)))?'
)
_LINK_END = re.compile(r"\s*(?:,|$)")


def parse_links(value: str) -> tuple[list[tuple[str, dict[str, str]]], bool]:
    """The links of a ``Link`` header value (each its URL as written and its parameters, names
    lowercased) and whether the value was well-formed: parsing stops at the first piece that
    is not a link, keeping those before it.

    Not httpx's ``Response.links``: that keys links by their whole ``rel`` (``rel="next last"``
    is neither) and splits a quoted parameter holding a comma or a semicolon.
    """
    links: list[tuple[str, dict[str, str]]] = []
    at = 0
    while value[at:].strip(" \t,"):
        target = _LINK_TARGET.match(value, at)
        if target is None:
            return links, False
        at = target.end()
        params: dict[str, str] = {}
        while (param := _LINK_PARAM.match(value, at)) is not None:
            quoted, token = param.group(2), param.group(3)
            text = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token or ""
            params.setdefault(param.group(1).lower(), text)  # RFC 8288: the first one counts
            at = param.end()
        end = _LINK_END.match(value, at)
        if end is None:
            return links, False
        at = end.end()
        links.append((target.group(1).strip(), params))
    return links, True


def next_link(response: httpx.Response) -> tuple[str | None, bool]:
    """The ``rel="next"`` URL of the response's ``Link`` headers, as written (the first one if
    several; ``rel`` may hold several relation types), and whether the headers were
    well-formed."""
    links, clean = parse_links(", ".join(response.headers.get_list("link")))
    for url, params in links:
        if "next" in params.get("rel", "").lower().split():
            return url, clean
    return None, clean


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def same_origin(url: httpx.URL, base: httpx.URL) -> bool:
    """Whether ``url`` may receive the requests meant for ``base``: the same scheme, host and
    port, and no user information of its own."""
    return _origin(url) == _origin(base) and not url.userinfo


class PageWalk:
    """The state of a walk through the pages of one operation."""

    def __init__(
        self, op: OperationSpec[Any], args: Mapping[str, Any], body: Any, strict: bool = True
    ) -> None:
        if op.pagination is None:
            raise TypeError(f"{op.operation_id} is not paginated")
        self.op = op
        self.spec: PaginationSpec = op.pagination
        self.args = dict(args)
        self._start_at_zero()
        self.body = body
        self.strict = strict  # the client's ``strict_responses``
        self.done = False
        self.position: Any = self._initial_position()
        self.pages = 0
        self._requested = {_key(self.position)} if self.position is not None else set()
        self._empty_run = 0
        self._last_page: str | None = None  # offset style without a total: the previous page
        self._stuck: PaginationError | None = None
        self._seen = 0  # page-number style: the items received, for a total count
        self.next_url: str | None = None  # link style: the next page's URL, once known

    def more(self) -> bool:
        """Whether to fetch another page; raises the ``PaginationError`` of a walk that would
        repeat itself."""
        if self._stuck is not None:
            raise self._stuck
        return not self.done

    def resume(self, position: Any, base_url: str = "") -> None:
        """Start from ``position``, one a pager exposed before (a saved ``position``), instead
        of where the arguments point: the next request is the one that would have followed.

        Link style: ``position`` is a URL, which must share ``base_url``'s origin."""
        if self.pages:
            raise RuntimeError("a walk can only resume before its first page")
        if position is None:
            return
        if self.spec.style == "cursor":
            self.body = {self.spec.cursor_field: position}
        elif self.spec.style == "link":
            if not isinstance(position, str) or not same_origin(
                httpx.URL(position), httpx.URL(base_url)
            ):
                raise ValueError(
                    f"{self.op.operation_id}: can only resume from a URL on {base_url}"
                )
            self.next_url = position
        else:
            self.args[self.spec.position_param or ""] = position
        self.position = position
        self._requested = {_key(position)}

    def _lenient_items(self, raw: Raw, exc: pydantic.ValidationError) -> list[Any]:
        """``strict_responses=False``: the items read one by one, those that do not fit kept
        as sent, and a warning logged."""
        _logging.logger.warning(
            "%s: page items do not match the spec, read leniently: %s",
            self.op.operation_id,
            exc.errors()[0]["msg"],
        )
        data = _pointer(raw.data, self.spec.items) or []
        item = _spec.resolved(self.spec.item_type)
        return [lenient(item, value) for value in data] if isinstance(data, list) else []

    def _start_at_zero(self) -> None:
        """The pager owns the position: a required offset left out starts the walk at 0; a
        page number left out starts at the first page (sent, so the walk knows where it is)."""
        name = self.spec.position_param
        if not name or self.args.get(name) is not None:
            return
        if self.spec.style == "pageNumber":
            self.args[name] = self.spec.first_page
        elif self.spec.style == "offset" and any(
            p.python_name == name and p.required for p in self.op.params
        ):
            self.args[name] = 0

    def _initial_position(self) -> Any:
        if self.spec.style == "cursor":
            body = (
                self.body.model_dump(by_alias=True)
                if isinstance(self.body, pydantic.BaseModel)
                else self.body
            )
            return body.get(self.spec.cursor_field or "") if isinstance(body, Mapping) else None
        if self.spec.style == "link":
            return None  # the arguments give the first page; later ones come from its links
        return self.args.get(self.spec.position_param or "")

    def advance(self, raw: Raw) -> Page[Any]:
        """Read one page and prepare the next request (or finish)."""
        spec = self.spec
        items = _typed_items(raw.result, spec.items)
        try:
            if items is None:  # the page's own model does not hold them: read the raw list
                items = spec.item_adapter.validate_python(
                    _pointer(raw.data, spec.items) or [], by_alias=True, by_name=False
                )
        except pydantic.ValidationError as exc:
            if not self.strict:
                items = self._lenient_items(raw, exc)
            else:
                raise ResponseValidationError(
                    f"{self.op.operation_id}: page items do not match the spec: "
                    f"{exc.errors()[0]['msg']}",
                    response=raw.response,
                    body=raw.data,
                ) from exc
        except RecursionError:
            raise ResponseValidationError(
                f"{self.op.operation_id}: page items are nested too deeply to read",
                response=raw.response,
                body=raw.response.text,
            ) from None
        self.pages += 1
        if spec.style == "offset":
            self._advance_offset(raw, len(items))
        elif spec.style == "page":
            self._advance_page(self._members(raw))
        elif spec.style == "pageNumber":
            self._advance_page_number(raw, len(items))
        elif spec.style == "link":
            self._advance_link(raw)
        else:
            self._advance_token(self._members(raw))
        if not self.done:
            self._check_progress(raw, len(items))
        return Page(
            items=items,
            position=self.position,
            has_next=not self.done,
            result=raw.result,
            response=raw.response,
        )

    def _members(self, raw: Raw) -> Any:
        """The page's body as far as the walk's pointers (total, next position, has more) go.

        Read from the bytes for just those members when the body was not decoded (the page's
        model was validated from the bytes): the items, most of the page, are not read twice.
        """
        spec = self.spec
        pointers = (spec.total, spec.next_position, spec.has_more, spec.total_pages)
        picker = _picker(tuple(p for p in pointers if p is not None))
        if picker is None or raw.body is not UNDECODED or "data" in raw.__dict__:
            return raw.data
        try:
            return picker.validate_json(raw.response.content)
        except pydantic.ValidationError:  # a member on the way is not an object: read it all
            return raw.data

    def _advance_offset(self, raw: Raw, count: int) -> None:
        offset = int(self.args.get(self.spec.position_param or "") or 0) + count
        total = _pointer(self._members(raw), self.spec.total)
        self.position = offset
        self.args[self.spec.position_param or ""] = offset
        self.done = count == 0 or (isinstance(total, int) and offset >= total)
        if not self.done and not isinstance(total, int):
            # Without a total only the server's pages tell that it moves on: the same page
            # twice in a row means it ignores the offset and the walk would never end.
            page = _key(_pointer(raw.data, self.spec.items))
            if page == self._last_page:
                self._fail(raw, "the server sent the same page again (it ignores the offset)")
            self._last_page = page

    def _advance_page(self, data: Any) -> None:
        next_url = _pointer(data, self.spec.next_position)
        wire = next(p.name for p in self.op.params if p.python_name == self.spec.position_param)
        start = (
            parse_qs(urlsplit(next_url).query).get(wire, [None])[0]
            if isinstance(next_url, str)
            else None
        )
        if start is None:
            self.done = True
            return
        self.position = start
        self.args[self.spec.position_param or ""] = start

    def _advance_page_number(self, raw: Raw, count: int) -> None:
        """The next page is the one after; the walk ends on an empty page, a short one (fewer
        items than the page size asked for), or at the total pages or items the body gives."""
        spec = self.spec
        name = spec.position_param or ""
        page = self.args.get(name)
        page = spec.first_page if page is None else int(page)
        self._seen += count
        self.position = self.args[name] = page + 1
        size = self._page_size()
        data = self._members(raw)
        total_pages, total = _pointer(data, spec.total_pages), _pointer(data, spec.total)
        if count == 0 or (size is not None and count < size):
            self.done = True
        elif _is_count(total_pages):
            self.done = page + 1 >= spec.first_page + total_pages
        elif _is_count(total):
            # With the page size asked for, the pages up to this one hold that many items
            # (this page was full); without it, count what this walk received.
            received = size * (page + 1 - spec.first_page) if size else self._seen
            self.done = received >= total
        else:
            # Only the pages tell that the server moves on: the same page twice in a row
            # means it ignores the page number and the walk would never end.
            items = _key(_pointer(raw.data, spec.items))
            if items == self._last_page:
                self._fail(raw, "the server sent the same page again (it ignores the page number)")
            self._last_page = items

    def _page_size(self) -> int | None:
        """The page size the call asked for, as its parameter reads it (the command line
        passes text), when it is a count."""
        name = self.spec.limit_param
        value = self.args.get(name or "")
        param = next((p for p in self.op.params if p.python_name == name), None)
        if value is None or param is None:
            return None
        try:
            value = param.adapter.validate_python(value)
        except pydantic.ValidationError:
            return None  # the request was refused before sending: not reached
        return value if _is_count(value) else None

    def _advance_link(self, raw: Raw) -> None:
        """Follow the ``rel="next"`` link (relative to the page's URL), same origin only."""
        self._requested.add(_key(str(raw.response.request.url)))
        link, clean = next_link(raw.response)
        if link is None:
            self.done = True
            if not clean:
                self._fail(
                    raw, "its Link header is malformed", "the walk cannot tell if more follow"
                )
            return
        try:
            target = raw.response.request.url.join(link)
        except httpx.InvalidURL:
            self._fail(raw, "its next link is not a URL", "it is not followed")
            return
        if not same_origin(target, raw.response.request.url):
            where = f"{target.scheme}://{target.host}"
            self._fail(
                raw,
                f"its next link points to another origin ({where})",
                "it is not followed, so the client's credentials are not sent there",
            )
            return
        self.position = self.next_url = str(target)

    def _advance_token(self, data: Any) -> None:
        token = _pointer(data, self.spec.next_position)
        has_more = _pointer(data, self.spec.has_more)
        if token is not None:
            self.position = token
        if token is None or has_more is not True:
            self.done = True
            return
        if self.spec.style == "cursor":
            self.body = {self.spec.cursor_field: token}
        else:
            self.args[self.spec.position_param or ""] = token

    def _check_progress(self, raw: Raw, count: int) -> None:
        """Before the next request: its position must be new, and empty pages must not go on."""
        if self._stuck is not None:
            return
        if self.spec.style not in ("offset", "pageNumber"):  # those always move on
            key = _key(self.position)
            if key in self._requested:
                self._fail(raw, "the server handed out a position this walk already requested")
                return
            self._requested.add(key)
        self._empty_run = self._empty_run + 1 if count == 0 else 0
        if self._empty_run >= MAX_EMPTY_PAGES:
            self._fail(raw, f"{self._empty_run} empty pages in a row still say more follow")

    def _fail(
        self, raw: Raw, why: str, outcome: str = "the next request would not make progress"
    ) -> None:
        self._stuck = PaginationError(
            f"{self.op.operation_id}: pagination stopped after {self.pages} pages at position "
            f"{self.position!r}: {why}; {outcome}",
            operation_id=self.op.operation_id,
            position=self.position,
            request=raw.response.request,
        )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _key(position: Any) -> str:
    """A position as comparable text (cursors may be any JSON value)."""
    return json.dumps(position, sort_keys=True, default=str)


class SyncPager(Generic[ItemT]):
    """Iterate to get every item of every page; ``pages()`` for page by page.

    ``position`` is where to resume after the last item handed out: it moves on when the last
    item of a page is yielded.
    """

    def __init__(
        self,
        *,
        client: SyncAPIClient,
        operation: OperationSpec[Any],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> None:
        self._client = client
        self._walk = PageWalk(operation, params or {}, body, client.strict_responses)
        self._options = options or CallOptions()
        self.position: Any = self._walk.position

    @property
    def finished(self) -> bool:
        """True once the last page has been fetched."""
        return self._walk.done

    def resume(self, position: Any) -> Self:
        """Continue a walk from a ``position`` this kind of pager exposed before (saved by a
        job that stopped): the first request is the one that would have come next. Call it
        before iterating; ``None`` starts from the arguments as usual."""
        self._walk.resume(position, self._client.base_url)
        self.position = self._walk.position
        return self

    def _fetch(self) -> Page[ItemT]:
        """The next page (with its response, let go of with the page)."""
        walk = self._walk
        raw = self._client._send(
            operation=walk.op,
            params=walk.args,
            body=walk.body,
            options=self._options,
            url=walk.next_url,
        )
        return walk.advance(raw)

    def pages(self) -> Iterator[Page[ItemT]]:
        while self._walk.more():
            page = self._fetch()
            self.position = page.position
            yield page
            del page  # fetching the next page while holding this one would double the memory

    def __iter__(self) -> Iterator[ItemT]:
        while self._walk.more():
            page = self._fetch()
            for item, position in _with_positions(page, self.position):
                self.position = position
                yield item
            self.position = page.position
            del page


class AsyncPager(Generic[ItemT]):
    """The async twin of ``SyncPager``: ``async for`` items, ``pages()`` for page by page."""

    def __init__(
        self,
        *,
        client: AsyncAPIClient,
        operation: OperationSpec[Any],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> None:
        self._client = client
        self._walk = PageWalk(operation, params or {}, body, client.strict_responses)
        self._options = options or CallOptions()
        self.position: Any = self._walk.position

    @property
    def finished(self) -> bool:
        return self._walk.done

    def resume(self, position: Any) -> Self:
        """As ``SyncPager.resume``: continue from a saved ``position``, before iterating."""
        self._walk.resume(position, self._client.base_url)
        self.position = self._walk.position
        return self

    async def _fetch(self) -> Page[ItemT]:
        """As ``SyncPager._fetch``."""
        walk = self._walk
        raw = await self._client._send(
            operation=walk.op,
            params=walk.args,
            body=walk.body,
            options=self._options,
            url=walk.next_url,
        )
        return walk.advance(raw)

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        while self._walk.more():
            page = await self._fetch()
            self.position = page.position
            yield page
            del page  # as in ``SyncPager.pages``

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        while self._walk.more():
            page = await self._fetch()
            for item, position in _with_positions(page, self.position):
                self.position = position
                yield item
            self.position = page.position
            del page
