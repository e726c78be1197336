"""Random valid specs with hostile text in every text position (issue 9).

A hypothesis strategy builds small OpenAPI 3.0 and 3.1 documents (servers, tags, security
schemes, paths with path/query/header parameters, request bodies, responses, component schemas
with properties, enums, defaults and examples) whose every free-text position holds a string
chosen to break out of wherever it lands: quotes of every kind, triple quotes, backslashes,
``\\N{...}`` escapes, Jinja syntax, comment and ``type: ignore`` markers, line and paragraph
separators, NUL and other control characters, non-ASCII, Python keywords, builtins and dunder
names, and path traversal.

For each, the client is generated (or refused with a clean ``SpecgenError``, never another
exception) and then:

* every ``.py`` file parses;
* every written file is inside the package folder, and nothing else appears;
* importing the package in a fresh interpreter succeeds and has no side effect: the payloads
  try to create a marker file and print a marker, and neither ever happens (neither during
  generation, where template injection would run).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st

from generator.build import Target
from generator.errors import SpecgenError
from generator.pipeline import generate_files, spec_file_target
from generator.template_sets import default_sets
from generator.write import write_package

MARKER = "PWNED"  # printed, or created as a file in the working folder, by a payload that runs
_TOUCH = f"__import__('pathlib').Path('{MARKER}').touch()"
_SHELL = f"__import__('os').system('touch {MARKER}')"

# Each tries to end the string, comment or template it is placed in and run code after it.
PAYLOADS = [
    f'"""; {_TOUCH}; """',
    f"'''; {_TOUCH}; '''",
    f'"\n{_TOUCH}\n"',
    f"'\n{_TOUCH}\n'",
    f'\\"; print("{MARKER}"); "',
    f'""""\nprint("{MARKER}")\n#',
    f"\\\n{_TOUCH}",
    f"\\N{{BULLET}} \\x00 \\u2028 \\{MARKER}",
    f"{{{{ cycler.__init__.__globals__.os.system('touch {MARKER}') }}}}",
    f"{{% for x in range(1) %}}{{{{ '{MARKER}' }}}}{{% endfor %}}",
    "{{ 7*7 }} {% raw %} {# {%- endraw %}",
    f"# type: ignore\n{_SHELL}",
    f"}}); {_SHELL}; print({{",
    f"\u2028{_TOUCH}\u2029",
    f"\x85{_TOUCH}\x0c\x0b",
    f"\r{_TOUCH}\r\n",
    "\x00\x01\x1b[31m\x7f",
    "é日本🙂\u202e\u200d",
    "../../../../tmp/" + MARKER,
    "/etc/passwd",
    "..",
    "",
    " ",
]
# Names Python or the generated code already gives a meaning to.
NAMES = [
    "class", "def", "None", "True", "import", "lambda", "match", "type", "self", "cls",
    "__init__", "__class__", "__all__", "__import__", "__builtins__", "print", "exec", "list",
    "str", "int", "dict", "Any", "BaseModel", "Field", "Literal", "models", "errors", "httpx",
    "pydantic", "os", "sys", "client", "_base", "model_config", "model_fields", "json", "schema",
    "copy", "validate", "body", "headers", "timeout", "http_client", "base_url",
]  # fmt: skip
SAFE_KEY_CHARS = "abcXYZ019._-"

texts = st.one_of(
    st.sampled_from(PAYLOADS),
    st.sampled_from(NAMES),
    st.lists(st.sampled_from(PAYLOADS + NAMES), min_size=2, max_size=3).map(" ".join),
    st.text(st.sampled_from("\"'\\{}%#\n\r\t\x00\u2028\x85é/. _-aZ0"), max_size=8),
)
# Component keys must match ^[a-zA-Z0-9.\-_]+$ (OpenAPI): the names, and odd spellings.
component_keys = st.one_of(
    st.sampled_from([n for n in NAMES if n.replace("_", "a").isalnum()]),
    st.text(st.sampled_from(SAFE_KEY_CHARS), min_size=1, max_size=6),
)


