"""JSON Schema helpers shared by the IR builder and the models stage."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from generator.errors import parse_pointer

COMPONENT_PREFIX = "#/components/schemas/"

# Formats that become Python types; every other format is documentation only, so that reading a
# value never needs a package beyond pydantic and never rewrites what the server sent.
TYPED_FORMATS = {"date-time", "date", "binary"}


def resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s until a node without one (cycles stop where they repeat)."""
    seen: set[str] = set()
    while (
        isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen
    ):
        seen.add(node["$ref"])
        target: Any = spec
        for token in parse_pointer(node["$ref"][1:]):
            target = target[int(token)] if isinstance(target, list) else target[token]
        node = target
    return node


def component_name(schema: Any) -> str | None:
    """``Foo`` for ``{"$ref": "#/components/schemas/Foo"}``, else None."""
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref.startswith(COMPONENT_PREFIX) and "/" not in ref[len(COMPONENT_PREFIX) :]:
            return str(parse_pointer(ref[1:])[-1])
    return None


def is_object_like(spec: Mapping[str, Any], schema: Any) -> bool:
    """Schemas that become model classes: objects with properties, and compositions of them."""
    schema = resolve(spec, schema)
    if not isinstance(schema, Mapping):
        return False
    return "properties" in schema or "allOf" in schema


def schema_at(spec: Mapping[str, Any], schema: Any, tokens: list[str]) -> Any:
    """The sub-schema describing the value at ``tokens`` (a JSON pointer into an instance)."""
    node = resolve(spec, schema)
    for token in tokens:
        node = _child(spec, node, token)
        if node is None:
            return None
    return node


def _child(spec: Mapping[str, Any], schema: Any, token: str) -> Any:
    schema = resolve(spec, schema)
    if not isinstance(schema, Mapping):
        return None
    properties = schema.get("properties") or {}
    if token in properties:
        return resolve(spec, properties[token])
    if token.isdigit() and "items" in schema:
        return resolve(spec, schema["items"])
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key) or []:
            found = _child(spec, member, token)
            if found is not None:
                return found
    return None


def walk_schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object nested in ``node`` (itself included), for in-place rewriting."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key in (
                "properties",
                "patternProperties",
                "$defs",
                "definitions",
                "dependentSchemas",
            ):
                for sub in value.values() if isinstance(value, dict) else []:
                    yield from walk_schemas(sub)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems") and isinstance(value, list):
                for sub in value:
                    yield from walk_schemas(sub)
            elif key in ("items", "additionalProperties", "not", "contains", "if", "then", "else"):
                yield from walk_schemas(value)


def lenient(schema: Mapping[str, Any], *, keep_closed: bool = False) -> dict[str, Any]:
    """A copy of a component schema as the models read it.

    Objects keep unknown fields (``additionalProperties: true``) unless ``keep_closed`` and the
    spec closes them: only schemas a response never contains stay closed, so requests are
    checked while responses from a grown API still read. String enums also accept any other
    string (an unknown value is kept while type checkers still see the known ones), and formats
    other than dates and binary are documentation only.
    """
    result = copy.deepcopy(dict(schema))
    for node in list(walk_schemas(result)):
        closed = keep_closed and node.get("additionalProperties") is False
        extra_schema = isinstance(node.get("additionalProperties"), Mapping)
        if "properties" in node and not closed and not extra_schema:
            node["additionalProperties"] = True
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in TYPED_FORMATS:
            del node["format"]
        if isinstance(node.get("enum"), list) and all(
            isinstance(v, str) for v in node["enum"] if v is not None
        ):
            known = {key: node.pop(key) for key in ("enum", "type") if key in node}
            nullable = None in known["enum"] or "null" in (known.get("type") or [])
            known["enum"] = [v for v in known["enum"] if v is not None]
            known["type"] = "string"
            node["anyOf"] = [known, {"type": "string"}, *([{"type": "null"}] if nullable else [])]
    return result
