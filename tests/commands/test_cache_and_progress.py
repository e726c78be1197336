"""The cache as users meet it (a second run reads it, changes miss it, warnings survive it) and
progress on stderr (only when asked for off a terminal, never with --quiet)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PETSTORE = FIXTURES / "openapi" / "petstore.yaml"
SLIPS = FIXTURES / "real" / "lenient" / "slips.yaml"


def run(*args: str | Path, cache: Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"SPECGEN_CACHE_DIR": str(cache)})


def files_of(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def entries(cache: Path, stage: str) -> int:
    return sum(1 for p in cache.glob(f"v*/{stage}/*/*") if p.is_file())


def test_a_second_run_is_read_from_the_cache_and_equals_a_run_without(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run("generate", "--spec", PETSTORE, "--output", tmp_path / "a", cache=cache)
    assert first.exit_code == 0, first.output
    assert entries(cache, "generation") == 1 and entries(cache, "validation") == 1
    again = run("generate", "--spec", PETSTORE, "--output", tmp_path / "b", cache=cache)
    assert again.exit_code == 0 and entries(cache, "generation") == 1
    uncached = run(
        "generate", "--no-cache", "--spec", PETSTORE, "--output", tmp_path / "c", cache=cache
    )
    assert uncached.exit_code == 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b") == files_of(tmp_path / "c")


def test_warnings_come_back_from_the_cache_with_their_lines(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run("generate", "--spec", SLIPS, "--output", tmp_path / "a", cache=cache)
    again = run("generate", "--spec", SLIPS, "--output", tmp_path / "b", cache=cache)
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and f"{SLIPS}:" in warnings[0]
    assert [line for line in again.stderr.splitlines() if line.startswith("warning:")] == warnings


def test_a_changed_spec_or_template_misses_the_cache(tmp_path: Path) -> None:
    cache, spec = tmp_path / "cache", tmp_path / "petstore.yaml"
    shutil.copy(PETSTORE, spec)
    first = run(
        "generate",
        "--spec",
        spec,
        "--package",
        "pet_store",
        "--output",
        tmp_path / "a",
        cache=cache,
    )
    assert first.exit_code == 0, first.output
    spec.write_text(spec.read_text().replace("title: ", "title: Renamed ", 1))
    changed = run(
        "generate",
        "--spec",
        spec,
        "--package",
        "pet_store",
        "--output",
        tmp_path / "a",
        cache=cache,
    )
    assert changed.exit_code == 0, changed.output
    assert "Renamed" in (tmp_path / "a" / "pet_store" / "pet_store" / "_client.py").read_text()
    override = tmp_path / "templates" / "python" / "project"
    override.mkdir(parents=True)
    (override / "README.md.j2").write_text("first\n")
    for text in ("first", "second"):
        (override / "README.md.j2").write_text(f"{text}\n")
        result = run(
            "generate",
            "--spec",
            spec,
            "--package",
            "pet_store",
            "--templates",
            tmp_path / "templates",
            "--output",
            tmp_path / "a",
            cache=cache,
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / "a" / "pet_store" / "README.md").read_text() == f"{text}\n"


def test_a_broken_cache_entry_is_recomputed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run("generate", "--spec", PETSTORE, "--output", tmp_path / "a", cache=cache)
    for entry in cache.glob("v*/*/*/*"):
        entry.write_bytes(b"garbage")
    result = run("generate", "--spec", PETSTORE, "--output", tmp_path / "b", cache=cache)
    assert result.exit_code == 0, result.output
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


@pytest.mark.parametrize(
    ("flags", "shown"), [((), False), (("--progress",), True), (("--progress", "--quiet"), False)]
)
def test_progress_goes_to_stderr_only_when_asked_off_a_terminal(
    tmp_path: Path, flags: tuple[str, ...], shown: bool
) -> None:
    result = run(
        "generate", *flags, "--spec", PETSTORE, "--output", tmp_path / "out", cache=tmp_path / "c"
    )
    assert result.exit_code == 0, result.output
    stages = [line for line in result.stderr.splitlines() if line.startswith("pet_store: ")]
    assert bool(stages) == shown
    if shown:
        assert "pet_store: validating" in stages and "pet_store: formatting" in stages
    assert "validating" not in result.stdout  # stdout stays for what may be piped


def test_quiet_drops_the_summary_lines(tmp_path: Path) -> None:
    loud = run("generate", "--spec", PETSTORE, "--output", tmp_path / "a", cache=tmp_path / "c")
    quiet = run(
        "generate", "-q", "--spec", PETSTORE, "--output", tmp_path / "b", cache=tmp_path / "c"
    )
    assert "generated" in loud.stdout and quiet.stdout == ""
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_the_cache_is_the_commands_only(tmp_path: Path) -> None:
    """A program calling the CLI in its own process goes on without a cache afterwards: library
    calls then validate every part again instead of trusting entries a command left."""
    from generator import cache as cache_module

    result = run("generate", "--spec", PETSTORE, "--output", tmp_path, cache=tmp_path / "cache")
    assert result.exit_code == 0, result.output
    assert entries(tmp_path / "cache", "valid-part") > 0  # the command had one
    assert cache_module.active().root is None
