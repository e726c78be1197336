"""Exit statuses (0 fine, 1 found something, 2 bad usage or input, 130 interrupted), ``-h`` and
``--version`` on every command, and operating-system errors as one line, never a traceback."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator import __version__
from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
PETSTORE = ROOT / "tests" / "fixtures" / "openapi" / "petstore.yaml"
COMMANDS = sorted(main.commands)
PYTHON_M = [sys.executable, "-m", "generator"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def one_error(result: Result, status: int) -> str:
    """The one line a failed command prints (on stderr, nothing else there)."""
    assert result.exit_code == status, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error: "), line
    return line


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too: a staging folder left behind shows)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# -- help, version, usage ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["specgen", *COMMANDS])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_takes_h_and_documents_its_exit_statuses(
    command: list[str], flag: str
) -> None:
    result = run(*command, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    epilog = result.stdout[result.stdout.index("Exit status:") :].split()
    assert epilog[2:4] == ["0", "fine"]
    for status in ("2", "130"):
        assert status in epilog
    # 1 only where the command has something to find
    finds = not command or command[0] in ("validate", "check", "diff", "update", "drift")
    assert ("1" in epilog) == bool(finds), result.stdout


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = run(flag)
    assert (result.exit_code, result.stdout) == (0, f"specgen, version {__version__}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_usage_exits_2(command: str) -> None:
    assert run(command, "--no-such-option").exit_code == 2


# -- what a command cannot find or use -----------------------------------------------------------


def test_diff_of_a_missing_file_says_so() -> None:
    line = one_error(run("diff", "--specs", SPECS, "/missing.json", "onegini-events"), 2)
    assert line == "error: /missing.json: file not found"
    line = one_error(run("diff", "--specs", SPECS, "onegini-events", "no/such/spec.yaml"), 2)
    assert line == "error: no/such/spec.yaml: file not found"
    line = one_error(run("diff", "--specs", SPECS, "onegini", "onegini-events"), 2)
    assert line.startswith(f"error: {SPECS / 'onegini'}: unknown API 'onegini'")


def test_check_with_a_missing_output_folder_says_so_once_per_api(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = run("check", "--specs", SPECS, "--output", missing, "onegini-events")
    assert result.exit_code == 1, result.output  # the clients are not there: the check fails
    assert "---" not in result.stdout  # no diff of every file
    assert f"{missing / 'onegini_events'} is missing (there is no output folder {missing})" in (
        result.stdout
    )
    assert not missing.exists()


def test_a_refused_spec_exits_2_for_generate_and_1_for_validate(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "fixtures" / "openapi" / "bad_syntax.yaml"
    assert "invalid YAML" in one_error(run("generate", "--spec", bad, "--output", tmp_path), 2)
    specs = tmp_path / "specs"
    (specs / "bad").mkdir(parents=True)
    (specs / "bad" / "openapi.yaml").write_bytes(bad.read_bytes())
    (specs / "bad" / "specgen.yaml").write_text(
        "name: Bad\npackage: bad\nclient_class: Bad\nspec: openapi.yaml\n", "utf-8"
    )
    assert run("validate", "--specs", specs).exit_code == 1
    assert run("check", "--specs", specs, "--output", tmp_path / "out").exit_code == 1
    assert run("bundle", "--specs", specs, "bad").exit_code == 2


@pytest.mark.parametrize("command", ["validate", "check", "update"])
def test_a_bad_templates_folder_is_bad_usage_for_the_checking_commands(
    tmp_path: Path, command: str
) -> None:
    """Not a finding about an API: the command cannot run (2), though its findings exit 1."""
    folder = tmp_path / "old-style"
    (folder / "package").mkdir(parents=True)
    (folder / "package" / "_client.py.j2").write_text("x\n", "utf-8")
    extra = {"check": ["--output", str(tmp_path)], "update": ["--from", str(PETSTORE)]}
    api = ["onegini-events"]
    result = run(command, "--specs", SPECS, "--templates", folder, *extra.get(command, []), *api)
    assert "neither a template set" in one_error(result, 2)


# -- operating-system errors ---------------------------------------------------------------------


def _read_only(tmp_path: Path) -> Path:
    if IS_ROOT:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


OUTPUTS: list[tuple[str, Callable[[Path], Path]]] = [
    ("proc", lambda tmp_path: Path("/proc/1")),
    ("under-a-file", lambda tmp_path: Path("/dev/null/x")),
    ("read-only", _read_only),
]


@pytest.mark.parametrize(("case", "output"), OUTPUTS, ids=[case for case, _ in OUTPUTS])
@pytest.mark.parametrize("source", ["spec", "api"])
def test_an_unwritable_output_is_one_line(
    tmp_path: Path, case: str, output: Callable[[Path], Path], source: str
) -> None:
    if case == "proc" and not Path("/proc/1").is_dir():
        pytest.skip("no /proc")
    folder = output(tmp_path)
    args: list[str | Path] = ["--spec", PETSTORE] if source == "spec" else ["onegini-events"]
    result = run("generate", "--specs", SPECS, "--no-cache", "--output", folder, *args)
    line = one_error(result, 2)
    package = "pet_store" if source == "spec" else "onegini_events"
    assert line.startswith(f"error: {folder / package}: cannot write the package: "), line


def test_an_unreadable_spec_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_bytes(b"openapi: 3.1.0\ninfo: {title: \xff\xfe}\n")  # not UTF-8
    line = one_error(run("generate", "--spec", spec, "--output", tmp_path / "out"), 2)
    assert line.startswith(f"error: {spec}: cannot read file: 'utf-8' codec"), line
    if not IS_ROOT:
        spec.write_text("openapi: 3.1.0\n", "utf-8")
        spec.chmod(0o000)
        line = one_error(run("generate", "--spec", spec, "--output", tmp_path / "out"), 2)
        assert line == f"error: {spec}: cannot read file: Permission denied"


def test_the_installed_command_prints_one_line_for_an_unwritable_output(tmp_path: Path) -> None:
    done = subprocess.run(
        [*PYTHON_M, "generate", "--spec", str(PETSTORE), "--no-cache", "--output", "/dev/null/x"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: /dev/null/x/pet_store: cannot write the package: Not a directory"
    ]


# -- interrupted -----------------------------------------------------------------------------------


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, call: int) -> None:
    """Make the ``call``-th call of ``target.name`` raise KeyboardInterrupt, as Ctrl-C would."""
    original = getattr(target, name)
    calls = 0

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, interrupted)


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """An output folder holding a generated package, from a petstore with one summary changed
    (so a second run would change a file)."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(PETSTORE.read_text("utf-8"), "utf-8")
    out = tmp_path / "out"
    result = run("generate", "--spec", spec, "--output", out, "--no-cache")
    assert result.exit_code == 0, result.output
    text = spec.read_text("utf-8")
    spec.write_text(text.replace("summary: ", "summary: Changed ", 1), "utf-8")
    assert spec.read_text("utf-8") != text
    return out


