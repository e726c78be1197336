"""The ``reference`` template set: a Markdown API reference per API (templates/reference).

The committed references parse, every link in them resolves to a heading (by GitHub's anchor
rules) or an existing file, and they cover every operation and model of the IR; spec text can
neither break a table nor bring HTML or links in; a lone spec renders without examples.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import pytest
from hypothesis import example as also
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator import ir, markdown, reference
from generator.build import Target, build_api
from generator.docs import call_example
from generator.errors import Report
from generator.examples import MAX_ITEMS, Recorded, body_text, examples_for
from generator.load import load_document
from generator.pipeline import generate_in_memory, recorded_of, target_of
from generator.project import list_apis, load_api
from generator.recordings import Recording
from generator.template_sets import Templates

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
API_NAMES = list_apis(SPECS)

# GitHub renders GFM: CommonMark with tables (and strikethrough, which the escaping covers).
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def github_anchor(text: str) -> str:
    """GitHub's anchor for a heading's text, written independently of generator.markdown:
    lower case, keep letters, marks, numbers, connector punctuation, ``-`` and spaces (each
    space becomes ``-``)."""
    return "".join(
        "-" if ch == " " else ch
        for ch in text.lower()
        if ch in " -" or unicodedata.category(ch)[:1] in ("L", "M", "N") or ch == "_"
    )


def plain(inline: Token) -> str:
    """The text a reader sees in an inline token (code spans included, markup left out)."""
    return "".join(
        child.content for child in inline.children or [] if child.type in ("text", "code_inline")
    )


def anchors_of(tokens: list[Token]) -> list[str]:
    """Every heading's anchor, made unique the way GitHub does (``-1``, ``-2``...)."""
    seen: dict[str, int] = {}
    found = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = github_anchor(plain(tokens[index + 1]))
        anchor = base
        while anchor in seen:
            seen[base] += 1
            anchor = f"{base}-{seen[base]}"
        seen[anchor] = 0
        found.append(anchor)
    return found


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from walk(token.children or [])


def link_targets(tokens: list[Token]) -> list[str]:
    return [str(t.attrs["href"]) for t in walk(tokens) if t.type == "link_open"]


def assert_links_resolve(text: str, folder: Path) -> list[Token]:
    tokens = PARSER.parse(text)
    anchors = set(anchors_of(tokens))
    for href in link_targets(tokens):
        if href.startswith("#"):
            assert href[1:] in anchors, f"link {href} has no heading"
        else:
            assert "://" not in href and ":" not in href.split("/")[0], href
            assert (folder / href.split("#")[0]).exists(), f"link {href}: no such file"
    return tokens


