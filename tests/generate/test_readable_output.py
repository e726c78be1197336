"""The generated Python reads like a hand-written SDK (issue 10).

One spec with path, query and header parameters, a body, pagination, examples on fields and
objects nested in components is generated once through the CLI; the package is read with ``ast``
(calls by keyword, one ``Args:`` entry per parameter, no ``examples=``, nested classes named
from their place), imported and called through ``httpx.MockTransport``, and type-checked with
``mypy --strict``. ``hoist_nested`` is also checked on its own, with hypothesis.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import nesting
from generator.cli import main
from generator.nesting import hoist_nested, member_hint

PACKAGE = "readable_sdk"
MYPY = [sys.executable, "-m", "mypy", "--strict"]
CALL_OPTIONS = ["extra_headers", "extra_query", "timeout", "max_retries", "deadline"]

PROBLEM = {
    "type": "object",
    "description": "What went wrong.",
    "properties": {
        "Problem": {  # a field named like its class: the models stage alone called it Problem1
            "type": "object",
            "properties": {"message": {"type": "string", "example": "no such pet"}},
        },
        "problem_details": {
            "type": "object",
            "description": "More about it.",
            "properties": {
                "source": {
                    "type": "object",
                    "nullable": True,
                    "properties": {"pointer": {"type": "string"}},
                },
            },
        },
    },
}
# A subclass redefining a nested object (icons8's CompactIconV3Item and IconV3Item), and a
# field whose type is a union alias that refers to itself (Vercel's JSON values).
OVERRIDES = {
    "Icon": {
        "type": "object",
        "properties": {"features": {"type": "object", "properties": {"a": {"type": "string"}}}},
    },
    "FullIcon": {
        "allOf": [
            {"$ref": "#/components/schemas/Icon"},
            {
                "type": "object",
                "properties": {  # the same object again: two places, two classes
                    "features": {"type": "object", "properties": {"a": {"type": "string"}}},
                    "size": {"type": "integer"},
                },
            },
        ]
    },
    "Json": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"$ref": "#/components/schemas/Json"}},
        ]
    },
    "Holder": {"type": "object", "properties": {"value": {"$ref": "#/components/schemas/Json"}}},
}
LONG = " ".join(["A pet, described at length so that its docstring has to be wrapped."] * 4)
PET = {
    "type": "object",
    "description": LONG,
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "example": 7},
        "name": {"type": "string", "title": "Name", "example": "Rex", "maxLength": 40},
        "owner": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "since": {"type": "string"}},
        },
        "tags": {
            "type": "array",
            "items": {"type": "object", "properties": {"label": {"type": "string"}}},
        },
        "home": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["kind", "street"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["house"]},
                        "street": {"type": "string"},
                    },
                },
                {
                    "type": "object",
                    "required": ["kind", "berth"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["boat"]},
                        "berth": {"type": "integer"},
                    },
                },
            ],
            "discriminator": {"propertyName": "kind"},
        },
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Readable", "version": "1.0"},
    "servers": [{"url": "https://pets.test"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List the pets",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {
                        "name": "offset",
                        "in": "query",
                        "description": "Where the page starts.",
                        "schema": {"type": "integer"},
                    },
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "x-pagination": {
                    "style": "offset",
                    "offsetParam": "offset",
                    "limitParam": "limit",
                    "items": "/pets",
                    "total": "/total",
                },
                "responses": {
                    "200": {
                        "description": "A page of pets.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "total": {"type": "integer"},
                                        "pets": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Pet"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                },
            },
            "post": {
                "operationId": "createPet",
                "summary": "Add a pet",
                "requestBody": {
                    "required": True,
                    "description": "The pet to add.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "The pet.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                    },
                    "400": {
                        "description": "Bad pet.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                },
            },
        },
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {
                        "name": "petId",
                        "in": "path",
                        "required": True,
                        "description": "The pet's id.",
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The pet.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                    }
                },
            },
            "delete": {
                "operationId": "deletePet",
                "parameters": [{"$ref": "#/components/parameters/PetId"}],
                "responses": {"204": {"description": "Gone."}},
            },
        },
    },
    "components": {
        "parameters": {
            "PetId": {
                "name": "petId",
                "in": "path",
                "required": True,
                "schema": {"type": "integer"},
            }
        },
        "schemas": {"Pet": PET, "Problem": PROBLEM, **OVERRIDES},
    },
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated project folder (holding the package ``readable_sdk``)."""
    work = tmp_path_factory.mktemp("readable")
    spec = work / "spec.json"
    spec.write_text(json.dumps(SPEC))
    args = ["generate", "--strict", "--spec", str(spec), "--output", str(work / "out")]
    args += ["--package", PACKAGE]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return work / "out" / PACKAGE


