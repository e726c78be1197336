"""Issue 12, paging: the ``pageNumber`` and ``link`` styles of ``x-pagination``.

``tests/fixtures/real/paging/styles.yaml`` declares one operation per way of ending a walk
(empty or short page, total pages, total items, no ``rel="next"`` link). It is generated once,
imported, and walked against fake servers (``httpx.MockTransport``) serving random page counts
and sizes: every item comes out exactly once, in order, with no request past the last page.
A hostile ``Link`` header (another origin, a downgrade to http, user information, malformed)
ends the walk with ``PaginationError`` and no request leaves for the other host.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import io
import json
import re
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import reference
from generator.build import Target, build_api
from generator.errors import Report
from generator.load import load_document, parse_document
from generator.pipeline import generate_in_memory
from generator.template_sets import Templates
from generator.validate import validate_spec
from generator.write import write_package

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "paging" / "styles.yaml"
BASE = "https://api.example.com/v1"
PACKAGE = "paging_styles"
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The fixture spec generated (strictly: no warning) and imported."""
    folder = tmp_path_factory.mktemp("paging")
    source = load_document(SPEC)
    assert validate_spec(source.data, source) == []
    report = Report(PACKAGE)
    generation = generate_in_memory(
        source.data,
        PACKAGE,
        Target(PACKAGE, "Paging"),
        Templates().for_api(["python", "cli"]),
        report,
    )
    report.raise_for(strict=True)
    write_package(folder / PACKAGE, generation.files)
    sys.path.insert(0, str(folder / PACKAGE))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder / PACKAGE))


def client(pkg: ModuleType, handler: Handler) -> Any:
    transport = httpx.MockTransport(handler)
    return pkg.Paging(base_url=BASE, http_client=httpx.Client(transport=transport))


def async_client(pkg: ModuleType, handler: Handler) -> Any:
    transport = httpx.MockTransport(handler)
    return pkg.AsyncPaging(base_url=BASE, http_client=httpx.AsyncClient(transport=transport))


def split(sizes: list[int]) -> list[list[dict[str, int]]]:
    """Pages of the given sizes holding the items 0, 1, 2, ... in order."""
    pages, start = [], 0
    for size in sizes:
        pages.append([{"id": n} for n in range(start, start + size)])
        start += size
    return pages


def ids(items: Any) -> list[int]:
    return [item.id for item in items]


class Numbered:
    """Serves ``pages`` by number (``first`` is the number of the first page); a page past
    the last is empty. ``body`` wraps a page's items; each request's query is recorded."""

    def __init__(
        self,
        pages: list[list[dict[str, int]]],
        param: str = "page",
        first: int = 1,
        body: Callable[[list[dict[str, int]]], Any] = lambda items: {"items": items},
    ) -> None:
        self.pages, self.param, self.first, self.body = pages, param, first, body
        self.requested: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        number = int(request.url.params[self.param])
        self.requested.append(number)
        index = number - self.first
        items = self.pages[index] if 0 <= index < len(self.pages) else []
        return httpx.Response(200, json=self.body(items))


# -- the extension is read and checked -----------------------------------------------------------

MINI = """\
openapi: 3.1.0
info: {title: Mini, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      x-pagination:
        style: pageNumber
        pageParam: page
        perPageParam: per_page
        items: /items
      responses:
        '200':
          description: A page.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {type: string}}
"""
WHERE = "/paths/~1things/get/x-pagination"


def problems_of(text: str) -> list[tuple[str, int | None, str]]:
    document = parse_document(Path("mini.yaml"), text)
    diagnostics = validate_spec(document.data, document)
    assert all(d.file == "mini.yaml" for d in diagnostics)
    return [(d.pointer, d.line, d.message) for d in diagnostics]


def test_the_mini_spec_is_valid() -> None:
    assert problems_of(MINI) == []