def headings(tokens: list[Token], level: int) -> list[str]:
    return [
        plain(tokens[i + 1])
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == f"h{level}"
    ]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (the header row first)."""
    found: list[list[list[str]]] = []
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            found[-1].append([])
        elif token.type in ("th_open", "td_open"):
            found[-1][-1].append(plain(tokens[index + 1]))
    return found


# --------------------------------------------------------------------------------------------
# The four committed references


@pytest.fixture(scope="module")
def references() -> dict[str, tuple[ir.Api, str]]:
    """Per API: its IR (with the examples its recordings give) and its committed reference."""
    found = {}
    for name in API_NAMES:
        api = load_api(SPECS, name)
        assert "reference" in api.config.templates
        built = build_api(api.spec, api.source.name, target_of(api), Report(api.source.name))
        with_examples = dataclasses.replace(
            built.api, examples=examples_for(built.api, recorded_of(api))
        )
        text = (GENERATED / api.config.package / "REFERENCE.md").read_text(encoding="utf-8")
        found[name] = (with_examples, text)
    return found


@pytest.mark.parametrize("name", API_NAMES)
def test_reference_parses_and_its_links_resolve(
    name: str, references: dict[str, tuple[ir.Api, str]]
) -> None:
    api, text = references[name]
    tokens = assert_links_resolve(text, GENERATED / api.package)
    assert not [t for t in walk(tokens) if t.type in ("html_block", "html_inline")]
    # Every type linked to a model, every operation in the contents, every scheme: many links.
    assert len(link_targets(tokens)) > len(api.operations) + len(api.model_names)


@pytest.mark.parametrize("name", API_NAMES)
def test_reference_covers_every_operation_model_and_scheme(
    name: str, references: dict[str, tuple[ir.Api, str]]
) -> None:
    api, text = references[name]
    tokens = PARSER.parse(text)
    level2, level3 = headings(tokens, 2), headings(tokens, 3)
    assert level2 == ["Contents", "Servers", "Authentication", "Errors", "Operations", "Models"]
    models = [m.name for m in api.models]
    assert set(api.model_names) <= set(models)
    schemes = [s.key for s in api.security_schemes]
    assert level3 == schemes + [op.method_name for op in api.operations] + models
    for op in api.operations:
        assert f"`{op.http_method} {op.path}`" in text
        assert f"client.{op.method_name}(" in text
        for parameter in op.parameters:
            assert markdown.code(parameter.name) in text
        if op.pagination is not None:
            assert f"client.{op.pager_name}(" in text
    for server in api.servers:
        assert markdown.code(server.url) in text
    for model in api.models:
        for field in model.fields:
            assert f"| {markdown.code(field.name)} | `{field.python_name}` |" in text


@pytest.mark.parametrize("name", API_NAMES)
def test_reference_shows_a_recorded_exchange_without_credentials(
    name: str, references: dict[str, tuple[ir.Api, str]]
) -> None:
    api, text = references[name]
    assert api.examples, "every API keeps recordings"
    for example in api.examples:
        assert example.source in text
        first_line = f"{example.method} {example.url} HTTP/1.1"
        assert first_line in text
        assert f"HTTP/1.1 {example.status}" in text
    assert re.search(r"(?im)^authorization: (?!<redacted>$)", text) is None
    fences = [t for t in PARSER.parse(text) if t.type == "fence" and t.info == "http"]
    assert len(fences) == 2 * len(api.examples)


@pytest.mark.parametrize("name", API_NAMES)
def test_documented_call_sends_the_recorded_request(
    name: str, references: dict[str, tuple[ir.Api, str]]
) -> None:
    """The Python shown above an example, run against the committed client, sends exactly the
    example's request (method, path, query and JSON body)."""
    api, text = references[name]
    package = importlib.import_module(api.package)
    checked = 0
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(418)  # not retried, not parsed: the request is what counts

    for op in api.operations:
        example = reference.success_example(api, op)
        if example is None or reference.example_call(op, example) == call_example(op):
            continue
        snippet = reference.python_call(op, example)
        assert markdown.fence(snippet, "python") in text
        sent.clear()
        client = getattr(package, api.client_class)(
            base_url="https://api.test",
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        first = ast.Module(body=ast.parse(snippet).body[:1], type_ignores=[])
        with pytest.raises(package.errors.APIStatusError):
            exec(compile(first, "snippet", "exec"), {"client": client})
        request = sent[0]
        path, _, query = example.url.partition("?")
        assert request.method == example.method
        assert unquote(request.url.path) == unquote(path)
        assert sorted(parse_qsl(request.url.query.decode())) == sorted(parse_qsl(query))
        if example.request.body:
            assert json.loads(request.content) == json.loads(example.request.body)
        checked += 1
    assert checked, "at least one operation's call is written from its example"


def test_each_operation_gets_one_success_and_one_error_example(
    references: dict[str, tuple[ir.Api, str]],
) -> None:
    api, _ = references["onepassword-events"]
    kinds = {(e.operation_id, e.kind) for e in api.examples}
    assert len(kinds) == len(api.examples)  # one of each kind per operation at most
    walk_start = next(e for e in api.examples if e.operation_id == "getItemUsages")
    assert walk_start.kind == "success"
    assert walk_start.source == "getItemUsages--walk-1-reset-cursor.json"  # not a later page
    error = next(e for e in api.examples if e.operation_id == "getItemUsages" and e.kind == "error")
    assert error.status == 400  # the error a caller can fix comes first


# --------------------------------------------------------------------------------------------
# Hostile spec text

HOSTILE = (
    "a | b || c\nsecond line\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> "
    "[click](javascript:alert(1)) ![i](http://evil/x.png) `tick ``two` &lt;b&gt; *em* "
    "<https://evil.example> \\| trailing \\"
)


def hostile_spec() -> dict[str, Any]:
    text = {"type": "string", "description": HOSTILE}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Servers | <b>x</b>", "version": "1.0 `x`", "description": HOSTILE},
        "servers": [{"url": "https://api.example.com", "description": HOSTILE}],
        "tags": [{"name": "t|<i>", "description": HOSTILE}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "summary": "# Heading? | <b>no</b>",
                    "description": HOSTILE,
                    "tags": ["t|<i>"],
                    "security": [{"key|<b>](javascript:x)": []}, {"- *a* ` b  c ` d": []}],
                    "parameters": [
                        {
                            "name": "na|me<script>`",
                            "in": "query",
                            "description": HOSTILE,
                            "schema": {"type": "string", "pattern": "^(a|b)`$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": HOSTILE,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Contents"}
                                }
                            },
                        },
                        "400": {"description": HOSTILE},
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "- *a* ` b  c ` d": {"type": "http", "scheme": "bearer"},
                "key|<b>](javascript:x)": {
                    "type": "apiKey",
                    "name": "X-Key|<b>",
                    "in": "header",
                    "description": HOSTILE,
                },
            },
            "schemas": {
                # Named like sections of the reference: their anchors must still be their own.
                "Contents": {
                    "type": "object",
                    "description": HOSTILE,
                    "properties": {
                        "a|b<script>": text,
                        "servers": {"$ref": "#/components/schemas/Servers"},
                    },
                },
                "Servers": {"type": "object", "properties": {"x": text}},
            },
        },
    }


