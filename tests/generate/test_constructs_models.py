"""Schema and model constructs of real specs (issue 8): every one generates a package that
imports, reads and writes values, and passes ``mypy --strict``.

The specs are in ``tests/fixtures/real/models/``; each is generated once (through the CLI, as a
user would with ``--spec``) into its own package ``cm_<spec>``, and one ``mypy --strict`` run
checks them all.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pydantic
import pytest
from click.testing import CliRunner, Result

from generator.build import Target, build_api
from generator.cli import main
from generator.errors import SpecgenError
from generator.load import load_document
from generator.models import generate_models
from generator.validate import validate_spec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "models"
SPECS = sorted(p.stem for p in FIXTURES.glob("*.yaml"))
DEPTH = 100


def deep_spec(depth: int) -> dict[str, Any]:
    """Models nested ``depth`` deep (``L0`` holds ``L1``... ``L<depth>``), each also naming
    itself and its successor in an array."""
    schemas: dict[str, Any] = {
        f"L{i}": {
            "type": "object",
            "properties": {
                "next": {"$ref": f"#/components/schemas/L{i + 1}"},
                "same": {"$ref": f"#/components/schemas/L{i}"},
                "many": {"type": "array", "items": {"$ref": f"#/components/schemas/L{i + 1}"}},
            },
        }
        for i in range(depth)
    }
    schemas[f"L{depth}"] = {"type": "object", "properties": {"leaf": {"type": "integer"}}}
    ok = {"description": "ok", "content": {"application/json": {"schema": schemas["L0"]}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Deep", "version": "1"},
        "paths": {"/deep": {"get": {"operationId": "getDeep", "responses": {"200": ok}}}},
        "components": {"schemas": schemas},
    }


@dataclass(frozen=True)
class Generated:
    result: Result
    folder: Path  # the generated project, holding the package folder ``package``
    package: str

    def module(self, name: str = "") -> ModuleType:
        assert self.result.exit_code == 0, self.result.output
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)


def generate(spec: Path, out: Path, package: str, *extra: str) -> Generated:
    args = ["generate", "--spec", str(spec), "--output", str(out), "--package", package, *extra]
    return Generated(CliRunner().invoke(main, args), out / package, package)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    out = tmp_path_factory.mktemp("constructs")
    found = {name: generate(FIXTURES / f"{name}.yaml", out, f"cm_{name}") for name in SPECS}
    deep = out / "deep.json"
    deep.write_text(json.dumps(deep_spec(DEPTH)))
    found["deep"] = generate(deep, out, "cm_deep")
    return found


@pytest.fixture(scope="module")
def mypy_lines(generated: dict[str, Generated], tmp_path_factory: pytest.TempPathFactory) -> str:
    """``mypy --strict`` over every package that generated (one run: mypy is slow)."""
    work = tmp_path_factory.mktemp("mypy")
    folders = [g.folder / g.package for g in generated.values() if g.result.exit_code == 0]
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    command = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]
    done = subprocess.run(
        [*command, "--cache-dir", str(work / "cache"), *map(str, folders)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def mypy_clean(generated: dict[str, Generated], mypy_lines: str, name: str) -> None:
    gen = generated[name]
    assert gen.result.exit_code == 0, gen.result.output
    lines = mypy_lines.splitlines()
    stray = [line for line in lines if "error" in line and "/cm_" not in line]
    assert not stray, "mypy failed outside the packages:\n" + "\n".join(stray)
    about = [line for line in lines if f"{gen.package}/" in line]
    assert not about, "\n".join(about)


def warnings_of(gen: Generated) -> list[str]:
    return [line for line in gen.result.output.splitlines() if line.startswith("warning:")]


def client_answering(module: ModuleType, cls: str, body: Any, seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return getattr(module, cls)(base_url="https://api.test", http_client=http)


# -- 3. names ---------------------------------------------------------------------------------


def test_colliding_reserved_and_non_ascii_names(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    """``fooBar``/``foo_bar`` and ``class``/``__class__`` collide after sanitizing; ``None``,
    ``True``, ``list``, ``BaseModel``, ``Field``, ``Any`` are taken; ``Café`` and ``用户`` are not
    ASCII; ``info.title: None`` names the client."""
    gen = generated["names"]
    assert gen.result.exit_code == 0, gen.result.output
    models = gen.module("models")
    package = gen.module()
    assert package.NoneClient.__name__ == "NoneClient"
    assert package.AsyncNoneClient.__name__ == "AsyncNoneClient"
    expected = {
        "a": "FooBar", "b": "FooBar2", "c": "Class", "d": "Class2", "e": "NoneModel",
        "f": "TrueModel", "g": "List", "h": "Str", "i": "BaseModelModel", "j": "FieldModel",
        "k": "AnyModel", "l": "Cafe", "m": "用户", "n": "Optional",
    }  # fmt: skip
    holder = models.Holder.model_validate({key: {"x": 1, "y": 2} for key in expected})
    for key, cls in expected.items():
        value = getattr(holder, key)
        assert type(value).__name__ == cls
        assert value.model_dump(exclude_unset=True)["x"] == 1
    assert models.FooBar2.model_validate({"y": 3}).y == 3  # foo_bar's own field
    assert models.Class2.model_validate({"y": 3}).y == 3  # __class__'s own field
    assert models.BaseModel is pydantic.BaseModel  # the import is not shadowed
    mypy_clean(generated, mypy_lines, "names")


# -- 2. regular expressions -------------------------------------------------------------------


def test_patterns_are_read_by_the_generated_code_engine(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    """``\\p{L}`` and ``\\A...\\z`` (which Python's ``re`` refuses) are kept and enforced; a
    pattern the engine cannot compile is dropped, in models and parameters, with a warning."""
    gen = generated["patterns"]
    assert gen.result.exit_code == 0, gen.result.output
    dropped = sorted(line.split(" at ")[1].split(":")[0] for line in warnings_of(gen))
    assert dropped == [
        "/components/schemas/Thing/properties/broken/pattern",
        "/components/schemas/Thing/properties/codes/patternProperties/^(?!x)",
        "/components/schemas/Thing/properties/lookahead/pattern",
        "/paths/~1things~1{id}/get/parameters/2/schema/pattern",
    ]
    assert all("patterns.yaml:" in line for line in warnings_of(gen))  # a line number
    models = gen.module("models")
    thing = models.Thing.model_validate(
        {"letters": "Été", "broken": "[", "anchored": "abc", "lookahead": "b", "codes": {"x": 1}}
    )
    assert thing.broken == "[" and thing.lookahead == "b"
    for field, bad in (("letters", "123"), ("anchored", "ABC")):
        with pytest.raises(pydantic.ValidationError):
            models.Thing.model_validate({field: bad})
    seen: list[httpx.Request] = []
    client = client_answering(gen.module(), "Patterns", {"letters": "abc"}, seen)
    assert client.get_thing(id="abc", name="日本", code="[").letters == "abc"
    assert seen[-1].url.params["code"] == "["
    with pytest.raises(Exception, match="pattern"):
        client.get_thing(id="ABC")
    mypy_clean(generated, mypy_lines, "patterns")


def test_patterns_strict_generation_refuses_dropped_patterns(tmp_path: Path) -> None:
    gen = generate(FIXTURES / "patterns.yaml", tmp_path, "cm_strict_patterns", "--strict")
    assert gen.result.exit_code == 2
    assert "cannot be compiled" in gen.result.output
    assert not (tmp_path / "cm_strict_patterns").exists()


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_validation_reads_patterns_like_the_generated_code(tmp_path: Path, version: str) -> None:
    """``\\p{L}`` is valid, a ``default`` is matched by the same engine, and a pattern the
    engine refuses does not stop validation (generation drops it with a warning)."""

    letters = r"^\p{L}+$"

    def problems(default: str) -> list[str]:
        schemas = {
            "Ok": {"type": "string", "pattern": letters, "default": default},
            "Refused": {"type": "string", "pattern": "^(?=a)a$", "default": "b"},
        }
        spec = {
            "openapi": version,
            "info": {"title": "P", "version": "1"},
            "paths": {},
            "components": {"schemas": schemas},
        }
        path = tmp_path / f"{default}.json"
        path.write_text(json.dumps(spec))
        return [d.message for d in validate_spec(spec, load_document(path))]

    assert problems("Été") == []
    (problem,) = problems("123")
    assert f"'123' does not match {letters!r}" in problem


# -- 4. deep nesting --------------------------------------------------------------------------


def test_models_nested_100_deep_import_and_read(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    gen = generated["deep"]
    assert gen.result.exit_code == 0, gen.result.output
    done = subprocess.run(  # a fresh interpreter: the import itself is what used to fail
        [sys.executable, "-c", "import cm_deep, json, sys; m = cm_deep.models; "
         "v = m.L0.model_validate(json.loads(sys.argv[1])); print(v.model_dump_json())",
         json.dumps(nested(DEPTH))],
        cwd=gen.folder, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    read = json.loads(done.stdout)
    for _ in range(DEPTH):
        read = read["next"]
    assert read["leaf"] == 7
    mypy_clean(generated, mypy_lines, "deep")


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 7}
    for _ in range(depth):
        value = {"next": value, "many": []}
    return value


# -- 5. allOf overrides and model defaults ----------------------------------------------------


def test_allof_overrides_and_model_defaults_are_mypy_clean(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    """A member of ``allOf`` redefining a property with another type (``date-time`` for a
    string, a model for a free-form object, any integer for an enum) and object or array
    defaults of models type-check; the values read as the spec says."""
    gen = generated["overrides"]
    models = gen.module("models")
    child = models.Child.model_validate(
        {"name": "abc", "when": "2024-01-02T03:04:05Z", "blob": {"a": 1}, "level": 9}
    )
    assert child.when.year == 2024 and child.blob == models.Inner(a=1) and child.level == 9
    assert child.inner is None and child.many is None and child.opts is None
    with pytest.raises(pydantic.ValidationError):
        models.Child.model_validate({"name": "abcd"})  # maxLength of the override
    base = models.Base.model_validate({"when": "not a date", "blob": {"any": "thing"}})
    assert base.when == "not a date" and base.blob == {"any": "thing"}
    assert models.Base.model_validate({"prompt": [1, 2]}).prompt is not None
    seen: list[httpx.Request] = []
    client = client_answering(gen.module(), "Overrides", {"child": {"name": "x"}}, seen)
    assert client.get_a().child.name == "x"
    mypy_clean(generated, mypy_lines, "overrides")


# -- 1. partial models ------------------------------------------------------------------------


def test_a_schema_without_a_model_is_read_as_any_value(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    """The schemas datamodel-code-generator refuses are found and read as any object (or only
    the sub-schema its error names, as any value), each with a warning naming it (pointer and
    line); the others are generated as usual."""
    gen = generated["partial"]
    assert gen.result.exit_code == 0, gen.result.output
    warned = [line.split(" at ", 1)[1].split(": ", 1)[0] for line in warnings_of(gen)]
    assert warned == [
        "/components/schemas/Impossible",
        "/components/schemas/Holder/properties/inline/properties/x",
    ]
    assert all(re.search(r"partial\.yaml:\d+ at ", w) for w in warnings_of(gen))
    # Four classes: the inline object of Holder is one too (HolderInline).
    assert "1 of 1 operations, 3 of 4 schemas, 2 warnings" in gen.result.output
    models = gen.module("models")
    assert models.Good.model_validate({"a": "1"}).a == 1  # generated as the spec says
    with pytest.raises(pydantic.ValidationError):
        models.Good.model_validate({"a": "x"})
    assert models.Impossible.__doc__.strip() == "Nothing can satisfy this."
    seen: list[httpx.Request] = []
    body = {"good": {"a": 1}, "bad": {"b": [1, 2]}, "inline": {"x": [None]}}
    read = client_answering(gen.module(), "Partial", body, seen).get_a()
    assert isinstance(read, models.Holder) and isinstance(read.good, models.Good)
    assert isinstance(read.bad, models.Impossible) and read.inline.x == [None]
    assert read.model_dump() == body  # every field kept
    with pytest.raises(pydantic.ValidationError):
        models.Holder.model_validate({"good": {"a": "x"}})  # Holder itself is still checked
    mypy_clean(generated, mypy_lines, "partial")


def test_partial_models_are_errors_under_strict_and_without_a_report(tmp_path: Path) -> None:
    gen = generate(FIXTURES / "partial.yaml", tmp_path, "cm_strict_partial", "--strict")
    assert gen.result.exit_code == 2
    assert gen.result.output.count("error:") == 2
    assert not (tmp_path / "cm_strict_partial").exists()
    document = load_document(FIXTURES / "partial.yaml")
    built = build_api(document.data, document.name, Target("p", "P"))
    with pytest.raises(SpecgenError, match="unsatisfiable"):
        generate_models(built.api, document.name)


# -- 6. constructs without coverage so far ------------------------------------------------------

EVERYTHING = {
    "mapped": {"pet_type": "dog", "bark": True},
    "unmapped": {"pet_type": "cat", "meow": False},
    "undiscriminated": {"pet_type": "dog"},
    "anypet": {"pet_type": "cat"},
    "both": {"name": "Rex", "age": 3},
    "mixed": "a",
    "dup": "A B",
    "strnull": None,
    "intstr": "7",
    "nullref": None,
    "extra": {"x": {"pet_type": "dog"}},
    "counts": {"a": 1},
    "empty": [1, {"b": None}],
    "noitems": [1, "two", None],
    "node": {"value": 1, "children": [{"value": 2, "parent": None}], "parent": {"value": 0}},
    "ping": {"n": 1, "pong": {"ping": {"n": 2}}},
}


def round_trip(
    gen: Generated, client: str, cls: str, call: str, value: dict[str, Any], **params: Any
) -> Any:
    """Send ``value`` as the body of ``call`` and read it back; both must be ``value``."""
    seen: list[httpx.Request] = []
    models = gen.module("models")
    api = client_answering(gen.module(), client, value, seen)
    read = getattr(api, call)(body=getattr(models, cls).model_validate(value), **params)
    assert json.loads(seen[-1].content) == value
    assert read.model_dump(mode="json", by_alias=True, exclude_unset=True) == value
    return read, seen[-1]


def test_compositions_type_lists_enums_and_recursion_31(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    gen = generated["constructs31"]
    assert gen.result.exit_code == 0 and not warnings_of(gen), gen.result.output
    models = gen.module("models")
    read, sent = round_trip(
        gen, "Constructs31", "Everything", "put_everything", EVERYTHING, dup="a_b", mixed=True
    )
    assert isinstance(read.mapped, models.Dog) and isinstance(read.unmapped, models.Cat)
    assert isinstance(read.undiscriminated, models.Dog) and isinstance(read.anypet, models.Cat)
    assert isinstance(read.both, models.Named) and isinstance(read.both, models.Aged)
    assert isinstance(read.extra["x"], models.Dog) and read.intstr == "7"
    assert read.node.children[0].value == 2 and read.ping.pong.ping.n == 2
    assert sent.url.params["dup"] == "a_b" and sent.url.params["mixed"] == "true"
    for value in (1, "a", True, None):  # every member of the mixed enum, and only those
        assert models.Everything.model_validate({"mixed": value}).mixed == value
    with pytest.raises(pydantic.ValidationError):
        models.Everything.model_validate({"mixed": "b"})
    for value in ("a-b", "a_b", "A B", "ab", "AB", "Ab", "new"):  # distinct, and lenient
        assert models.Everything.model_validate({"dup": value}).dup == value
    with pytest.raises(pydantic.ValidationError):  # the discriminator decides
        models.Everything.model_validate({"mapped": {"pet_type": "cow"}})
    mypy_clean(generated, mypy_lines, "constructs31")


def test_nullable_references_and_inherited_discriminators_30(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    gen = generated["constructs30"]
    assert gen.result.exit_code == 0 and not warnings_of(gen), gen.result.output
    models = gen.module("models")
    drawing = {
        "main": {"kind": "square", "side": 2},
        "backup": None,
        "colour": None,
        "size": 3,
        "shapes": [{"kind": "circle", "radius": 1.5}, {"kind": "square", "side": 1}],
    }
    read, _ = round_trip(gen, "Constructs30", "Drawing", "post_shape", drawing)
    assert isinstance(read.main, models.Square) and isinstance(read.main, models.Shape)
    assert [type(s).__name__ for s in read.shapes] == ["Circle", "Square"]
    backup = models.Drawing.model_validate({"backup": {"kind": "circle", "radius": 2}}).backup
    assert isinstance(backup, models.Circle) and backup.radius == 2
    assert models.Drawing.model_validate({"colour": "blue"}).colour == "blue"  # a new value
    mypy_clean(generated, mypy_lines, "constructs30")


def test_property_names_that_shadow_or_collide(
    generated: dict[str, Generated], mypy_lines: str
) -> None:
    """Properties named ``int``, ``datetime``, ``date``, ``Field``, ``class``, ``model_config``,
    ``fooBar`` next to ``foo_bar``, ``用户``, ``""``...: every value reads and writes back under
    its own name, date-times stay exact, and the models import nothing but the allowed modules
    (the library's ``from builtins import int as int_aliased`` is bound without an import)."""
    gen = generated["properties"]
    assert gen.result.exit_code == 0 and not warnings_of(gen), gen.result.output
    names = [
        "class", "from", "model_config", "model_fields", "schema", "json", "dict", "copy",
        "fooBar", "foo_bar", "1abc", "Café", "用户", "", "a b", "__dunder__", "_private", "self",
        "validate", "Field", "Any",
    ]  # fmt: skip
    value: dict[str, Any] = {name: i for i, name in enumerate(names)}
    value |= {"int": "x", "datetime": "2024-01-01T00:00:00.123456789Z", "date": "2024-01-02"}
    read, _ = round_trip(gen, "Props", "P", "post_a", value)
    assert type(read).__name__ == "P"
    code = (gen.folder / gen.package / "models.py").read_text()
    assert "builtins" not in code and "from ._types import DateTime as" in code
    mypy_clean(generated, mypy_lines, "properties")


def test_reference_into_a_component_sub_schema(tmp_path: Path) -> None:
    """``#/components/schemas/Video/properties/id`` (as PeerTube's spec writes) names a part of a
    component: the response reads that part, and the component stays a model."""
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Parts", "version": "1"},
        "paths": {
            "/videos/{id}": {
                "get": {
                    "operationId": "getVideoId",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"$ref": "#/components/schemas/Video/properties/id"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Video/properties/id"}
                                }
                            },
                        },
                        "404": {
                            "description": "missing",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Missing"}
                                }
                            },
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Video": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "Missing": {
                    "type": "object",
                    "properties": {"video": {"$ref": "#/components/schemas/Video/properties/id"}},
                },
            }
        },
    }
    path = tmp_path / "parts.json"
    path.write_text(json.dumps(spec))
    gen = generate(path, tmp_path / "out", "cm_parts", "--strict")
    assert gen.result.exit_code == 0, gen.result.output
    seen: list[httpx.Request] = []
    client = client_answering(gen.module(), "Parts", 7, seen)
    assert client.get_video_id(id=7) == 7
    assert seen[0].url.path == "/videos/7"
    models = gen.module("models")
    assert models.Missing.model_validate({"video": 3}).video == 3
    assert models.Video(id=1, name="n").id == 1


