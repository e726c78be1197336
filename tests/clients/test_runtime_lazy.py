"""The generated client's fast paths keep its behaviour: models built on first use, response
bodies validated from their bytes, pagers that let go of the pages they have moved past.

Speed itself is shown by ``python -m generator.bench client``, never asserted here.
"""

from __future__ import annotations

import ast
import gc
import importlib
import json
import subprocess
import sys
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pydantic
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Target
from generator.models import MAX_LAZY_DEPTH, _quoted, annotations_evaluated, defer_model_builds
from generator.pipeline import generate_files
from generator.template_sets import default_sets
from generator.write import write_package

GENERATED = Path(__file__).resolve().parents[2] / "generated"

# A tree (a model naming itself), two models naming each other, and a page of them.
RECURSIVE = """\
openapi: 3.1.0
info: {title: Forest, version: '1'}
servers: [{url: 'https://forest.example.test'}]
paths:
  /trees:
    get:
      operationId: listTrees
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Forest'}}}
components:
  schemas:
    Node:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      type: object
      properties:
        id: {type: integer}
        favourite: {$ref: '#/components/schemas/Node'}
    Forest:
      type: object
      properties:
        trees: {type: array, items: {$ref: '#/components/schemas/Node'}}
        count: {type: integer}
"""


@pytest.fixture(scope="module")
def forest(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    folder = tmp_path_factory.mktemp("forest")
    files = generate_files(
        yaml.safe_load(RECURSIVE), "forest.yaml", Target("lazy_forest", "Forest"), default_sets()
    )
    write_package(folder / "lazy_forest", files)
    sys.path.insert(0, str(folder / "lazy_forest"))
    try:
        return importlib.import_module("lazy_forest")
    finally:
        sys.path.remove(str(folder / "lazy_forest"))


def _client(package: ModuleType, name: str, handler: Any, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(handler)
    return getattr(package, name)(http_client=httpx.Client(transport=transport), **kwargs)


# -- lazy models ----------------------------------------------------------------------------


def test_defer_build_goes_on_classes_that_do_not_inherit_it() -> None:
    code = (
        "from pydantic import BaseModel, RootModel\n\n"
        "class A(BaseModel):\n    x: int\n\n"
        "class B(A):\n    y: int\n\n"
        "class C(RootModel[list[A]]):\n    root: list[A]\n"
    )
    deferred = defer_model_builds(code, ast.parse(code))
    headers = [line for line in deferred.splitlines() if line.startswith("class ")]
    assert headers == [
        "class A(BaseModel, defer_build=True):",
        "class B(A):",
        "class C(RootModel[list[A]], defer_build=True):",
    ]


def test_rebuild_calls_go_and_deep_chains_stay_eager() -> None:
    recursive = (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel):\n    a: A | None = None\n\n\n"
        "A.model_rebuild()\n"
    )
    assert defer_model_builds(recursive, ast.parse(recursive)) == (
        "from pydantic import BaseModel\n\n"
        "class A(BaseModel, defer_build=True):\n    a: A | None = None\n"
    )
    chain = "from pydantic import BaseModel\n" + "".join(
        f"\n\nclass C{n}(BaseModel):\n    next: C{n + 1} | None = None\n"
        for n in range(MAX_LAZY_DEPTH + 1)
    )
    assert defer_model_builds(chain, ast.parse(chain)) == chain


def test_only_types_python_cannot_evaluate_yet_stay_strings() -> None:
    code = (
        '"""Models."""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import Annotated, Literal\n\n"
        "from pydantic import BaseModel, Field\n\n\n"
        "class A(BaseModel):\n"
        "    b: B | None = None\n"
        '    kind: Literal["x"] = "x"\n'
        "    again: list[A]\n"
        '    later: Annotated[list[B], Field(description="B")]\n\n\n'
        "class B(BaseModel):\n"
        "    a: A\n"
        '    str: str = "s"\n'
        "    name: str\n"
    )
    assert annotations_evaluated(code, ast.parse(code)) == (
        '"""Models."""\n\n'
        "from typing import Annotated, Literal\n\n"
        "from pydantic import BaseModel, Field\n\n\n"
        "class A(BaseModel):\n"
        '    b: "B | None" = None\n'
        '    kind: Literal["x"] = "x"\n'
        '    again: "list[A]"\n'
        '    later: Annotated["list[B]", Field(description="B")]\n\n\n'
        "class B(BaseModel):\n"
        "    a: A\n"
        '    str: "str" = "s"\n'  # the value is bound before the annotation is read
        '    name: "str"\n'
    )


@pytest.mark.parametrize(
    "extra",
    [
        "def f(x: B) -> B:\n    return x\n",
        "class C(BaseModel):\n    class Inner(BaseModel):\n        b: B\n",
        "X: TypeAlias = B\n",
    ],
)
def test_annotations_outside_fields_keep_the_module_as_it_was(extra: str) -> None:
    code = (
        "from __future__ import annotations\n\nfrom pydantic import BaseModel\n\n\n"
        + extra
        + "\n\nclass B(BaseModel):\n    b: B | None = None\n"
    )
    assert annotations_evaluated(code, ast.parse(code)) == code


@given(values=st.lists(st.text(), min_size=1, max_size=3))
def test_a_type_written_as_a_string_reads_back_as_itself(values: list[str]) -> None:
    """Enum values from a spec (any text: quotes, backslashes, newlines) in a quoted type."""
    literal = ast.Subscript(
        ast.Name("Literal"),
        ast.Tuple([ast.Constant(v) for v in values])
        if len(values) > 1
        else ast.Constant(values[0]),
    )
    text = ast.unparse(ast.BinOp(literal, ast.BitOr(), ast.Name("B")))
    assert ast.literal_eval(_quoted(text)) == text


def test_a_model_is_built_on_first_use_not_at_import() -> None:
    """In a fresh interpreter: importing the client builds no model; a call builds what it
    reads, and validating a model directly completes its class."""
    script = """
import httpx, json, onepassword_events
from onepassword_events import models
classes = [c for c in vars(models).values() if getattr(c, "__module__", "") == models.__name__]
print(json.dumps(sorted(c.__name__ for c in classes if c.__pydantic_complete__)))
body = {"items": [], "cursor": "c", "has_more": False}
client = onepassword_events.OnePasswordEvents(token="t", http_client=httpx.Client(
    transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))))
page = client.get_sign_in_attempts(body={"limit": 10})
models.Introspection.model_validate({"uuid": "u"})
print(json.dumps([type(page).__name__, models.Introspection.__pydantic_complete__]))
"""
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(GENERATED / "onepassword_events")},
    ).stdout.splitlines()
    assert json.loads(output[0]) == []
    assert json.loads(output[1]) == ["SignInAttemptItems", True]


