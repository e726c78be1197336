"""``specgen validate`` and ``specgen bundle``: output for good input, one-line errors for bad.

Each broken API is a copy of a real API folder in tmp_path with one thing broken.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from generator.cli import main
from generator.project import list_apis

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
APIS = list_apis(SPECS)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    # Anything but a clean exit (an exception caught by the runner) would be a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def copy_api(tmp_path: Path, api: str) -> Path:
    folder = tmp_path / "specs" / api
    shutil.copytree(SPECS / api, folder)
    return folder


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_validate_all_apis() -> None:
    result = run("validate", "--specs", str(SPECS))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"ok: {api}" for api in APIS]
    assert result.stderr == ""


def test_validate_one_api() -> None:
    result = run("validate", "--specs", str(SPECS), "onegini-events")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: onegini-events\n"


def test_bundle_prints_the_effective_spec() -> None:
    result = run("bundle", "--specs", str(SPECS), "onepassword-events")
    assert result.exit_code == 0, result.output
    spec = json.loads(result.stdout)
    vendor = json.loads((SPECS / "onepassword-events" / "openapi.json").read_text("utf-8"))
    for path in ("/api/v1/itemusages", "/api/v1/signinattempts"):
        assert "x-pagination" not in vendor["paths"][path]["post"]
        assert spec["paths"][path]["post"]["x-pagination"]["style"] == "cursor"
        assert "429" in spec["paths"][path]["post"]["responses"]
    assert (
        "sso_failed"
        in spec["components"]["schemas"]["SignInAttempt"]["properties"]["category"]["enum"]
    )


def test_bundle_of_a_spec_without_overlay_is_the_spec() -> None:
    result = run("bundle", "--specs", str(SPECS), "onegini-events")
    assert result.exit_code == 0, result.output
    source = yaml.safe_load((SPECS / "onegini-events" / "openapi.yaml").read_text("utf-8"))
    assert json.loads(result.stdout) == json.loads(json.dumps(source, default=str))


def _spec_is_a_directory(folder: Path) -> str:
    (folder / "openapi.yaml").unlink()
    (folder / "openapi.yaml").mkdir()
    return "openapi.yaml"


def _spec_is_missing(folder: Path) -> str:
    (folder / "openapi.yaml").unlink()
    return "openapi.yaml"


def _broken_json(folder: Path) -> str:
    path = folder / "openapi.json"
    lines = path.read_text("utf-8").splitlines()
    lines[4] = '  "broken": ,'
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return "openapi.json:5"


def _broken_yaml(folder: Path) -> str:
    path = folder / "openapi.yaml"
    lines = path.read_text("utf-8").splitlines()
    lines[2] = "info: [unclosed"
    lines.insert(3, "  key: value")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return "openapi.yaml:4"


def _overlay_target_matches_nothing(folder: Path) -> str:
    path = folder / "overlay.yaml"
    text = path.read_text("utf-8")
    assert "- target: $.components.schemas.Details\n" in text
    path.write_text(text.replace("schemas.Details\n", "schemas.Detailz\n"), "utf-8")
    return "overlay.yaml:"


def _package_not_an_identifier(folder: Path) -> str:
    path = folder / "specgen.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("package: onegini_events", "package: onegini-events"), "utf-8")
    return "specgen.yaml:"


def _class_is_a_keyword(folder: Path) -> str:
    path = folder / "specgen.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("client_class: OneginiEvents", "client_class: class"), "utf-8")
    return "specgen.yaml:"


def _overlay_missing(folder: Path) -> str:
    (folder / "overlay.yaml").unlink()
    return "overlay.yaml"


def _dangling_ref(folder: Path) -> str:
    path = folder / "openapi.yaml"
    text = path.read_text("utf-8")
    assert "#/components/schemas/eventMessage'" in text
    path.write_text(text.replace("schemas/eventMessage'", "schemas/nothing'", 1), "utf-8")
    return "openapi.yaml:"


def _config_broken_yaml(folder: Path) -> str:
    (folder / "specgen.yaml").write_text("name: x\npackage: [a\n", "utf-8")
    return "specgen.yaml:"


CASES: list[tuple[str, Callable[[Path], str], str, str]] = [
    ("onegini-events", _spec_is_a_directory, "cannot read file", ""),
    ("onegini-events", _spec_is_missing, "file not found", ""),
    ("onepassword-events", _broken_json, "invalid JSON", ""),
    ("onegini-events", _broken_yaml, "invalid YAML", ""),
    ("onepassword-events", _overlay_target_matches_nothing, "matches nothing", "/actions/6"),
    ("truelayer-tracking", _overlay_missing, "file not found", ""),
    ("onegini-events", _package_not_an_identifier, "'onegini-events'", "/package"),
    ("onegini-events", _class_is_a_keyword, "'class'", "/client_class"),
    ("apiture-events", _dangling_ref, "points to nothing", "/$ref"),
    ("onegini-events", _config_broken_yaml, "invalid YAML", ""),
]


@pytest.mark.parametrize(
    ("api", "breaker", "message", "pointer"),
    CASES,
    ids=[case[1].__name__.strip("_") for case in CASES],
)
@pytest.mark.parametrize("command", ["validate", "bundle"])
def test_broken_api_gives_one_line_error(
    tmp_path: Path,
    command: str,
    api: str,
    breaker: Callable[[Path], str],
    message: str,
    pointer: str,
) -> None:
    folder = copy_api(tmp_path, api)
    where = str(folder / breaker(folder))
    strict = ["--strict"] if command == "validate" else []  # a dangling $ref is a warning
    result = run(command, *strict, "--specs", str(tmp_path / "specs"), api)
    # validate's findings exit 1; bundle cannot use the spec: bad input, 2
    assert result.exit_code == (1 if command == "validate" else 2)
    assert result.stdout == ""
    [line] = error_lines(result)
    assert line.startswith(f"error: {where}"), line
    assert message in line
    if pointer:
        assert " at /" in line and pointer in line.split(": ", 2)[1]
    if command == "validate":
        assert result.stderr.splitlines() == [line, "1 of 1 specs invalid"]
    else:
        assert result.stderr.splitlines() == [line]


def test_one_broken_api_does_not_hide_the_others(tmp_path: Path) -> None:
    for api in APIS:
        copy_api(tmp_path, api)
    _broken_json(tmp_path / "specs" / "onepassword-events")
    result = run("validate", "--specs", str(tmp_path / "specs"))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"ok: {a}" for a in APIS if a != "onepassword-events"]
    assert len(error_lines(result)) == 1
    assert result.stderr.splitlines()[-1] == f"1 of {len(APIS)} specs invalid"


def test_missing_specs_folder() -> None:
    for command in (["validate"], ["bundle", "onegini-events"]):
        result = run(*command, "--specs", "/nonexistent")
        assert result.exit_code == 2
        assert result.stderr == "error: /nonexistent: specs folder not found\n"


def test_unknown_api_names_the_known_ones() -> None:
    for command in ("validate", "bundle"):
        result = run(command, "--specs", str(SPECS), "no-such-api")
        assert result.exit_code == 2
        [line] = error_lines(result)
        assert line.startswith(f"error: {SPECS / 'no-such-api'}: unknown API 'no-such-api'")
        assert all(api in line for api in APIS)


@pytest.mark.parametrize("command", ["validate", "generate", "check"])
def test_unknown_api_among_known_ones_stops_before_any(tmp_path: Path, command: str) -> None:
    """A typo in an API name is bad usage: nothing is checked or written, exit 2."""
    output = ["--output", str(tmp_path)] if command != "validate" else []
    result = run(command, "--specs", str(SPECS), *output, "onegini-events", "nope")
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {SPECS / 'nope'}: unknown API 'nope'")
    assert list(tmp_path.iterdir()) == []


def test_invalid_jsonpath_in_overlay_gives_one_line(tmp_path: Path) -> None:
    folder = copy_api(tmp_path, "truelayer-tracking")
    path = folder / "overlay.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("  - target: $.components.schemas\n", "  - target: $.[\n", 1))
    result = run("validate", "--specs", str(tmp_path / "specs"), "truelayer-tracking")
    assert result.exit_code == 1
    assert "/actions/0/target" in result.stderr
    assert result.stderr.splitlines() == [*error_lines(result), "1 of 1 specs invalid"]


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    folder = copy_api(tmp_path, "onegini-events")
    where = _broken_yaml(folder)
    command = Path(sys.executable).parent / "specgen"
    result = subprocess.run(
        [str(command), "validate", "--specs", str(tmp_path / "specs")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"error: {folder / where}: invalid YAML")