def render_reference(spec: dict[str, Any], recorded: Recorded | None = None) -> str:
    sets = Templates().for_api(["reference"])
    report = Report("spec.yaml")
    generation = generate_in_memory(
        spec, "spec.yaml", Target("probe", "Probe"), sets, report, recorded=recorded
    )
    report.raise_for(strict=False)
    return generation.files["REFERENCE.md"]


@pytest.fixture(scope="module")
def hostile_reference() -> str:
    return render_reference(hostile_spec())


def test_hostile_text_brings_no_html_and_no_links(hostile_reference: str, tmp_path: Path) -> None:
    tokens = assert_links_resolve(hostile_reference, tmp_path)
    assert not [t for t in walk(tokens) if t.type in ("html_block", "html_inline", "image")]
    assert all(href.startswith("#") for href in link_targets(tokens))
    html = PARSER.render(hostile_reference)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only in text, never markup


def test_hostile_text_cannot_break_a_table(hostile_reference: str) -> None:
    tokens = PARSER.parse(hostile_reference)
    found = tables(tokens)
    assert found
    for table in found:
        widths = {len(row) for row in table}
        assert len(widths) == 1, table
    parameters = next(t for t in found if t[0][:2] == ["name", "argument"])
    assert len(parameters) == 2
    name, _, _, _, _, description = parameters[1]
    assert name == "na|me<script>`"
    flat = " ".join(HOSTILE.split())
    # What the reader sees is the text as written (code spans shown without their backticks).
    assert description.startswith("a | b || c second line <script>alert(1)</script>")
    assert "[click](javascript:alert(1))" in description
    assert description.replace("tick ", "`tick ").startswith(flat[: flat.index("``two")])