def test_recursive_models_are_read_lazily(forest: ModuleType) -> None:
    """Models naming themselves and each other resolve their names when first used."""
    assert not forest.models.Node.__pydantic_complete__
    tree = {
        "name": "oak",
        "children": [{"name": "twig", "owner": {"id": 1, "favourite": {"name": "leaf"}}}],
    }
    handler = lambda request: httpx.Response(200, json={"trees": [tree], "count": 1})  # noqa: E731
    result = _client(forest, "Forest", handler).list_trees()
    assert isinstance(result, forest.models.Forest)
    assert result.trees[0].children[0].owner.favourite.name == "leaf"
    assert result.model_dump(mode="json", exclude_none=True) == {"trees": [tree], "count": 1}
    assert forest.models.Owner.model_validate({"favourite": tree}).favourite.name == "oak"
    assert forest.models.Owner.__pydantic_complete__


# -- response bodies read from their bytes --------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
NODES = st.recursive(
    st.fixed_dictionaries({"name": st.text(max_size=5) | st.integers()}),
    lambda inner: st.fixed_dictionaries(
        {"name": st.text(max_size=5)}, optional={"children": st.lists(inner, max_size=3)}
    ),
    max_leaves=6,
)
BODIES = st.fixed_dictionaries(
    {}, optional={"trees": st.lists(NODES, max_size=3) | JSON_VALUES, "count": JSON_VALUES}
)


