"""JSON Schema helpers shared by the IR builder and the models stage."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from generator.rawspec import (
    canonical_reference,
    copy_tree,
    is_local_reference,
    parse_reference,
    resolve,
)

COMPONENT_PREFIX = "#/components/schemas/"

# Formats that become Python types; every other format is documentation only, so that reading a
# value never needs a package beyond pydantic and never rewrites what the server sent.
TYPED_FORMATS = {"date-time", "date", "binary"}


def component_name(schema: Any) -> str | None:
    """``Foo`` for ``{"$ref": "#/components/schemas/Foo"}``, else None."""
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        try:
            tokens = parse_reference(schema["$ref"])
        except ValueError:
            return None
        if len(tokens) == 3 and tokens[:2] == ["components", "schemas"]:
            return tokens[2]
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
    result = copy_tree(dict(schema))
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


# -- the models' input: an allow-list -----------------------------------------------------------
#
# datamodel-code-generator obeys keywords of its own (customBasePath, customTypePath,
# x-python-type, x-python-import, x-enum-varnames...) that put imports and names into the code
# it writes, and it follows references to files and URLs. So the schemas it gets are rebuilt
# from the keywords below, each value checked for its type, and nothing else: a spec can
# describe data to it, never name a module, a class to inherit or a document to read.

COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")  # what OpenAPI allows as a component's name
_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}
# No ``title``, ``example`` or ``examples``: the library writes them as ``Field(title=...,
# examples=[...])`` on every field, noise a hand-written SDK does not have (the description stays,
# as the field's docstring).
_TEXTS = ("description", "pattern")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_NUMBERS = ("minimum", "maximum", "multipleOf")
_BOUNDS = ("exclusiveMinimum", "exclusiveMaximum")  # numbers in 3.1, flags in 3.0
_FLAGS = ("nullable", "uniqueItems")
_VALUES = ("default", "const")  # JSON data, written as Python literals
_SUBSCHEMAS = ("items", "additionalProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")  # keys: names, regular expressions


def models_input(schema: Any) -> Any:
    """A fresh copy of ``schema`` holding only what the models stage may see (see above)."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, Mapping):
        return {}
    result: dict[str, Any] = {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and is_local_reference(ref):
        result["$ref"] = canonical_reference(ref)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if kinds and all(isinstance(k, str) and k in _TYPES for k in kinds):
        result["type"] = copy.copy(kind)
    if isinstance(schema.get("format"), str) and schema["format"] in TYPED_FORMATS:
        result["format"] = schema["format"]
    result.update(_plain_keywords(schema))
    for key in _SUBSCHEMAS:
        if isinstance(schema.get(key), (Mapping, bool)):
            result[key] = models_input(schema[key])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            result[key] = [models_input(member) for member in schema[key]]
    for key in _SUBSCHEMA_MAPS:
        if isinstance(schema.get(key), Mapping):
            result[key] = {
                name: models_input(sub)
                for name, sub in schema[key].items()
                if isinstance(name, str)
            }
    discriminator = _discriminator(schema.get("discriminator"))
    if discriminator is not None:
        result["discriminator"] = discriminator
    return result


def _plain_keywords(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The allowed keywords whose values are text, numbers, flags or JSON data."""
    found: dict[str, Any] = {}
    for key in _TEXTS:
        if isinstance(schema.get(key), str):
            found[key] = schema[key]
    for key in _COUNTS:
        value = schema.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            found[key] = value
    for key in (*_NUMBERS, *_BOUNDS):
        if _is_number(schema.get(key)) or (key in _BOUNDS and isinstance(schema.get(key), bool)):
            found[key] = schema[key]
    for key in _FLAGS:
        if isinstance(schema.get(key), bool):
            found[key] = schema[key]
    for key in _VALUES:
        value = _json_data(schema.get(key, _NOT_JSON))
        if value is not _NOT_JSON:
            found[key] = value
    enum = _json_data(schema.get("enum"))
    if isinstance(enum, list):
        found["enum"] = enum
    required = schema.get("required")
    if isinstance(required, list) and all(isinstance(name, str) for name in required):
        found["required"] = list(required)
    return found


def _discriminator(raw: Any) -> dict[str, Any] | None:
    """A discriminator with its mapping as local references (a bare name means a component)."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("propertyName"), str):
        return None
    result: dict[str, Any] = {"propertyName": raw["propertyName"]}
    mapping = raw.get("mapping")
    if isinstance(mapping, Mapping):
        result["mapping"] = {
            key: ref if is_local_reference(ref) else COMPONENT_PREFIX + ref
            for key, ref in mapping.items()
            if isinstance(key, str)
            and isinstance(ref, str)
            and (is_local_reference(ref) or COMPONENT_NAME.fullmatch(ref))
        }
    return result


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_NOT_JSON: Any = object()


def _json_data(value: Any) -> Any:
    """A copy of ``value`` as plain JSON data, or ``_NOT_JSON``.

    YAML also gives dates and timestamps (as ISO strings here, what the author wrote), and
    non-string keys, sets or infinities, which are not data a schema can hold.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NOT_JSON
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        items = [_json_data(item) for item in value]
        return _NOT_JSON if any(item is _NOT_JSON for item in items) else items
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        members = {key: _json_data(item) for key, item in value.items()}
        return _NOT_JSON if any(v is _NOT_JSON for v in members.values()) else members
    return _NOT_JSON
