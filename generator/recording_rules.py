"""What an API's recordings must cover (docs/recordings.md#what-the-recordings-must-cover).

``check_recordings`` asks whether each recording fits the spec; this asks whether the recordings
together are enough to test the client: every operation has a success and (when it documents
one) an error, every paginated operation a linked walk of two pages or more, and an API that
takes credentials shows them in a request. ``specgen check`` and the tests (tests/generate/
test_specs.py) both use ``coverage_problems``, so they report the same messages.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from generator.errors import Diagnostic
from generator.rawspec import iter_operations, node_at, resolve
from generator.recordings import Recording

# Security schemes whose credential travels in the Authorization header.
_AUTHORIZATION_SCHEMES = frozenset({"http", "oauth2", "openidconnect"})


def coverage_problems(
    spec: Mapping[str, Any], recordings: Sequence[Recording], folder: Path
) -> Iterator[Diagnostic]:
    """Every rule the recordings in ``folder`` break, one diagnostic each."""
    yield from _operation_problems(spec, recordings, folder)
    yield from _walk_problems(spec, recordings, folder)
    yield from _credential_problems(spec, recordings, folder)


def is_success(status: int) -> bool:
    return 200 <= status < 300


def documented_error_statuses(operation: Mapping[str, Any]) -> list[str]:
    """The 4xx and 5xx responses an operation documents (``4XX`` ranges included)."""
    return [str(k) for k in operation.get("responses") or {} if str(k)[:1] in ("4", "5")]


def _operation_problems(
    spec: Mapping[str, Any], recordings: Sequence[Recording], folder: Path
) -> Iterator[Diagnostic]:
    statuses: dict[str, list[int]] = defaultdict(list)
    for recording in recordings:
        statuses[recording.operation].append(recording.status)
    for found in iter_operations(spec):
        op_id = found.operation.get("operationId")
        if not isinstance(op_id, str):
            continue  # generation names it; recordings can only name operations by id
        label = f"{op_id} ({found.method} {found.path})"
        seen = statuses.get(op_id, [])
        if not seen:
            yield Diagnostic(str(folder), "", f"no recording of {label}")
            continue
        if not any(is_success(s) for s in seen):
            yield Diagnostic(str(folder), "", f"no success (2xx) recording of {label}")
        errors = documented_error_statuses(found.operation)
        if errors and not any(s >= 400 for s in seen):
            documented = ", ".join(errors)
            message = f"no error recording of {label}, which documents {documented}"
            yield Diagnostic(str(folder), "", message)


def paginated(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``x-pagination`` by operationId."""
    return {
        str(found.operation.get("operationId")): found.operation["x-pagination"]
        for found in iter_operations(spec)
        if isinstance(found.operation.get("x-pagination"), Mapping)
    }


def _sequences(recordings: Sequence[Recording]) -> dict[tuple[str, str], list[Recording]]:
    """The recorded walks: (operationId, sequence name) -> their pages in step order."""
    walks: dict[tuple[str, str], list[Recording]] = defaultdict(list)
    for recording in recordings:
        if recording.sequence is not None:
            walks[(recording.operation, recording.sequence[0])].append(recording)
    for steps in walks.values():
        steps.sort(key=lambda r: r.sequence[1] if r.sequence else 0)
    return walks


def _walk_problems(
    spec: Mapping[str, Any], recordings: Sequence[Recording], folder: Path
) -> Iterator[Diagnostic]:
    pagination = paginated(spec)
    walks = _sequences(recordings)
    for (op_id, name), steps in walks.items():
        first = str(steps[0].path)
        if op_id not in pagination:
            message = f"sequence {name!r} of {op_id}, which does not page (no x-pagination)"
            yield Diagnostic(first, "/sequence", message)
            continue
        numbers = [r.sequence[1] for r in steps if r.sequence]
        if numbers != list(range(1, len(steps) + 1)):
            message = f"sequence {name!r} of {op_id} has steps {numbers}, not 1 to {len(steps)}"
            yield Diagnostic(first, "/sequence", message)
        for step in steps:
            if not is_success(step.status):
                message = f"step of sequence {name!r} failed with status {step.status}"
                yield Diagnostic(str(step.path), "/response/status", message)
        for before, after in itertools.pairwise(steps):
            problem = link_problem(pagination[op_id], before, after)
            if problem:
                message = f"not the page after {before.path.name}: {problem}"
                yield Diagnostic(str(after.path), "/request", message)
    for op_id in pagination:
        if not any(len(steps) >= 2 for (op, _), steps in walks.items() if op == op_id):
            message = f"no page walk of {op_id}: it has x-pagination, so record a sequence of "
            yield Diagnostic(str(folder), "", message + "two pages or more")


def query_of(recording: Recording) -> dict[str, list[str]]:
    return parse_qs(recording.request["query"], keep_blank_values=True)