def _expected(package: ModuleType, body: bytes) -> tuple[str, Any]:
    """What reading ``body`` gave before: ``json`` decoding, then validating the data."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        return "error", f"listTrees: response body is not valid JSON: {exc}"
    adapter = pydantic.TypeAdapter(package.models.Forest)
    try:
        return "ok", adapter.validate_python(data, by_alias=True, by_name=False)
    except pydantic.ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        reason = f"{where}: {error['msg']}" if where else error["msg"]
        return "error", f"listTrees: response does not match the spec: {reason}"


def _actual(package: ModuleType, body: bytes) -> tuple[str, Any]:
    handler = lambda request: httpx.Response(  # noqa: E731
        200, content=body, headers={"content-type": "application/json"}
    )
    try:
        return "ok", _client(package, "Forest", handler).list_trees()
    except package.errors.ResponseValidationError as exc:
        return "error", exc.message


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=BODIES)
def test_bytes_give_the_results_and_errors_decoded_data_gave(
    forest: ModuleType, value: dict[str, Any]
) -> None:
    body = json.dumps(value).encode()
    assert _actual(forest, body) == _expected(forest, body)


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"trees": [}', b"[1, 2]", b'{"count": "x"}', b'{"trees": "no"}', b"nul"],
)
def test_bad_bodies_raise_as_before(forest: ModuleType, body: bytes) -> None:
    assert _actual(forest, body) == _expected(forest, body)
    assert _actual(forest, body)[0] == "error"


def test_a_mismatch_keeps_the_decoded_body(forest: ModuleType) -> None:
    handler = lambda request: httpx.Response(200, json={"count": "many"})  # noqa: E731
    with pytest.raises(forest.errors.ResponseValidationError) as caught:
        _client(forest, "Forest", handler).list_trees()
    assert caught.value.body == {"count": "many"}


def test_a_body_too_deep_is_refused_as_before(forest: ModuleType) -> None:
    body = b'{"trees": [' + b'{"name": "n", "children": [' * 3000 + b"]}" * 3000 + b"]}"
    handler = lambda request: httpx.Response(  # noqa: E731
        200, content=body, headers={"content-type": "application/json"}
    )
    with pytest.raises(forest.errors.ResponseValidationError, match="nested too deeply"):
        _client(forest, "Forest", handler).list_trees()


def test_a_body_that_is_not_json_is_refused_by_its_content_type(forest: ModuleType) -> None:
    handler = lambda request: httpx.Response(  # noqa: E731
        200, content=b"{}", headers={"content-type": "text/html"}
    )
    with pytest.raises(forest.errors.ResponseValidationError, match="got content type 'text/html'"):
        _client(forest, "Forest", handler).list_trees()


# -- pagers ---------------------------------------------------------------------------------

SIGN_IN = {
    "uuid": "u",
    "session_uuid": "s",
    "timestamp": "2024-05-01T23:11:29Z",
    "category": "success",
    "type": "credentials_ok",
}


class Pages:
    """Serves ``count`` pages of sign-in attempts, remembering each response weakly; at each
    request it notes which earlier responses are still alive."""

    def __init__(self, count: int, size: int = 3) -> None:
        self.count, self.size = count, size
        self.responses: list[weakref.ref[httpx.Response]] = []
        self.alive_at_request: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        gc.collect()  # httpx's responses are in reference cycles: collected, not freed at once
        self.alive_at_request.append(sum(ref() is not None for ref in self.responses))
        number = len(self.responses) + 1
        body = {
            "items": [dict(SIGN_IN, uuid=f"{number}-{i}") for i in range(self.size)],
            "cursor": f"c{number}",
            "has_more": number < self.count,
        }
        response = httpx.Response(200, json=body)
        self.responses.append(weakref.ref(response))
        return response


def _onepassword(handler: Any) -> Any:
    package = importlib.import_module("onepassword_events")
    return _client(package, "OnePasswordEvents", handler, token="t")


@pytest.mark.parametrize("walk", ["items", "pages"])
def test_a_pager_does_not_hold_on_to_earlier_pages(walk: str) -> None:
    pages = Pages(5)
    pager = _onepassword(pages).iter_get_sign_in_attempts(body={"limit": 3})
    seen = [item.uuid for item in pager] if walk == "items" else []
    for page in pager.pages() if walk == "pages" else []:
        seen += [item.uuid for item in page.items]
        del page
    assert seen == [f"{n}-{i}" for n in range(1, 6) for i in range(3)]
    assert pages.alive_at_request == [0] * 5


def test_a_pager_reads_its_cursor_from_the_bytes() -> None:
    pages = Pages(3)
    pager = _onepassword(pages).iter_get_sign_in_attempts(body={"limit": 3})
    assert len(list(pager)) == 9
    assert pager.position == "c3"
    assert pager.finished


def test_members_are_picked_only_where_objects_lead() -> None:
    pagination = importlib.import_module("onepassword_events._pagination")
    assert pagination._picker(("/a/b", "/c")) is not None
    assert pagination._picker(("/a/0",)) is None  # an array index
    assert pagination._picker(("/a", "/a/b")) is None  # one inside another
    assert pagination._picker(("/a/b", "/a")) is None
    picked = pagination._picker(("/meta/next", "/has_more")).validate_json(
        b'{"items": [1, 2], "meta": {"next": "n", "total": 3}, "has_more": true}'
    )
    assert picked == {"meta": {"next": "n"}, "has_more": True}


POINTERS = st.lists(
    st.lists(st.sampled_from(["a", "b", "c~d", "e/f", "0"]), min_size=1, max_size=3).map(
        lambda tokens: "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)
    ),
    min_size=1,
    max_size=3,
)
DOCUMENTS = st.dictionaries(
    st.sampled_from(["a", "b", "c~d", "e/f", "0", "z"]), JSON_VALUES, max_size=4
).flatmap(
    lambda top: st.fixed_dictionaries(
        {}, optional={"a": st.dictionaries(st.sampled_from(["a", "b", "e/f"]), JSON_VALUES)}
    ).map(lambda extra: {**top, **extra})
)


@settings(max_examples=300, deadline=None)
@given(document=DOCUMENTS, pointers=POINTERS)
def test_members_read_from_bytes_are_those_of_the_decoded_body(
    document: dict[str, Any], pointers: list[str]
) -> None:
    pagination = importlib.import_module("onepassword_events._pagination")
    picker = pagination._picker(tuple(pointers))
    if picker is None:
        return  # an array index or a pointer inside another: read from the decoded body
    try:
        picked = picker.validate_json(json.dumps(document).encode())
    except pydantic.ValidationError:
        return  # a member on the way is not an object: read from the decoded body
    for pointer in pointers:
        assert pagination._pointer(picked, pointer) == pagination._pointer(document, pointer)