@pytest.mark.parametrize(
    ("where", "call"),
    [("write_text", 1), ("write_text", 7), ("rename", 1), ("rename", 2)],
    ids=["first-file", "seventh-file", "retiring-the-old", "swapping-in-the-new"],
)
def test_an_interrupt_while_writing_leaves_the_package_as_it_was(
    written: Path, monkeypatch: pytest.MonkeyPatch, where: str, call: int
) -> None:
    before = tree(written)
    _interrupt_at(monkeypatch, Path if where == "write_text" else os, where, call)
    spec = written.parent / "petstore.yaml"
    result = run("generate", "--spec", spec, "--output", written, "--no-cache")
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert result.stderr == "error: interrupted; nothing was left half-written\n"
    assert tree(written) == before
    assert sorted(p.name for p in written.iterdir()) == ["pet_store"]  # no staging left


def test_an_interrupt_while_removing_the_old_package_still_removes_it_whole(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the swap: the new package stands, the old one is gone, not half there."""
    spec = written.parent / "petstore.yaml"
    expected = written.parent / "expected"
    assert run("generate", "--spec", spec, "--output", expected, "--no-cache").exit_code == 0
    _interrupt_at(monkeypatch, os, "unlink", 1)
    result = run("generate", "--spec", spec, "--output", written, "--no-cache")
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert sorted(p.name for p in written.iterdir()) == ["pet_store"]
    assert tree(written) == tree(expected)


def test_an_interrupt_while_the_command_is_still_importing_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ``specgen`` script's entry point: Ctrl-C before the command line is even loaded."""
    import builtins

    from generator.__main__ import run as entry_point

    real_import = builtins.__import__

    def importing(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "generator.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", importing)
    with pytest.raises(SystemExit) as exited:
        entry_point()
    monkeypatch.undo()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "error: interrupted; nothing was left half-written\n"


def test_ctrl_c_exits_130_with_one_line(written: Path, tmp_path: Path) -> None:
    """A real SIGINT to a real run, sent once it has started working."""
    before = tree(written)
    spec = written.parent / "petstore.yaml"
    env = {**os.environ, "SPECGEN_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [*PYTHON_M, "generate", "--progress", "--spec", str(spec), "--output", str(written)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A shell without job control starts background jobs ignoring SIGINT, and an ignored
        # signal stays ignored across exec: restore the default, as a terminal's Ctrl-C meets it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # the first stage line: past start-up, into the run
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130, first + rest
    assert "Traceback" not in rest
    assert rest.splitlines()[-1] == "error: interrupted; nothing was left half-written"
    assert all(not line.startswith("error: ") for line in rest.splitlines()[:-1])
    assert tree(written) == before


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    """``specgen bundle API | head``: once the reader has gone, no error, no traceback."""
    process = subprocess.Popen(
        [*PYTHON_M, "bundle", "--specs", str(SPECS), "onepassword-events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the command has started up and written a byte
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == ""
