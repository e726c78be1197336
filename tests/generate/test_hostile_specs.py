"""Hostile specs (issue 9, items 1, 2 and 7): nothing in a spec runs, is read or is fetched.

The cases are hand-written spec files in ``tests/fixtures/hostile/`` (``item<N>-*``), each with a
comment saying what it attacks. File and network access is watched with an audit hook
(``sys.addaudithook``), which sees every ``open``, directory listing, DNS lookup and URL request
made anywhere in the process, whichever library makes it.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator import models, validate
from generator.build import Target, build_api
from generator.cli import main
from generator.errors import SpecgenError
from generator.load import load_document
from generator.models import generate_models, models_document
from generator.schemas import walk_schemas

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
MARKER = "specgenHostileMarker7f3c"  # a string that appears only in files outside the spec
PLACEHOLDER = "OUTSIDE_URI"  # replaced in the fixtures by the URI of the outside folder

# -- watching file and network access ----------------------------------------------------------

_WATCHED = {
    "open",
    "os.listdir",
    "os.scandir",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.connect",
    "urllib.Request",
}
_NETWORK = {"socket.getaddrinfo", "socket.gethostbyname", "socket.connect", "urllib.Request"}
_recording: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in _WATCHED:
        target = args[0] if args else ""
        _recording[-1].append(
            (event, os.fsdecode(target) if isinstance(target, bytes) else str(target))
        )


sys.addaudithook(_audit)  # hooks cannot be removed; this one records only inside `watched()`


@contextmanager
def watched() -> Iterator[list[tuple[str, str]]]:
    """Every watched I/O event (name, file or host or URL) while the block runs."""
    events: list[tuple[str, str]] = []
    _recording.append(events)
    try:
        yield events
    finally:
        _recording.pop()


def assert_contained(events: list[tuple[str, str]], outside: Path) -> None:
    """No network access at all, and nothing under ``outside`` opened or listed."""
    network = [
        (event, target)
        for event, target in events
        if event in _NETWORK and not (event == "urllib.Request" and target.startswith("file:"))
    ]
    assert network == [], f"network access: {network}"
    touched = [e for e in events if str(outside) in e[1]]
    assert touched == [], f"read outside the spec's folder: {touched}"


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the spec's, holding a schema that carries MARKER."""
    folder = tmp_path / "outside"
    folder.mkdir()
    leak = {"title": MARKER, "type": "object", "properties": {MARKER: {"type": "string"}}}
    (folder / "leak.json").write_text(json.dumps(leak), encoding="utf-8")
    return folder


def place(tmp_path: Path, case: str, outside: Path) -> Path:
    """The fixture ``case`` copied into its own spec folder, pointing at ``outside``."""
    folder = tmp_path / "spec"
    folder.mkdir(exist_ok=True)
    text = (HOSTILE / case).read_text(encoding="utf-8")
    path = folder / case
    path.write_text(text.replace(PLACEHOLDER, outside.as_uri()), encoding="utf-8")
    return path


def run_cli(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def generated_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


# -- item 1: no code from the spec -------------------------------------------------------------

MARKER_MODULE = """\
from pathlib import Path
Path(__file__).with_name("imported.txt").write_text("hostile_marker was imported")
class Base: pass
Mixin = CustomType = PythonType = PythonImport = Imported = ClassVar = Key = Deep = Base
"""


def imports_of(code: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    return modules


def test_custom_keywords_import_nothing_from_the_spec(tmp_path: Path, outside: Path) -> None:
    spec = place(tmp_path, "item1-custom-keywords.yaml", outside)
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", spec, "--output", out, "--package", "probe")
    assert result.exit_code == 0, result.output
    code = (out / "probe" / "probe" / "models.py").read_text(encoding="utf-8")
    assert imports_of(code) <= {"__future__", "datetime", "typing", "pydantic"}, code
    assert "hostile_marker" not in generated_text(out / "probe")
    assert {"Base", "Thing"} <= {
        n.name for n in ast.parse(code).body if isinstance(n, ast.ClassDef)
    }

    # A module named by the spec writes a file when imported; importing the package must not.
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "hostile_marker.py").write_text(MARKER_MODULE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(lib), str(out / "probe")])}
    script = "import probe, probe.models, sys; assert 'hostile_marker' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not (lib / "imported.txt").exists()
    # The probe works: importing the module does write the file.
    proc = subprocess.run([sys.executable, "-c", "import hostile_marker"], env=env)
    assert proc.returncode == 0 and (lib / "imported.txt").exists()


