"""Examples for the docs: per operation one recorded success and one recorded error, made
readable (pretty-printed, long bodies shortened) and free of credentials."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import ir
from generator.errors import SpecgenError
from generator.recordings import REDACTED, Recording, load_recording
from generator.redact import SECRET_HEADERS

# Arrays longer than this show their first items only; strings and bodies are cut too, so one
# example never floods a page.
MAX_ITEMS = 2
MAX_STRING = 200
MAX_LINES = 60
# Headers that say nothing about the API (transport details any client sets).
_NOISE = frozenset(
    {"host", "user-agent", "content-length", "accept-encoding", "connection", "date", "server"}
)


@dataclass(frozen=True)
class Recorded:
    """An API's recordings that load, and the extra names its config redacts."""

    recordings: tuple[Recording, ...] = ()
    redact: tuple[str, ...] = ()


def load_usable(folder: Path, redact: Iterable[str] = ()) -> Recorded:
    """The recordings in ``folder`` that load; a broken one is left out here (``specgen check``
    reports it), so the docs never fail because of a recording."""
    usable = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            usable.append(load_recording(path))
        except SpecgenError:
            continue
    return Recorded(tuple(usable), tuple(redact))


def examples_for(api: ir.Api, recorded: Recorded) -> tuple[ir.Example, ...]:
    """Per operation of ``api`` (in its order) the best success and the best error recorded."""
    secrets = SECRET_HEADERS | {name.lower() for name in recorded.redact}
    by_operation: dict[str, list[Recording]] = {}
    for recording in recorded.recordings:
        by_operation.setdefault(recording.operation, []).append(recording)
    chosen: list[ir.Example] = []
    for op in api.operations:
        found = by_operation.get(op.operation_id, [])
        success = [r for r in found if r.status < 400]
        errors = [r for r in found if r.status >= 400]
        if success:
            chosen.append(_example(min(success, key=_success_rank), "success", secrets))
        if errors:
            chosen.append(_example(min(errors, key=_error_rank), "error", secrets))
    return tuple(chosen)


def _success_rank(recording: Recording) -> tuple[bool, bool, str]:
    """Prefer an exchange that stands alone (or starts a walk) and returns something."""
    sequence = recording.sequence
    later_page = sequence is not None and sequence[1] > 1
    return later_page, _empty(recording.response.get("body")), recording.path.name


def _error_rank(recording: Recording) -> tuple[int, str]:
    """Prefer the error a caller can fix (400 before 401 before 500)."""
    return recording.status, recording.path.name


def _empty(body: Any) -> bool:
    if isinstance(body, dict):
        return not body or all(_empty(v) for v in body.values() if isinstance(v, list | dict))
    return body in (None, "", [])


def _example(recording: Recording, kind: str, secrets: frozenset[str]) -> ir.Example:
    request, response = recording.request, recording.response
    query = request.get("query") or ""
    return ir.Example(
        operation_id=recording.operation,
        title=str(recording.data.get("description") or recording.path.stem),
        kind="success" if kind == "success" else "error",
        method=str(request["method"]).upper(),
        url=str(request["path"]) + (f"?{query}" if query else ""),
        status=recording.status,
        request=_message(request["headers"], request.get("body"), secrets),
        response=_message(response["headers"], response.get("body"), secrets),
        synthetic=bool(recording.data.get("synthetic")),
        source=recording.path.name,
    )


def _message(headers: dict[str, str], body: Any, secrets: frozenset[str]) -> ir.ExampleMessage:
    shown = tuple(
        (name.lower(), REDACTED if name.lower() in secrets else str(value))
        for name, value in sorted(headers.items(), key=lambda item: item[0].lower())
        if name.lower() not in _NOISE
    )
    media_type = next((value for name, value in shown if name == "content-type"), None)
    text, truncated = body_text(body)
    return ir.ExampleMessage(shown, media_type if text else None, text, truncated)


def body_text(body: Any) -> tuple[str, bool]:
    """A recorded body as text to show, and whether it was shortened: JSON pretty-printed with
    long arrays and strings cut (still valid JSON), anything longer cut by lines."""
    if body is None:
        return "", False
    if isinstance(body, str):
        text, cut = body, False
    else:
        shortened = _shorten(body)
        text, cut = json.dumps(shortened, indent=2, ensure_ascii=False), shortened != body
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        return "\n".join([*lines[:MAX_LINES], "..."]), True
    return text, cut


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shorten(item) for item in value[:MAX_ITEMS]]
    if isinstance(value, str) and len(value) > MAX_STRING:
        return value[:MAX_STRING] + "..."
    return value


def for_operation(examples: Sequence[ir.Example], operation_id: str) -> list[ir.Example]:
    return [e for e in examples if e.operation_id == operation_id]
