"""What the python and cli sets render, and what the models stage writes, is already in black's
style (issue 11): black (after isort) changes no chunk without a line longer than 100 characters,
so ``fmt`` need not run black on it (``formatted: true`` in the sets' manifests).

Checked on the unformatted rendering (``support.black_stable``) of the four APIs, of fixture specs
with long names and descriptions, many parameters, enums, nested objects and fields named like
builtins, and of specs hypothesis makes up; the quoting and import helpers are compared with
black and isort directly.
"""

from __future__ import annotations

import keyword
import textwrap
from pathlib import Path
from typing import Any

import black
import isort
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.apis import SPECS
from support.black_stable import chunks, render_raw, unstable

from generator.build import Target
from generator.fmt import IMPORT_LINE_LENGTH, MODE, format_files
from generator.pipeline import spec_file_target, target_of
from generator.project import list_apis, load_api
from generator.pytext import (
    IMPORT_WIDTH,
    LINE_WIDTH,
    annotated_assignment,
    call_assignment,
    call_lines,
    class_line,
    docstring,
    from_import,
    item_line,
    param_line,
    pyrepr,
)
from generator.template_sets import BUILTIN_ROOT, Templates, load_set

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = ["python", "cli"]  # the sets with Python templates
SPEC_FILES = [
    "openapi/petstore.yaml",
    "openapi/oddities.json",
    "openapi/injection.yaml",
    "openapi/no_schemas.yaml",
    "hostile/item7-odd-but-valid.yaml",
    "real/models/names.yaml",
    "real/models/constructs30.yaml",
    "real/models/constructs31.yaml",
    "real/models/patterns.yaml",
    "real/models/properties.yaml",
    "real/operations/constructs.yaml",
    "real/operations/loose_forms.yaml",
    "real/lenient/multipart.yaml",
    "real/lenient/pagination.yaml",
    "real/corpus/peer_cases_31.yaml",
]

LONG = (
    "A description long enough to need wrapping in every docstring it reaches, with 'single' "
    'and "double" quotes, a backslash \\ and `code`, repeated: ' * 3
)


LONG_NAME = "AnExtremelyLongSchemaNameThatGoesOnAndOnForQuiteSomeTimeIndeedYesReally"
LONG_REF = {"application/json": {"schema": {"$ref": f"#/components/schemas/{LONG_NAME}"}}}
ENUM = {"type": "string", "enum": ["x", "y"]}


def _parameter(name: str, where: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": LONG, "schema": schema}


# Long names, long descriptions, many parameters, enums, nested objects, builtins-named fields,
# an API key and OAuth client credentials (the templates' rarer branches).
INLINE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Long " * 20, "version": "1.0", "description": LONG},
    "servers": [
        {"url": "https://api.example.com", "description": LONG},
        {"url": "https://eu.api.example.com/with/a/rather/long/path/" + "x" * 40},
    ],
    "components": {
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key-" + "Long" * 10},
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "https://auth.example.com/oauth/token",
                        "scopes": {"read": "Read.", "write": "Write.", "admin": "Admin."},
                    }
                },
            },
        },
        "schemas": {
            "AnExtremelyLongSchemaNameThatGoesOnAndOnForQuiteSomeTimeIndeedYesReally": {
                "type": "object",
                "description": LONG,
                "required": ["id", "type"],
                "properties": {
                    "id": {"type": "integer", "description": "The id."},
                    "type": {"type": "string", "enum": ["a", "b'c", 'd"e', "x" * 90]},
                    "list": {"type": "array", "items": {"type": "string"}},
                    "dict": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "format": {"type": "string", "pattern": "^[a-z]+'\"$", "maxLength": 20},
                    "nested": {
                        "type": "object",
                        "description": LONG,
                        "properties": {
                            "deeper": {
                                "type": "object",
                                "properties": {"value": {"type": "number", "minimum": 0.5}},
                            },
                            "when": {"type": "string", "format": "date-time"},
                        },
                    },
                    "aVeryLongPropertyNameThatKeepsGoingAndGoingUntilItIsLongerThanALine": {
                        "type": "string",
                        "description": LONG,
                    },
                },
            },
            "Small": {"type": "object", "properties": {"int": {"type": "integer"}}},
        },
    },
    "security": [{"key": []}, {"oauth": ["read"]}],
    "paths": {
        "/things/{thing_id}/with/a/path/long/enough/to/need/care/{other_thing_identifier}": {
            "post": {
                "operationId": "doSomethingWithAnOperationIdThatIsLongerThanAnyoneWouldLike",
                "summary": LONG,
                "parameters": [
                    _parameter("thing_id", "path", {"type": "integer"}, True),
                    _parameter("other_thing_identifier", "path", {"type": "string"}, True),
                    *(_parameter(f"filter_{n}", "query", ENUM, False) for n in range(12)),
                    _parameter("X-Request-Id", "header", {"type": "string"}, False),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "$ref": "#/components/schemas/"
                                "AnExtremelyLongSchemaNameThatGoesOnAndOnForQuiteSomeTimeIndeedYesReally"
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": LONG,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Small"}}
                        },
                    },
                    "404": {"description": "Not found."},
                },
            },
            "put": {  # a long name and a long result type: the annotation is split
                "operationId": "replaceTheThingWithAnotherThingOfTheSameKind",
                "responses": {"200": {"description": "The thing.", "content": LONG_REF}},
            },
            "get": {
                "operationId": "one",
                "parameters": [
                    _parameter("thing_id", "path", {"type": "integer"}, True),
                    _parameter("other_thing_identifier", "path", {"type": "string"}, True),
                ],
                "responses": {"204": {"description": "Nothing."}},
            },
        },
        "/upload": {
            "post": {
                "operationId": "upload",
                "requestBody": {
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "note": {"type": "string", "description": LONG},
                                },
                            }
                        }
                    }
                },
                "responses": {"204": {"description": "Done."}},
            }
        },
    },
}


