"""Spec-derived schemas, hypothesis strategies and comparisons for
tests/properties/test_properties.py.

The schemas come from ``support.apis.ApiCase`` (the effective spec's, in JSON Schema 2020-12
with local ``$ref``s inlined); nothing here names an API.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from generator.errors import parse_pointer
from generator.schemas import lenient

# -- schemas -----------------------------------------------------------------------------------


def validator(schema: Any) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def lenient_schema(schema: Any) -> Any:
    """The schema as the generated models read it (``generator.schemas.lenient``): string enums
    also accept other strings, formats other than dates are documentation only."""
    return lenient(schema) if isinstance(schema, Mapping) else schema


def subschemas(schema: Any) -> list[dict[str, Any]]:
    """``schema`` and its ``allOf`` members (recursively): all apply to the same instance."""
    if not isinstance(schema, Mapping):
        return []
    result = [dict(schema)]
    for member in schema.get("allOf") or []:
        result.extend(subschemas(member))
    return result


def properties_of(schema: Any) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for sub in subschemas(schema):
        props.update(sub.get("properties") or {})
    return props


def closed(schema: Any) -> bool:
    """True when an object schema forbids properties it does not list."""
    return any(sub.get("additionalProperties") is False for sub in subschemas(schema))


def open_to_any(schema: Any) -> bool:
    """True when unknown properties of any value are allowed by every applicable subschema."""
    return all(
        sub.get("additionalProperties", True) in (True, {})
        and not sub.get("patternProperties")
        and "unevaluatedProperties" not in sub
        and "propertyNames" not in sub
        for sub in subschemas(schema)
    )


def schema_types(schema: Any) -> set[str]:
    found: set[str] = set()
    for sub in subschemas(schema):
        kind = sub.get("type")
        found |= {kind} if isinstance(kind, str) else set(kind or [])
    return found


def child_schema(schema: Any, token: str) -> Any:
    """The schema of ``instance[token]`` (properties, then items), through allOf/anyOf/oneOf."""
    if not isinstance(schema, Mapping):
        return None
    props = schema.get("properties") or {}
    if token in props:
        return props[token]
    if token.isdigit() and "items" in schema:
        return schema["items"]
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key) or []:
            found = child_schema(member, token)
            if found is not None:
                return found
    return None


def schema_at_pointer(schema: Any, pointer: str) -> Any:
    node = schema
    for token in parse_pointer(pointer):
        node = child_schema(node, token)
    return node


def replace_at_pointer(schema: Any, tokens: list[str], new: Any) -> Any:
    """A copy of ``schema`` whose property schema at ``tokens`` is ``new`` wherever declared."""
    if not tokens or not isinstance(schema, Mapping):
        return new if not tokens else schema
    result = dict(schema)
    props = result.get("properties") or {}
    if tokens[0] in props:
        result["properties"] = {
            **props,
            tokens[0]: replace_at_pointer(props[tokens[0]], tokens[1:], new),
        }
    for key in ("allOf", "anyOf", "oneOf"):
        if key in result:
            result[key] = [replace_at_pointer(m, tokens, new) for m in result[key]]
    return result


# -- strategies --------------------------------------------------------------------------------


def _two(n: int) -> str:
    return str(n).zfill(2)


@st.composite
def rfc3339_datetimes(draw: st.DrawFn) -> str:
    """Real RFC 3339 date-times (Python-representable instants), 0 to 9 fractional digits."""
    moment = draw(
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31))
    )
    digits = draw(st.integers(0, 9))
    fraction = (
        "."
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits)))
        if digits
        else ""
    )
    offset = draw(
        st.just("Z")
        | st.builds(
            lambda sign, h, m: f"{sign}{_two(h)}:{_two(m)}",
            st.sampled_from("+-"),
            st.integers(0, 18),
            st.integers(0, 59),
        )
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + offset


CUSTOM_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": rfc3339_datetimes(),
    "uuid": st.uuids().map(str),
}


@functools.cache
def _from_schema_cached(key: str) -> st.SearchStrategy[Any]:
    import json

    with warnings.catch_warnings():  # overriding the standard date-time format is the point
        warnings.simplefilter("ignore")
        return from_schema(json.loads(key), custom_formats=CUSTOM_FORMATS)


def instances(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid against ``schema`` (a self-contained 2020-12 schema), cached per schema."""
    import json

    return _from_schema_cached(json.dumps(schema, sort_keys=True))


_EXTRA_KEY = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12
)
_EXTRA_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _matching_members(schema: Mapping[str, Any], key: str, value: Any) -> list[Any]:
    return [m for m in schema.get(key) or [] if validator(m).is_valid(value)]


def mutate_leniently(
    draw: st.DrawFn, value: Any, schema: Any, reserved: frozenset[str], path: str = ""
) -> Any:
    """``value`` with unknown properties added to open objects and unknown strings in place of
    string enum values: what an API that grew since the spec was written may send."""
    if not isinstance(schema, Mapping):
        return value
    subs = subschemas(schema)
    for sub in subs:
        for key in ("anyOf", "oneOf"):
            matching = _matching_members(sub, key, value)
            if len(matching) == 1:
                value = mutate_leniently(draw, value, matching[0], reserved, path)
    enum = next((s["enum"] for s in subs if isinstance(s.get("enum"), list)), None)
    if isinstance(value, str) and enum and all(isinstance(e, str) for e in enum if e is not None):
        if draw(st.booleans(), label=f"replace enum value at {path or '/'}"):
            return draw(
                st.text(min_size=1, max_size=20).filter(lambda s: s not in enum),
                label=f"unknown enum value at {path or '/'}",
            )
        return value
    if isinstance(value, dict):
        props = properties_of(schema)
        result = {
            k: mutate_leniently(draw, v, props[k], reserved, f"{path}/{k}") if k in props else v
            for k, v in value.items()
        }
        if props and open_to_any(schema):
            taken = set(result) | set(props) | reserved
            extras = draw(
                st.dictionaries(
                    _EXTRA_KEY.filter(lambda k: k not in taken), _EXTRA_VALUE, max_size=3
                ),
                label=f"unknown fields at {path or '/'}",
            )
            result.update(extras)
        return result
    if isinstance(value, list):
        items = next((s["items"] for s in subs if "items" in s), None)
        return [
            mutate_leniently(draw, v, items, reserved, f"{path}/{i}") for i, v in enumerate(value)
        ]
    return value


# -- comparison --------------------------------------------------------------------------------


def dump(value: Any) -> Any:
    """The JSON form of a parsed value, as the client would send or a caller would store it."""
    from pydantic import BaseModel, TypeAdapter

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return TypeAdapter(Any).dump_python(value, mode="json", by_alias=True, exclude_unset=True)
