"""The models stage's input: component and hoisted schemas under their class names.

Built from ``schemas.models_input`` (an allow-list of keywords), never from the spec as is.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.nesting import hoist_nested
from generator.rawspec import escape_token, iter_refs, parse_pointer
from generator.schemas import COMPONENT_PREFIX, component_name, lenient, models_input, walk_schemas

if TYPE_CHECKING:
    from generator.ir import Api


@dataclass(frozen=True)
class ModelsInput:
    """All the models stage reads of an API (``ir.Api.models``): each schema's class name,
    place in the spec and schema (``Model.schema``, canonical JSON text), the classes the
    module must define (``Api.model_names``) and the OpenAPI version the schemas are read as.

    The builder hands it over as soon as it is known, before the rest of the IR is built, so
    that a large spec's models (the longest stage) can start early (``build_api``'s
    ``models_ready``); ``of(api)`` reads the same from a finished IR.
    """

    models: tuple[tuple[str, str, str], ...]  # (name, pointer, schema JSON)
    expected: tuple[str, ...]
    openapi: str

    @classmethod
    def of(cls, api: Api) -> ModelsInput:
        return cls(
            tuple((m.name, m.pointer, m.schema) for m in api.models),
            api.model_names,
            api.models_openapi,
        )

    def document(self) -> dict[str, Any]:
        """The document the library reads: the schemas as an OpenAPI document's components."""
        schemas = {name: json.loads(schema) for name, _, schema in self.models}
        return models_document(schemas, self.openapi)


