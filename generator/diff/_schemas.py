"""Schema comparison: types, enums, constraints, properties and `oneOf`/`anyOf` variants.

Requests may be widened safely but not narrowed; responses may be narrowed but not widened.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

from generator.diff._model import Change, Schema, Side, as_mapping, breaking, join, safe
from generator.diff._normalise import (
    RECURSIVE,
    REF_NAME,
    SUBSCHEMA_KEYS,
    UNION_KEYS,
    canonical,
)

_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_EXACT_CONSTRAINTS = ("pattern", "multipleOf", "format")


@dataclass(frozen=True)
class Where:
    """Where a schema comparison stands: which side, which operation, which field."""

    side: Side
    context: str
    old_at: str
    new_at: str
    field: str = ""

    def child(self, tokens: Sequence[str | int], field: str) -> Where:
        return replace(
            self,
            old_at=join(self.old_at, *tokens),
            new_at=join(self.new_at, *tokens),
            field=field,
        )

    def split(self, old_tokens: Sequence[str | int], new_tokens: Sequence[str | int]) -> Where:
        return replace(
            self, old_at=join(self.old_at, *old_tokens), new_at=join(self.new_at, *new_tokens)
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


def compare_schemas(old: Schema, new: Schema, where: Where) -> list[Change]:
    """Compare two normalised schemas and classify every difference for `where.side`."""
    if canonical(old) == canonical(new):
        return []
    if RECURSIVE in old or RECURSIVE in new:
        return _compare_recursion(old, new, where)
    if _has_union(old) != _has_union(new):
        # A plain schema against a union: compare it as a union of one member.
        key = next(k for k in UNION_KEYS if k in old or k in new)
        return _compare_variants(_variants(old), _variants(new), where, (key,))
    changes = [*_compare_domain(old, new, where), *_compare_constraints(old, new, where)]
    changes += _compare_properties(old, new, where)
    for key in SUBSCHEMA_KEYS:
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            field = f"{where.field}[]" if key == "items" else f"{where.field}{{*}}"
            changes += compare_schemas(old[key], new[key], where.child([key], field))
    for key in UNION_KEYS:
        if key in old and key in new:
            changes += _compare_variants(old[key], new[key], where, (key,))
    return changes


def _compare_recursion(old: Schema, new: Schema, where: Where) -> list[Change]:
    """Compare at a recursion point: the ref names are all that is left to compare.

    A marker against an expanded schema is what inlining one level of a recursive schema
    produces, so it is not a change.
    """
    old_ref, new_ref = old.get(RECURSIVE), new.get(RECURSIVE)
    if old_ref is None or new_ref is None or old_ref == new_ref:
        return []
    message = (
        f"{where.subject()} now recurses into {new_ref} instead of {old_ref}; "
        "the recursive part was not compared further."
    )
    return [safe(where.kind("recursive-ref-changed"), where.new_at, message, flagged=True)]


def _has_union(schema: Schema) -> bool:
    return any(key in schema for key in UNION_KEYS)


def _variants(schema: Schema) -> list[Schema]:
    for key in UNION_KEYS:
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


def _compare_domain(old: Schema, new: Schema, where: Where) -> list[Change]:
    """Compare the types and enums: the set of values a schema accepts."""
    relation = _combine(_type_relation(old, new), _enum_relation(old, new))
    changes = _classify_type_change(relation, old, new, where)
    if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
        changes += _compare_enum_values(old["enum"], new["enum"], where)
    return changes


def _classify_type_change(
    relation: Relation, old: Schema, new: Schema, where: Where
) -> list[Change]:
    """Turn a type relation into a change: requests may widen, responses may narrow."""
    if relation == "same":
        return []
    kind = where.kind("type-" if where.side == "parameter" else "property-type-")
    change = f"changed from {_describe_domain(old)} to {_describe_domain(new)}"
    subject = where.subject()
    if where.sends and relation == "wider":
        return [safe(kind + "widened", where.new_at, f"{subject} {change}; old values stay valid.")]
    if where.sends:
        suffix = "narrowed" if relation == "narrower" else "changed"
        why = "values the client may send are no longer accepted"
        return [breaking(kind + suffix, where.new_at, f"{subject} {change}: {why}.")]
    if relation == "narrower":
        why = "the client still accepts every value, but its generated type changes"
        return [safe(kind + "narrowed", where.new_at, f"{subject} {change}; {why}.", True)]
    why = "the client may receive values its generated type cannot hold"
    return [breaking(kind + "changed", where.new_at, f"{subject} {change}: {why}.")]


def _compare_enum_values(old: list[Any], new: list[Any], where: Where) -> list[Change]:
    """Report each enum value added or removed, one change per value."""
    old_keys = {canonical(v): v for v in old}
    new_keys = {canonical(v): v for v in new}
    removed = [old_keys[k] for k in sorted(old_keys.keys() - new_keys.keys())]
    added = [new_keys[k] for k in sorted(new_keys.keys() - old_keys.keys())]
    changes = [_enum_value_removed(v, where) for v in removed]
    return changes + [_enum_value_added(v, where) for v in added]


def _enum_value_removed(value: Any, where: Where) -> Change:
    kind = where.kind("enum-value-removed")
    text = f"{where.subject()} no longer lists enum value {json.dumps(value, default=str)}"
    if where.sends:
        return breaking(kind, where.new_at, f"{text}: requests using it will be rejected.")
    return safe(kind, where.new_at, f"{text}; the client will simply not receive it anymore.")


def _enum_value_added(value: Any, where: Where) -> Change:
    kind = where.kind("enum-value-added")
    text = f"{where.subject()} gained enum value {json.dumps(value, default=str)}"
    if where.sends:
        return safe(kind, where.new_at, f"{text}; the client may now send it.")
    why = "clients must tolerate values they do not know yet"
    return safe(kind, where.new_at, f"{text}: {why}.", flagged=True)


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


def _compare_constraints(old: Schema, new: Schema, where: Where) -> list[Change]:
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
    key: str, before: Any, after: Any, direction: Literal["tightened", "loosened"], where: Where
) -> Change:
    kind = where.kind(f"constraint-{direction}")
    text = f"{where.subject()} `{key}` changed from {_show(before)} to {_show(after)}"
    if where.sends and direction == "tightened":
        return breaking(kind, where.new_at, f"{text}: values that were valid are now rejected.")
    if where.sends:
        return safe(kind, where.new_at, f"{text}; every value that was valid still is.")
    if direction == "loosened":
        why = "the client may receive values its validation or types did not expect"
        return safe(kind, where.new_at, f"{text}: {why}.", flagged=True)
    return safe(kind, where.new_at, f"{text}; responses only get stricter.")


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, default=str)


# Properties -------------------------------------------------------------------------------


def _visible_properties(schema: Schema, where: Where) -> dict[str, Schema]:
    """Properties that exist on this side: readOnly ones are never sent, writeOnly never read."""
    hidden = "readOnly" if where.sends else "writeOnly"
    props = as_mapping(schema.get("properties"))
    return {name: sub for name, sub in props.items() if not as_mapping(sub).get(hidden)}


def _compare_properties(old: Schema, new: Schema, where: Where) -> list[Change]:
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
        changes += compare_schemas(old_props[name], new_props[name], child)
    return changes


def _field(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _property_removed(name: str, where: Where) -> Change:
    location = join(where.old_at, "properties", name)
    text = f"{where.context}: property `{_field(where.field, name)}` was removed"
    if where.sends:
        why = "client code that sets it no longer type-checks and the server may reject it"
    else:
        why = "client code that reads it breaks"
    return breaking(where.kind("property-removed"), location, f"{text}; {why}.")


def _property_added(name: str, required: bool, where: Where) -> Change:
    location = join(where.new_at, "properties", name)
    text = f"{where.context}: property `{_field(where.field, name)}` was added"
    if where.sends and required:
        why = "as required, so existing requests without it are rejected"
        return breaking(where.kind("property-added-required"), location, f"{text} {why}.")
    if where.sends:
        return safe(where.kind("property-added"), location, f"{text} as optional.")
    why = "clients that ignore unknown fields are unaffected"
    return safe(where.kind("property-added"), location, f"{text}; {why}.")


def _required_changes(was: bool, now: bool, where: Where) -> list[Change]:
    """Classify a property becoming required or optional on this side."""
    if was == now:
        return []
    subject = f"{where.context}: property `{where.field}`"
    if now and where.sends:
        why = "requests that omit it are now rejected"
        return [
            breaking(
                where.kind("property-made-required"),
                where.new_at,
                f"{subject} is now required: {why}.",
            )
        ]
    if now:
        return [
            safe(
                where.kind("property-made-required"),
                where.new_at,
                f"{subject} is now always present.",
            )
        ]
    if where.sends:
        return [
            safe(where.kind("property-made-optional"), where.new_at, f"{subject} is now optional.")
        ]
    why = "client code that expects it to be present breaks when it is missing"
    return [
        breaking(
            where.kind("property-made-optional"),
            where.new_at,
            f"{subject} may now be absent: {why}.",
        )
    ]


# Variants (oneOf / anyOf) -----------------------------------------------------------------


def _compare_variants(
    old: Sequence[Schema], new: Sequence[Schema], where: Where, key: tuple[str]
) -> list[Change]:
    """Match union members regardless of order, then compare the pairs that changed."""
    pairs, removed, added = _match_variants(old, new)
    changes: list[Change] = []
    for i, j in pairs:
        changes += compare_schemas(old[i], new[j], where.split([*key, i], [*key, j]))
    for i in removed:
        changes.append(_variant_change("removed", where, join(where.old_at, *key, i)))
    for j in added:
        changes.append(_variant_change("added", where, join(where.new_at, *key, j)))
    return changes


def _match_variants(
    old: Sequence[Schema], new: Sequence[Schema]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair members: equal ones first, then by referenced name, then a lone leftover pair.

    Returns the changed pairs to compare, and the unmatched old and new indexes.
    """
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    for i in list(old_left):
        match = next((j for j in new_left if canonical(old[i]) == canonical(new[j])), None)
        if match is not None:
            old_left.remove(i)
            new_left.remove(match)
    pairs: list[tuple[int, int]] = []
    for i in list(old_left):
        name = old[i].get(REF_NAME)
        match = next((j for j in new_left if name and new[j].get(REF_NAME) == name), None)
        if match is not None:
            pairs.append((i, match))
            old_left.remove(i)
            new_left.remove(match)
    if len(old_left) == 1 and len(new_left) == 1:
        pairs.append((old_left.pop(), new_left.pop()))
    return pairs, old_left, new_left


def _variant_change(event: Literal["added", "removed"], where: Where, location: str) -> Change:
    kind = where.kind(f"variant-{event}")
    text = f"{where.subject()} {'gained' if event == 'added' else 'lost'} a oneOf/anyOf variant"
    breaks = (event == "removed") == where.sends
    if breaks and where.sends:
        return breaking(kind, location, f"{text}: requests of that shape are now rejected.")
    if breaks:
        return breaking(kind, location, f"{text}: the client may receive a shape it cannot parse.")
    return safe(kind, location, f"{text}; every shape the client knew is still valid.")
