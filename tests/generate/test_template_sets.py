"""Template sets: a user's set renders without code change, overrides win, every command keeps
the sets an API chooses, hostile output paths and broken templates are refused with their place.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from generator.cli import main
from generator.errors import SpecgenError
from generator.ir import IR_VERSION
from generator.template_sets import BUILTIN_ROOT, builtin_names, load_set, templates_option
from generator.write import MANIFEST

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Zoo", "version": "2.0.0"},
    "servers": [{"url": "https://zoo.example"}],
    "tags": [{"name": "animals", "description": "Every animal."}, {"name": "keepers"}],
    "paths": {
        "/animals": {
            "get": {
                "operationId": "listAnimals",
                "tags": ["animals"],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/animals/{id}": {
            "get": {
                "operationId": "getAnimal",
                "tags": ["animals"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/keepers": {
            "get": {
                "operationId": "listKeepers",
                "tags": ["keepers"],
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def run_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def write_spec(folder: Path, spec: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "zoo.json"
    path.write_text(json.dumps(spec or SPEC))
    return path


def write_set(folder: Path, manifest: dict[str, Any], templates: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "set.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    for name, text in templates.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def summary_set(folder: Path, **extra: Any) -> Path:
    """A small set of its own: one file per API, per operation and per tag."""
    manifest = {
        "name": "summary",
        "version": "0.3",
        "ir": IR_VERSION[0],
        "files": [
            {"source": "index.md.j2", "output": "summary/index.md"},
            {
                "source": "op.md.j2",
                "output": "summary/ops/{{ operation.method_name }}.md",
                "each": "operation",
            },
            {
                "source": "tag.txt.j2",
                "output": "summary/tags/{{ tag.name | filename }}.txt",
                "each": "tag",
            },
            {"source": "static.txt", "output": "summary/static.txt"},
        ],
        **extra,
    }
    return write_set(
        folder,
        manifest,
        {
            "index.md.j2": "# {{ api.title }} ({{ set.name }} {{ set.version }})\n"
            "{% for op in api.operations %}- {{ op.operation_id }}\n{% endfor %}",
            "op.md.j2": "{{ operation.http_method }} {{ operation.path }}\n",
            "tag.txt.j2": "{{ tag.name }}: {{ tag.operations | join(', ') }}"
            " [{{ tag.description }}]\n",
            "static.txt": "{{ copied as it is }}\n",
        },
    )


def read_manifest(package: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((package / MANIFEST).read_text())
    return data


# --------------------------------------------------------------------------------------------
# A set of one's own


def test_a_set_outside_the_package_renders_beside_the_client(tmp_path: Path) -> None:
    spec, out = write_spec(tmp_path / "spec"), tmp_path / "out"
    templates = summary_set(tmp_path / "elsewhere" / "summary")
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 0, result.output
    package = out / "zoo"
    assert (package / "summary/index.md").read_text() == (
        "# Zoo (summary 0.3)\n- listAnimals\n- getAnimal\n- listKeepers\n"
    )
    assert (package / "summary/ops/get_animal.md").read_text() == "GET /animals/{id}\n"
    assert (package / "summary/tags/animals.txt").read_text() == (
        "animals: listAnimals, getAnimal [Every animal.]\n"
    )
    assert (package / "summary/tags/keepers.txt").read_text() == "keepers: listKeepers []\n"
    assert (package / "summary/static.txt").read_text() == "{{ copied as it is }}\n"
    assert (package / "zoo" / "_client.py").is_file(), "the Python client is still rendered"
    manifest = read_manifest(package)
    assert manifest["ir"] == ".".join(map(str, IR_VERSION))
    assert manifest["sets"] == [
        {"name": "python", "version": "1.0", "origin": "built-in"},
        {"name": "summary", "version": "0.3", "origin": "custom"},
    ]
    text = (package / "summary/index.md").read_text()
    assert manifest["files"]["summary/index.md"] == hashlib.sha256(text.encode()).hexdigest()


def test_when_skips_a_file_and_text_files_are_not_formatted(tmp_path: Path) -> None:
    spec, out = write_spec(tmp_path / "spec"), tmp_path / "out"
    templates = write_set(
        tmp_path / "set",
        {
            "name": "extra",
            "version": "1",
            "ir": IR_VERSION[0],
            "files": [
                {
                    "source": "x.j2",
                    "output": "x/{{ operation.method_name }}.py",
                    "each": "operation",
                    "when": "operation.parameters",
                    "kind": "text",
                }
            ],
        },
        {"x.j2": "x   =   {{ operation.parameters | length }}\n"},
    )
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (out / "zoo" / "x").iterdir())
    assert written == ["get_animal.py"]
    assert (out / "zoo/x/get_animal.py").read_text() == "x   =   1\n", "text kind: not formatted"


def test_filters_module_of_a_set(tmp_path: Path) -> None:
    spec, out = write_spec(tmp_path / "spec"), tmp_path / "out"
    templates = write_set(
        tmp_path / "set",
        {
            "name": "shout",
            "version": "1",
            "ir": IR_VERSION[0],
            "filters": "filters.py",
            "files": [{"source": "a.txt.j2", "output": "a.txt"}],
        },
        {
            "a.txt.j2": "{{ api.title | shout }}\n",
            "filters.py": "FILTERS = {'shout': lambda text: text.upper() + '!'}\n",
        },
    )
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 0, result.output
    assert (out / "zoo/a.txt").read_text() == "ZOO!\n"


# --------------------------------------------------------------------------------------------
# Overrides


def test_an_override_wins_also_inside_an_import(tmp_path: Path) -> None:
    """``_client.py.j2`` imports ``_method.j2``: an override of the imported file is used."""
    spec, out = write_spec(tmp_path / "spec"), tmp_path / "out"
    assert run_cli("generate", "--spec", spec, "--output", out / "plain").exit_code == 0
    overrides = tmp_path / "overrides"
    original = (BUILTIN_ROOT / "python/package/_method.j2").read_text()
    marked = original.replace("{{ api|client_doc(is_async)|docstring(4) }}", '"""Overridden."""', 1)
    assert marked != original
    (overrides / "python/package").mkdir(parents=True)
    (overrides / "python/package/_method.j2").write_text(marked)
    result = run_cli("generate", "--spec", spec, "--templates", overrides, "--output", out / "o")
    assert result.exit_code == 0, result.output
    plain = (out / "plain/zoo/zoo/_client.py").read_text()
    overridden = (out / "o/zoo/zoo/_client.py").read_text()
    assert "Overridden." not in plain and "Overridden." in overridden
    assert (out / "plain/zoo/zoo/_base.py").read_bytes() == (
        out / "o/zoo/zoo/_base.py"
    ).read_bytes()


def test_a_folder_that_is_neither_set_nor_overrides_is_refused(tmp_path: Path) -> None:
    spec, folder = write_spec(tmp_path / "spec"), tmp_path / "old-style"
    (folder / "package").mkdir(parents=True)
    (folder / "package" / "_client.py.j2").write_text("x\n")
    result = run_cli("generate", "--spec", spec, "--templates", folder, "--output", tmp_path / "o")
    assert result.exit_code == 2
    assert "neither a template set" in result.output and "python/" in result.output
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------------------------
# specgen.yaml chooses the sets; generate, check and update keep them


def project_with_custom_set(tmp_path: Path) -> tuple[Path, Path]:
    specs, out = tmp_path / "specs", tmp_path / "generated"
    shutil.copytree(SPECS / "onegini-events", specs / "onegini-events")
    summary_set(tmp_path / "sets" / "summary")
    config = specs / "onegini-events" / "specgen.yaml"
    data = yaml.safe_load(config.read_text())
    data["templates"] = ["python", "../../sets/summary"]
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return specs, out


def test_check_and_update_keep_the_sets_an_api_chooses(tmp_path: Path) -> None:
    specs, out = project_with_custom_set(tmp_path)
    result = run_cli("generate", "--specs", specs, "--output", out)
    assert result.exit_code == 0, result.output
    package = out / "onegini_events"
    assert (package / "summary/index.md").is_file()
    assert [s["name"] for s in read_manifest(package)["sets"]] == ["python", "summary"]
    result = run_cli("check", "--specs", specs, "--output", out)
    assert result.exit_code == 0, result.output
    # A changed custom template is drift that check reports.
    (tmp_path / "sets/summary/op.md.j2").write_text("changed {{ operation.path }}\n")
    result = run_cli("check", "--specs", specs, "--output", out)
    assert result.exit_code == 1 and "summary/ops" in result.output
    # update regenerates with the custom set: its files follow the new spec.
    spec_path = specs / "onegini-events" / "openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["info"]["version"] = "9.9.9"
    new_spec = tmp_path / "new.yaml"
    new_spec.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = run_cli(
        "update", "--specs", specs, "--output", out, "--from", new_spec, "onegini-events"
    )
    assert result.exit_code == 0, result.output
    assert (package / "summary/index.md").is_file()
    assert all(p.read_text().startswith("changed ") for p in (package / "summary/ops").iterdir())
    assert [s["name"] for s in read_manifest(package)["sets"]] == ["python", "summary"]
    assert run_cli("check", "--specs", specs, "--output", out).exit_code == 0


def test_the_committed_apis_record_their_sets() -> None:
    for package in sorted(p for p in GENERATED.iterdir() if p.is_dir()):
        sets = read_manifest(package)["sets"]
        assert sets and sets[0]["name"] == "python", package
        assert all(s["origin"] == "built-in" for s in sets)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("python", "'templates' must be a non-empty list"),
        ([], "'templates' must be a non-empty list"),
        (["nope"], "unknown template set 'nope'"),
        (["./missing"], "not a template set"),
    ],
)
def test_a_bad_templates_entry_is_refused(tmp_path: Path, value: Any, message: str) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS / "onegini-events", specs / "onegini-events")
    config = specs / "onegini-events" / "specgen.yaml"
    data = yaml.safe_load(config.read_text())
    data["templates"] = value
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_cli("generate", "--specs", specs, "--output", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Hostile sets


@pytest.mark.parametrize(
    "output",
    [
        "../escaped.txt",
        "/tmp/absolute.txt",
        "a/../../b.txt",
        "a//b.txt",
        "C:/x.txt",
        "a\\b.txt",
        ".specgen-manifest.json",
        "{{ operation.operation_id }}.txt",  # the spec's text, not made a file name
    ],
)
def test_a_hostile_output_path_is_refused(tmp_path: Path, output: str) -> None:
    hostile = json.loads(json.dumps(SPEC))
    hostile["paths"]["/keepers"]["get"]["operationId"] = "../../../etc/owned"
    spec, out = write_spec(tmp_path / "spec", hostile), tmp_path / "out"
    each = "operation" if "operation" in output else "api"
    templates = write_set(
        tmp_path / "set",
        {
            "name": "bad",
            "version": "1",
            "ir": IR_VERSION[0],
            "files": [{"source": "t.j2", "output": output, "each": each}],
        },
        {"t.j2": "x\n"},
    )
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 2
    assert "output path" in result.output and "set.yaml" in result.output
    assert "/files/0/output" in result.output
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert after == before, "nothing written anywhere"


def test_two_rules_rendering_one_path_are_refused(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec")
    templates = write_set(
        tmp_path / "set",
        {
            "name": "dup",
            "version": "1",
            "ir": IR_VERSION[0],
            "files": [{"source": "t.j2", "output": "zoo/_client.py"}],
        },
        {"t.j2": "x = 1\n"},
    )
    result = run_cli(
        "generate", "--spec", spec, "--templates", templates, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "also rendered by set 'python'" in result.output


def test_the_sandbox_keeps_templates_from_python_internals(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec")
    templates = write_set(
        tmp_path / "set",
        {
            "name": "s",
            "version": "1",
            "ir": IR_VERSION[0],
            "files": [{"source": "t.j2", "output": "t"}],
        },
        {"t.j2": "{{ api.__class__.__init__.__globals__ }}\n"},
    )
    result = run_cli(
        "generate", "--spec", spec, "--templates", templates, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "t.j2:1" in result.output and "template error" in result.output
    assert "__builtins__" not in result.output


# --------------------------------------------------------------------------------------------
# Errors name the template, its line, the API and the operation


def broken_set(tmp_path: Path, text: str, each: str = "operation") -> Path:
    return write_set(
        tmp_path / "set",
        {
            "name": "broken",
            "version": "1",
            "ir": IR_VERSION[0],
            "filters": "filters.py",
            "files": [
                {"source": "page.md.j2", "output": "p/{{ operation.method_name }}.md", "each": each}
            ],
        },
        {
            "page.md.j2": text,
            "filters.py": "def fail(value):\n    raise ValueError('no ' + str(value))\n\n"
            "FILTERS = {'fail': fail}\n",
        },
    )


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("title\n\n{{ operation.nothing_here }}\n", 3, "has no attribute 'nothing_here'"),
        (
            "ok\n{% if operation.path == '/keepers' %}{{ operation.path | fail }}{% endif %}\n",
            2,
            "no /keepers",
        ),
        ("ok\nok\n{% for x in %}\n", 3, "TemplateSyntaxError"),
    ],
)
def test_a_template_error_names_file_line_api_and_operation(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    spec = write_spec(tmp_path / "spec")
    templates = broken_set(tmp_path, text)
    result = run_cli(
        "generate", "--spec", spec, "--templates", templates, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
    assert f"page.md.j2:{line}:" in result.output
    assert expected in result.output
    assert "API zoo" in result.output
    if "Syntax" not in expected:
        operation = "listKeepers" if "keepers" in text else "listAnimals"
        assert f"operation {operation}" in result.output
    assert not (tmp_path / "o").exists()


def test_an_operation_inside_an_api_loop_is_named(tmp_path: Path) -> None:
    """A per-API template looping over operations: the failing iteration's operation is named."""
    spec = write_spec(tmp_path / "spec")
    text = (
        "{% for op in api.operations %}\n"
        "{{ op.path | fail if op.operation_id == 'getAnimal' else '' }}\n"
        "{% endfor %}\n"
    )
    templates = broken_set(tmp_path, text, each="api")
    manifest = yaml.safe_load((templates / "set.yaml").read_text())
    manifest["files"][0]["output"] = "page.md"
    (templates / "set.yaml").write_text(yaml.safe_dump(manifest))
    result = run_cli(
        "generate", "--spec", spec, "--templates", templates, "--output", tmp_path / "o"
    )
    assert result.exit_code == 2
    assert "page.md.j2:2:" in result.output and "operation getAnimal" in result.output


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        ({"colour": "red"}, "", "Additional properties"),
        ({"ir": IR_VERSION[0] + 1}, "/ir", f"needs IR version {IR_VERSION[0] + 1}"),
        ({"files": [{"source": "nope.j2", "output": "x"}]}, "/files/0/source", "not found"),
        ({"files": [{"source": "../t.j2", "output": "x"}]}, "/files/0/source", "inside the set"),
        ({"files": [{"output": "x"}]}, "/files/0", "is not valid"),
        ({"files": [{"source": "t.j2", "output": "x", "each": "page"}]}, "/files/0/each", "'page'"),
        ({"filters": "missing.py"}, "/filters", "not found"),
    ],
)
def test_a_bad_manifest_names_its_place(
    tmp_path: Path, change: dict[str, Any], pointer: str, message: str
) -> None:
    manifest = {
        "name": "m",
        "version": "1",
        "ir": IR_VERSION[0],
        "files": [{"source": "t.j2", "output": "t"}],
    }
    folder = write_set(tmp_path / "set", {**manifest, **change}, {"t.j2": "x\n"})
    with pytest.raises(SpecgenError) as caught:
        load_set(folder)
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.file.endswith("set.yaml")
    assert diagnostic.pointer == pointer
    assert diagnostic.line is not None
    assert message in diagnostic.message