@pytest.mark.parametrize(
    ("old", "new", "pointer", "message"),
    [
        ("        pageParam: page\n", "", WHERE, "'pageParam' is a required property"),
        ("pageParam: page", "pageParam: p", f"{WHERE}/pageParam", "no parameter named 'p'"),
        (
            "perPageParam: per_page",
            "perPageParam: size",
            f"{WHERE}/perPageParam",
            "no parameter named 'size'",
        ),
        ("items: /items", "items: items", f"{WHERE}/items", "malformed x-pagination"),
        (
            "items: /items",
            "items: /items\n        firstPage: -1",
            f"{WHERE}/firstPage",
            "-1 is less than the minimum of 0",
        ),
        (
            "items: /items",
            "items: /items\n        totalPages: pages",
            f"{WHERE}/totalPages",
            "malformed x-pagination",
        ),
        (
            "style: pageNumber",
            "style: link",
            WHERE,
            "Additional properties are not allowed ('pageParam' was unexpected)",
        ),
    ],
)
def test_a_malformed_extension_names_its_pointer(
    old: str, new: str, pointer: str, message: str
) -> None:
    text = MINI.replace(old, new)
    assert text != MINI
    [(where, line, text_of)] = problems_of(text)
    assert where == pointer
    assert line is not None
    assert message in text_of


def test_the_styles_are_read_into_the_ir(pkg: ModuleType) -> None:
    ops = importlib.import_module(f"{PACKAGE}._operations")
    counted = ops.LIST_COUNTED.pagination
    assert (counted.style, counted.position_param, counted.first_page) == (
        "pageNumber",
        "page_no",
        0,
    )
    assert (counted.items, counted.total_pages, counted.limit_param) == (
        "/data/items",
        "/data/pages",
        None,
    )
    totaled = ops.LIST_TOTALED.pagination
    assert (totaled.total, totaled.limit_param, totaled.first_page) == ("/total", "size", 1)
    linked = ops.LIST_LINKED.pagination
    assert (linked.style, linked.items, linked.position_param) == ("link", "", None)


def test_the_reference_describes_each_walk() -> None:
    source = load_document(SPEC)
    api = build_api(source.data, str(SPEC), Target(PACKAGE, "Paging")).api
    text = {op.operation_id: reference.pagination_text(op) for op in api.operations}
    assert text["listNumbered"].startswith("Page-number pagination: `iter_list_numbered(...)`")
    assert "Its `position` is the argument `page`" in text["listNumbered"]
    assert "ends at the page count `/data/pages`" in text["listCounted"]
    assert "ends at the total `/total`" in text["listTotaled"]
    assert text["listLinked"].startswith("Link-header pagination")
    assert 'follows the `rel="next"` link' in text["listLinked"]
    assert "yielding the items of each page" in text["listLinked"]
    assert "`position` is the URL of the next page" in text["listLinked"]