def test_hostile_names_keep_their_own_anchors(hostile_reference: str) -> None:
    tokens = PARSER.parse(hostile_reference)
    assert headings(tokens, 1) == ["Servers | <b>x</b> API reference"]
    assert headings(tokens, 3) == [
        "• a b c d",
        "key|<b>](javascript:x)",
        "list_items",
        "Contents",
        "Servers",
    ]
    anchors = anchors_of(tokens)
    # "Contents" and "Servers" are sections too: the models get GitHub's "-1" anchors.
    assert "contents-1" in anchors and "servers-1" in anchors
    assert "[Servers](#servers-1)" in hostile_reference  # a field's type links to its model


def test_lone_spec_renders_without_examples() -> None:
    text = render_reference(hostile_spec())
    assert "**Example" not in text and "```http" not in text
    petstore = load_document(ROOT / "tests" / "fixtures" / "openapi" / "petstore.yaml").data
    assert "**Example" not in render_reference(petstore)


# --------------------------------------------------------------------------------------------
# The escaping, for any text


# Any text, and text made of the pieces Markdown and HTML are made of.
FRAGMENTS = [
    "<script>",
    "</b>",
    "<!--",
    "](javascript:alert(1))",
    "[x]",
    "![i](y)",
    "<https://e.x>",
    "&amp;",
    "&#60;",
    "|",
    "||",
    "\\",
    "`",
    "``",
    "```",
    "~~",
    "*",
    "**",
    "_",
    "__",
    "# ",
    "> ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "---",
    "===",
    "    ",
    "\n",
    "\n\n",
    "\t",
    "a",
    "b c",
]
MARKDOWNISH = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text("ab *_`|<>[]()!\\\n-#1.", max_size=4)),
    max_size=12,
).map("".join)
ANY_TEXT = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), MARKDOWNISH)
NEVER = {"html_inline", "html_block", "link_open", "image", "s_open"}


def _bulleted(text: str) -> bool:
    """Whether a line starts like a list item (control characters read as spaces)."""
    spaced = "".join(" " if unicodedata.category(c) == "Cc" and c not in "\n" else c for c in text)
    return any(re.match(r"\s*([*+-]|\d+[.)])\s", line) for line in spaced.splitlines())


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
@also("has_more and _x_ a__b__ `code|pipe` ``x` y``` `1. \\`")
@also("**strong** *em* a*b*c **x*")
def test_inline_text_stays_in_its_cell(text: str) -> None:
    tokens = PARSER.parse(f"| a | b |\n|---|---|\n| {markdown.inline(text)} | end |\n")
    rows = tables(tokens)
    assert len(rows) == 1 and rows[0][1][1] == "end", rows
    kinds = {t.type for t in walk(tokens)}
    assert not kinds & NEVER
    if "*" not in text:  # emphasis only where the text asks for it with asterisks
        assert not kinds & {"em_open", "strong_open"}
    if not ("`" in text or "*" in text or _bulleted(text)):
        # without code spans, emphasis or list items the reader sees the text as written
        assert rows[0][1][0] == " ".join(markdown.heading_text(text).split())


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
@also("Two ways:\n\n* **a** `x`\n  more\n* b\n\n1. one\n2. two")
def test_paragraphs_stay_paragraphs_and_lists(text: str) -> None:
    tokens = PARSER.parse("Before.\n\n" + markdown.paragraphs(text) + "\n\nAfter.\n")
    blocks = {t.type.removesuffix("_open").removesuffix("_close") for t in tokens if t.level == 0}
    assert blocks <= {"paragraph", "inline", "bullet_list", "ordered_list"}, blocks
    assert not {t.type for t in walk(tokens)} & (NEVER | {"heading_open", "fence", "hr"})
    assert plain(tokens[-2]) == "After." and tokens[-2].level == 1


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
@also("- *a* ` b  c ` d")
def test_anchor_is_the_one_github_gives_the_heading(text: str) -> None:
    tokens = PARSER.parse(f"## {markdown.inline(text)}\n")
    if not tokens or tokens[0].type != "heading_open":
        assert not markdown.inline(text).strip()  # only an empty text makes no heading
        return
    assert markdown.github_slug(markdown.heading_text(text)) == github_anchor(plain(tokens[1]))


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_code_and_fence_keep_their_text(text: str) -> None:
    fenced = PARSER.parse(markdown.fence(text, "json") + "\nafter\n")
    assert fenced[0].type == "fence" and fenced[0].info == "json"
    assert (
        fenced[0].content.rstrip("\n") == markdown.fence(text).split("\n", 1)[1].rsplit("\n", 1)[0]
    )
    assert plain(fenced[-2]) == "after"
    span = markdown.code(text)
    if span:
        inline = PARSER.parseInline(span)[0].children or []
        assert [c.type for c in inline] == ["code_inline"]


