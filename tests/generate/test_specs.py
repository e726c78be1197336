"""The APIs under ``specs/``: their specs, overlays and recordings, and spec validation.

Every API folder is discovered with ``list_apis``, so an API added under ``specs/`` is covered
without new test code. What each API paginates and how is read from its spec's ``x-pagination``
(docs/extensions.md), never hard-coded for the generic checks.
"""

from __future__ import annotations

import copy
import json
import keyword
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.apis import load_case

from generator.errors import SpecgenError
from generator.load import load_document, parse_document
from generator.project import Api, list_apis, load_api
from generator.rawspec import HTTP_METHODS
from generator.recording_rules import coverage_problems, link_problem, paginated, query_of
from generator.recordings import Recording, check_recordings, load_recording, load_recordings
from generator.schemas import resolve
from generator.validate import validate_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"
APIS = list_apis(SPECS)
KNOWN_APIS = {"apiture-events", "onegini-events", "onepassword-events", "truelayer-tracking"}
REDACTED = "<redacted>"
# docs/recordings.md: these headers and body fields never appear in clear in a recording.
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
SECRET_FIELDS = {"access_token", "refresh_token", "id_token", "token", "client_secret"}
SECRET_FIELDS |= {"password", "secret"}


def api_of(key: str) -> Api:
    return load_case(key).project


def recordings_of(key: str) -> list[Recording]:
    return list(load_case(key).recordings)


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield path, method, operation


def operation_ids(spec: Mapping[str, Any]) -> set[str]:
    return {op["operationId"] for _, _, op in operations(spec)}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def raw_data(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


# --- the specs ---------------------------------------------------------------------------------


def test_every_known_api_is_discovered() -> None:
    assert set(APIS) >= KNOWN_APIS


@pytest.mark.parametrize("key", APIS)
def test_api_loads_overlays_and_validates(key: str) -> None:
    api = load_api(SPECS, key)
    assert api.spec["openapi"].startswith(("3.0.", "3.1."))
    assert validate_spec(api.spec, api.source) == []
    assert operation_ids(api.spec), f"{key} declares no operation"


@pytest.mark.parametrize("key", APIS)
def test_loading_leaves_every_file_untouched(key: str) -> None:
    folder = SPECS / key
    before = snapshot(folder)
    api = load_api(SPECS, key)
    assert snapshot(folder) == before
    # The overlay is applied to a copy: the parsed source is still the file's content.
    assert api.source.data == raw_data(folder / api.config.spec)
    if api.overlay is not None:
        assert api.spec != api.source.data, "an overlay that changes nothing"


@pytest.mark.parametrize("key", APIS)
def test_config_names_identifiers_and_files_inside_the_folder(key: str) -> None:
    config = api_of(key).config
    for value in (config.package, config.client_class):
        assert value.isidentifier() and not keyword.iskeyword(value), value
    assert config.package == config.package.lower()
    assert config.name.strip()
    for name in filter(None, (config.spec, config.overlay)):
        path = (SPECS / key / name).resolve()
        assert path.is_file() and path.is_relative_to((SPECS / key).resolve())


def test_packages_and_client_classes_are_unique() -> None:
    packages = [api_of(k).config.package for k in APIS]
    classes = [api_of(k).config.client_class for k in APIS]
    assert len(set(packages)) == len(packages)
    assert len(set(classes)) == len(classes)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("onegini-events", {"searchEvents"}),
        (
            "apiture-events",
            {
                "listRecentEventHistory",
                "listEventHistory",
                "listEventTypes",
                "getEventTypesJsonSchema",
            },
        ),
    ],
)
def test_hand_written_specs_are_openapi_3_1_with_their_operations(
    key: str, expected: set[str]
) -> None:
    api = api_of(key)
    assert api.overlay is None, "a hand-written spec is fixed in place, not by an overlay"
    assert str(api.source.data["openapi"]).startswith("3.1.")
    assert expected <= operation_ids(api.source.data)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("onegini-events", {"searchEvents": "offset"}),
        ("apiture-events", {"listRecentEventHistory": "watermark", "listEventHistory": "page"}),
        ("onepassword-events", {"getItemUsages": "cursor", "getSignInAttempts": "cursor"}),
        ("truelayer-tracking", {}),
    ],
)
def test_paginated_operations_are_declared(key: str, expected: dict[str, str]) -> None:
    declared = paginated(api_of(key).spec)
    assert {op: p["style"] for op, p in declared.items()} == expected