def models_spec(
    spec: Mapping[str, Any],
    class_names: Mapping[str, str],
    hoisted: Mapping[str, Any],
    response_roots: set[str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Component schemas renamed to their class names, inline ones added (and the objects
    nested in them, with where each was: ``nesting``), read leniently.

    Built from ``schemas.models_input`` (an allow-list of keywords), never from the spec as is.
    """
    renames = {
        COMPONENT_PREFIX + escape_token(old): COMPONENT_PREFIX + new
        for old, new in class_names.items()
    }
    schemas = {
        class_names[name]: models_input(s)
        for name, s in ((spec.get("components") or {}).get("schemas") or {}).items()
    }
    schemas.update((name, models_input(s)) for name, s in hoisted.items())
    document = models_document(schemas, models_openapi(str(spec.get("openapi", ""))))
    _rewrite_refs(document, renames)
    _flatten_conflicting_overrides(document["components"]["schemas"])
    _drop_model_defaults(document["components"]["schemas"])
    nested = hoist_nested(document["components"]["schemas"])
    document["components"]["schemas"] = nested.schemas
    # An allOf member redefining a nested object is now a reference to another class: merged
    # like any other conflicting override (else a subclass narrows an attribute's type).
    _flatten_conflicting_overrides(document["components"]["schemas"])
    readable = _reachable(document, response_roots)
    document["components"]["schemas"] = {
        name: lenient(s, keep_closed=name not in readable) if isinstance(s, Mapping) else s
        for name, s in document["components"]["schemas"].items()
    }
    return document, nested.pointers


def models_openapi(version: str) -> str:
    """The OpenAPI version the models stage reads a spec's schemas as: 3.1 for a 3.1.x spec,
    else 3.0."""
    return "3.1.0" if version.startswith("3.1.") else "3.0.3"


def models_document(schemas: dict[str, Any], openapi: str) -> dict[str, Any]:
    """The document the models stage reads: ``schemas`` as the components of an OpenAPI
    ``openapi`` document without paths."""
    return {
        "openapi": openapi,
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {"schemas": schemas},
    }


# Keywords that decide a property's Python type (the others only constrain or describe it).
_SHAPE_KEYWORDS = (
    "type", "format", "$ref", "enum", "const", "items", "properties", "allOf", "anyOf", "oneOf",
    "additionalProperties", "nullable",
)  # fmt: skip
# What an allOf member may hold for its properties to be merged into one class.
_MERGEABLE = {"type", "properties", "required", "title", "description", "$ref", "allOf"}


def _flatten_conflicting_overrides(schemas: dict[str, Any]) -> None:
    """Merge an ``allOf`` into one object where a member gives a property another type.

    The models stage makes ``allOf: [$ref: Base, {properties: ...}]`` a subclass of ``Base``;
    a member that redefines a property of ``Base`` with another type (``date-time`` for a
    string, a model for a free-form object) then overrides an attribute with an incompatible
    type, which type checkers refuse. Such an ``allOf`` becomes one object holding every
    member's properties, the later definition winning, as JSON Schema validation reads it.
    """
    for schema in schemas.values():
        for node in list(walk_schemas(schema)):
            members = node.get("allOf")
            if not isinstance(members, list) or not _overrides_shape(schemas, node, members):
                continue
            merged = _merged_properties(schemas, members, set())
            if merged is None:
                continue
            properties, required = merged
            properties.update(node.get("properties") or {})
            node.pop("allOf")
            node["type"] = "object"
            node["properties"] = properties
            required.extend(r for r in node.get("required") or [] if r not in required)
            if required:
                node["required"] = required


def _overrides_shape(
    schemas: Mapping[str, Any], node: Mapping[str, Any], members: list[Any]
) -> bool:
    """Whether a member (or ``node`` itself) gives a property of an earlier member another type."""
    seen: dict[str, Any] = {}
    for member in [*members, {"properties": node.get("properties") or {}}]:
        merged = _merged_properties(schemas, [member], set())
        for name, prop in (merged[0] if merged else {}).items():
            shape = _shape(prop)
            if name in seen and shape and shape != seen[name]:
                return True
            seen.setdefault(name, shape)
    return False


def _shape(prop: Any) -> dict[str, Any]:
    if not isinstance(prop, Mapping):
        return {}
    return {k: prop[k] for k in _SHAPE_KEYWORDS if k in prop}


def _merged_properties(
    schemas: Mapping[str, Any], members: list[Any], seen: set[str]
) -> tuple[dict[str, Any], list[str]] | None:
    """The properties and required names of ``members`` taken together (references followed),
    or None when a member holds more than properties (a union, a nullable flag...)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        if not isinstance(member, Mapping) or set(member) - _MERGEABLE:
            return None
        if member.get("type", "object") != "object":
            return None
        parts = []
        name = component_name(member)
        if name is not None:
            if name in seen or name not in schemas:
                return None
            parts.append(_merged_properties(schemas, [schemas[name]], seen | {name}))
        if isinstance(member.get("allOf"), list):
            parts.append(_merged_properties(schemas, member["allOf"], seen))
        own = {k: copy.deepcopy(v) for k, v in (member.get("properties") or {}).items()}
        parts.append((own, list(member.get("required") or [])))
        for part in parts:
            if part is None:
                return None
            properties.update(part[0])
            required.extend(r for r in part[1] if r not in required)
    return properties, required


def _drop_model_defaults(schemas: Mapping[str, Any]) -> None:
    """Leave out object and array defaults of schemas that become (or hold) model classes.

    Written as a dict literal, such a default is converted by pydantic but refused by type
    checkers (a ``dict`` is not a ``Pet``); a default documents what the server assumes, so the
    field is simply optional. Defaults of free-form objects and scalars stay.

    A union's (``oneOf``/``anyOf``) default goes too: the models stage copies it into every
    member's root model, where it fits one member at most (OpenAI's ``prompt``, a string
    default for a union of a string and arrays).
    """
    for schema in schemas.values():
        for node in walk_schemas(schema):
            if "default" not in node:
                continue
            default = node["default"]
            union = "oneOf" in node or "anyOf" in node
            if union or (isinstance(default, (dict, list)) and _holds_model(schemas, node, set())):
                del node["default"]


def _holds_model(schemas: Mapping[str, Any], node: Any, seen: set[str]) -> bool:
    """Whether the Python type of ``node`` is, or contains, a model class."""
    if not isinstance(node, Mapping):
        return False
    name = component_name(node)
    if name is not None:
        if name in seen:
            return True  # a recursive schema: a model
        return _holds_model(schemas, schemas.get(name), seen | {name})
    if "properties" in node or "allOf" in node:
        return True
    members = [m for key in ("anyOf", "oneOf") for m in node.get(key) or []]
    members += [node.get("items"), node.get("additionalProperties")]
    return any(_holds_model(schemas, m, seen) for m in members)


def _reachable(document: Mapping[str, Any], roots: set[str]) -> set[str]:
    """Class names reachable by ``$ref`` from ``roots`` in the models document."""
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    pending = [r for r in roots if r in schemas]
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        for _, ref in iter_refs(schemas[name]):
            if ref.startswith(COMPONENT_PREFIX):
                # The component itself, also for a reference into one of its sub-schemas.
                pending.append(parse_pointer(ref[1:])[2])
    return seen


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> None:
    """Point references (``$ref``s and discriminator mappings) at the renamed components."""

    def renamed(ref: str) -> str:
        prefix = next((old for old in renames if ref == old or ref.startswith(old + "/")), None)
        return ref if prefix is None else renames[prefix] + ref[len(prefix) :]

    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            node["$ref"] = renamed(node["$ref"])
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(mapping, dict):
            for key, ref in mapping.items():
                mapping[key] = renamed(ref)
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, renames)
