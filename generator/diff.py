"""Classify the differences between two OpenAPI documents for a generated client.

`specgen diff OLD NEW` answers one question: will a client generated from OLD still work, and
still type-check, against the API described by NEW?  Every difference that matters to such a
client becomes a `Change` with a stable `kind`, a severity and a JSON pointer.

The comparison works on *resolved* schemas, so that moves which change nothing are not
reported: a `$ref` replaced by the equal inline schema, reordered keys, parameters, enum values
or `oneOf` members, edited descriptions and examples, OpenAPI 3.0 `nullable: true` written as
3.1 `type: [x, "null"]`, and `allOf` fragments written as one flat object.

Requests and responses follow opposite rules.  What the client *sends* (parameters, request
bodies) may be widened safely but not narrowed: a new required property, a lower `maximum` or a
removed enum value rejects requests that used to be valid.  What the client *receives* may be
narrowed safely but not widened: a removed property, a changed type or a response that is now
nullable breaks code reading it.  A new response enum value is the one widening reported as
non-breaking, with `flagged=True`: event APIs grow their enums, and clients must keep values
they do not know yet.

Locations are JSON pointers rooted at the operation, walked through resolved references (as if
every `$ref` were inlined): ``/paths/~1events/post/requestBody/content/application~1json/schema
/properties/limit``.  Parameters are named by their name (``.../parameters/limit``), as arrays
of parameters are order-free.  A location points into NEW, or into OLD for what was removed.

Usage::

    changes = diff_specs(old_spec, new_spec)
    print(render_text(changes))
    raise SystemExit(exit_code(changes, fail_on="breaking"))
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

__all__ = [
    "Change",
    "FailOn",
    "Severity",
    "diff_specs",
    "exit_code",
    "parse_json",
    "render_json",
    "render_markdown",
    "render_text",
]

Severity: TypeAlias = Literal["breaking", "non-breaking"]
FailOn: TypeAlias = Literal["breaking", "any", "never"]
Side: TypeAlias = Literal["parameter", "request", "response"]
Schema: TypeAlias = dict[str, Any]

BREAKING: Severity = "breaking"
NON_BREAKING: Severity = "non-breaking"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

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
_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not")
_UNION_KEYS = ("oneOf", "anyOf")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_EXACT_CONSTRAINTS = ("pattern", "multipleOf", "format")
_MAX_DEPTH = 64
_TEMPLATE = re.compile(r"\{[^}/]*\}")
# Private markers left in normalised schemas; never part of the data a schema accepts.
_RECURSIVE = "$recursive"
_REF_NAME = "$ref-name"
_UNRESOLVED = "$unresolved"


@dataclass(frozen=True)
class Change:
    """One difference between two specs, as it affects a client generated from the old one.

    `kind` is a stable machine id (``parameter-removed``); `location` a JSON pointer into the
    new spec, or into the old one for removals; `message` one sentence for a human.  `flagged`
    marks a non-breaking change that still deserves a look, such as a new response enum value.
    """

    kind: str
    severity: Severity
    location: str
    message: str
    flagged: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the change as plain JSON-ready data."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
            "flagged": self.flagged,
        }


def _breaking(kind: str, location: str, message: str) -> Change:
    return Change(kind, BREAKING, location, message)


def _safe(kind: str, location: str, message: str, flagged: bool = False) -> Change:
    return Change(kind, NON_BREAKING, location, message, flagged)


# --------------------------------------------------------------------------------------------
# JSON pointers and reference resolution


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _join(base: str, *tokens: object) -> str:
    return base + "".join("/" + _escape(token) for token in tokens)


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Document:
    """One spec, with local `$ref` resolution that never loops."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec

    def lookup(self, ref: str) -> Any | None:
        """Return the node a local reference (``#/components/...``) points at, or None."""
        if not ref.startswith("#"):
            return None
        node: Any = self.spec
        for token in ref[1:].split("/")[1:]:
            key = _unescape(token)
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return None
        return node

    def deref(self, node: Any) -> Mapping[str, Any]:
        """Follow a chain of `$ref` objects (parameters, bodies, responses...) to its end."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target = self.lookup(ref)
            if ref in seen or target is None:
                return {}
            seen.add(ref)
            node = target
        return _as_mapping(node)

    def schema(self, node: Any) -> Schema:
        """Return `node` as a normalised schema (see `_normalise`)."""
        return _normalise(self, node, ())


# --------------------------------------------------------------------------------------------
# Schema normalisation: one canonical form for every way of writing the same schema


def _canonical(value: Any) -> str:
    """Return an order-free text form of a normalised schema, for equality and matching."""
    return json.dumps(_without_names(value), sort_keys=True, default=str)


def _without_names(value: Any) -> Any:
    if isinstance(value, Mapping):
        result = {k: _without_names(v) for k, v in value.items() if k != _REF_NAME}
        for key in _UNION_KEYS:
            if key in result:
                result[key] = sorted(result[key], key=_canonical)
        return result
    if isinstance(value, list):
        return [_without_names(item) for item in value]
    return value


def _normalise(doc: _Document, node: Any, stack: tuple[str, ...]) -> Schema:
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


def _normalise_ref(doc: _Document, node: Mapping[str, Any], stack: tuple[str, ...]) -> Schema:
    ref: str = node["$ref"]
    target = doc.lookup(ref)
    if target is None:
        return {_UNRESOLVED: ref}
    if ref in stack or len(stack) >= _MAX_DEPTH:
        return {_RECURSIVE: ref}
    schema = _normalise(doc, target, (*stack, ref))
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    if siblings:  # OpenAPI 3.1 lets keywords sit beside a $ref
        schema = _merge_schemas([schema, _normalise(doc, siblings, stack)])
    schema[_REF_NAME] = ref
    return schema


def _normalise_keyword(doc: _Document, key: str, value: Any, stack: tuple[str, ...]) -> Any:
    if key in ("properties", "patternProperties") and isinstance(value, Mapping):
        return {name: _normalise(doc, sub, stack) for name, sub in value.items()}
    if key in _SUBSCHEMA_KEYS and isinstance(value, Mapping):
        return _normalise(doc, value, stack)
    if key in ("allOf", *_UNION_KEYS) and isinstance(value, list):
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
    unique = {_canonical(v): v for v in values}
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
    parts = [{k: v for k, v in m.items() if k != _REF_NAME} for m in members]
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
    for key in _UNION_KEYS:
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


# --------------------------------------------------------------------------------------------
# Schema comparison


@dataclass(frozen=True)
class _Where:
    """Where a schema comparison stands: which side, which operation, which field."""

    side: Side
    context: str
    old_at: str
    new_at: str
    field: str = ""

    def child(self, tokens: Sequence[object], field: str) -> _Where:
        return replace(
            self,
            old_at=_join(self.old_at, *tokens),
            new_at=_join(self.new_at, *tokens),
            field=field,
        )

    def split(self, old_tokens: Sequence[object], new_tokens: Sequence[object]) -> _Where:
        return replace(
            self, old_at=_join(self.old_at, *old_tokens), new_at=_join(self.new_at, *new_tokens)
        )

    @property
    def sends(self) -> bool:
        """True when the client sends this data, False when it receives it."""
        return self.side != "response"

    def subject(self) -> str:
        """Name what is compared, for the start of a message."""
        return f"{self.context}, field `{self.field}`," if self.field else self.context

    def kind(self, suffix: str) -> str:
        return f"{self.side}-{suffix}"


def _compare_schemas(old: Schema, new: Schema, where: _Where) -> list[Change]:
    """Compare two normalised schemas and classify every difference for `where.side`."""
    if _canonical(old) == _canonical(new):
        return []
    if _RECURSIVE in old or _RECURSIVE in new:
        return _compare_recursion(old, new, where)
    if _has_union(old) != _has_union(new):
        # A plain schema against a union: compare it as a union of one member.
        key = next(k for k in _UNION_KEYS if k in old or k in new)
        return _compare_variants(_variants(old), _variants(new), where, (key,))
    changes = [*_compare_domain(old, new, where), *_compare_constraints(old, new, where)]
    changes += _compare_properties(old, new, where)
    for key in _SUBSCHEMA_KEYS:
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            field = f"{where.field}[]" if key == "items" else f"{where.field}{{*}}"
            changes += _compare_schemas(old[key], new[key], where.child([key], field))
    for key in _UNION_KEYS:
        if key in old and key in new:
            changes += _compare_variants(old[key], new[key], where, (key,))
    return changes


def _compare_recursion(old: Schema, new: Schema, where: _Where) -> list[Change]:
    """Compare at a recursion point: the ref names are all that is left to compare.

    A marker against an expanded schema is what inlining one level of a recursive schema
    produces, so it is not a change.
    """
    old_ref, new_ref = old.get(_RECURSIVE), new.get(_RECURSIVE)
    if old_ref is None or new_ref is None or old_ref == new_ref:
        return []
    message = (
        f"{where.subject()} now recurses into {new_ref} instead of {old_ref}; "
        "the recursive part was not compared further."
    )
    return [_safe(where.kind("recursive-ref-changed"), where.new_at, message, flagged=True)]


def _has_union(schema: Schema) -> bool:
    return any(key in schema for key in _UNION_KEYS)


def _variants(schema: Schema) -> list[Schema]:
    for key in _UNION_KEYS:
        if isinstance(schema.get(key), list):
            return list(schema[key])
    return [schema]


# Type relations ---------------------------------------------------------------------------

Relation: TypeAlias = Literal["same", "wider", "narrower", "different"]


def _covers(wide: list[str] | None, narrow: list[str] | None) -> bool:
    """True when every value of type list `narrow` is also of type list `wide` (None = any)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_relation(old: Schema, new: Schema) -> Relation:
    old_types, new_types = old.get("type"), new.get("type")
    if old_types == new_types:
        return "same"
    if _covers(new_types, old_types):
        return "wider"
    if _covers(old_types, new_types):
        return "narrower"
    return "different"