def test_github_slugs() -> None:
    assert (
        markdown.github_slug("1Password Events API reference") == "1password-events-api-reference"
    )
    assert markdown.github_slug("get_item_usages") == "get_item_usages"
    assert markdown.github_slug("Servers | <b>x</b>") == "servers--bxb"
    assert markdown.github_slug("Ünïcode Straße") == "ünïcode-straße"
    slugger = markdown.Slugger()
    assert slugger.slugs(["Models", "models", "Models-1", "Models"]) == [
        "models",
        "models-1",
        "models-1-1",
        "models-2",
    ]


# --------------------------------------------------------------------------------------------
# Examples from recordings


def recording(tmp_path: Path, name: str, status: int, **extra: Any) -> Recording:
    data = {
        "operation": "listItems",
        "description": name,
        "source": "test",
        "synthetic": True,
        "request": {
            "method": "GET",
            "path": "/items",
            "query": "limit=2",
            "headers": {
                "Authorization": "Bearer sk-live-123",
                "x-custom-secret": "hunter2",
                "accept": "application/json",
                "user-agent": "python-httpx",
            },
            "body": None,
        },
        "response": {
            "status": status,
            "headers": {"content-type": "application/json"},
            "body": {"items": list(range(10)), "note": "x" * 500},
        },
        **extra,
    }
    return Recording(tmp_path / f"listItems--{name}.json", data)


def test_examples_hide_credentials_and_shorten_bodies(tmp_path: Path) -> None:
    spec = hostile_spec()
    recorded = Recorded(
        (
            recording(tmp_path, "page-2", 200, sequence={"name": "walk", "step": 2}),
            recording(tmp_path, "page-1", 200, sequence={"name": "walk", "step": 1}),
            recording(tmp_path, "unauthorized", 401),
            recording(tmp_path, "bad", 400),
        ),
        redact=("X-Custom-Secret",),
    )
    text = render_reference(spec, recorded)
    assert "sk-live-123" not in text and "hunter2" not in text
    assert "authorization: <redacted>" in text and "x-custom-secret: <redacted>" in text
    assert "user-agent" not in text
    assert "listItems--page-1.json" in text and "listItems--page-2.json" not in text
    assert "listItems--bad.json" in text and "listItems--unauthorized.json" not in text
    assert "HTTP/1.1 400 Bad Request" in text and "GET /items?limit=2 HTTP/1.1" in text
    assert "bodies shortened" in text
    # "limit" is no parameter of listItems: the call is the generic one, not the recorded one.
    assert "result = client.list_items()" in text and "(the call that sends" not in text


def test_body_text_is_valid_shortened_json() -> None:
    body = {"items": [{"n": i, "tags": list(range(5))} for i in range(50)], "s": "y" * 1000}
    text, truncated = body_text(body)
    assert truncated
    shown = json.loads(text)
    assert len(shown["items"]) == MAX_ITEMS and len(shown["items"][0]["tags"]) == MAX_ITEMS
    assert shown["s"].endswith("...") and len(shown["s"]) < 300
    assert body_text({"a": 1}) == ('{\n  "a": 1\n}', False)
    assert body_text(None) == ("", False)
    long_text, cut = body_text("line\n" * 500)
    assert cut and long_text.endswith("...") and long_text.count("\n") <= 61