def module_tree(project: Path, name: str) -> ast.Module:
    return ast.parse((project / PACKAGE / f"{name}.py").read_text())


def methods(project: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every public method of the sync and async clients (properties such as
    ``with_raw_response``, which calls nothing, are not methods)."""
    tree = module_tree(project, "_client")
    return [
        node
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and not node.name.startswith("_")
        and not any(_is_property(d) for d in node.decorator_list)
    ]


def _is_property(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Name) and decorator.id in ("property", "cached_property")


def runtime_calls(func: ast.AST) -> list[ast.Call]:
    """The calls a method makes into the runtime: ``self._call(...)`` or a pager."""
    return [
        node
        for node in ast.walk(func)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "_call")
            or (isinstance(node.func, ast.Name) and node.func.id.endswith("Pager"))
        )
    ]


def test_every_runtime_call_passes_keyword_arguments_only(project: Path) -> None:
    checked = 0
    for func in methods(project):
        calls = runtime_calls(func)
        assert len(calls) == 1, func.name
        call = calls[0]
        assert call.args == [], f"{func.name}: positional arguments"
        given = [k.arg for k in call.keywords]
        assert "operation" in given and "options" in given, func.name
        options = next(k.value for k in call.keywords if k.arg == "options")
        assert isinstance(options, ast.Call) and options.args == [], func.name
        assert [k.arg for k in options.keywords] == CALL_OPTIONS, func.name
        checked += 1
    assert checked == 2 * (4 + 1)  # sync and async: four operations and one pager


def test_empty_arguments_are_left_to_their_defaults(project: Path) -> None:
    keywords = {
        func.name: [k.arg for k in runtime_calls(func)[0].keywords] for func in methods(project)
    }
    assert keywords["delete_pet"] == ["operation", "params", "options"]
    assert keywords["create_pet"] == ["operation", "body", "options"]
    assert keywords["iter_list_pets"] == ["client", "operation", "params", "options"]


def test_the_runtime_refuses_positional_arguments(project: Path) -> None:
    sys.path.insert(0, str(project))
    try:
        client_base = importlib.import_module(f"{PACKAGE}._client_base")
        pagination = importlib.import_module(f"{PACKAGE}._pagination")
    finally:
        sys.path.remove(str(project))
    for func in (
        client_base.SyncAPIClient._call,
        client_base.AsyncAPIClient._call,
        client_base.SyncAPIClient._send,
        pagination.SyncPager.__init__,
        pagination.AsyncPager.__init__,
    ):
        code = func.__code__
        assert code.co_argcount == 1, func.__qualname__  # self alone may be positional
        assert code.co_kwonlyargcount >= 4, func.__qualname__


def args_entries(doc: str) -> list[str]:
    """The names the ``Args:`` section of a Google-style docstring documents."""
    section = doc.split("Args:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^    (\w+): \S", section, flags=re.MULTILINE)


def test_every_parameter_has_its_own_args_entry(project: Path) -> None:
    for func in methods(project):
        if func.name == "__init__":
            continue
        doc = ast.get_docstring(func)
        assert doc is not None and "Args:\n" in doc, func.name
        parameters = [a.arg for a in func.args.kwonlyargs]
        assert args_entries(doc) == parameters, func.name


def test_args_entries_carry_the_spec_or_a_generated_description(project: Path) -> None:
    docs = {func.name: ast.get_docstring(func) or "" for func in methods(project)}
    assert "    pet_id: The pet's id." in docs["get_pet"]
    assert "    pet_id: The `petId` path parameter (int)." in docs["delete_pet"]
    assert "    offset: Where the page starts." in docs["list_pets"]
    assert "    x_trace: The `X-Trace` header parameter (str)." in docs["list_pets"]
    assert "    body: The pet to add." in docs["create_pet"]
    assert "    deadline: Seconds for the whole call" in docs["create_pet"]


def test_models_have_no_examples_or_titles(project: Path) -> None:
    source = (project / PACKAGE / "models.py").read_text()
    fields = [
        k.arg
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Field"
        for k in node.keywords
    ]
    assert "examples" not in fields and "title" not in fields
    assert "max_length" in fields  # constraints stay
    assert "Rex" not in source and "no such pet" not in source


def test_model_docstrings_are_written_as_by_hand(project: Path) -> None:
    source = (project / PACKAGE / "models.py").read_text()
    assert '    """What went wrong."""\n' in source  # one line, not between blank lines
    assert '    """A pet, described at length' in source
    assert max(len(line) for line in source.splitlines()) <= 100
    assert ast.get_docstring(classes(project)["Pet"]) == "\n".join(
        textwrap.wrap(LONG, 92, break_long_words=False, break_on_hyphens=False)
    )


def classes(project: Path) -> dict[str, ast.ClassDef]:
    tree = module_tree(project, "models")
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def annotation_of(cls: ast.ClassDef, attribute: str) -> str:
    for node in cls.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == attribute
        ):
            return ast.unparse(node.annotation)
    raise AssertionError(f"{cls.name} has no {attribute}")


