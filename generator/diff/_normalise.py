"""Reference resolution and schema normalisation for `generator.diff`.

Every way of writing the same schema gets one canonical form, so that moves which change
nothing compare equal: inlined `$ref`s, reordered keys and enum values, 3.0 `nullable`,
`allOf` fragments...
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from generator.diff._model import Schema, as_mapping
from generator.rawspec import MISSING, node_at, reference_pointer, resolve

# Keywords that document a schema without constraining the data it accepts.
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "summary",
        "example",
        "examples",
        "externalDocs",
        "xml",
        "deprecated",
        "$comment",
        "$id",
        "$schema",
        "$anchor",
        "$defs",
        "definitions",
        "discriminator",
        "nullable",
        "default",
    }
)
SUBSCHEMA_KEYS = ("items", "additionalProperties", "not")
UNION_KEYS = ("oneOf", "anyOf")
_MAX_DEPTH = 64
# Private markers left in normalised schemas; never part of the data a schema accepts.
RECURSIVE = "$recursive"
REF_NAME = "$ref-name"
_UNRESOLVED = "$unresolved"


class Document:
    """One spec, with local `$ref` resolution that never loops."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec

    def lookup(self, ref: str) -> Any | None:
        """Return the node a local reference (``#/components/...``) points at, or None."""
        if not ref.startswith("#"):
            return None
        # Whatever precedes the first "/" (``#name/...``) is skipped.
        _, slash, pointer = ref[1:].partition("/")
        try:
            node = node_at(self.spec, reference_pointer(slash + pointer))
        except ValueError:
            return None
        return None if node is MISSING else node

    def deref(self, node: Any) -> Mapping[str, Any]:
        """Follow a chain of `$ref` objects (parameters, bodies, responses...) to its end."""
        return as_mapping(resolve(self.spec, node, default={}))

    def schema(self, node: Any) -> Schema:
        """Return `node` as a normalised schema (see `_normalise`)."""
        return _normalise(self, node, ())


def canonical(value: Any) -> str:
    """Return an order-free text form of a normalised schema, for equality and matching."""
    return json.dumps(_without_names(value), sort_keys=True, default=str)


def _without_names(value: Any) -> Any:
    if isinstance(value, Mapping):
        result = {k: _without_names(v) for k, v in value.items() if k != REF_NAME}
        for key in UNION_KEYS:
            if key in result:
                result[key] = sorted(result[key], key=canonical)
        return result
    if isinstance(value, list):
        return [_without_names(item) for item in value]
    return value


def _normalise(doc: Document, node: Any, stack: tuple[str, ...]) -> Schema:
    """Resolve references and rewrite `node` so that equal schemas become equal dicts.

    `stack` holds the references being expanded; meeting one again (a recursive schema) or
    going too deep leaves a ``{"$recursive": ref}`` marker instead of expanding forever.
    """
    if node is False:  # OpenAPI 3.1 boolean schema that accepts nothing
        return {"not": {}}
    if not isinstance(node, Mapping):
        return {}
    if isinstance(node.get("$ref"), str):
        return _normalise_ref(doc, node, stack)
    schema: Schema = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        schema[key] = _normalise_keyword(doc, key, value, stack)
    _apply_nullable(node, schema)
    _apply_exclusive_bounds(node, schema)
    schema = _merge_all_of(schema)
    return _collapse_null_union(schema)


def _normalise_ref(doc: Document, node: Mapping[str, Any], stack: tuple[str, ...]) -> Schema:
    ref: str = node["$ref"]
    target = doc.lookup(ref)
    if target is None:
        return {_UNRESOLVED: ref}
    if ref in stack or len(stack) >= _MAX_DEPTH:
        return {RECURSIVE: ref}
    schema = _normalise(doc, target, (*stack, ref))
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    if siblings:  # OpenAPI 3.1 lets keywords sit beside a $ref
        schema = _merge_schemas([schema, _normalise(doc, siblings, stack)])
    schema[REF_NAME] = ref
    return schema


