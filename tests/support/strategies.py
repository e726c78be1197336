"""Spec-derived schemas, hypothesis strategies and comparisons for
tests/properties/test_properties.py.

Everything here is derived from what is under ``specs/`` and ``generated/``: a new API folder is
picked up without code changes. Schemas are the effective (overlaid) spec's, converted to JSON
Schema 2020-12 by ``generator.dialect.to_2020_12`` and with local ``$ref``s inlined (recursion
bounded), so hypothesis-jsonschema and jsonschema both see plain self-contained schemas.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from generator import ir, naming
from generator.build import Built, Target, build_api
from generator.dialect import to_2020_12
from generator.errors import parse_pointer
from generator.extensions import operation_parameters
from generator.project import Api, list_apis, load_api
from generator.schemas import is_object_like, lenient

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"

_ANNOTATIONS = {
    "description", "title", "example", "examples", "default", "deprecated", "readOnly",
    "writeOnly", "xml", "externalDocs", "discriminator", "$comment",
}  # fmt: skip
MAX_REF_DEPTH = 2  # a schema may be entered this many times on one path before it is cut off


# -- the APIs ----------------------------------------------------------------------------------


@dataclass
class ApiCtx:
    """One API: its effective spec, the IR, the generated package and helpers over them."""

    key: str
    api: Api
    built: Built
    spec20: dict[str, Any]
    class_names: dict[str, str]  # component schema name -> model class name

    @property
    def ir(self) -> ir.Api:
        return self.built.api

    @property
    def package(self) -> str:
        return self.api.config.package

    def module(self, name: str = "") -> ModuleType:
        folder = str(GENERATED / self.package)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)

    @property
    def errors(self) -> ModuleType:
        return self.module("errors")

    def client_class(self, *, asynchronous: bool = False) -> type[Any]:
        name = self.api.config.client_class
        return getattr(self.module(), f"Async{name}" if asynchronous else name)  # type: ignore[no-any-return]

    def operation(self, operation_id: str) -> ir.Operation:
        return next(op for op in self.ir.operations if op.operation_id == operation_id)

    def op_spec(self, op: ir.Operation) -> Any:
        """The ``OperationSpec`` constant of ``op`` in the generated ``_operations`` module."""
        return getattr(self.module("_operations"), op.method_name.upper())

    def raw(self, op: ir.Operation) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """(path item, operation object) of ``op`` in the 2020-12 spec."""
        item = self.spec20["paths"][op.path]
        return item, item[op.http_method.lower()]

    def inline(self, node: Any) -> Any:
        return inline(self.spec20, node)

    def component_schema(self, name: str) -> Any:
        return self.inline(
            {"$ref": "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")}
        )

    def param_schemas(self, op: ir.Operation) -> dict[str, dict[str, Any]]:
        """Wire name -> (raw parameter object with an inlined ``schema``)."""
        item, raw = self.raw(op)
        result = {}
        for param in operation_parameters(self.spec20, item, raw):
            p = dict(param)
            p["schema"] = self.inline(p.get("schema", {}))
            result[str(p["name"])] = p
        return result

    def body_schema(self, op: ir.Operation) -> Any:
        if op.body is None:
            return None
        _, raw = self.raw(op)
        body = resolve_ref(self.spec20, raw["requestBody"])
        return self.inline((body["content"][op.body.media_type] or {}).get("schema", {}))

    def response_schema(self, op: ir.Operation, status: str) -> Any:
        _, raw = self.raw(op)
        responses = raw.get("responses") or {}
        key = next(k for k in responses if str(k).upper() == status.upper())
        response = resolve_ref(self.spec20, responses[key])
        media = next(r.media_type for r in op.responses if r.status == status)
        return self.inline((response.get("content") or {})[media].get("schema", {}))


@functools.cache
def api_keys() -> tuple[str, ...]:
    return tuple(list_apis(SPECS))


@functools.cache
def api_ctx(key: str) -> ApiCtx:
    api = load_api(SPECS, key)
    target = Target(api.config.package, api.config.client_class, api.config.name)
    built = build_api(api.spec, str(api.source.path), target)
    components = dict((api.spec.get("components") or {}).get("schemas") or {})
    # The builder's own naming rule (build_api): model_class of each name, made unique in order.
    class_names = dict(
        zip(components, naming.unique([naming.model_class(n) for n in components]), strict=True)
    )
    return ApiCtx(key, api, built, to_2020_12(api.spec), class_names)


def model_components(ctx: ApiCtx) -> list[str]:
    """Component schemas that become model classes (those in ``Api.model_names``)."""
    schemas = (ctx.api.spec.get("components") or {}).get("schemas") or {}
    return [
        name
        for name, schema in schemas.items()
        if is_object_like(ctx.api.spec, schema) and ctx.class_names[name] in ctx.ir.model_names
    ]


# -- schemas -----------------------------------------------------------------------------------


def resolve_ref(spec: Mapping[str, Any], node: Any) -> Any:
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


def ecma_pattern(pattern: str) -> str:
    """JSON Schema patterns are ECMA-262: a final ``$`` does not match before a trailing newline
    (Python's does). ``\\Z`` says the same thing to Python's ``re``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


def inline(spec: Mapping[str, Any], node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (a schema entered more than
    ``MAX_REF_DEPTH`` times on one path becomes ``False``: recursion is bounded, not dropped)."""
    if isinstance(node, list):
        return [inline(spec, n, stack) for n in node]
    if not isinstance(node, Mapping):
        return node
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if stack.count(ref) >= MAX_REF_DEPTH:
            return False
        target = inline(spec, resolve_ref(spec, {"$ref": ref}), (*stack, ref))
        siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
        if not siblings:
            return target
        return {"allOf": [target, inline(spec, siblings, stack)]}
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs", "dependentSchemas") and isinstance(
            value, Mapping
        ):
            result[key] = {k: inline(spec, v, stack) for k, v in value.items()}
        elif key in ("example", "examples", "default", "const", "enum"):
            result[key] = copy.deepcopy(value)
        elif key == "pattern" and isinstance(value, str):
            result[key] = ecma_pattern(value)
        else:
            result[key] = inline(spec, value, stack)
    if "properties" in result and "type" not in result:
        # OpenAPI's reading (and the models'): a schema with properties describes an object,
        # where plain JSON Schema would also accept any non-object.
        result["type"] = "object"
    return result


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
