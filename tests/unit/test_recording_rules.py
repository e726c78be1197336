"""What recordings must cover (``generator.recording_rules``), one rule broken at a time."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.recording_rules import coverage_problems, credential_places, link_problem
from generator.recordings import Recording

FOLDER = Path("specs/events/recordings")
PAGES = {
    "style": "offset", "offsetParam": "offset", "limitParam": "limit",
    "items": "/items", "total": "/total",
}  # fmt: skip


def spec(**top: Any) -> dict[str, Any]:
    responses = {"200": {"description": "ok"}, "400": {"description": "bad"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Events", "version": "1"},
        "paths": {
            "/events": {
                "get": {"operationId": "listEvents", "responses": responses, "x-pagination": PAGES},
                "post": {"operationId": "sendEvent", "responses": {"204": {"description": "ok"}}},
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        **top,
    }


def recording(
    operation: str,
    status: int = 200,
    *,
    query: str = "",
    body: Any = None,
    step: int | None = None,
    headers: dict[str, str] | None = None,
    name: str = "",
) -> Recording:
    data: dict[str, Any] = {
        "operation": operation,
        "source": "test",
        "synthetic": True,
        "request": {
            "method": "GET" if operation == "listEvents" else "POST",
            "path": "/events",
            "query": query,
            "headers": {"authorization": "<redacted>"} if headers is None else headers,
            "body": None,
        },
        "response": {"status": status, "headers": {}, "body": body},
    }
    if step is not None:
        data["sequence"] = {"name": "walk", "step": step}
    return Recording(FOLDER / f"{operation}--{name or status}-{step}.json", data)


def complete() -> list[Recording]:
    return [
        recording("listEvents", query="offset=0", body={"items": [1, 2]}, step=1, name="p"),
        recording("listEvents", query="offset=2", body={"items": [3]}, step=2, name="p"),
        recording("listEvents", 400),
        recording("sendEvent", 204),
    ]


def problems(document: dict[str, Any], recordings: list[Recording]) -> list[str]:
    return [str(d) for d in coverage_problems(document, recordings, FOLDER)]


def test_complete_recordings_break_no_rule() -> None:
    assert problems(spec(), complete()) == []


def test_each_operation_needs_a_recording_a_success_and_a_documented_error() -> None:
    recordings = complete()
    assert problems(spec(), recordings[:2] + recordings[3:]) == [
        f"{FOLDER}: no error recording of listEvents (GET /events), which documents 400"
    ]
    assert problems(spec(), recordings[:3]) == [
        f"{FOLDER}: no recording of sendEvent (POST /events)"
    ]
    only_errors = [recording("sendEvent", 500), *recordings[:3]]
    assert problems(spec(), only_errors) == [
        f"{FOLDER}: no success (2xx) recording of sendEvent (POST /events)"
    ]


def test_a_paginated_operation_needs_a_linked_walk() -> None:
    first, second, *rest = complete()
    assert problems(spec(), [first, *rest]) == [
        f"{FOLDER}: no page walk of listEvents: it has x-pagination, so record a sequence of "
        "two pages or more"
    ]
    skipped = recording("listEvents", query="offset=5", body={"items": [3]}, step=2, name="p")
    [problem] = problems(spec(), [first, skipped, *rest])
    assert (
        problem
        == f"{skipped.path} at /request: not the page after {first.path.name}: offset 5 != 0 + 2"
    )
    renumbered = copy.deepcopy(second.data)
    renumbered["sequence"]["step"] = 3
    [problem] = problems(spec(), [first, Recording(second.path, renumbered), *rest])
    assert "has steps [1, 3], not 1 to 2" in problem


def test_a_walk_of_an_operation_that_does_not_page_is_reported() -> None:
    walked = recording("sendEvent", 204, step=1)
    assert problems(spec(), [*complete(), walked]) == [
        f"{walked.path} at /sequence: sequence 'walk' of sendEvent, which does not page "
        "(no x-pagination)"
    ]


def test_credentials_must_show_in_some_request() -> None:
    bare = [copy.deepcopy(r.data) for r in complete()]
    for data in bare:
        data["request"]["headers"] = {}
    recordings = [Recording(r.path, d) for r, d in zip(complete(), bare, strict=True)]
    assert problems(spec(), recordings) == [
        f"{FOLDER}: no recording shows the authorization header (redacted) that the API's "
        "security requires"
    ]
    # An API without security needs none; so does one whose operations all opt out.
    assert problems(spec(security=[]), recordings) == []
    opted_out = spec()
    for operation in opted_out["paths"]["/events"].values():
        operation["security"] = []
    assert problems(opted_out, recordings) == []


@pytest.mark.parametrize(
    ("scheme", "place"),
    [
        ({"type": "http", "scheme": "basic"}, ("header", "authorization")),
        ({"type": "oauth2", "flows": {}}, ("header", "authorization")),
        ({"type": "apiKey", "in": "header", "name": "X-API-Key"}, ("header", "x-api-key")),
        ({"type": "apiKey", "in": "query", "name": "api_key"}, ("query", "api_key")),
        ({"type": "apiKey", "in": "cookie", "name": "session"}, ("header", "cookie")),
    ],
)
def test_where_credentials_travel(scheme: dict[str, Any], place: tuple[str, str]) -> None:
    document = spec(components={"securitySchemes": {"bearer": scheme}})
    assert credential_places(document) == {place}


def test_a_page_number_walk_asks_for_the_next_page() -> None:
    pages = {"style": "pageNumber", "pageParam": "page", "items": "/items"}
    first = recording("listEvents", body={"items": [1, 2]}, step=1)  # no page: the first, 1
    second = recording("listEvents", query="page=2", body={"items": [3]}, step=2)
    third = recording("listEvents", query="page=4", body={"items": []}, step=3)
    assert link_problem(pages, first, second) == ""
    assert link_problem(pages, second, third) == "page 4 != 2 + 1"
    zero = {**pages, "firstPage": 0}
    assert link_problem(zero, first, recording("listEvents", query="page=1", step=2)) == ""


def test_a_link_header_walk_follows_the_next_link() -> None:
    first = recording("listEvents", body=[1, 2], step=1)
    first.data["response"]["headers"] = {
        "Link": '<https://api.test/events?page=3>; rel="last", '
        '<https://api.test/events?page=2&per_page=2>; rel="next"'
    }
    pages = {"style": "link", "items": ""}
    followed = recording("listEvents", query="per_page=2&page=2", body=[3], step=2)
    assert link_problem(pages, first, followed) == ""
    wrong = recording("listEvents", query="page=3", body=[3], step=2)
    assert "is not the next link https://api.test/events?page=2&per_page=2" in link_problem(
        pages, first, wrong
    )
    last = recording("listEvents", body=[3], step=2)
    assert 'has no Link header with rel="next"' in link_problem(pages, last, followed)