def _sets() -> list[Any]:
    return Templates().for_api(SETS)


# The sets' runtime files, copied as they are: the same for every spec (checked with the APIs).
RUNTIME = {p.name for name in SETS for p in (BUILTIN_ROOT / name / "runtime").glob("*.py")}


def _assert_stable(files: dict[str, str], python: set[str], *, runtime: bool = True) -> None:
    checked = [n for n in sorted(python) if runtime or n.rpartition("/")[2] not in RUNTIME]
    problems = [f"{name}: {item}" for name in checked for item in unstable(files[name])]
    assert not problems, f"{len(problems)} chunks black would change:\n" + "\n".join(problems[:5])


@pytest.mark.parametrize("key", list_apis(SPECS))
def test_the_apis_are_black_stable(key: str) -> None:
    api = load_api(SPECS, key)
    rendered = render_raw(api.spec, api.source.name, target_of(api), _sets())
    assert {f"{api.config.package}/_client.py", f"{api.config.package}/models.py"} <= (
        rendered.python
    )
    _assert_stable(rendered.files, rendered.python)


@pytest.mark.parametrize("name", SPEC_FILES)
def test_fixture_specs_are_black_stable(name: str) -> None:
    document, target = spec_file_target(FIXTURES / name, None, None)
    rendered = render_raw(document.data, name, target, _sets())
    _assert_stable(rendered.files, rendered.python)


def test_long_names_and_texts_are_black_stable() -> None:
    rendered = render_raw(INLINE, "inline.yaml", Target("inline", "Inline", "Inline"), _sets())
    texts = [rendered.files[name] for name in sorted(rendered.python)]
    # the spec reaches the branches it is meant to reach, and some chunks are long
    assert any("ClientCredentialsAuth(" in text for text in texts)
    assert any("ApiKeyAuth(" in text for text in texts)
    assert any(c.long for text in texts for c in chunks(text))
    _assert_stable(rendered.files, rendered.python)


def test_the_sets_say_they_are_formatted() -> None:
    for name in SETS:
        assert load_set(BUILTIN_ROOT / name, builtin=True).formatted


def test_a_chunk_black_changes_is_found() -> None:
    """The check itself: single quotes and a lost blank line are reported, a long line is not."""
    text = 'import os\n\nX = {"a": 1, }\n\n\nY = "' + "y" * 100 + "'\"\n"
    found = unstable(text)
    assert [item.where for item in found] == ["statement 1"]


def test_a_large_stable_class_keeps_its_blank_lines() -> None:
    """``fmt`` cuts a large class of a ``formatted`` set at its members: what it does not send
    to black comes back as written, blank lines in docstrings included."""
    method = 'def m{n}(self) -> None:\n    """Summary.\n\n    More.\n    """\n    return None\n'
    members = "\n".join(textwrap.indent(method.format(n=n), "    ") for n in range(400))
    text = f'class C:\n    """A class."""\n\n{members}'
    assert not unstable(text)
    assert format_files({"m.py": text}, stable={"m.py"}) == {"m.py": text}