def without(chars: str) -> st.SearchStrategy[str]:
    """Texts with ``chars`` removed, never empty: for places the syntax gives a meaning to."""
    return texts.map(lambda t: "".join(c for c in t if c not in chars) or "x")


@st.composite
def schemas(draw: st.DrawFn, refs: list[str], version: str, depth: int = 0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["string", "enum", "integer", "boolean", "array", "object", "ref"]))
    if kind == "ref" and refs:
        return {"$ref": f"#/components/schemas/{draw(st.sampled_from(refs))}"}
    schema: dict[str, Any]
    if kind == "enum":
        values = draw(st.lists(texts, min_size=1, max_size=4, unique=True))
        schema = {"type": "string", "enum": values}
        if draw(st.booleans()):
            schema["default"] = draw(st.sampled_from(values))
    elif kind == "integer":
        schema = {"type": "integer", "default": draw(st.integers(-5, 5))}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "array" and depth < 2:
        schema = {"type": "array", "items": draw(schemas(refs, version, depth + 1))}
    elif kind == "object" and depth < 2:
        schema = draw(objects(refs, version, depth + 1))
    else:
        schema = {"type": "string"}
        if draw(st.booleans()):
            schema["default"] = draw(texts)
    for key in ("title", "description"):
        if draw(st.booleans()):
            schema[key] = draw(texts)
    if draw(st.booleans()):
        sample = draw(texts)
        if version.startswith("3.1"):
            schema["examples"] = [sample]
        else:
            schema["example"] = sample
    return schema


@st.composite
def objects(draw: st.DrawFn, refs: list[str], version: str, depth: int = 0) -> dict[str, Any]:
    names = draw(st.lists(texts, min_size=1, max_size=4, unique=True))
    properties = {name: draw(schemas(refs, version, depth)) for name in names}
    required = draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


@st.composite
def parameters(draw: st.DrawFn, path_names: list[str], refs: list[str], version: str) -> list[Any]:
    result: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_names
    ]
    for location in ("query", "header"):
        taken = {name.lower() for name in path_names}
        for name in draw(st.lists(texts, max_size=2, unique_by=str.lower)):
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            result.append({"name": name, "in": location, "schema": draw(schemas(refs, version))})
    for param in result:
        if draw(st.booleans()):
            param["description"] = draw(texts)
    return result


@st.composite
def operations(
    draw: st.DrawFn, method: str, op_id: str, path_names: list[str], refs: list[str], version: str
) -> dict[str, Any]:
    json_schema = draw(schemas(refs, version))
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": draw(texts),
        "description": draw(texts),
        "tags": draw(st.lists(texts, max_size=2, unique=True)),
        "parameters": draw(parameters(path_names, refs, version)),
        "responses": {
            "200": {
                "description": draw(texts),
                "content": {"application/json": {"schema": json_schema}},
            },
            "default": {"description": draw(texts)},
        },
    }
    if method in ("post", "put", "patch"):
        operation["requestBody"] = {
            "description": draw(texts),
            "required": draw(st.booleans()),
            "content": {"application/json": {"schema": draw(objects(refs, version))}},
        }
    return operation


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    version = draw(st.sampled_from(["3.0.3", "3.1.0"]))
    refs = draw(st.lists(component_keys, max_size=3, unique=True))
    components: dict[str, Any] = {}
    for index, name in enumerate(refs):  # each may refer to the ones before it
        components[name] = draw(objects(refs[:index], version))
    paths: dict[str, Any] = {}
    op_ids = draw(st.lists(texts, min_size=1, max_size=3, unique=True))
    for index, op_id in enumerate(op_ids):
        segment = draw(without("{}/?#"))
        # The validator reads a path template with Python's format syntax: no [ ] . : ! there.
        path_names = draw(st.lists(without("{}/?#[].:!"), max_size=1))
        path = f"/{index}/{segment}" + "".join(f"/{{{name}}}" for name in path_names)
        method = draw(st.sampled_from(["get", "post", "put", "delete", "patch"]))
        paths.setdefault(path, {})[method] = draw(
            operations(method, op_id, path_names, refs, version)
        )
    schemes = {
        draw(component_keys): {
            "type": "apiKey",
            "in": "header",
            "name": draw(texts),
            "description": draw(texts),
        },
        "bearer": {"type": "http", "scheme": "bearer", "description": draw(texts)},
    }
    spec: dict[str, Any] = {
        "openapi": version,
        "info": {"title": draw(texts), "version": draw(texts), "description": draw(texts)},
        "servers": [
            {"url": "https://api.example/" + draw(without("{}")), "description": draw(texts)},
            {"url": draw(without("{}")), "description": draw(texts)},
        ],
        "tags": [
            {"name": name, "description": draw(texts)}
            for name in draw(st.lists(texts, max_size=2, unique=True))
        ],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": schemes},
        "security": [{name: []} for name in schemes],
    }
    return spec