def test_templates_option_reads_a_set_or_overrides(tmp_path: Path) -> None:
    assert templates_option(summary_set(tmp_path / "a")).user_set is not None
    (tmp_path / "b" / "python").mkdir(parents=True)
    assert templates_option(tmp_path / "b").overrides == tmp_path / "b"
    assert "python" in builtin_names()


# --------------------------------------------------------------------------------------------
# The built-in Python set's runtime files are real Python, checked where they stand


def test_runtime_files_pass_ruff_and_mypy_where_they_stand() -> None:
    runtime = BUILTIN_ROOT / "python" / "runtime"
    files = sorted(str(p) for p in runtime.glob("*.py"))
    assert len(files) >= 9
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--explicit-package-bases",
            "--no-incremental",
            str(runtime),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"MYPYPATH": str(runtime.parent), "PATH": "/usr/bin:/bin"},
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


# --------------------------------------------------------------------------------------------
# The tutorial of docs/templates.md works as written


def tutorial_files() -> dict[str, str]:
    """The files of the tutorial's set: fenced blocks whose first line names a ts-types file."""
    text = (ROOT / "docs" / "templates.md").read_text()
    files = {}
    for block in re.findall(r"^( *)```[a-z]*\n(.*?)^\1```", text, flags=re.M | re.S):
        body = textwrap.dedent(block[1])
        first = body.splitlines()[0]
        named = re.search(r"ts-types/(\S+?)( #\})?$", first)
        if named:
            files[named.group(1)] = body
    return files


def test_the_tutorial_set_renders_from_the_ir_alone(tmp_path: Path) -> None:
    files = tutorial_files()
    assert set(files) == {"set.yaml", "filters.py", "api.d.ts.j2"}
    folder = tmp_path / "ts-types"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    spec = ROOT / "tests" / "fixtures" / "openapi" / "petstore.yaml"
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", spec, "--templates", folder, "--output", out)
    assert result.exit_code == 0, result.output
    declarations = (out / "pet_store" / "types" / "api.d.ts").read_text()
    assert "export interface Pet {" in declarations
    assert re.search(r'^  "name": string;$', declarations, flags=re.M)
    assert 'export type OperationId = "listPets" | "createPet"' in declarations