# -- the helpers the templates use, against black and isort themselves --------------------------

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)


@given(st.text())
def test_pyrepr_quotes_strings_as_black_does(value: str) -> None:
    code = f"x = {pyrepr(value)}\n"
    assert black.format_str(code, mode=MODE) == code
    assert eval(pyrepr(value)) == value


@given(st.lists(names, min_size=1, max_size=12, unique=True))
@example(["A10", "A2"])  # digits are read as numbers (found by hypothesis)
@example(["Event11", "event2", "EVENT3", "Event2_1", "Event2"])
def test_from_import_is_what_isort_writes(imported: list[str]) -> None:
    line = from_import(imported, "._module") + "\n"
    assert IMPORT_WIDTH == IMPORT_LINE_LENGTH
    assert isort.code(line, profile="black", line_length=IMPORT_LINE_LENGTH) == line


# Arguments as the descriptors' calls hold them: names, and deferred types of models.
arguments = names | st.builds(
    lambda parts, lazy: f"Later({'lambda: ' if lazy else ''}{'.'.join(parts)})",
    st.lists(names, min_size=1, max_size=3),
    st.booleans(),
)


def _in_calls(depth: int, item: str, brackets: str = "{}") -> str:
    """``item`` (lines, the last one's comma left out) inside a dict (or a call: ``brackets``
    ``"g()"``) nested in calls split one item a line, at the indent ``4 * depth + 4`` the item
    was laid out for."""
    opening = "".join(f"{'    ' * n}f{n}(\n" for n in range(depth))
    closing = "".join(f"{'    ' * n}){',' if n else ''}\n" for n in reversed(range(depth)))
    pad = "    " * depth
    return f"x = {opening}{pad}{brackets[:-1]}\n{item},\n{pad}{brackets[-1]},\n{closing}"


@given(st.integers(min_value=1, max_value=4), names, st.lists(arguments, min_size=1, max_size=5))
@example(2, "ResponseSpec", ['"json"', "Later(lambda: models." + "A" * 40 + ")", '"text"'])
@example(2, "ResponseSpec", ['"json"', "Later(lambda: models." + "A" * 80 + ")", '"text"'])
def test_call_lines_are_what_black_writes(depth: int, head: str, args: list[str]) -> None:
    """A call laid out by ``call_lines`` is what black makes of it written on one line: the
    same layout, not only one black leaves as it is."""
    pad = "    " * (depth + 1)
    written = _in_calls(depth, f"{pad}{head}({', '.join(args)})")
    laid_out = _in_calls(depth, call_lines(head, args, 4 * depth + 4))
    assert black.format_str(written, mode=MODE) == laid_out


@given(
    st.integers(min_value=1, max_value=4),
    st.sampled_from(["", "type="]),
    names,
    st.lists(names, min_size=1, max_size=3),
    st.sampled_from(["{}", "lambda: {}", "lambda: list[{}]", "lambda: {} | None"]),
)
@example(2, "type=", "Later", ["models", "A" * 40], "lambda: {}")  # split
@example(3, "", "Later", ["models", "A" * 90], "lambda: {}")  # split, still too long
@example(3, "", "Later", ["models", "A" * 90], "lambda: list[{}]")  # left for black
def test_item_lines_are_what_black_writes(
    depth: int, head: str, function: str, dotted: list[str], argument: str
) -> None:
    """An item laid out by ``item_line`` is what black makes of it written on one line, or
    left on that line for black."""
    value = f"{function}({argument.format('.'.join(dotted))})"
    pad = "    " * (depth + 1)
    written = _in_calls(depth, f"{pad}{head}{value}", "g()")
    laid_out = _in_calls(depth, item_line(head, value, 4 * depth + 4).removesuffix(","), "g()")
    expected = black.format_str(written, mode=MODE)
    if laid_out == written != expected:  # left for black: an argument it would split too
        assert argument != "{}" and argument != "lambda: {}"
        assert len(pad) + 4 + len(argument.format(".".join(dotted))) > LINE_WIDTH
    else:
        assert laid_out == expected