def test_onepassword_pagination_comes_from_the_overlay() -> None:
    api = api_of("onepassword-events")
    assert paginated(api.source.data) == {}
    assert paginated(api.spec)["getItemUsages"] == {
        "style": "cursor",
        "cursorField": "cursor",
        "items": "/items",
        "nextCursor": "/cursor",
        "hasMore": "/has_more",
    }


def test_truelayer_effective_spec() -> None:
    api = api_of("truelayer-tracking")
    spec = api.spec
    operation = spec["paths"]["/v1/tracked-events"]["get"]
    ok = resolve(spec, operation["responses"]["200"])["content"]["application/json"]["schema"]
    envelope = resolve(spec, ok)
    assert envelope["type"] == "object"
    assert envelope["required"] == ["results"]
    results = envelope["properties"]["results"]
    assert results["type"] == "array"
    event = resolve(spec, results["items"])
    assert "name" in event["properties"] and "time" in event["properties"]
    assert "additionalProperties" not in event

    bad_request = resolve(spec, operation["responses"]["400"])
    assert list(bad_request["content"]) == ["text/plain"]
    assert bad_request["content"]["text/plain"]["schema"]["type"] == "string"

    assert operation["security"] == [{"oauth2": ["tracking"]}]
    schemes = spec["components"]["securitySchemes"]
    assert list(schemes) == ["oauth2"]
    assert schemes["oauth2"]["type"] == "oauth2"
    flows = schemes["oauth2"]["flows"]
    assert list(flows) == ["clientCredentials"]
    assert flows["clientCredentials"]["tokenUrl"] == "https://auth.truelayer.com/connect/token"
    assert "tracking" in flows["clientCredentials"]["scopes"]

    # The vendor document itself still says otherwise: the fixes live in the overlay only.
    vendor = api.source.data["paths"]["/v1/tracked-events"]["get"]
    assert vendor["responses"]["200"] != operation["responses"]["200"]
    assert "bearer_auth" in api.source.data["components"]["securitySchemes"]


# --- the recordings ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", APIS)
def test_recordings_load_and_fit_the_spec(key: str) -> None:
    recordings = recordings_of(key)
    assert recordings, f"{key} has no recordings"
    assert [str(d) for d in check_recordings(api_of(key).spec, recordings)] == []


@pytest.mark.parametrize("key", APIS)
def test_recording_file_names_follow_the_operation(key: str) -> None:
    for recording in recordings_of(key):
        assert recording.path.name.startswith(f"{recording.operation}--"), recording.path.name


@pytest.mark.parametrize("key", APIS)
def test_recordings_cover_the_api(key: str) -> None:
    """The rules of docs/recordings.md (what the recordings must cover), as specgen check
    applies them: a success and an error per operation, a page walk per paginated operation,
    the credentials the API's security requires shown in a request."""
    api = api_of(key)
    problems = coverage_problems(api.spec, recordings_of(key), api.recordings_dir)
    assert [str(d) for d in problems] == []