# -- page numbers ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(sizes=st.lists(st.integers(1, 6), max_size=6))
def test_page_numbers_end_on_an_empty_page(pkg: ModuleType, sizes: list[int]) -> None:
    """Without a page size the walk only knows it is over when a page comes back empty."""
    server = Numbered(split(sizes))
    assert ids(client(pkg, server).iter_list_numbered()) == list(range(sum(sizes)))
    assert server.requested == list(range(1, len(sizes) + 2))


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(per_page=st.integers(1, 5), full=st.integers(0, 5), last=st.integers(0, 4))
def test_page_numbers_end_on_a_short_page(
    pkg: ModuleType, per_page: int, full: int, last: int
) -> None:
    """With ``per_page`` given, a page with fewer items is the last: no request after it."""
    last %= per_page
    server = Numbered(split([per_page] * full + [last]))
    pager = client(pkg, server).iter_list_numbered(per_page=per_page)
    assert ids(pager) == list(range(per_page * full + last))
    assert server.requested == list(range(1, full + 2))
    assert pager.finished


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=6))
def test_page_numbers_end_at_the_total_pages(pkg: ModuleType, sizes: list[int]) -> None:
    """Pages numbered from 0 (``firstPage``); ``pageNo`` is required in the spec, yet the pager
    owns it; the body's page count ends the walk without an extra request."""
    server = Numbered(
        split(sizes),
        param="pageNo",
        first=0,
        body=lambda items: {"data": {"items": items, "pages": len(sizes)}},
    )
    assert ids(client(pkg, server).iter_list_counted()) == list(range(sum(sizes)))
    assert server.requested == list(range(len(sizes)))


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(size=st.integers(1, 5), total=st.integers(0, 20))
def test_page_numbers_end_at_the_total_count(pkg: ModuleType, size: int, total: int) -> None:
    full, rest = divmod(total, size)
    server = Numbered(
        split([size] * full + ([rest] if rest else [])),
        body=lambda items: {"items": items, "total": total},
    )
    assert ids(client(pkg, server).iter_list_totaled(size=size)) == list(range(total))
    assert server.requested == list(range(1, max(1, -(-total // size)) + 1))


def test_a_page_number_passed_resumes_and_position_is_the_next_page(pkg: ModuleType) -> None:
    server = Numbered(split([2, 2, 2, 1]))
    pager = client(pkg, server).iter_list_numbered(page=3, per_page=2)
    positions = []
    for item in pager:
        positions.append((item.id, pager.position))
    assert positions == [(4, 3), (5, 4), (6, 5)]
    assert server.requested == [3, 4]
    resumed = client(pkg, server).iter_list_numbered(per_page=2).resume(2)
    assert ids(resumed) == [2, 3, 4, 5, 6]


def test_a_server_ignoring_the_page_number_is_stopped(pkg: ModuleType) -> None:
    pkg_errors = importlib.import_module(f"{PACKAGE}.errors")
    server = Numbered([[{"id": 1}]] * 1, first=1)
    server.pages = [[{"id": 1}]] * 50  # the same page whatever the number
    pager = client(pkg, server).iter_list_numbered()
    seen: list[int] = []
    with pytest.raises(pkg_errors.PaginationError, match="ignores the page number"):
        seen.extend(item.id for item in pager)
    assert seen == [1, 1]
    assert server.requested == [1, 2]


def test_async_page_numbers(pkg: ModuleType) -> None:
    server = Numbered(split([3, 3, 1]))

    async def walk() -> list[int]:
        pager = async_client(pkg, server).iter_list_numbered(per_page=3)
        return [item.id async for item in pager]

    assert asyncio.run(walk()) == list(range(7))
    assert server.requested == [1, 2, 3]


# -- Link headers ------------------------------------------------------------------------------


def _link(url: str, *rels: str, extra: str = "") -> str:
    return f'<{url}>; rel="{" ".join(rels)}"{extra}'


class Linked:
    """Serves pages at ``/v1/linked?p=N``; each page but the last links to the next one
    through ``link(n, next_url)``, which writes the ``Link`` header fields."""

    def __init__(
        self,
        pages: list[list[dict[str, int]]],
        link: Callable[[int, str], list[str]] | None = None,
    ) -> None:
        self.pages = pages
        self.link = link or (lambda n, url: [_link(url, "next")])
        self.requested: list[str] = []
        self.responses: list[weakref.ref[httpx.Response]] = []
        self.alive_at_request: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        gc.collect()  # httpx's responses are in reference cycles: collected, not freed at once
        self.alive_at_request.append(sum(ref() is not None for ref in self.responses))
        self.requested.append(str(request.url))
        number = int(request.url.params.get("p", "1"))
        headers = []
        if number < len(self.pages):
            url = f"{BASE}/linked?per_page=2&p={number + 1}"
            headers = [("Link", field) for field in self.link(number, url)]
        items = self.pages[number - 1] if self.pages else []
        response = httpx.Response(200, json=items, headers=headers)
        self.responses.append(weakref.ref(response))
        return response


# How a server may write its Link header fields: the next link alone, among others, relative,
# with several rels in one, quoted parameters holding commas and semicolons, in two fields.
LINK_WRITERS: dict[str, Callable[[int, str], list[str]]] = {
    "alone": lambda n, url: [_link(url, "next")],
    "github": lambda n, url: [
        f"{_link(url, 'next')}, {_link(BASE + '/linked?p=9', 'last')}, "
        f"{_link(BASE + '/linked?p=1', 'first')}, {_link(BASE + '/linked?p=1', 'prev')}"
    ],
    "several rels": lambda n, url: [_link(BASE + "/linked?p=1", "first"), _link(url, "next last")],
    "relative": lambda n, url: [_link(url.removeprefix("https://api.example.com"), "NEXT")],
    "quoted": lambda n, url: [
        _link(BASE + "/x", "prev", extra='; title="a, <b>; c=d"')
        + ", "
        + _link(url, "next", extra='; title="say \\"next\\", then go"; type=text/html')
    ],
    "unquoted rel, two fields": lambda n, url: [
        f"<{BASE}/linked?p=1>; rel=first",
        f'<{url}> ;rel=next; anchor="#"',
    ],
}


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(
    sizes=st.lists(st.integers(0, 4), min_size=1, max_size=8),
    writer=st.sampled_from(sorted(LINK_WRITERS)),
)
def test_links_are_followed_to_the_last_page(
    pkg: ModuleType, sizes: list[int], writer: str
) -> None:
    """Every item exactly once, in order, one request per page, each page dropped before the
    next is fetched; an empty page in the middle does not end the walk (the link does)."""
    server = Linked(split(sizes), LINK_WRITERS[writer])
    pager = client(pkg, server).iter_list_linked(per_page=2)
    assert ids(pager) == list(range(sum(sizes)))
    assert server.requested == [f"{BASE}/linked?per_page=2"] + [
        f"{BASE}/linked?per_page=2&p={n}" for n in range(2, len(sizes) + 1)
    ]
    assert server.alive_at_request == [0] * len(sizes)
    assert pager.finished


def test_the_position_is_the_next_url_and_resumes(pkg: ModuleType) -> None:
    server = Linked(split([2, 2, 1]))
    pager = client(pkg, server).iter_list_linked(per_page=2)
    pages = [(ids(page.items), page.position, page.has_next) for page in pager.pages()]
    assert pages == [
        ([0, 1], f"{BASE}/linked?per_page=2&p=2", True),
        ([2, 3], f"{BASE}/linked?per_page=2&p=3", True),
        ([4], f"{BASE}/linked?per_page=2&p=3", False),
    ]
    resumed = client(pkg, server).iter_list_linked().resume(f"{BASE}/linked?per_page=2&p=2")
    assert ids(resumed) == [2, 3, 4]
    assert server.requested[-2:] == [f"{BASE}/linked?per_page=2&p={n}" for n in (2, 3)]


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/v1/linked?p=2", "http://api.example.com/v1/linked?p=2",
     "https://api.example.com:8443/v1/linked?p=2", "https://user:pw@api.example.com/v1/linked",
     "//evil.example/v1/linked?p=2"],
)  # fmt: skip
def test_a_link_to_another_origin_is_not_followed(pkg: ModuleType, url: str) -> None:
    """The first page's items come out, then ``PaginationError``; nothing is sent elsewhere."""
    errors = importlib.import_module(f"{PACKAGE}.errors")
    server = Linked(split([2, 2]), lambda n, _: [_link(url, "next")])
    pager = client(pkg, server).iter_list_linked()
    seen: list[int] = []
    with pytest.raises(errors.PaginationError, match="another origin") as raised:
        seen.extend(item.id for item in pager)
    assert seen == [0, 1]
    assert server.requested == [f"{BASE}/linked"]
    assert "credentials" in str(raised.value)
    assert "pw" not in str(raised.value)


def test_resuming_from_another_origin_is_refused(pkg: ModuleType) -> None:
    server = Linked(split([1]))
    pager = client(pkg, server).iter_list_linked()
    with pytest.raises(
        ValueError, match=re.escape("only resume from a URL on https://api.example.com/v1")
    ):
        pager.resume("https://evil.example/v1/linked?p=2")
    assert server.requested == []


@pytest.mark.parametrize(
    "header",
    ['<https://api.example.com/v1/linked?p=2; rel="next"', 'rel="next"', '<x>; rel="next',
     "garbage", '<>; rel="prev" junk'],
)  # fmt: skip
def test_a_malformed_link_header_ends_the_walk_with_an_error(pkg: ModuleType, header: str) -> None:
    errors = importlib.import_module(f"{PACKAGE}.errors")
    server = Linked(split([2, 2]), lambda n, _: [header])
    seen: list[int] = []
    with pytest.raises(errors.PaginationError, match="malformed"):
        seen.extend(item.id for item in client(pkg, server).iter_list_linked())
    assert seen == [0, 1]
    assert len(server.requested) == 1


def test_a_repeated_link_is_not_followed_again(pkg: ModuleType) -> None:
    errors = importlib.import_module(f"{PACKAGE}.errors")
    server = Linked(split([1, 1, 1]), lambda n, url: [_link(f"{BASE}/linked?p=2", "next")])
    with pytest.raises(errors.PaginationError, match="already requested"):
        list(client(pkg, server).iter_list_linked())
    assert server.requested == [f"{BASE}/linked", f"{BASE}/linked?p=2"]


def test_async_links(pkg: ModuleType) -> None:
    server = Linked(split([2, 0, 3]), LINK_WRITERS["github"])

    async def walk() -> list[int]:
        return [item.id async for item in async_client(pkg, server).iter_list_linked()]

    assert asyncio.run(walk()) == list(range(5))
    assert len(server.requested) == 3


# -- the Link header parser --------------------------------------------------------------------

TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=8)
QUOTED = st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12)
URLS = st.builds(lambda path: f"https://api.example.com/{quote(path)}", st.text(max_size=10))