def _normalise_keyword(doc: Document, key: str, value: Any, stack: tuple[str, ...]) -> Any:
    if key in ("properties", "patternProperties") and isinstance(value, Mapping):
        return {name: _normalise(doc, sub, stack) for name, sub in value.items()}
    if key in SUBSCHEMA_KEYS and isinstance(value, Mapping):
        return _normalise(doc, value, stack)
    if key in ("allOf", *UNION_KEYS) and isinstance(value, list):
        return [_normalise(doc, sub, stack) for sub in value]
    if key == "type":
        return sorted({value} if isinstance(value, str) else {str(t) for t in value})
    if key == "const":
        return [value]
    if key == "enum" and isinstance(value, list):
        return _sorted_unique_values(value)
    if key == "required" and isinstance(value, list):
        return sorted({str(name) for name in value})
    return value


def _sorted_unique_values(values: Sequence[Any]) -> list[Any]:
    unique = {canonical(v): v for v in values}
    return [unique[k] for k in sorted(unique)]


def _apply_nullable(node: Mapping[str, Any], schema: Schema) -> None:
    """Write 3.0 `nullable: true` and a `null` enum value as the 3.1 `"null"` type."""
    if "const" in schema:
        schema["enum"] = schema.pop("const")
    nullable = node.get("nullable") is True
    enum = schema.get("enum")
    if isinstance(enum, list) and None in enum and "type" in schema:
        schema["enum"] = [v for v in enum if v is not None]
        nullable = True
    if nullable and "type" in schema:
        schema["type"] = sorted({*schema["type"], "null"})


def _apply_exclusive_bounds(node: Mapping[str, Any], schema: Schema) -> None:
    """Write 3.0 boolean `exclusiveMaximum: true` as the 3.1 numeric form."""
    for flag, bound in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        value = node.get(flag)
        if isinstance(value, bool):
            del schema[flag]
            if value and bound in schema:
                schema[flag] = schema.pop(bound)


def _merge_all_of(schema: Schema) -> Schema:
    """Fold `allOf` members into the schema, so properties can be compared one by one."""
    members = schema.pop("allOf", None)
    if not isinstance(members, list):
        return schema
    parts = [{k: v for k, v in m.items() if k != REF_NAME} for m in members]
    return _merge_schemas([schema, *parts])


def _merge_schemas(schemas: Sequence[Schema]) -> Schema:
    """Merge schemas as `allOf` would for comparison: properties united, types intersected."""
    merged: Schema = {}
    for schema in schemas:
        for key, value in schema.items():
            merged[key] = _merge_keyword(key, merged[key], value) if key in merged else value
    return merged


def _merge_keyword(key: str, first: Any, second: Any) -> Any:
    if key == "properties" and isinstance(first, dict) and isinstance(second, dict):
        names = {**first, **second}
        return {
            name: _merge_schemas([first[name], second[name]])
            if name in first and name in second
            else names[name]
            for name in names
        }
    if key == "required":
        return sorted({*first, *second})
    if key == "type":
        return _intersect_types(first, second)
    return first


def _intersect_types(first: list[str], second: list[str]) -> list[str]:
    common = set(first) & set(second)
    for a, b in ((first, second), (second, first)):
        if "number" in a and "integer" in b:
            common.add("integer")
    return sorted(common)


def _collapse_null_union(schema: Schema) -> Schema:
    """Rewrite ``oneOf: [X, {type: null}]`` as X with the `"null"` type."""
    for key in UNION_KEYS:
        members = schema.get(key)
        if not isinstance(members, list):
            continue
        others = [m for m in members if m != {"type": ["null"]}]
        rest = {k: v for k, v in schema.items() if k != key}
        if len(others) == 1 and len(members) == 2 and not rest and "type" in others[0]:
            collapsed = dict(others[0])
            collapsed["type"] = sorted({*collapsed["type"], "null"})
            return collapsed
    return schema