def _enum_relation(old: Schema, new: Schema) -> Relation:
    """Relation from an enum appearing or disappearing; value changes are reported apart."""
    has_old, has_new = "enum" in old, "enum" in new
    if has_old == has_new:
        return "same"
    return "narrower" if has_new else "wider"


def _combine(first: Relation, second: Relation) -> Relation:
    if first == "same":
        return second
    if second in ("same", first):
        return first
    return "different"


def _describe_domain(schema: Schema) -> str:
    types = schema.get("type")
    text = " | ".join(types) if types else "any type"
    if "enum" in schema:
        text += " (enum)"
    return text


def _compare_domain(old: Schema, new: Schema, where: _Where) -> list[Change]:
    """Compare the types and enums: the set of values a schema accepts."""
    relation = _combine(_type_relation(old, new), _enum_relation(old, new))
    changes = _classify_type_change(relation, old, new, where)
    if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
        changes += _compare_enum_values(old["enum"], new["enum"], where)
    return changes


def _classify_type_change(
    relation: Relation, old: Schema, new: Schema, where: _Where
) -> list[Change]:
    """Turn a type relation into a change: requests may widen, responses may narrow."""
    if relation == "same":
        return []
    kind = where.kind("type-" if where.side == "parameter" else "property-type-")
    change = f"changed from {_describe_domain(old)} to {_describe_domain(new)}"
    subject = where.subject()
    if where.sends and relation == "wider":
        return [
            _safe(kind + "widened", where.new_at, f"{subject} {change}; old values stay valid.")
        ]
    if where.sends:
        suffix = "narrowed" if relation == "narrower" else "changed"
        why = "values the client may send are no longer accepted"
        return [_breaking(kind + suffix, where.new_at, f"{subject} {change}: {why}.")]
    if relation == "narrower":
        why = "the client still accepts every value, but its generated type changes"
        return [_safe(kind + "narrowed", where.new_at, f"{subject} {change}; {why}.", True)]
    why = "the client may receive values its generated type cannot hold"
    return [_breaking(kind + "changed", where.new_at, f"{subject} {change}: {why}.")]