@settings(max_examples=200, deadline=None)
@given(
    links=st.lists(
        st.tuples(URLS, st.lists(st.tuples(TOKEN, QUOTED | TOKEN, st.booleans()), max_size=3)),
        max_size=4,
    )
)
def test_parse_links_reads_back_what_was_written(pkg: ModuleType, links: Any) -> None:
    pagination = importlib.import_module(f"{PACKAGE}._pagination")
    written = []
    for url, params in links:
        text = f"<{url}>"
        for name, value, quoted in params:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            bare = not quoted and re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", value)
            text += f"; {name}={value}" if bare else f'; {name}="{escaped}"'
        written.append(text)
    parsed, clean = pagination.parse_links(" , ".join(written))
    assert clean
    expected = []
    for url, params in links:
        first: dict[str, str] = {}
        for name, value, _ in params:
            first.setdefault(name, value)
        expected.append((url, first))
    assert parsed == expected


# -- the command line's --all --state ----------------------------------------------------------


def run_cli(pkg: ModuleType, argv: list[str], handler: Handler) -> tuple[int, list[Any]]:
    cli = importlib.import_module(f"{PACKAGE}._cli")
    tool = importlib.import_module(f"{PACKAGE}._commands").TOOL
    out, err = io.StringIO(), io.StringIO()
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        status = cli.main(
            tool,
            argv,
            environ={tool.base_url_env: BASE},
            http_client=http,
            stdin=io.StringIO(""),
            stdout=out,
            stderr=err,
        )
    assert err.getvalue() == ""
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_state_of_a_finished_link_walk_sends_nothing_more(
    pkg: ModuleType, tmp_path: Path
) -> None:
    """After the last page there is no next link to resume from: a rerun prints nothing."""
    state = str(tmp_path / "state.json")
    server = Linked(split([2, 1]))
    assert run_cli(pkg, ["list-linked", "--all", "--state", state], server) == (
        0,
        [{"id": 0}, {"id": 1}, {"id": 2}],
    )
    assert len(server.requested) == 2
    assert run_cli(pkg, ["list-linked", "--all", "--state", state], server) == (0, [])
    assert len(server.requested) == 2


def test_a_page_number_walk_resumes_from_its_state(pkg: ModuleType, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = Numbered(split([2, 2, 1]))
    status, lines = run_cli(
        pkg, ["list-numbered", "--per-page", "2", "--all", "--state", str(state)], server
    )
    assert (status, [line["id"] for line in lines]) == (0, [0, 1, 2, 3, 4])
    assert server.requested == [1, 2, 3]
    status, lines = run_cli(
        pkg, ["list-numbered", "--per-page", "2", "--all", "--state", str(state)], server
    )
    assert (status, lines) == (0, [])
    assert server.requested == [1, 2, 3, 4]  # the page past the last: empty


def test_the_generated_readme_states_the_rules_of_both_walks(pkg: ModuleType) -> None:
    readme = (Path(pkg.__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "A page-number walk ends on an empty page" in readme
    assert "only to the origin (scheme,\nhost and port) of `base_url`" in readme