def test_models_input_holds_only_allowed_keywords(tmp_path: Path, outside: Path) -> None:
    document = load_document(place(tmp_path, "item1-custom-keywords.yaml", outside))
    built = build_api(document.data, document.name, Target("probe", "Probe"))
    for schema in models_document(built.api)["components"]["schemas"].values():
        for node in walk_schemas(schema):
            foreign = {k for k in node if k.startswith("x-") or k.startswith("custom")}
            assert foreign == set(), node
    assert "hostile_marker" not in json.dumps(models_document(built.api))


@pytest.mark.parametrize(
    ("code", "module"),
    [
        ("import os\n", "os"),
        ("from os import system\n", "os"),
        ("from hostile_marker import Base\n", "hostile_marker"),
        ("from . import sibling\n", ".sibling"),
        ("from ..pkg import name\n", "..pkg"),
        ("import typing, subprocess\n", "subprocess"),
        ("import pydantic_evil\n", "pydantic_evil"),
        ("class A:\n    from os import path\n", "os"),
    ],
)
def test_generated_imports_outside_the_allow_list_are_refused(code: str, module: str) -> None:
    with pytest.raises(SpecgenError) as caught:
        models.check_imports(f"from __future__ import annotations\n{code}", "spec.yaml")
    message = str(caught.value)
    assert message.startswith("spec.yaml at /components/schemas: generated models would import ")
    assert f" import {module};" in message


def test_generated_imports_inside_the_allow_list_pass() -> None:
    code = "\n".join(f"import {module}" for module in sorted(models.ALLOWED_IMPORTS))
    models.check_imports(code + "\nfrom pydantic import BaseModel\n", "spec.yaml")


# -- item 2: references never leave the spec's file --------------------------------------------

LEAKED = "/components/schemas/Thing/properties/leaked"
NONLOCAL = {
    "item2-dynamicref-file.yaml": [f"{LEAKED}/$dynamicRef"],
    "item2-recursiveref-file.yaml": [f"{LEAKED}/$recursiveRef"],
    "item2-id-relative-ref.yaml": [f"{LEAKED}/$ref"],
    "item2-id-relative-dynamicref.yaml": [f"{LEAKED}/$dynamicRef"],
    "item2-https-refs.yaml": [
        "/components/schemas/Thing/properties/dynamic/$dynamicRef",
        "/components/schemas/Thing/properties/recursive/$recursiveRef",
    ],
    "item2-discriminator-mapping.yaml": [
        "/components/schemas/Pet/discriminator/mapping/file",
        "/components/schemas/Pet/discriminator/mapping/web",
    ],
}


@pytest.mark.parametrize("case", sorted(NONLOCAL))
def test_references_out_of_the_spec_are_refused(tmp_path: Path, outside: Path, case: str) -> None:
    spec = place(tmp_path, case, outside)
    out = tmp_path / "out"
    with watched() as events:
        result = run_cli(
            "generate", "--strict", "--spec", spec, "--output", out, "--package", "probe"
        )
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == len(NONLOCAL[case]), lines
    for line, pointer in zip(lines, NONLOCAL[case], strict=True):
        assert line.startswith(f"error: {spec}:") and f" at {pointer}: " in line, line
        assert "only local references" in line
    assert not out.exists()
    assert MARKER not in result.output
    assert_contained(events, outside)


@pytest.mark.parametrize("case", sorted(NONLOCAL))
def test_models_stage_reads_no_reference_even_unvalidated(
    tmp_path: Path, outside: Path, case: str
) -> None:
    """The models' input is built so that no reference leaves the spec, validated or not."""
    document = load_document(place(tmp_path, case, outside))
    with watched() as events:
        built = build_api(document.data, document.name, Target("probe", "Probe"))
        try:
            code = generate_models(built.api, document.name)
        except SpecgenError as exc:
            code = str(exc)
    assert MARKER not in code
    assert "hostile.invalid" not in json.dumps(models_document(built.api))
    assert_contained(events, outside)


