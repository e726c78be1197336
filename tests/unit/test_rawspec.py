"""generator.rawspec: the one reader of raw specs (pointers, references, operations, media)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import rawspec
from generator.rawspec import (
    MISSING,
    is_form,
    is_json,
    is_multipart,
    is_sequential,
    is_textual,
    iter_operations,
    media_base,
    node_at,
    operation_parameters,
    parse_pointer,
    parse_reference,
    resolve,
    to_pointer,
)


@given(st.lists(st.text(max_size=8), max_size=6))
def test_pointers_round_trip(parts: list[str]) -> None:
    assert parse_pointer(to_pointer(parts)) == parts


@given(st.lists(st.text(max_size=8), min_size=1, max_size=4), st.integers())
def test_node_at_finds_what_to_pointer_names(parts: list[str], value: int) -> None:
    root: dict[str, object] = {}
    holder = root
    for part in parts[:-1]:
        holder = holder.setdefault(part, {})  # type: ignore[assignment]
    holder[parts[-1]] = value
    assert node_at(root, to_pointer(parts)) == value
    assert node_at(root, to_pointer([*parts, "deeper"])) is MISSING


def test_references_are_percent_decoded() -> None:
    spec = {"paths": {"/a/{id}": {"get": {"operationId": "x"}}}}
    assert parse_reference("#/paths/~1a~1%7Bid%7D/get") == ["paths", "/a/{id}", "get"]
    assert resolve(spec, {"$ref": "#/paths/~1a~1%7Bid%7D/get"}) == {"operationId": "x"}
    with pytest.raises(ValueError):
        parse_reference("other.yaml#/a")


def test_resolve_follows_chains_and_stops_at_cycles_and_misses() -> None:
    spec = {
        "a": {"$ref": "#/b"},
        "b": {"$ref": "#/c"},
        "c": {"type": "string"},
        "loop1": {"$ref": "#/loop2"},
        "loop2": {"$ref": "#/loop1"},
    }
    assert resolve(spec, {"$ref": "#/a"}) == {"type": "string"}
    assert resolve(spec, {"$ref": "#/loop1"}, default={}) == {}
    assert resolve(spec, {"$ref": "#/loop1"})["$ref"].startswith("#/loop")
    assert resolve(spec, {"$ref": "#/nowhere"}, default=None) is None
    assert resolve(spec, {"$ref": "https://example.com/x"}, default=None) is None
    with pytest.raises(LookupError):
        resolve(spec, {"$ref": "#/nowhere"})


def test_iter_operations_sees_referenced_path_items_query_and_custom_methods() -> None:
    spec = {
        "paths": {
            "/a": {"get": {"operationId": "a"}, "query": {"operationId": "q"}},
            "/b": {"$ref": "#/components/pathItems/B", "summary": "kept"},
            "/c": {"additionalOperations": {"COPY": {"operationId": "c"}}},
            "/d": {"$ref": "#/components/pathItems/Nothing"},
        },
        "components": {"pathItems": {"B": {"post": {"operationId": "b"}}}},
    }
    found = [
        (f.method, f.path, f.operation["operationId"], f.pointer) for f in iter_operations(spec)
    ]
    assert found == [
        ("GET", "/a", "a", "/paths/~1a/get"),
        ("QUERY", "/a", "q", "/paths/~1a/query"),
        ("POST", "/b", "b", "/components/pathItems/B/post"),
        ("COPY", "/c", "c", "/paths/~1c/additionalOperations/COPY"),
    ]
    b = next(f for f in iter_operations(spec) if f.path == "/b")
    assert b.path_item["summary"] == "kept"


def test_operation_parameters_override_path_level_ones_by_name_and_location() -> None:
    spec = {"components": {"parameters": {"P": {"name": "id", "in": "path", "required": True}}}}
    item = {"parameters": [{"$ref": "#/components/parameters/P"}, {"name": "q", "in": "query"}]}
    operation = {"parameters": [{"name": "q", "in": "query", "description": "mine"}]}
    params = operation_parameters(spec, item, operation)
    assert [(p["name"], p.get("description")) for p in params] == [("id", None), ("q", "mine")]


@pytest.mark.parametrize(
    ("media", "predicates"),
    [
        ("application/json", {"json"}),
        ("Application/Problem+JSON; charset=utf-8", {"json"}),
        ("application/x-www-form-urlencoded", {"form"}),
        ("multipart/form-data; boundary=x", {"multipart"}),
        ("application/x-ndjson", {"sequential"}),
        ("text/event-stream", {"sequential", "textual"}),
        ("application/atom+xml", {"textual"}),
        ("application/octet-stream", set()),
    ],
)
def test_media_type_tests(media: str, predicates: set[str]) -> None:
    tests = {
        "json": is_json,
        "form": is_form,
        "multipart": is_multipart,
        "sequential": is_sequential,
        "textual": is_textual,
    }
    assert {name for name, test in tests.items() if test(media)} == predicates
    assert media_base(media) == media.split(";")[0].strip().lower()


def test_the_pointer_names_stay_importable_from_errors() -> None:
    from generator import errors

    assert errors.to_pointer is rawspec.to_pointer
    assert errors.resolve_pointer is rawspec.resolve_pointer