def test_nested_classes_named_like_builtins_import(tmp_path: Path) -> None:
    """The models stage names the items of a ``warnings`` array ``Warning`` (as codat.io's spec
    has it); unrenamed, ``list[Warning]`` means the built-in exception and import fails."""
    item = {"type": "object", "properties": {"message": {"type": "string"}}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Shadow", "version": "1"},
        "paths": {
            "/result": {
                "get": {
                    "operationId": "getResult",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Result"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Result": {
                    "type": "object",
                    "properties": {
                        "warnings": {"type": "array", "items": item},
                        "exceptions": {"type": "array", "items": item},
                    },
                }
            }
        },
    }
    path = tmp_path / "shadow.json"
    path.write_text(json.dumps(spec))
    gen = generate(path, tmp_path / "out", "cm_shadow", "--strict")
    seen: list[httpx.Request] = []
    body = {"warnings": [{"message": "careful"}], "exceptions": []}
    result = client_answering(gen.module(), "Shadow", body, seen).get_result()
    assert result.warnings[0].message == "careful"
    assert not isinstance(result.warnings[0], BaseException)


ODD_BREAKS = "\x85\u2028\u2029\x0c\x0b\x1c"


@pytest.mark.parametrize("odd", ODD_BREAKS, ids=[f"U+{ord(c):04X}" for c in ODD_BREAKS])
def test_descriptions_holding_characters_str_splitlines_breaks_at(tmp_path: Path, odd: str) -> None:
    """The library writes descriptions into docstrings as they are. ``str.splitlines`` breaks
    lines at these characters but Python does not: the models' passes once cut the module by
    the wrong lines there, and a class after such a docstring was used before it was defined."""
    inner = {
        "type": "object",
        "description": f"inner{odd}text",
        "properties": {"a": {"type": "string", "description": f"field{odd}a"}},
    }
    schema = {
        "type": "object",
        "description": f"outer{odd}text",
        "properties": {
            "n": {"type": "integer", "description": f"one{odd}two"},
            "items": {"type": "array", "items": inner},
        },
    }
    ref = {"$ref": "#/components/schemas/Thing"}
    ok = {"description": "ok", "content": {"application/json": {"schema": ref}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Odd", "version": "1"},
        "paths": {"/thing": {"get": {"operationId": "getThing", "responses": {"200": ok}}}},
        "components": {"schemas": {"Thing": schema}},
    }
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(spec))
    gen = generate(path, tmp_path / "out", f"cm_odd_{ord(odd):x}", "--strict")
    models = gen.module("models")
    thing = models.Thing.model_validate({"n": 1, "items": [{"a": "x"}]})
    assert thing.items[0].a == "x"
    assert "outer" in (models.Thing.__doc__ or "")
    client = client_answering(gen.module(), "Odd", {"n": 2, "items": []}, [])
    assert client.get_thing().n == 2