def _compare_enum_values(old: list[Any], new: list[Any], where: _Where) -> list[Change]:
    """Report each enum value added or removed, one change per value."""
    old_keys = {_canonical(v): v for v in old}
    new_keys = {_canonical(v): v for v in new}
    removed = [old_keys[k] for k in sorted(old_keys.keys() - new_keys.keys())]
    added = [new_keys[k] for k in sorted(new_keys.keys() - old_keys.keys())]
    changes = [_enum_value_removed(v, where) for v in removed]
    return changes + [_enum_value_added(v, where) for v in added]


def _enum_value_removed(value: Any, where: _Where) -> Change:
    kind = where.kind("enum-value-removed")
    text = f"{where.subject()} no longer lists enum value {json.dumps(value, default=str)}"
    if where.sends:
        return _breaking(kind, where.new_at, f"{text}: requests using it will be rejected.")
    return _safe(kind, where.new_at, f"{text}; the client will simply not receive it anymore.")


def _enum_value_added(value: Any, where: _Where) -> Change:
    kind = where.kind("enum-value-added")
    text = f"{where.subject()} gained enum value {json.dumps(value, default=str)}"
    if where.sends:
        return _safe(kind, where.new_at, f"{text}; the client may now send it.")
    why = "clients must tolerate values they do not know yet"
    return _safe(kind, where.new_at, f"{text}: {why}.", flagged=True)


# Constraints ------------------------------------------------------------------------------


def _bound_direction(key: str, old: Any, new: Any) -> Literal["tightened", "loosened"]:
    """Tell whether moving a bound from `old` to `new` (None = absent) narrows the values."""
    if old is None:
        return "tightened"
    if new is None:
        return "loosened"
    try:
        lower = float(new) < float(old)
    except (TypeError, ValueError):
        return "tightened"
    return "tightened" if lower == (key in _UPPER_BOUNDS) else "loosened"


def _constraint_direction(key: str, old: Any, new: Any) -> Literal["tightened", "loosened"]:
    if key in _UPPER_BOUNDS or key in _LOWER_BOUNDS:
        return _bound_direction(key, old, new)
    if key == "uniqueItems":
        return "tightened" if new else "loosened"
    return "loosened" if new is None else "tightened"


def _compare_constraints(old: Schema, new: Schema, where: _Where) -> list[Change]:
    """Compare bounds, patterns and formats: each one narrows or widens the accepted values."""
    changes: list[Change] = []
    keys = (*_UPPER_BOUNDS, *_LOWER_BOUNDS, *_EXACT_CONSTRAINTS, "uniqueItems")
    for key in keys:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        direction = _constraint_direction(key, before, after)
        changes.append(_constraint_change(key, before, after, direction, where))
    return changes


def _constraint_change(
    key: str, before: Any, after: Any, direction: Literal["tightened", "loosened"], where: _Where
) -> Change:
    kind = where.kind(f"constraint-{direction}")
    text = f"{where.subject()} `{key}` changed from {_show(before)} to {_show(after)}"
    if where.sends and direction == "tightened":
        return _breaking(kind, where.new_at, f"{text}: values that were valid are now rejected.")
    if where.sends:
        return _safe(kind, where.new_at, f"{text}; every value that was valid still is.")
    if direction == "loosened":
        why = "the client may receive values its validation or types did not expect"
        return _safe(kind, where.new_at, f"{text}: {why}.", flagged=True)
    return _safe(kind, where.new_at, f"{text}; responses only get stricter.")


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, default=str)


# Properties -------------------------------------------------------------------------------


def _visible_properties(schema: Schema, where: _Where) -> dict[str, Schema]:
    """Properties that exist on this side: readOnly ones are never sent, writeOnly never read."""
    hidden = "readOnly" if where.sends else "writeOnly"
    props = _as_mapping(schema.get("properties"))
    return {name: sub for name, sub in props.items() if not _as_mapping(sub).get(hidden)}


