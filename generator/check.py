"""The CI drift check: specs valid, ``generated/`` current, recordings still fit their specs and
cover what the tests need (``recording_rules``).

Nothing is written: the packages are regenerated in memory and compared with the disk.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.bundle import report_for
from generator.cache import Cache, stage_key, value_digest
from generator.errors import Diagnostic, SpecgenError
from generator.pipeline import api_in_memory
from generator.progress import Progress
from generator.project import list_apis, load_api
from generator.recording_rules import coverage_problems
from generator.recordings import check_recordings, load_recordings
from generator.template_sets import Templates
from generator.write import owned_files


@dataclass
class CheckReport:
    apis: int = 0
    specs_invalid: int = 0
    stale_files: int = 0
    recordings: int = 0
    recording_problems: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.specs_invalid or self.stale_files or self.recording_problems)

    def summary(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"check {verdict}: {self.apis} APIs, {self.specs_invalid} invalid specs, "
            f"{self.stale_files} stale generated files, {self.recordings} recordings "
            f"({self.recording_problems} problems)"
        )


def diff_package(folder: Path, expected: dict[str, str]) -> list[str]:
    """Unified diffs between ``expected`` files and ``folder`` (specgen-owned files only)."""
    diffs = []
    on_disk = owned_files(folder)
    for name in sorted(set(expected) | on_disk):
        path = folder / name
        want = expected.get(name)
        have = path.read_text(encoding="utf-8") if path.is_file() else None
        if want == have:
            continue
        diffs.append(
            "".join(
                difflib.unified_diff(
                    (have or "").splitlines(keepends=True),
                    (want or "").splitlines(keepends=True),
                    fromfile=f"{path} (on disk{'' if have is not None else ', missing'})",
                    tofile=f"{path} (generated{'' if want is not None else ', no longer'})",
                )
            )
        )
    return diffs


def run_check(
    specs_dir: Path,
    output_dir: Path,
    templates: Templates,
    apis: list[str] | None = None,
    echo: Callable[[str], None] = print,
    *,
    strict: bool = False,
    cache: Cache | None = None,
    progress: Progress | None = None,
    quiet: bool = False,
) -> CheckReport:
    """Check every API; under ``strict`` a warning (something generation left out) fails it.
    ``quiet`` leaves out the line saying an API is fine."""
    report = CheckReport()
    progress = progress if progress is not None else Progress()
    names = apis or list_apis(specs_dir)
    for name in names:
        report.apis += 1
        progress.api = name
        try:
            api = load_api(specs_dir, name, check=False)  # checked by generating, as generate does
            found = report_for(api.source)
            files = api_in_memory(api, templates, found, cache=cache, progress=progress).files
            progress.clear()
            found.raise_for(strict=strict)
        except SpecgenError as exc:
            progress.clear()
            report.specs_invalid += 1
            _echo_all(echo, exc.diagnostics)
            continue
        _echo_all(echo, found.warnings)
        stale = _compare(name, output_dir / api.config.package, files, echo)
        report.stale_files += stale
        try:
            recordings = load_recordings(api.recordings_dir)
        except SpecgenError as exc:
            report.recording_problems += len(exc.diagnostics)
            _echo_all(echo, exc.diagnostics)
            continue
        report.recordings += len(recordings)
        problems = [
            *_recording_problems(api.spec, recordings, cache or Cache(None)),
            # What the recordings must cover, as the tests require it (docs/recordings.md).
            *coverage_problems(api.spec, recordings, api.recordings_dir),
        ]
        report.recording_problems += len(problems)
        _echo_all(echo, problems)
        if stale or problems or not quiet:
            echo(f"{name}: {'ok' if not stale and not problems else 'problems found'}")
    echo(report.summary())
    return report


def _compare(name: str, folder: Path, files: dict[str, str], echo: Callable[[str], None]) -> int:
    """Print how the package ``folder`` differs from ``files``; the number of stale files.

    A missing folder is one line, not a diff of every file (a wrong ``--output``, or a package
    never generated).
    """
    if not folder.is_dir():
        where = f"{folder} is missing"
        if not folder.parent.is_dir():
            where += f" (there is no output folder {folder.parent})"
        echo(f"{name}: {where}, {len(files)} files expected: run make generate")
        return len(files)
    diffs = diff_package(folder, files)
    if diffs:
        echo(f"{name}: generated/ is stale: run make generate")
        for diff in diffs:
            echo(diff.rstrip("\n"))
    return len(diffs)


def _recording_problems(spec: Any, recordings: Any, cache: Cache) -> list[Diagnostic]:
    """``check_recordings``, cached by the spec and the recordings it checked."""
    key = ""
    if cache.root is not None:
        key = stage_key("recordings", ("jsonschema",), value_digest(spec), value_digest(recordings))
        found = cache.get_object("recordings", key)
        if isinstance(found, list):
            return found
    problems = list(check_recordings(spec, recordings))
    if key:
        cache.put_object("recordings", key, problems)
    return problems


def _echo_all(echo: Callable[[str], None], diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        echo(f"{diagnostic.severity}: {diagnostic}")