def _secrets_in_body(value: Any, where: str = "") -> Iterator[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if str(k).lower() in SECRET_FIELDS and v not in (REDACTED, None):
                yield f"{where}/{k}"
            yield from _secrets_in_body(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _secrets_in_body(v, f"{where}/{i}")


@pytest.mark.parametrize("key", APIS)
def test_recordings_hold_no_secret(key: str) -> None:
    for recording in recordings_of(key):
        name = recording.path.name
        for part in ("request", "response"):
            headers = recording.data[part]["headers"]
            assert all(h == h.lower() for h in headers), f"{name}: upper-case header name"
            for header in SECRET_HEADERS & set(headers):
                assert headers[header] == REDACTED, f"{name}: {part} header {header}"
            assert list(_secrets_in_body(recording.data[part]["body"])) == [], name
        for param, values in query_of(recording).items():
            if param.lower() in SECRET_FIELDS:
                assert values == [REDACTED], f"{name}: query parameter {param}"
        text = recording.path.read_text(encoding="utf-8")
        assert not re.search(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{8,}", text), name


# --- recordings that do not fit ---------------------------------------------------------------


def _write_copy(tmp_path: Path, api: str, name: str, change: Any) -> Path:
    """A copy of recording ``name`` of ``api`` in tmp_path, changed by ``change(data)``."""
    data = json.loads((SPECS / api / "recordings" / name).read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _broken_copy(tmp_path: Path, api: str, name: str, change: Any) -> tuple[Path, Recording]:
    path = _write_copy(tmp_path, api, name, change)
    return path, load_recording(path)


def _set(pointer: str, value: Any) -> Any:
    *parents, last = pointer.strip("/").split("/")

    def change(data: Any) -> None:
        node = data
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        node[int(last) if isinstance(node, list) else last] = value

    return change


@pytest.mark.parametrize(
    ("api", "name", "pointer", "value", "rule"),
    [
        (  # OpenAPI 3.0, enum added by the overlay
            "onepassword-events",
            "getSignInAttempts--walk-1-reset-cursor.json",
            "/response/body/items/0/category",
            "no_such_category",
            "enum",
        ),
        (  # OpenAPI 3.0, a nullable object given a string
            "onepassword-events",
            "getSignInAttempts--walk-1-reset-cursor.json",
            "/response/body/items/1/details",
            "Europe",
            "type",
        ),
        (  # OpenAPI 3.0, through the overlay's envelope
            "truelayer-tracking",
            "GetTrackedEvents--complete-journey.json",
            "/response/body/results/2/name",
            "not_an_event",
            "enum",
        ),
        (  # OpenAPI 3.1
            "apiture-events",
            "listRecentEventHistory--second-page-with-watermark.json",
            "/response/body/hasMore",
            "yes",
            "type",
        ),
        (  # OpenAPI 3.1, a nested object
            "onegini-events",
            "searchEvents--actor-walk-page-1.json",
            "/response/body/pagination/totalResults",
            "seven",
            "type",
        ),
    ],
)
def test_a_recording_that_violates_its_schema_is_reported_at_the_value(
    tmp_path: Path, api: str, name: str, pointer: str, value: Any, rule: str
) -> None:
    path, recording = _broken_copy(tmp_path, api, name, _set(pointer, value))
    problems = list(check_recordings(api_of(api).spec, [recording]))
    assert [(p.file, p.pointer) for p in problems] == [(str(path), pointer)]
    assert f"rule: {rule}" in problems[0].message
    assert name in str(problems[0])


def test_openapi_3_0_nullable_accepts_null(tmp_path: Path) -> None:
    name = "getSignInAttempts--walk-2-cursor.json"
    _, recording = _broken_copy(
        tmp_path, "onepassword-events", name, _set("/response/body/items/0/details", None)
    )
    assert list(check_recordings(api_of("onepassword-events").spec, [recording])) == []


def test_openapi_3_1_type_list_accepts_null(tmp_path: Path) -> None:
    name = "listRecentEventHistory--second-page-with-watermark.json"
    _, recording = _broken_copy(
        tmp_path, "apiture-events", name, _set("/response/body/watermark", None)
    )
    spec = api_of("apiture-events").spec
    problems = list(check_recordings(spec, [recording]))
    assert [p.pointer for p in problems] == ["/response/body/watermark"]
    nullable = copy.deepcopy(spec)
    nullable["components"]["schemas"]["recentEventHistory"]["properties"]["watermark"]["type"] = [
        "string",
        "null",
    ]
    assert list(check_recordings(nullable, [recording])) == []


def test_a_recording_of_an_unknown_operation_or_status_is_reported(tmp_path: Path) -> None:
    name = "searchEvents--no-results.json"
    path, unknown = _broken_copy(tmp_path, "onegini-events", name, _set("/operation", "nope"))
    spec = api_of("onegini-events").spec
    assert [(p.file, p.pointer) for p in check_recordings(spec, [unknown])] == [
        (str(path), "/operation")
    ]
    _, teapot = _broken_copy(tmp_path, "onegini-events", name, _set("/response/status", 418))
    problems = list(check_recordings(spec, [teapot]))
    assert [p.pointer for p in problems] == ["/response"]
    assert "418" in problems[0].message


def test_a_recording_missing_a_key_names_the_file(tmp_path: Path) -> None:
    name = "searchEvents--no-results.json"
    path = _write_copy(tmp_path, "onegini-events", name, lambda d: d["response"].pop("status"))
    with pytest.raises(SpecgenError) as caught:
        load_recording(path)
    [problem] = caught.value.diagnostics
    assert problem.file == str(path)
    assert problem.pointer == "/response"
    assert "status" in problem.message


def test_malformed_recordings_are_all_reported_with_their_file_names(tmp_path: Path) -> None:
    good = (SPECS / "onegini-events" / "recordings" / "searchEvents--no-results.json").read_text(
        encoding="utf-8"
    )
    (tmp_path / "searchEvents--good.json").write_text(good, encoding="utf-8")
    (tmp_path / "searchEvents--bad-json.json").write_text('{\n  "operation": ,\n}\n')
    no_request = json.loads(good)
    del no_request["request"]
    (tmp_path / "searchEvents--no-request.json").write_text(json.dumps(no_request, indent=2))
    with pytest.raises(SpecgenError) as caught:
        load_recordings(tmp_path)
    problems = {Path(d.file).name: d for d in caught.value.diagnostics}
    assert set(problems) == {"searchEvents--bad-json.json", "searchEvents--no-request.json"}
    assert problems["searchEvents--bad-json.json"].line == 2
    assert "invalid JSON" in problems["searchEvents--bad-json.json"].message
    assert "'request' is a required property" in problems["searchEvents--no-request.json"].message


# --- validation of a spec ---------------------------------------------------------------------

MINI = """\
openapi: 3.1.0
info: {title: Mini, version: '1'}
paths:
  /events:
    get:
      operationId: listEvents
      parameters:
        - name: offset
          in: query
          schema: {type: integer}
        - name: limit
          in: query
          schema: {type: integer}
      x-pagination:
        style: offset
        offsetParam: offset
        limitParam: limit
        items: /items
        total: /total
      x-require-any-of:
        - [offset, limit]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Events'}
  /other:
    get:
      operationId: other
      responses:
        '200': {description: ok}
components:
  schemas:
    Events: {type: object}
"""
EVENTS = "/paths/~1events/get"


def problems_of(text: str, name: str = "mini.yaml") -> list[tuple[str, int | None, str]]:
    doc = parse_document(Path(name), text)
    diagnostics = validate_spec(doc.data, doc)
    assert all(d.file == name for d in diagnostics)
    return [(d.pointer, d.line, d.message) for d in diagnostics]


def line_containing(text: str, needle: str) -> int:
    [line] = [n for n, s in enumerate(text.splitlines(), 1) if needle in s]
    return line


def test_the_mini_spec_is_valid() -> None:
    assert problems_of(MINI) == []


def test_dangling_ref_in_yaml_is_reported_at_the_ref_with_its_line() -> None:
    text = MINI.replace("schemas/Events'", "schemas/Nope'")
    [(pointer, line, message)] = problems_of(text)
    assert pointer == f"{EVENTS}/responses/200/content/application~1json/schema/$ref"
    assert line == line_containing(text, "schemas/Nope")
    assert "#/components/schemas/Nope" in message


def test_dangling_ref_in_json_is_reported_at_the_ref_with_its_line() -> None:
    text = json.dumps(yaml.safe_load(MINI.replace("schemas/Events'", "schemas/Nope'")), indent=2)
    [(pointer, line, _)] = problems_of(text, "mini.json")
    assert pointer == f"{EVENTS}/responses/200/content/application~1json/schema/$ref"
    assert line == line_containing(text, "schemas/Nope")


def test_dangling_ref_in_tab_indented_json_has_its_line() -> None:
    text = json.dumps(yaml.safe_load(MINI.replace("schemas/Events'", "schemas/Nope'")), indent="\t")
    [(_, line, _)] = problems_of(text, "mini.json")
    assert line == line_containing(text, "schemas/Nope")


def test_external_ref_is_reported() -> None:
    text = MINI.replace("'#/components/schemas/Events'", "'other.yaml#/Events'")
    [(pointer, _, message)] = problems_of(text)
    assert pointer.endswith("/schema/$ref")
    assert "only local references" in message


def test_invalid_parameter_is_reported_inside_paths() -> None:
    text = MINI.replace("in: query", "in: nowhere", 1)
    [(pointer, line, message)] = problems_of(text)
    assert pointer == f"{EVENTS}/parameters/0/in"
    assert line == line_containing(text, "nowhere")
    assert "nowhere" in message


def test_parameter_without_in_gives_one_diagnostic_inside_paths() -> None:
    text = MINI.replace("        - name: offset\n          in: query\n", "        - name: offset\n")
    problems = problems_of(text)
    assert problems and all(p.startswith(f"{EVENTS}/parameters/0") for p, _, _ in problems)


@pytest.mark.parametrize("version", ["2.0", "3.3.0", "4.0.0", None])
def test_unsupported_openapi_version(version: str | None) -> None:
    text = MINI.replace("openapi: 3.1.0", f"openapi: {json.dumps(version)}")
    [(pointer, line, message)] = problems_of(text)
    assert pointer == "/openapi"
    assert line == 1
    assert "unsupported OpenAPI version" in message


def test_openapi_3_0_is_supported() -> None:
    assert problems_of(MINI.replace("openapi: 3.1.0", "openapi: 3.0.3")) == []


def test_duplicate_operation_id_is_reported() -> None:
    problems = problems_of(MINI.replace("operationId: other", "operationId: listEvents"))
    assert problems
    assert any("listEvents" in message for _, _, message in problems)


def test_duplicate_operation_id_is_reported_at_the_operation_id() -> None:
    text = MINI.replace("operationId: other", "operationId: listEvents")
    [(pointer, line, _)] = problems_of(text)
    assert pointer == "/paths/~1other/get/operationId"
    lines = [n for n, s in enumerate(text.splitlines(), 1) if "operationId: listEvents" in s]
    assert line == lines[1]


@pytest.mark.parametrize(
    ("old", "new", "pointer", "needle"),
    [
        ("        total: /total\n", "", f"{EVENTS}/x-pagination", "x-pagination:"),
        ("style: offset", "style: sideways", f"{EVENTS}/x-pagination/style", "sideways"),
        ("items: /items", "items: items", f"{EVENTS}/x-pagination/items", "items: items"),
        ("offsetParam: offset", "offsetParam: skip", f"{EVENTS}/x-pagination/offsetParam", "skip"),
        ("limitParam: limit", "limitParam: size", f"{EVENTS}/x-pagination/limitParam", "size"),
        ("- [offset, limit]", "- [offset, nope]", f"{EVENTS}/x-require-any-of/0/1", "nope"),
        ("- [offset, limit]", "- [offset]", f"{EVENTS}/x-require-any-of/0", "- [offset]"),
        (
            "      x-require-any-of:",
            "      x-idempotent: 'yes'\n      x-require-any-of:",
            f"{EVENTS}/x-idempotent",
            "x-idempotent",
        ),
    ],
)
def test_malformed_extension_is_reported_at_its_pointer(
    old: str, new: str, pointer: str, needle: str
) -> None:
    text = MINI.replace(old, new)
    assert text != MINI
    [(where, line, message)] = problems_of(text)
    assert where.startswith(pointer)
    assert line == line_containing(text, needle)
    assert ("malformed" in message) or ("no parameter named" in message)


def test_missing_pagination_key_is_named() -> None:
    [(_, _, message)] = problems_of(MINI.replace("        total: /total\n", ""))
    assert "'total' is a required property" in message


def test_extension_parameter_may_come_from_the_path_item() -> None:
    moved = MINI.replace(
        "    get:\n      operationId: listEvents\n      parameters:", "    parameters:"
    )
    moved = moved.replace(
        "          schema: {type: integer}\n      x-pagination:",
        "          schema: {type: integer}\n    get:\n      operationId: listEvents\n"
        "      x-pagination:",
    )
    assert yaml.safe_load(moved)["paths"]["/events"]["parameters"]
    assert problems_of(moved) == []


def test_effective_spec_errors_name_the_vendor_file(tmp_path: Path) -> None:
    source = tmp_path / "spec.yaml"
    source.write_text(MINI.replace("offsetParam: offset", "offsetParam: skip"), encoding="utf-8")
    doc = load_document(source)
    [problem] = validate_spec(doc.data, doc)
    assert problem.file == str(source)
    assert str(problem).startswith(f"{source}:16 at {EVENTS}/x-pagination/offsetParam: ")


@pytest.mark.parametrize(
    ("api", "first", "second", "pointer"),
    [
        (
            "onegini-events",
            "searchEvents--actor-walk-page-1.json",
            "searchEvents--actor-walk-page-2.json",
            "/request/query",
        ),
        (
            "onepassword-events",
            "getSignInAttempts--walk-1-reset-cursor.json",
            "getSignInAttempts--walk-2-cursor.json",
            "/request/body/cursor",
        ),
        (
            "apiture-events",
            "listRecentEventHistory--first-poll-without-watermark.json",
            "listRecentEventHistory--second-page-with-watermark.json",
            "/request/query",
        ),
        (
            "apiture-events",
            "listEventHistory--date-range-page-1.json",
            "listEventHistory--date-range-page-2.json",
            "/request/query",
        ),
    ],
)
def test_the_link_check_catches_a_wrong_position(
    tmp_path: Path, api: str, first: str, second: str, pointer: str
) -> None:
    """The sequence check above would notice a page that does not continue the previous one."""
    [(op_id, pages)] = [
        (op, p) for op, p in paginated(api_of(api).spec).items() if first.startswith(f"{op}--")
    ]
    prev = load_recording(SPECS / api / "recordings" / first)
    good = load_recording(SPECS / api / "recordings" / second)
    assert link_problem(pages, prev, good) == ""
    if pointer == "/request/query":
        query = good.request["query"]
        wrong = re.sub(r"(offset|watermark|start)=[^&]*", r"\g<1>=1234", query)
        assert wrong != query
    else:
        wrong = "not-the-previous-cursor"
    _, bad = _broken_copy(tmp_path, api, second, _set(pointer, wrong))
    assert bad.operation == op_id
    assert link_problem(pages, prev, bad) != ""