def _compare_properties(old: Schema, new: Schema, where: _Where) -> list[Change]:
    """Compare object properties: presence, requiredness, then each common schema."""
    old_props, new_props = _visible_properties(old, where), _visible_properties(new, where)
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    changes: list[Change] = []
    for name in sorted(old_props.keys() - new_props.keys()):
        changes.append(_property_removed(name, where))
    for name in sorted(new_props.keys() - old_props.keys()):
        changes.append(_property_added(name, name in new_required, where))
    for name in sorted(old_props.keys() & new_props.keys()):
        child = where.child(["properties", name], _field(where.field, name))
        changes += _required_changes(name in old_required, name in new_required, child)
        changes += _compare_schemas(old_props[name], new_props[name], child)
    return changes


def _field(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _property_removed(name: str, where: _Where) -> Change:
    location = _join(where.old_at, "properties", name)
    text = f"{where.context}: property `{_field(where.field, name)}` was removed"
    if where.sends:
        why = "client code that sets it no longer type-checks and the server may reject it"
    else:
        why = "client code that reads it breaks"
    return _breaking(where.kind("property-removed"), location, f"{text}; {why}.")


def _property_added(name: str, required: bool, where: _Where) -> Change:
    location = _join(where.new_at, "properties", name)
    text = f"{where.context}: property `{_field(where.field, name)}` was added"
    if where.sends and required:
        why = "as required, so existing requests without it are rejected"
        return _breaking(where.kind("property-added-required"), location, f"{text} {why}.")
    if where.sends:
        return _safe(where.kind("property-added"), location, f"{text} as optional.")
    why = "clients that ignore unknown fields are unaffected"
    return _safe(where.kind("property-added"), location, f"{text}; {why}.")


def _required_changes(was: bool, now: bool, where: _Where) -> list[Change]:
    """Classify a property becoming required or optional on this side."""
    if was == now:
        return []
    subject = f"{where.context}: property `{where.field}`"
    if now and where.sends:
        why = "requests that omit it are now rejected"
        return [
            _breaking(
                where.kind("property-made-required"),
                where.new_at,
                f"{subject} is now required: {why}.",
            )
        ]
    if now:
        return [
            _safe(
                where.kind("property-made-required"),
                where.new_at,
                f"{subject} is now always present.",
            )
        ]
    if where.sends:
        return [
            _safe(where.kind("property-made-optional"), where.new_at, f"{subject} is now optional.")
        ]
    why = "client code that expects it to be present breaks when it is missing"
    return [
        _breaking(
            where.kind("property-made-optional"),
            where.new_at,
            f"{subject} may now be absent: {why}.",
        )
    ]


# Variants (oneOf / anyOf) -----------------------------------------------------------------


def _compare_variants(
    old: Sequence[Schema], new: Sequence[Schema], where: _Where, key: tuple[str]
) -> list[Change]:
    """Match union members regardless of order, then compare the pairs that changed."""
    pairs, removed, added = _match_variants(old, new)
    changes: list[Change] = []
    for i, j in pairs:
        changes += _compare_schemas(old[i], new[j], where.split([*key, i], [*key, j]))
    for i in removed:
        changes.append(_variant_change("removed", where, _join(where.old_at, *key, i)))
    for j in added:
        changes.append(_variant_change("added", where, _join(where.new_at, *key, j)))
    return changes


def _match_variants(
    old: Sequence[Schema], new: Sequence[Schema]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair members: equal ones first, then by referenced name, then a lone leftover pair.

    Returns the changed pairs to compare, and the unmatched old and new indexes.
    """
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    for i in list(old_left):
        match = next((j for j in new_left if _canonical(old[i]) == _canonical(new[j])), None)
        if match is not None:
            old_left.remove(i)
            new_left.remove(match)
    pairs: list[tuple[int, int]] = []
    for i in list(old_left):
        name = old[i].get(_REF_NAME)
        match = next((j for j in new_left if name and new[j].get(_REF_NAME) == name), None)
        if match is not None:
            pairs.append((i, match))
            old_left.remove(i)
            new_left.remove(match)
    if len(old_left) == 1 and len(new_left) == 1:
        pairs.append((old_left.pop(), new_left.pop()))
    return pairs, old_left, new_left


def _variant_change(event: Literal["added", "removed"], where: _Where, location: str) -> Change:
    kind = where.kind(f"variant-{event}")
    text = f"{where.subject()} {'gained' if event == 'added' else 'lost'} a oneOf/anyOf variant"
    breaks = (event == "removed") == where.sends
    if breaks and where.sends:
        return _breaking(kind, location, f"{text}: requests of that shape are now rejected.")
    if breaks:
        return _breaking(kind, location, f"{text}: the client may receive a shape it cannot parse.")
    return _safe(kind, location, f"{text}; every shape the client knew is still valid.")


# --------------------------------------------------------------------------------------------
# Operations


@dataclass(frozen=True)
class _Operation:
    """One operation present in both specs, with everything needed to compare it."""

    old_doc: _Document
    new_doc: _Document
    old_item: Mapping[str, Any]
    new_item: Mapping[str, Any]
    old_op: Mapping[str, Any]
    new_op: Mapping[str, Any]
    old_at: str
    new_at: str
    label: str

    def where(
        self, side: Side, context: str, old_tokens: Sequence[object], new_tokens: Sequence[object]
    ) -> _Where:
        return _Where(
            side,
            f"{self.label} {context}",
            _join(self.old_at, *old_tokens),
            _join(self.new_at, *new_tokens),
        )


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Compare two loaded OpenAPI 3.0/3.1 documents and classify every change for a client.

    The result is sorted (breaking first, then flagged, then by location) and free of
    duplicates, so it can be rendered or compared as is.
    """
    old_doc, new_doc = _Document(old), _Document(new)
    changes = [
        *_diff_servers(old, new),
        *_diff_security_schemes(old_doc, new_doc),
        *_diff_paths(old_doc, new_doc),
    ]
    return sorted(set(changes), key=_sort_key)


def _sort_key(change: Change) -> tuple[int, int, str, str, str]:
    return (
        change.severity != BREAKING,
        not change.flagged,
        change.location,
        change.kind,
        change.message,
    )


def _path_key(path: str) -> str:
    """Paths that differ only by template parameter names are the same endpoint."""
    return _TEMPLATE.sub("{}", path).rstrip("/") or "/"


def _paths(doc: _Document) -> dict[str, tuple[str, Mapping[str, Any]]]:
    paths = _as_mapping(doc.spec.get("paths"))
    return {_path_key(path): (path, doc.deref(item)) for path, item in paths.items()}


def _operations(item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {m: item[m] for m in HTTP_METHODS if isinstance(item.get(m), Mapping)}


def _diff_paths(old_doc: _Document, new_doc: _Document) -> Iterator[Change]:
    """Report removed paths, operations of new paths, and compare common paths."""
    old_paths, new_paths = _paths(old_doc), _paths(new_doc)
    for key in sorted(old_paths.keys() - new_paths.keys()):
        path = old_paths[key][0]
        why = "every client method for it fails"
        yield _breaking("path-removed", _join("/paths", path), f"Path {path} was removed: {why}.")
    for key in sorted(new_paths.keys() - old_paths.keys()):
        path, item = new_paths[key]
        for method in _operations(item):
            yield _operation_added(path, method)
    for key in sorted(old_paths.keys() & new_paths.keys()):
        yield from _diff_path_item(old_doc, new_doc, old_paths[key], new_paths[key])


def _operation_added(path: str, method: str) -> Change:
    message = f"{method.upper()} {path} was added; existing clients are unaffected."
    return _safe("operation-added", _join("/paths", path, method), message)


def _diff_path_item(
    old_doc: _Document,
    new_doc: _Document,
    old: tuple[str, Mapping[str, Any]],
    new: tuple[str, Mapping[str, Any]],
) -> Iterator[Change]:
    (old_path, old_item), (new_path, new_item) = old, new
    old_ops, new_ops = _operations(old_item), _operations(new_item)
    for method in sorted(old_ops.keys() - new_ops.keys()):
        location = _join("/paths", old_path, method)
        message = f"{method.upper()} {old_path} was removed: the client method for it fails."
        yield _breaking("operation-removed", location, message)
    for method in sorted(new_ops.keys() - old_ops.keys()):
        yield _operation_added(new_path, method)
    for method in sorted(old_ops.keys() & new_ops.keys()):
        op = _Operation(
            old_doc, new_doc, old_item, new_item, old_ops[method], new_ops[method],
            _join("/paths", old_path, method), _join("/paths", new_path, method),
            f"{method.upper()} {new_path}",
        )  # fmt: skip
        yield from _diff_operation(op)


def _diff_operation(op: _Operation) -> Iterator[Change]:
    """Compare one operation present in both specs, part by part."""
    yield from _diff_operation_meta(op)
    yield from _diff_parameters(op)
    yield from _diff_request_body(op)
    yield from _diff_responses(op)
    yield from _diff_operation_security(op)


def _diff_operation_meta(op: _Operation) -> Iterator[Change]:
    old_id, new_id = op.old_op.get("operationId"), op.new_op.get("operationId")
    if old_id and new_id and old_id != new_id:
        why = "the generated client method is renamed"
        message = f"{op.label}: operationId changed from {old_id} to {new_id}: {why}."
        yield _breaking("operation-id-changed", _join(op.new_at, "operationId"), message)
    if op.new_op.get("deprecated") is True and op.old_op.get("deprecated") is not True:
        message = f"{op.label} is now deprecated; plan to move clients off it."
        yield _safe("operation-deprecated", _join(op.new_at, "deprecated"), message, flagged=True)


# Parameters -------------------------------------------------------------------------------

_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def _parameters(
    doc: _Document, item: Mapping[str, Any], operation: Mapping[str, Any]
) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Return the operation's parameters by (location, name), operation-level ones winning."""
    result: dict[tuple[str, str], Mapping[str, Any]] = {}
    for level in (item, operation):
        for raw in level.get("parameters") or ():
            param = doc.deref(raw)
            place, name = str(param.get("in", "")), str(param.get("name", ""))
            if place == "header":
                name = name.lower()
                if name in _IGNORED_HEADERS:
                    continue
            result[(place, name)] = param
    return result


def _diff_parameters(op: _Operation) -> Iterator[Change]:
    """Compare parameters by (location, name), wherever they are declared."""
    old_params = _parameters(op.old_doc, op.old_item, op.old_op)
    new_params = _parameters(op.new_doc, op.new_item, op.new_op)
    for place, name in sorted(old_params.keys() - new_params.keys()):
        location = _join(op.old_at, "parameters", name)
        why = "client code that passes it no longer type-checks"
        message = f"{op.label}: {place} parameter `{name}` was removed; {why}."
        yield _breaking("parameter-removed", location, message)
    for place, name in sorted(new_params.keys() - old_params.keys()):
        yield _parameter_added(op, place, name, _is_required(new_params[(place, name)]))
    for key in sorted(old_params.keys() & new_params.keys()):
        yield from _diff_parameter(op, key, old_params[key], new_params[key])


def _is_required(param: Mapping[str, Any]) -> bool:
    return param.get("in") == "path" or param.get("required") is True


def _parameter_added(op: _Operation, place: str, name: str, required: bool) -> Change:
    location = _join(op.new_at, "parameters", name)
    text = f"{op.label}: {place} parameter `{name}` was added"
    if required:
        why = "existing calls do not send it and are rejected"
        return _breaking("parameter-added-required", location, f"{text} as required: {why}.")
    return _safe("parameter-added-optional", location, f"{text} as optional.")


def _diff_parameter(
    op: _Operation, key: tuple[str, str], old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    """Compare one parameter: requiredness, serialisation and schema."""
    place, name = key
    location = _join(op.new_at, "parameters", name)
    label = f"{op.label}: {place} parameter `{name}`"
    was, now = _is_required(old), _is_required(new)
    if now and not was:
        why = "calls that omit it are now rejected"
        yield _breaking("parameter-made-required", location, f"{label} is now required: {why}.")
    elif was and not now:
        yield _safe("parameter-made-optional", location, f"{label} is now optional.")
    if _serialisation(old) != _serialisation(new):
        yield _style_change(label, location, old, new)
    tokens = ("parameters", name, "schema")
    where = op.where("parameter", f"{place} parameter `{name}`", tokens, tokens)
    old_schema = op.old_doc.schema(_parameter_schema(old))
    new_schema = op.new_doc.schema(_parameter_schema(new))
    yield from _compare_schemas(old_schema, new_schema, where)


def _parameter_schema(param: Mapping[str, Any]) -> Any:
    """Return a parameter's schema, from `schema` or from its single `content` entry."""
    if "schema" in param:
        return param["schema"]
    for media in _as_mapping(param.get("content")).values():
        return _as_mapping(media).get("schema")
    return None


def _serialisation(param: Mapping[str, Any]) -> tuple[str, bool]:
    """Return the effective (style, explode), filling in the defaults OpenAPI defines."""
    default = "form" if param.get("in") in ("query", "cookie") else "simple"
    style = str(param.get("style", default))
    explode = param.get("explode", style == "form")
    return style, bool(explode)


def _style_change(
    label: str, location: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Change:
    (old_style, old_explode), (new_style, new_explode) = _serialisation(old), _serialisation(new)
    message = (
        f"{label} serialisation changed from style={old_style}, explode={old_explode} to "
        f"style={new_style}, explode={new_explode}: the client encodes it the old way."
    )
    return _breaking("parameter-style-changed", location, message)


# Request bodies ---------------------------------------------------------------------------


def _media_types(node: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Media types by lower-cased name, keeping the spelling used in the spec for pointers."""
    content = _as_mapping(node.get("content"))
    return {str(name).strip().lower(): (str(name), _as_mapping(m)) for name, m in content.items()}


def _diff_request_body(op: _Operation) -> Iterator[Change]:
    """Compare request bodies: presence, requiredness, media types and schemas."""
    has_old, has_new = "requestBody" in op.old_op, "requestBody" in op.new_op
    old = op.old_doc.deref(op.old_op.get("requestBody"))
    new = op.new_doc.deref(op.new_op.get("requestBody"))
    location = _join(op.new_at, "requestBody")
    if has_old and not has_new:
        why = "client code that sends one no longer type-checks"
        message = f"{op.label}: the request body was removed; {why}."
        yield _breaking("request-body-removed", _join(op.old_at, "requestBody"), message)
    elif has_new and not has_old:
        yield _request_body_added(op, location, new.get("required") is True)
    elif has_old and has_new:
        if new.get("required") is True and old.get("required") is not True:
            message = f"{op.label}: the request body is now required: calls without it fail."
            yield _breaking("request-body-made-required", location, message)
        yield from _diff_content(op, old, new, "request", ("requestBody",), "request body")


def _request_body_added(op: _Operation, location: str, required: bool) -> Change:
    if required:
        message = f"{op.label}: a required request body was added: existing calls lack it."
        return _breaking("request-body-added-required", location, message)
    message = f"{op.label}: an optional request body was added."
    return _safe("request-body-added", location, message)


def _diff_content(
    op: _Operation,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    side: Side,
    tokens: tuple[str, ...],
    context: str,
) -> Iterator[Change]:
    """Compare the media types of a request body or a response, and their schemas."""
    old_media, new_media = _media_types(old), _media_types(new)
    for key in sorted(old_media.keys() - new_media.keys()):
        name = old_media[key][0]
        location = _join(op.old_at, *tokens, "content", name)
        why = "clients that use it fail"
        message = f"{op.label} {context}: media type {name} was removed; {why}."
        yield _breaking(f"{side}-media-type-removed", location, message)
    for key in sorted(new_media.keys() - old_media.keys()):
        name = new_media[key][0]
        location = _join(op.new_at, *tokens, "content", name)
        message = f"{op.label} {context}: media type {name} was added."
        yield _safe(f"{side}-media-type-added", location, message)
    for key in sorted(old_media.keys() & new_media.keys()):
        (old_name, old_type), (new_name, new_type) = old_media[key], new_media[key]
        where = op.where(
            side, f"{context} ({new_name})",
            [*tokens, "content", old_name, "schema"], [*tokens, "content", new_name, "schema"],
        )  # fmt: skip
        old_schema = op.old_doc.schema(old_type.get("schema"))
        new_schema = op.new_doc.schema(new_type.get("schema"))
        yield from _compare_schemas(old_schema, new_schema, where)


# Responses --------------------------------------------------------------------------------


def _responses(doc: _Document, operation: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    raw = _as_mapping(operation.get("responses"))
    return {str(status).upper(): doc.deref(response) for status, response in raw.items()}


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _diff_responses(op: _Operation) -> Iterator[Change]:
    """Compare responses by status code, then their media types and schemas."""
    old, new = _responses(op.old_doc, op.old_op), _responses(op.new_doc, op.new_op)
    for status in sorted(old.keys() - new.keys()):
        yield _response_removed(op, status)
    for status in sorted(new.keys() - old.keys()):
        location = _join(op.new_at, "responses", status)
        success = _is_success(status)
        if success:
            why = "; the client may get a success result it has no type for"
        else:
            why = "; the client treats it as an error, as it did before"
        message = f"{op.label}: response {status} was added{why}."
        yield _safe("response-status-added", location, message, flagged=success)
    for status in sorted(old.keys() & new.keys()):
        context = f"response {status}"
        yield from _diff_content(
            op, old[status], new[status], "response", ("responses", status), context
        )


def _response_removed(op: _Operation, status: str) -> Change:
    location = _join(op.old_at, "responses", status)
    if _is_success(status):
        why = "clients that handle it lose that result"
        message = f"{op.label}: success response {status} was removed; {why}."
        return _breaking("success-response-removed", location, message)
    message = f"{op.label}: response {status} is no longer documented."
    return _safe("response-status-removed", location, message)


# --------------------------------------------------------------------------------------------
# Security


Requirement: TypeAlias = frozenset[tuple[str, frozenset[str]]]


def _requirements(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> frozenset[Requirement]:
    """Return the effective security alternatives; no requirement is the empty alternative."""
    raw = operation["security"] if "security" in operation else spec.get("security")
    alternatives = {
        frozenset(
            (str(name), frozenset(map(str, scopes or ())))
            for name, scopes in _as_mapping(r).items()
        )
        for r in raw or ()
    }
    return frozenset(alternatives or {frozenset()})


def _diff_operation_security(op: _Operation) -> Iterator[Change]:
    """Compare the effective security of an operation (its own, or the spec's)."""
    old = _requirements(op.old_doc.spec, op.old_op)
    new = _requirements(op.new_doc.spec, op.new_op)
    if old == new:
        return
    location = _join(op.new_at, "security")
    if old <= new:
        message = (
            f"{op.label}: security gained alternatives; every old way to authenticate still works."
        )
        yield _safe("operation-security-alternative-added", location, message)
        return
    message = (
        f"{op.label}: security requirement changed from {_show_requirements(old)} to "
        f"{_show_requirements(new)}: the client's credentials may no longer be accepted."
    )
    yield _breaking("operation-security-changed", location, message)


def _show_requirements(alternatives: frozenset[Requirement]) -> str:
    def one(requirement: Requirement) -> str:
        if not requirement:
            return "none"
        parts = sorted(f"{n}[{','.join(sorted(s))}]" if s else n for n, s in requirement)
        return " + ".join(parts)

    return " or ".join(sorted(one(r) for r in alternatives))


def _security_schemes(doc: _Document) -> dict[str, Mapping[str, Any]]:
    schemes = _as_mapping(_as_mapping(doc.spec.get("components")).get("securitySchemes"))
    return {str(name): doc.deref(scheme) for name, scheme in schemes.items()}


def _diff_security_schemes(old_doc: _Document, new_doc: _Document) -> Iterator[Change]:
    """Compare `components/securitySchemes` by name."""
    old, new = _security_schemes(old_doc), _security_schemes(new_doc)
    base = "/components/securitySchemes"
    for name in sorted(old.keys() - new.keys()):
        message = (
            f"Security scheme {name} was removed: clients configured for it cannot authenticate."
        )
        yield _breaking("security-scheme-removed", _join(base, name), message)
    for name in sorted(new.keys() - old.keys()):
        yield _safe(
            "security-scheme-added", _join(base, name), f"Security scheme {name} was added."
        )
    for name in sorted(old.keys() & new.keys()):
        yield from _diff_security_scheme(name, old[name], new[name], _join(base, name))


def _scheme_identity(scheme: Mapping[str, Any]) -> tuple[str, str]:
    kind = str(scheme.get("type", ""))
    detail = str(scheme.get("scheme", "")).lower() if kind == "http" else ""
    return kind, detail


def _diff_security_scheme(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    """Compare one scheme: kind, key location, OpenID and OAuth2 flow details."""
    if _scheme_identity(old) != _scheme_identity(new):
        before, after = (
            "/".join(filter(None, _scheme_identity(old))),
            "/".join(filter(None, _scheme_identity(new))),
        )
        why = "clients authenticate the old way"
        message = f"Security scheme {name} changed type from {before} to {after}: {why}."
        yield _breaking("security-scheme-type-changed", location, message)
        return
    if (old.get("in"), old.get("name")) != (new.get("in"), new.get("name")):
        place = f"{new.get('in')} `{new.get('name')}`"
        message = (
            f"Security scheme {name} now expects its key in {place}: clients send it elsewhere."
        )
        yield _breaking("security-scheme-location-changed", location, message)
    if old.get("openIdConnectUrl") != new.get("openIdConnectUrl"):
        yield _url_changed(name, "openIdConnectUrl", _join(location, "openIdConnectUrl"))
    yield from _diff_flows(
        name, _as_mapping(old.get("flows")), _as_mapping(new.get("flows")), location
    )


def _url_changed(scheme: str, key: str, location: str) -> Change:
    message = f"Security scheme {scheme}: {key} changed: clients fetch tokens from the old address."
    return _breaking("security-scheme-url-changed", location, message)


def _diff_flows(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    for flow in sorted(old.keys() - new.keys()):
        why = "clients using it cannot get tokens"
        message = f"Security scheme {name}: OAuth2 flow {flow} was removed: {why}."
        yield _breaking("security-scheme-flow-removed", _join(location, "flows", flow), message)
    for flow in sorted(new.keys() - old.keys()):
        message = f"Security scheme {name}: OAuth2 flow {flow} was added."
        yield _safe("security-scheme-flow-added", _join(location, "flows", flow), message)
    for flow in sorted(old.keys() & new.keys()):
        at = _join(location, "flows", flow)
        yield from _diff_flow(name, _as_mapping(old[flow]), _as_mapping(new[flow]), at)


def _diff_flow(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    for key in ("tokenUrl", "authorizationUrl", "refreshUrl"):
        if old.get(key) != new.get(key):
            yield _url_changed(name, key, _join(location, key))
    old_scopes, new_scopes = _as_mapping(old.get("scopes")), _as_mapping(new.get("scopes"))
    for scope in sorted(old_scopes.keys() - new_scopes.keys()):
        message = (
            f"Security scheme {name}: scope {scope} was removed: clients requesting it are refused."
        )
        yield _breaking("security-scheme-scope-removed", _join(location, "scopes", scope), message)
    for scope in sorted(new_scopes.keys() - old_scopes.keys()):
        message = f"Security scheme {name}: scope {scope} was added."
        yield _safe("security-scheme-scope-added", _join(location, "scopes", scope), message)


# --------------------------------------------------------------------------------------------
# Servers


def _servers(spec: Mapping[str, Any]) -> dict[str, int]:
    """Return server URLs (without a trailing slash) and their index in `servers`."""
    servers = spec.get("servers") or ()
    urls = {str(_as_mapping(s).get("url", "")).rstrip("/"): i for i, s in enumerate(servers)}
    return {url: i for url, i in urls.items() if url}


def _diff_servers(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    """Compare top-level servers by URL; order does not matter."""
    old_servers, new_servers = _servers(old), _servers(new)
    for url in sorted(old_servers.keys() - new_servers.keys()):
        message = f"Server {url} was removed: clients configured with it lose their endpoint."
        yield _breaking("server-removed", _join("/servers", old_servers[url]), message)
    for url in sorted(new_servers.keys() - old_servers.keys()):
        message = f"Server {url} was added."
        yield _safe("server-added", _join("/servers", new_servers[url]), message)


# --------------------------------------------------------------------------------------------
# Rendering and exit codes


def _summary(changes: Sequence[Change]) -> str:
    """One line counting the changes by severity."""
    breaking = sum(c.severity == BREAKING for c in changes)
    flagged = sum(c.flagged for c in changes)
    safe = len(changes) - breaking
    return f"{len(changes)} changes: {breaking} breaking, {safe} non-breaking ({flagged} flagged)"


def render_text(changes: Sequence[Change]) -> str:
    """Render changes for a terminal: a summary line, then breaking changes first."""
    if not changes:
        return "No changes.\n"
    lines = [_summary(changes)]
    for change in sorted(changes, key=_sort_key):
        label = (
            "BREAKING" if change.severity == BREAKING else ("FLAGGED" if change.flagged else "ok")
        )
        lines.append(f"{label:<9}{change.kind}  {change.location}")
        lines.append(f"         {change.message}")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change]) -> str:
    """Render changes as stable JSON: a summary and the sorted changes, indented by 2."""
    ordered = sorted(changes, key=_sort_key)
    document = {
        "summary": {
            "breaking": sum(c.severity == BREAKING for c in ordered),
            "non_breaking": sum(c.severity != BREAKING for c in ordered),
            "flagged": sum(c.flagged for c in ordered),
        },
        "changes": [change.to_dict() for change in ordered],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def parse_json(text: str) -> list[Change]:
    """Read back the output of `render_json`."""
    return [Change(**item) for item in json.loads(text)["changes"]]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(changes: Sequence[Change]) -> list[str]:
    rows = ["| | Kind | Location | What changed |", "|---|---|---|---|"]
    for change in changes:
        mark = "❌" if change.severity == BREAKING else ("⚠️" if change.flagged else "✅")
        rows.append(
            f"| {mark} | `{change.kind}` | `{_cell(change.location)}` | {_cell(change.message)} |"
        )
    return rows


def render_markdown(changes: Sequence[Change]) -> str:
    """Render changes for a pull-request comment: a summary line, then one table per severity."""
    if not changes:
        return "**API diff:** no changes.\n"
    ordered = sorted(changes, key=_sort_key)
    breaking = [c for c in ordered if c.severity == BREAKING]
    safe = [c for c in ordered if c.severity != BREAKING]
    lines = [f"**API diff:** {_summary(ordered)}."]
    for title, group in (("Breaking changes", breaking), ("Non-breaking changes", safe)):
        if group:
            lines += ["", f"#### {title}", "", *_markdown_table(group)]
    return "\n".join(lines) + "\n"


def exit_code(changes: Sequence[Change], fail_on: FailOn) -> int:
    """Return the process exit status: 1 when `fail_on` says these changes fail the check."""
    if fail_on == "never":
        return 0
    if fail_on == "any":
        return int(bool(changes))
    return int(any(c.severity == BREAKING for c in changes))
