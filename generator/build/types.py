"""Python types (``ir.TypeRef``) of JSON Schemas; inline object schemas named and hoisted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator import naming
from generator.errors import SpecgenError
from generator.ir import ANY, NONE, TypeRef
from generator.nesting import member_hint
from generator.rawspec import copy_tree, escape_token, resolve
from generator.schemas import component_name, is_object_like

_CONSTRAINTS = {
    "minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt",
    "minLength": "min_length", "maxLength": "max_length", "pattern": "pattern",
    "minItems": "min_length", "maxItems": "max_length", "multipleOf": "multiple_of",
}  # fmt: skip


@dataclass
class Types:
    """The types of one spec's schemas: a component schema is its class (named once, up front),
    an inline object schema becomes a class named after where it is (``hoist``)."""

    spec: dict[str, Any]
    source: str
    class_names: dict[str, str] = field(default_factory=dict)  # component name -> class name
    hoisted: dict[str, Any] = field(default_factory=dict)  # class name -> schema
    hoisted_at: dict[str, str] = field(default_factory=dict)  # class name -> JSON pointer
    # Without hoisting (the fields of models), an inline object is the class ``named`` gives
    # it (``nesting`` hoisted it into the models' input), else a dict. Keyed by the identity of
    # the spec's node: a property inherited through ``allOf`` is the same node as in its owner.
    hoisting: bool = True
    named: dict[int, str] = field(default_factory=dict)  # id(node in ``spec``) -> class name
    # Components whose type is being worked out: one that is not a class and refers back to
    # itself (a recursive union or array alias) is any value there, not an endless recursion.
    expanding: set[str] = field(default_factory=set)

    def error(self, pointer: str, message: str) -> SpecgenError:
        return SpecgenError.at(self.source, pointer, message)

    def type_of(
        self, schema: Any, pointer: str, hint: str, *, strict_enums: bool = True
    ) -> TypeRef:
        """The Python type of ``schema``; inline object schemas get the class name ``hint``."""
        name = component_name(schema)
        if name is not None:
            target = resolve(self.spec, schema)
            if is_object_like(self.spec, target):
                return TypeRef("model", self.class_names[name])
            if name in self.expanding:
                return ANY
            self.expanding.add(name)
            try:
                return self.type_of(
                    target,
                    f"/components/schemas/{escape_token(name)}",
                    hint,
                    strict_enums=strict_enums,
                )
            finally:
                self.expanding.discard(name)
        schema = resolve(self.spec, schema)
        if schema is True or schema == {} or schema is None:
            return ANY
        if not isinstance(schema, Mapping):
            raise self.error(pointer, "a schema must be an object")
        nullable = bool(schema.get("nullable")) or "null" in type_list(schema)
        if id(schema) in self.named:
            result = TypeRef("model", self.named[id(schema)])
        else:
            result = self._non_null_type(schema, pointer, hint, strict_enums)
        if nullable and result.kind not in ("any", "none"):
            result = TypeRef("union", args=(result, NONE))
        return result

    def _non_null_type(
        self, schema: Mapping[str, Any], pointer: str, hint: str, strict_enums: bool
    ) -> TypeRef:
        if is_object_like(self.spec, schema):
            if not self.hoisting:
                return TypeRef("dict", args=(TypeRef("builtin", "str"), ANY))
            return TypeRef("model", self.hoist(hint, schema, pointer))
        for key in ("oneOf", "anyOf"):
            if key in schema:
                members = [
                    self.type_of(
                        m,
                        f"{pointer}/{key}/{i}",
                        hint + naming.pascal(member_hint(schema, schema[key], i)),
                        strict_enums=strict_enums,
                    )
                    for i, m in enumerate(schema[key])
                ]
                return _union(members)
        if "enum" in schema and strict_enums:
            values = tuple(v for v in schema["enum"] if v is not None)
            return TypeRef("literal", values=values) if values else NONE
        if "const" in schema:
            return TypeRef("literal", values=(schema["const"],))
        kinds = type_list(schema) - {"null"}
        if len(kinds) > 1:
            return _union(
                [
                    self._non_null_type({**schema, "type": k}, pointer, hint, strict_enums)
                    for k in sorted(kinds)
                ]
            )
        kind = next(iter(kinds), None)
        constraints = constraints_of(schema)
        if kind == "array":
            item = self.type_of(
                schema.get("items", {}),
                f"{pointer}/items",
                f"{hint}Item",
                strict_enums=strict_enums,
            )
            return TypeRef("list", args=(item,), constraints=constraints)
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = (
                self.type_of(extra, f"{pointer}/additionalProperties", f"{hint}Value")
                if isinstance(extra, Mapping)
                else ANY
            )
            return TypeRef("dict", args=(TypeRef("builtin", "str"), value))
        if kind == "string":
            fmt = schema.get("format")
            builtin = {"date-time": "datetime", "date": "date", "binary": "bytes"}.get(
                fmt if isinstance(fmt, str) else "", "str"
            )
            return TypeRef("builtin", builtin, constraints=constraints if builtin == "str" else ())
        if kind in ("integer", "number", "boolean"):
            builtin = {"integer": "int", "number": "float", "boolean": "bool"}[kind]
            return TypeRef("builtin", builtin, constraints=constraints if builtin != "bool" else ())
        if kind == "null":
            return NONE
        return ANY

    def hoist(self, hint: str, schema: Mapping[str, Any], pointer: str = "") -> str:
        """Give an inline object schema (at ``pointer``) a class name and add it to the models'
        input."""
        for name, existing in self.hoisted.items():
            if existing == schema:
                return name
        name = naming.unique(
            [naming.model_class(hint)], [*self.class_names.values(), *self.hoisted], separator=""
        )[0]
        self.hoisted[name] = copy_tree(dict(schema))
        self.hoisted_at[name] = pointer
        return name


def type_list(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)}
        if isinstance(kind, list)
        else set()
    )


def _union(members: list[TypeRef]) -> TypeRef:
    flat: list[TypeRef] = []
    for member in members:
        for item in member.args if member.kind == "union" else (member,):
            if item not in flat:
                flat.append(item)
    if ANY in flat:
        return ANY
    return flat[0] if len(flat) == 1 else TypeRef("union", args=tuple(flat))


def constraints_of(schema: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The pydantic ``Field`` keywords of a schema's limits (``minimum`` -> ``ge``...)."""
    return tuple(
        (_CONSTRAINTS[k], schema[k])
        for k in _CONSTRAINTS
        if k in schema and not isinstance(schema[k], bool)
    )


def object_properties(spec: Mapping[str, Any], schema: Any) -> tuple[dict[str, Any], set[str]]:
    """The properties (and required names) of an object schema, ``allOf`` members merged."""
    properties: dict[str, Any] = {}
    required: set[str] = set()
    if not isinstance(schema, Mapping):
        return properties, required
    for member in schema.get("allOf") or []:
        more, names = object_properties(spec, resolve(spec, member))
        properties.update(more)
        required |= names
    if isinstance(schema.get("properties"), Mapping):
        properties.update(schema["properties"])
    if isinstance(schema.get("required"), list):
        required |= {str(n) for n in schema["required"]}
    return properties, required
