"""``specgen update``: replace a vendor spec by a new version, all or nothing.

The new document is read (a URL is fetched only when one is given), the API's overlay is
re-applied, the result validated and compared with the current effective spec, the client
regenerated in memory and every recording checked against the new spec. Only when all of that
succeeds are the spec file and the generated package written; otherwise nothing changes.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.bundle import report_for
from generator.diff import Change, diff_specs
from generator.errors import Diagnostic, InputError, SpecgenError
from generator.fetch import fetch_url
from generator.load import parse_document
from generator.pipeline import api_in_memory
from generator.project import effective_api, load_api
from generator.recordings import check_recordings, load_recordings
from generator.template_sets import Templates
from generator.write import write_package


@dataclass
class UpdatePlan:
    spec_path: Path
    new_text: str
    changes: list[Change]
    files: dict[str, str]
    warnings: list[Diagnostic]  # what generation left out of the new version (not --strict)


def fetch(source: str) -> str:
    """The text of a file, or of a URL when ``source`` is an http(s) URL.

    Failing to get it is an ``InputError``: the update could not start (exit 2), unlike a new
    version that does not pass its checks (exit 1).
    """
    if source.startswith(("http://", "https://")):
        try:
            return fetch_url(source)  # bounded in size and time, see generator/fetch.py
        except SpecgenError as exc:
            raise InputError(exc.diagnostics) from None
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.at(source, "", "file not found") from None
    except OSError as exc:
        raise InputError.at(source, "", f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError.at(source, "", f"cannot read file: {exc}") from None


def plan_update(
    specs_dir: Path, key: str, source: str, templates: Templates, *, strict: bool = False
) -> UpdatePlan:
    """Everything an update would write, computed and checked in memory.

    The new version is checked as ``generate`` checks it: leniently, or under ``strict`` with
    every warning an error.
    """
    current = load_api(specs_dir, key)
    spec_path = current.folder / current.config.spec
    text = fetch(source)
    # Read in the API's spec format; diagnostics name where the new text came from.
    document = parse_document(spec_path, text, label=source)
    updated = effective_api(
        key, current.folder, current.config, document, current.overlay, check=False
    )
    report = report_for(document)
    generation = api_in_memory(updated, templates, report)
    report.raise_for(strict=strict)
    changes = diff_specs(current.spec, updated.spec)
    problems = list(check_recordings(updated.spec, load_recordings(updated.recordings_dir)))
    if problems:
        raise SpecgenError(problems)
    return UpdatePlan(spec_path, text, changes, generation.files, report.warnings)


def apply_update(plan: UpdatePlan, package_dir: Path) -> None:
    """Write the new spec and package; the old spec is restored if the package cannot be."""
    old = plan.spec_path.read_bytes()
    _replace(plan.spec_path, plan.new_text.encode("utf-8"))
    try:
        write_package(package_dir, plan.files)
    except BaseException:
        _replace(plan.spec_path, old)
        raise


def _replace(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