def test_nested_classes_are_named_from_their_place(project: Path) -> None:
    found = classes(project)
    numbered = sorted(name for name in found if name[-1].isdigit())
    assert numbered == []
    assert "ProblemDetail | None" in annotation_of(found["Problem"], "problem")
    assert "ProblemDetails" in annotation_of(found["Problem"], "problem_details")
    assert "ProblemDetailsSource | None" in annotation_of(found["ProblemDetails"], "source")
    assert "PetOwner" in annotation_of(found["Pet"], "owner")
    assert "list[PetTagsItem]" in annotation_of(found["Pet"], "tags")
    home = annotation_of(found["Pet"], "home")
    assert "PetHomeHouse" in home and "PetHomeBoat" in home
    # The description of a hoisted object documents its class and still its field.
    assert ast.get_docstring(found["ProblemDetails"]) == "More about it."


def test_the_package_reads_and_sends_nested_models(project: Path) -> None:
    sent: list[httpx.Request] = []
    pet = {
        "id": 1,
        "name": "Rex",
        "owner": {"name": "Ann"},
        "tags": [{"label": "good"}],
        "home": {"kind": "boat", "berth": 4},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(
            200, json={"pets": [pet], "total": 1} if request.url.path == "/pets" else pet
        )

    sys.path.insert(0, str(project))
    try:
        sdk = importlib.import_module(PACKAGE)
        models = importlib.import_module(f"{PACKAGE}.models")
    finally:
        sys.path.remove(str(project))
    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = sdk.Readable(http_client=http)
    got = client.get_pet(pet_id=1)
    assert isinstance(got.owner, models.PetOwner) and got.owner.name == "Ann"
    assert isinstance(got.tags[0], models.PetTagsItem)
    assert isinstance(got.home, models.PetHomeBoat) and got.home.berth == 4
    client.delete_pet(pet_id=3, timeout=5)
    assert sent[-1].url.path == "/pets/3"
    assert [p.name for p in client.iter_list_pets(limit=1, x_trace="t")] == ["Rex"]
    assert sent[-1].headers["X-Trace"] == "t"
    client.create_pet(body=models.Pet(id=2, name="Tom", owner=models.PetOwner(name="Bo")))
    assert json.loads(sent[-1].content)["owner"] == {"name": "Bo"}


def test_the_package_passes_mypy_strict(project: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    done = subprocess.run(
        [*MYPY, "--cache-dir", str(tmp_path / "cache"), str(project / PACKAGE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- hoist_nested on its own ------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)


@st.composite
def nested_objects(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    fields = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    properties: dict[str, Any] = {}
    for name in fields:
        kind = draw(st.sampled_from(["string", "object", "array"] if depth < 3 else ["string"]))
        if kind == "object":
            properties[name] = draw(nested_objects(depth + 1))
        elif kind == "array":
            properties[name] = {"type": "array", "items": draw(nested_objects(depth + 1))}
        else:
            properties[name] = {"type": "string"}
    return {"type": "object", "properties": properties}


def inline_classes(node: Any, top: bool = True) -> int:
    """How many object schemas with properties ``node`` holds (itself not counted)."""
    if isinstance(node, dict):
        own = 0 if top or "properties" not in node else 1
        return own + sum(inline_classes(v, False) for v in node.values())
    if isinstance(node, list):
        return sum(inline_classes(v, False) for v in node)
    return 0


@settings(max_examples=50, deadline=None)
@given(schemas=st.dictionaries(st.sampled_from(["Pet", "Owner", "PetOwner"]), nested_objects()))
def test_hoisting_leaves_no_inline_object_and_loses_none(schemas: dict[str, Any]) -> None:
    before = json.dumps(schemas, sort_keys=True)
    nested = hoist_nested(schemas)
    assert json.dumps(schemas, sort_keys=True) == before  # the input is not changed
    expected = sum(inline_classes(s) for s in schemas.values())
    assert len(nested.schemas) == len(schemas) + expected
    assert set(nested.pointers) == set(nested.schemas) - set(schemas)
    for name, schema in nested.schemas.items():
        assert inline_classes(schema) == 0, name
        assert name.isidentifier(), name
    for pointer in nested.pointers.values():  # each points where the object was in the input
        tokens = pointer.removeprefix("/components/schemas/").split("/")
        node: Any = schemas
        for token in tokens:
            node = node[token]
        assert "properties" in node


def test_references_into_a_hoisted_object_follow_it() -> None:
    schemas = {
        "Pet": {"type": "object", "properties": {"owner": {"type": "object", "properties": {}}}},
        "Other": {
            "type": "object",
            "properties": {
                "whole": {"$ref": "#/components/schemas/Pet/properties/owner"},
                "part": {"$ref": "#/components/schemas/Pet/properties/owner/properties/x"},
            },
        },
    }
    nested = hoist_nested(schemas)
    other = nested.schemas["Other"]["properties"]
    assert other["whole"] == {"$ref": "#/components/schemas/Pet/properties/owner"}
    assert other["part"] == {"$ref": "#/components/schemas/PetOwner/properties/x"}
    assert nested.pointers == {"PetOwner": "/components/schemas/Pet/properties/owner"}
    assert list(nested.schemas) == ["Pet", "PetOwner", "Other"]


def test_union_members_without_a_telling_value_are_numbered() -> None:
    member = {"type": "object", "properties": {"a": {"type": "string"}}}
    nested = hoist_nested({"Shape": {"anyOf": [member, member]}})
    assert list(nested.schemas) == ["Shape", "ShapeOption1", "ShapeOption2"]


def test_a_union_member_is_named_by_the_value_that_tells_it_apart() -> None:
    def member(kind: str, own: str) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["kind", own],
            "properties": {"kind": {"type": "string", "enum": [kind]}, own: {"type": "integer"}},
        }

    union = {"oneOf": [member("cat", "cats"), member("dog", "dogs")]}
    assert [member_hint(union, union["oneOf"], i) for i in (0, 1)] == ["cat", "dog"]
    same = {"oneOf": [member("pet", "cats"), member("pet", "dogs")]}  # kind tells nothing apart
    assert [member_hint(same, same["oneOf"], i) for i in (0, 1)] == ["cats", "dogs"]
    assert member_hint(same, [{"$ref": "#/components/schemas/Cat"}], 0) == "Option 1"


def test_a_redefined_nested_object_and_a_recursive_alias(project: Path) -> None:
    """The subclass's nested object does not narrow its base's attribute (mypy above), and a
    field typed by a union alias of itself is built (it looped in the builder before)."""
    found = classes(project)
    assert "FullIconFeatures" in annotation_of(found["FullIcon"], "features")
    assert "IconFeatures" in annotation_of(found["Icon"], "features")
    assert [ast.unparse(b) for b in found["FullIcon"].bases] == ["BaseModel"]
    assert "Json" in annotation_of(found["Holder"], "value")


# Every keyword under which hoisting looks for a class, each wrapping what comes next.
WRAPPERS = ["items", "additionalProperties", "patternProperties", "allOf", "anyOf", "oneOf"]


@st.composite
def wrapped_objects(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    """Objects whose fields wrap further objects (or strings) in any keyword of ``WRAPPERS``."""
    properties: dict[str, Any] = {}
    for name in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        inner = draw(wrapped_objects(depth + 1)) if depth < 2 else {"type": "string"}
        for wrapper in draw(st.lists(st.sampled_from(WRAPPERS), max_size=2)):
            if wrapper == "patternProperties":
                inner = {"type": "object", wrapper: {"^x": inner}}
            elif wrapper in ("allOf", "anyOf", "oneOf"):
                inner = {wrapper: [inner, {"type": "null"}]}
            else:
                inner = {wrapper: inner}
        properties[name] = inner
    return {"type": "object", "properties": properties}


class _Always(frozenset[str]):
    def isdisjoint(self, other: Any) -> bool:
        return False


@settings(max_examples=50, deadline=None)
@given(schemas=st.dictionaries(st.sampled_from(["Pet", "Owner"]), wrapped_objects(), min_size=1))
def test_hoisting_skips_only_schemas_that_hold_none(schemas: dict[str, Any]) -> None:
    """A schema without any keyword that can hold another is not visited: the hoisting is the
    same as when every schema is."""
    nested = hoist_nested(schemas)
    saved, nesting._NESTS = nesting._NESTS, _Always()
    try:
        everything = hoist_nested(schemas)
    finally:
        nesting._NESTS = saved
    assert nested == everything
    assert nested.schemas.keys() > schemas.keys()  # something was hoisted: every field nests