def test_id_does_not_move_local_references(tmp_path: Path, outside: Path) -> None:
    """An ``$id`` outside the folder is no base for ``#/...`` references: nothing is opened."""
    spec = place(tmp_path, "item2-id-base-local-ref.yaml", outside)
    out = tmp_path / "out"
    with watched() as events:
        result = run_cli("generate", "--spec", spec, "--output", out, "--package", "probe")
    assert_contained(events, outside)
    assert MARKER not in result.output
    if result.exit_code == 0:
        assert MARKER not in generated_text(out / "probe")
    else:  # refusing is fine too, with one line naming the file
        assert all(line.startswith(f"error: {spec}") for line in error_lines(result)), result.output


@pytest.mark.parametrize("case", ["item2-dynamicref-file.yaml", "item2-https-refs.yaml"])
def test_openapi_validator_retrieves_nothing(tmp_path: Path, outside: Path, case: str) -> None:
    """Behind the reference check, the OpenAPI validator itself is set up to fetch nothing.

    Checking a ``default`` against its schema made openapi-spec-validator follow the schema's
    references, to files and URLs alike.
    """
    document = load_document(place(tmp_path, case, outside))
    validator = validate._Spec31Validator(document.data)
    with watched() as events:
        try:
            messages = [error.message for error in validator.iter_errors()]
        except Exception as exc:  # refusing to resolve may end the validator's run
            messages = [str(exc)]
    assert_contained(events, outside)
    assert all(MARKER not in message for message in messages)


# -- item 7: `specgen diff` validates both inputs ----------------------------------------------

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "diff" / "base.yaml"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "item7-ref-cycle.yaml",
            "item7-ref-cycle.yaml",
            " at /paths/~1things/$ref: reference cycle",
        ),
        ("item7-top-level-list.json", "item7-top-level-list.json", ": an OpenAPI document"),
        (BASE, "item7-top-level-list.json", ": an OpenAPI document"),
        ("item7-ref-cycle.yaml", BASE, " at /paths/~1things/$ref: reference cycle"),
    ],
)
def test_diff_refuses_invalid_specs(old: str | Path, new: str | Path, expected: str) -> None:
    result = run_cli("diff", HOSTILE / old, HOSTILE / new)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    bad = HOSTILE / (new if "item7" in str(new) and "item7" not in str(old) else old)
    assert lines and all(line.startswith(f"error: {bad}") for line in lines), result.output
    assert expected in lines[0]
    assert result.stdout == ""


def test_diff_and_generate_take_odd_but_valid_specs(tmp_path: Path) -> None:
    odd = HOSTILE / "item7-odd-but-valid.yaml"
    document = load_document(odd)
    assert validate.validate_spec(document.data, document) == []
    same = run_cli("diff", odd, odd)
    assert (same.exit_code, same.stdout) == (0, "No changes.\n"), same.output
    for old, new in ((odd, BASE), (BASE, odd)):
        result = run_cli("diff", "--format", "json", old, new)
        assert result.exit_code == 1 and json.loads(result.stdout), result.output  # paths removed
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", odd, "--output", out, "--package", "odd")
    assert result.exit_code == 0, result.output


def test_diff_of_an_api_against_an_invalid_file_is_refused() -> None:
    specs = Path(__file__).resolve().parents[2] / "specs"
    cycle = HOSTILE / "item7-ref-cycle.yaml"
    result = run_cli("diff", "--specs", specs, "onegini-events", cycle)
    assert result.exit_code == 2, result.output
    assert error_lines(result)[0].startswith(f"error: {cycle}:"), result.output
    assert " at /paths/~1things/$ref: reference cycle" in error_lines(result)[0]


def test_update_from_a_hostile_spec_reads_nothing_and_changes_nothing(
    tmp_path: Path, outside: Path
) -> None:
    """``specgen update`` validates the new spec like ``validate`` (via ``effective_api``)."""
    root = Path(__file__).resolve().parents[2]
    specs, output = tmp_path / "specs", tmp_path / "generated"
    shutil.copytree(root / "specs" / "onegini-events", specs / "onegini-events")
    before = (specs / "onegini-events" / "openapi.yaml").read_bytes()
    spec = place(tmp_path, "item2-dynamicref-file.yaml", outside)
    with watched() as events:
        result = run_cli(
            "update",
            "--strict",
            "--specs",
            specs,
            "--output",
            output,
            "--from",
            spec,
            "onegini-events",
        )
    assert result.exit_code == 1, result.output
    pointer = f"{LEAKED}/$dynamicRef"
    assert any(f" at {pointer}: only local references" in line for line in error_lines(result))
    assert_contained(events, outside)
    assert (specs / "onegini-events" / "openapi.yaml").read_bytes() == before
    assert not output.exists()