def generate(spec: dict[str, Any], work: Path) -> tuple[Path, Target, dict[str, str]] | None:
    """``specgen generate --spec`` on ``spec`` written as JSON, into ``work/out``; None if refused.

    Runs with ``work/run`` as the working folder: a payload run by generation leaves its marker.
    """
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    (work / "run").mkdir()
    cwd = os.getcwd()
    os.chdir(work / "run")
    try:
        source, target = spec_file_target(spec_path, None, None)
        files = generate_files(source.data, source.name, target, default_sets())
        write_package(work / "out" / target.package, files)
    except SpecgenError as exc:
        note(f"refused: {exc}")
        event("refused", str(exc).split(": ", 1)[-1][:60])
        return None
    finally:
        os.chdir(cwd)
    return work / "out" / target.package, target, files


IMPORT_CHECK = """
import importlib, pkgutil, sys
sys.path.insert(0, sys.argv[1])
package = importlib.import_module(sys.argv[2])
for module in pkgutil.walk_packages(package.__path__, sys.argv[2] + "."):
    importlib.import_module(module.name)
client = getattr(package, sys.argv[3])
print("imported", client.__name__)
"""


def plain_spec(title: str, **extra: Any) -> dict[str, Any]:
    """A one-operation spec titled ``title``: the shape of the explicit examples below."""
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}},
        **extra,
    }


SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=SLOW,
    # An example costs a generation and an interpreter; a failure prints its whole spec instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(spec=specs())
# Found by this property: a title that is a keyword made ``class None:``; one naming a module
# made a package shadowing it (``json``, ``httpx``: the client could not even import).
@example(spec=plain_spec("None"))
@example(spec=plain_spec("true"))
@example(spec=plain_spec("JSON"))
@example(spec=plain_spec("httpx"))
@example(spec=plain_spec("os"))
def test_hostile_text_never_escapes(
    spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    note(repr(spec))
    work = tmp_path_factory.mktemp("adversarial")
    generated = generate(spec, work)
    assert list((work / "run").iterdir()) == []
    if generated is None:
        assert not (work / "out").exists()
        return
    folder, target, files = generated
    for name, text in files.items():
        assert (folder / name).resolve().is_relative_to(folder.resolve()), name
        if name.endswith(".py"):
            ast.parse(text, name)
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written == set(files)
    assert sorted(p.name for p in work.iterdir()) == ["out", "run", "spec.json"]
    assert [p.name for p in (work / "out").iterdir()] == [target.package]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(folder), target.package, target.client_class],
        capture_output=True,
        text=True,
        cwd=work / "run",
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"imported {target.client_class}\n"
    assert MARKER not in done.stderr
    assert list((work / "run").iterdir()) == []
    written_after = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written_after == written