@given(st.text(), st.sampled_from([0, 4, 8]))
def test_docstrings_are_laid_out_as_black_does(text: str, indent: int) -> None:
    pad = " " * indent
    code = f"{pad}{docstring(text, indent)}\n"
    if indent:  # a docstring is the first statement of a function
        code = "".join(f"{' ' * n}def f():\n" for n in range(0, indent, 4)) + code
    assert black.format_str(code, mode=MODE) == code


@given(
    st.integers(1, 90),
    st.integers(1, 100),
    st.lists(st.integers(1, 60), min_size=1, max_size=4),
)
def test_annotated_assignments_are_what_black_leaves(
    name_length: int, type_length: int, arg_lengths: list[int]
) -> None:
    """``NAME: Generic[T] = Call(...)`` with names and types of any length, as black has it
    (unless a line stays too long, which black formats anyway)."""
    args = "".join(f"    a{n}={'x' * length},\n" for n, length in enumerate(arg_lengths))
    value = f"Call(\n{args})"
    code = annotated_assignment("N" * name_length, f"Generic[{'T' * type_length}]", value) + "\n"
    if all(len(line) <= 100 for line in code.splitlines()):
        assert black.format_str(code, mode=MODE) == code


# Names of any length: those from a spec can be longer than a line.
long_names = st.integers(1, 130).map(lambda n: "n" * n)


@given(long_names, st.integers(1, 40), st.sampled_from([4, 8, 12]))
def test_call_assignments_are_what_black_leaves(name: str, function: int, indent: int) -> None:
    """``self.x = wrapper(client.x)`` (the raw-response classes) with names of any length."""
    opening = "".join(f"{' ' * n}def f{n}():\n" for n in range(0, indent, 4))
    code = opening + call_assignment(f"self.{name}", "w" * function, f"c.{name}", indent) + "\n"
    assert black.format_str(code, mode=MODE) == code


@given(long_names, st.sampled_from(["TypedDict, total=False", "Base", "A, B, metaclass=M"]))
def test_class_lines_are_what_black_leaves(name: str, bases: str) -> None:
    code = class_line(name, bases) + "\n    pass\n"
    assert black.format_str(code, mode=MODE) == code


dotted = st.lists(st.integers(1, 60).map(lambda n: "m" * n), min_size=1, max_size=2).map(".".join)


@given(
    long_names,
    st.lists(dotted, min_size=1, max_size=4),
    st.sampled_from([None, "None", "NOT_GIVEN"]),
    st.sampled_from([4, 8]),
)
def test_param_lines_are_what_black_leaves(
    name: str, members: list[str], default: str | None, indent: int
) -> None:
    """A parameter of a signature split one a line: unions of names (the body's models and
    TypedDicts) of any length, with or without a default."""
    line = param_line(name, " | ".join(members), indent, default)
    head = "def f(" if indent == 4 else "class C:\n    def f("
    pad = " " * (indent - 4)
    code = f"{head}\n{' ' * indent}self,\n{line}\n{pad}) -> None:\n{pad}    pass\n"
    if len(members) > 1 or len(line.splitlines()[0]) <= 100:
        assert black.format_str(code, mode=MODE) == code


words = st.text(st.sampled_from("abcxyz _'\"\\`é"), min_size=1, max_size=150)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operation=names,
    parameters=st.lists(names, max_size=6, unique_by=str.lower),
    description=words,
    fields=st.lists(names, min_size=1, max_size=5, unique_by=str.lower),
    values=st.lists(words, min_size=1, max_size=4, unique=True),
)
def test_made_up_specs_are_black_stable(
    operation: str, parameters: list[str], description: str, fields: list[str], values: list[str]
) -> None:
    spec = {
        "openapi": "3.0.3",
        "info": {"title": description, "version": "1", "description": description},
        "paths": {
            "/p": {
                "post": {
                    "operationId": operation,
                    "description": description,
                    "parameters": [
                        _parameter(p, "query", {"type": "string", "enum": values}, False)
                        for p in parameters
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/M"}}
                        }
                    },
                    "responses": {"200": {"description": description}},
                }
            }
        },
        "components": {
            "schemas": {
                "M": {
                    "type": "object",
                    "description": description,
                    "properties": {
                        f: {"type": "string", "description": description, "enum": values}
                        for f in fields
                    },
                }
            }
        },
    }
    rendered = render_raw(spec, "made-up.yaml", Target("made_up", "MadeUp", "Made up"), _sets())
    _assert_stable(rendered.files, rendered.python, runtime=False)
