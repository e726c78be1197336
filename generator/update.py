"""``specgen update``: replace a vendor spec by a new version, all or nothing.

The new document is read (a URL is fetched only when one is given), the API's overlay is
re-applied, the result validated and compared with the current effective spec, the client
regenerated in memory and every recording checked against the new spec. Only when all of that
succeeds are the spec file and the generated package written; otherwise nothing changes.

Overlay actions that select nothing in the new version (the vendor fixed upstream what they
fixed) are listed, each with its file and line; the update is refused unless they are dropped,
which rewrites the overlay file without them (its other text kept, see overlay_edit.py) in the
same all-or-nothing write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from generator.bundle import report_for
from generator.diff import Change, diff_specs
from generator.errors import Diagnostic, InputError, SpecgenError
from generator.fetch import fetch_url
from generator.load import Document, parse_document
from generator.overlay import StaleAction
from generator.overlay_edit import drop_actions
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
    # Overlay actions that select nothing in the new version (the vendor made the fix).
    stale: list[StaleAction] = field(default_factory=list)
    # The overlay without them, when asked to drop them (``drop_stale``).
    overlay_path: Path | None = None
    overlay_text: str | None = None

    @property
    def blocked_by_stale(self) -> bool:
        """Stale actions that were not dropped: the update cannot be written."""
        return bool(self.stale) and self.overlay_text is None


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


def format_of(source: str) -> str | None:
    """``json`` or ``yaml`` when the file name or URL path of ``source`` ends in one."""
    path = urlsplit(source).path if source.startswith(("http://", "https://")) else source
    suffix = PurePosixPath(path).suffix.lower()
    return {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)


def read_new_version(
    spec_path: Path, text: str, source: str, fmt: str | None = None
) -> tuple[Document, str]:
    """A new version of the spec at ``spec_path``: the document, and the text to write.

    The text is read as JSON when the spec file is JSON and neither ``fmt`` nor ``source``
    (its file name or URL) says YAML; otherwise as YAML, which reads JSON too (a URL ending
    in .json may well serve YAML). A vendor publishing YAML for a spec kept as JSON gets the
    same data written as JSON (indented by 2); any other text is written as it came, JSON
    text for a JSON spec file included.
    """
    spec_format = format_of(spec_path.name) or "yaml"
    fmt = fmt or format_of(source) or spec_format
    if spec_format == "yaml" or fmt == "yaml":
        fmt = "yaml" if spec_format == "yaml" or not _is_json(text) else "json"
    # Diagnostics name where the text came from, with lines in that text.
    parsed = parse_document(Path(f"new.{fmt}"), text, label=source)
    document = dataclasses.replace(parsed, path=spec_path)
    if fmt != spec_format and spec_format == "json":
        text = _as_json(document.data, source)
        # The data as the JSON file holds it (an unquoted YAML timestamp is text there, a
        # status code key 200 is "200"): what is compared and generated is what is written.
        # Lines still point into the text as it came.
        document = dataclasses.replace(document, data=json.loads(text))
    return document, text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _as_json(data: object, source: str) -> str:
    def text_of(value: object) -> str:
        # YAML reads an unquoted date or timestamp as one; JSON writes it as its ISO text.
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(f"a YAML {type(value).__name__} value has no JSON form")

    try:
        return json.dumps(data, indent=2, ensure_ascii=False, default=text_of) + "\n"
    except (TypeError, ValueError) as exc:
        raise SpecgenError.at(source, "", f"cannot be written as JSON: {exc}") from None


def plan_update(
    specs_dir: Path,
    key: str,
    source: str,
    templates: Templates,
    *,
    text: str | None = None,
    fmt: str | None = None,
    strict: bool = False,
    drop_stale: bool = False,
) -> UpdatePlan:
    """Everything an update would write, computed and checked in memory.

    ``source`` is a file or URL to read, unless ``text`` is the new version already read from
    it (``fmt``: its format, when ``source`` does not name one). The new version is checked as
    ``generate`` checks it: leniently, or under ``strict`` with every warning an error.
    Overlay actions that select nothing in it are passed over, so the diff goes from the old
    effective spec to the new one without them; unless ``drop_stale`` removes them from the
    overlay, the plan stops there (``blocked_by_stale``).
    """
    current = load_api(specs_dir, key)
    spec_path = current.folder / current.config.spec
    document, text = read_new_version(
        spec_path, fetch(source) if text is None else text, source, fmt
    )
    updated = effective_api(
        key, current.folder, current.config, document, current.overlay,
        check=False, allow_stale=True,
    )  # fmt: skip
    plan = UpdatePlan(spec_path, text, diff_specs(current.spec, updated.spec), {}, [])
    plan.stale = list(updated.stale)
    if plan.stale and not drop_stale:
        return plan
    if plan.stale and current.overlay is not None:
        plan.overlay_path = current.overlay.path
        plan.overlay_text = drop_actions(current.overlay, [s.index for s in plan.stale])
        pruned = parse_document(current.overlay.path, plan.overlay_text)
        # The overlay as it will be written must apply cleanly: no stale action left.
        updated = effective_api(key, current.folder, current.config, document, pruned, check=False)
    report = report_for(document)
    generation = api_in_memory(updated, templates, report)
    report.raise_for(strict=strict)
    problems = list(check_recordings(updated.spec, load_recordings(updated.recordings_dir)))
    if problems:
        raise SpecgenError(problems)
    plan.files, plan.warnings = generation.files, report.warnings
    return plan


def apply_update(plan: UpdatePlan, package_dir: Path) -> None:
    """Write the new spec, the overlay without its stale actions (when dropped) and the
    package; if any of them cannot be written, the files already replaced are restored."""
    if plan.blocked_by_stale:
        raise ValueError("stale overlay actions were not dropped: nothing to write")
    writes = [(plan.spec_path, plan.new_text.encode("utf-8"))]
    if plan.overlay_path is not None and plan.overlay_text is not None:
        writes.append((plan.overlay_path, plan.overlay_text.encode("utf-8")))
    done: list[tuple[Path, bytes]] = []
    try:
        for path, data in writes:
            old = path.read_bytes()
            _replace(path, data)
            done.append((path, old))
        write_package(package_dir, plan.files)
    except BaseException:
        for path, old in reversed(done):
            _replace(path, old)
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