def link_problem(pages: Mapping[str, Any], before: Recording, after: Recording) -> str:
    """Why ``after`` is not the page after ``before`` under ``pages`` (x-pagination), or ''."""
    body = before.response["body"]
    key = {k: str(v) for k, v in pages.items()}.get  # a missing key reads as ""
    items = node_at(body, key("items", ""))
    if not isinstance(items, list):
        return f"{key('items')} of {before.path.name} is not a list"
    style = key("style")
    if style == "offset":
        start = _integer(query_of(before).get(key("offsetParam", ""), ["0"])[0])
        offset = _integer(query_of(after).get(key("offsetParam", ""), ["0"])[0])
        if start is None or offset is None or offset != start + len(items):
            return f"offset {offset} != {start} + {len(items)}"
    elif style == "cursor":
        cursor = node_at(body, key("nextCursor", ""))
        sent_body = after.request["body"]
        field = sent_body.get(key("cursorField", "")) if isinstance(sent_body, Mapping) else None
        if node_at(body, key("hasMore", "")) is not True or field != cursor:
            return f"cursor sent {field!r}, previous response gave {cursor!r}"
    elif style == "watermark":
        mark = node_at(body, key("nextWatermark", ""))
        sent = query_of(after).get(key("watermarkParam", ""))
        if node_at(body, key("hasMore", "")) is not True or sent != [mark]:
            return f"watermark sent {sent!r}, previous response gave {mark!r}"
    elif style == "page":
        url = node_at(body, key("nextPage", ""))
        query = urlsplit(url).query if isinstance(url, str) else ""
        given = parse_qs(query).get(key("startParam", ""))
        sent = query_of(after).get(key("startParam", ""))
        if not given or sent != given:
            return f"start sent {sent!r}, previous nextPage gave {given!r}"
    elif style == "pageNumber":
        return _page_number_problem(key, before, after)
    elif style == "link":
        return _link_header_problem(before, after)
    else:
        return f"pages of style {style!r} cannot be checked"
    return ""


def _page_number_problem(key: Any, before: Recording, after: Recording) -> str:
    """Why ``after`` does not ask for the page number after ``before``'s, or ''."""
    first = key("firstPage", "1")
    page = _integer(query_of(before).get(key("pageParam", ""), [first])[0])
    sent = _integer(query_of(after).get(key("pageParam", ""), [first])[0])
    if page is None or sent != page + 1:
        return f"page {sent} != {page} + 1"
    return ""


# One link of a ``Link`` header (RFC 8288) whose rel names ``next``: enough for a recorded walk
# (the client's own parser, in the runtime, reads every form the RFC allows).
_NEXT_LINK = re.compile(r'<([^>]*)>[^,<]*?;\s*rel\s*=\s*"?[^",]*\bnext\b', re.IGNORECASE)


def _link_header_problem(before: Recording, after: Recording) -> str:
    """Why ``after`` is not the request the ``rel="next"`` link of ``before`` names, or ''."""
    headers = {str(k).lower(): str(v) for k, v in before.response.get("headers", {}).items()}
    found = _NEXT_LINK.search(headers.get("link", ""))
    if found is None:
        return f'{before.path.name} has no Link header with rel="next"'
    link = urlsplit(found.group(1))
    if link.path != after.request["path"] or parse_qs(link.query) != query_of(after):
        sent = f"{after.request['path']}?{after.request['query']}"
        return f"request {sent} is not the next link {found.group(1)}"
    return ""


def _integer(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def credential_places(spec: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Where the credentials of the security the operations require travel: ("header",
    lower-case name) or ("query", name). Empty for an API that takes none."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    places: set[tuple[str, str]] = set()
    for found in iter_operations(spec):
        requirements = found.operation.get("security", spec.get("security")) or []
        for requirement in requirements if isinstance(requirements, list) else []:
            for name in requirement if isinstance(requirement, Mapping) else ():
                scheme = resolve(spec, schemes.get(name), default=None)
                place = _place(scheme) if isinstance(scheme, Mapping) else None
                if place is not None:
                    places.add(place)
    return places


def _place(scheme: Mapping[str, Any]) -> tuple[str, str] | None:
    kind = str(scheme.get("type", "")).lower()
    if kind in _AUTHORIZATION_SCHEMES:
        return ("header", "authorization")
    if kind == "apikey" and isinstance(scheme.get("name"), str):
        where = scheme.get("in")
        if where == "header":
            return ("header", scheme["name"].lower())
        if where == "query":
            return ("query", scheme["name"])
        if where == "cookie":
            return ("header", "cookie")
    return None


def _shows(recording: Recording, place: tuple[str, str]) -> bool:
    where, name = place
    if where == "header":
        return name in {str(h).lower() for h in recording.request["headers"]}
    return name in query_of(recording)


def _credential_problems(
    spec: Mapping[str, Any], recordings: Sequence[Recording], folder: Path
) -> Iterator[Diagnostic]:
    places = credential_places(spec)
    if not places or any(_shows(r, p) for r in recordings for p in places):
        return
    shown = " or ".join(
        f"the {name} header" if where == "header" else f"the {name} query parameter"
        for where, name in sorted(places)
    )
    message = f"no recording shows {shown} (redacted) that the API's security requires"
    yield Diagnostic(str(folder), "", message)
