"""Inline object schemas nested in the models' input, hoisted into components named by place.

Left inline, an object schema inside a component becomes a class the models stage names after
the field alone, numbered on a clash: 1Password's ``Error`` has a field ``Error`` whose object
became ``Error1``. Hoisted first, it gets the name of its place instead: ``<Parent><Field>``
(``ErrorDetail`` when the field repeats the parent's name), ``<Parent><Field>Item`` for array
items, ``<Parent><Field>Value`` for the values of a map, and for a member of a union the value
that tells it apart (its discriminator value, or the property only it has), its position only
as a last resort.

A pure function of the schemas mapping: no spec, no I/O, the input is not changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import naming
from generator.errors import escape_token
from generator.rawspec import copy_tree
from generator.schemas import COMPONENT_PREFIX

# Kept at the place of a hoisted schema (they describe the field, not the class): the models
# stage reads a ``$ref``'s ``description`` as the field's docstring and ``nullable`` as ``| None``.
_FIELD_KEYWORDS = ("description", "nullable", "default")


@dataclass(frozen=True)
class Nested:
    """The schemas with nested objects hoisted, and where each new one was (class name ->
    JSON pointer in the models' input, the component part spelled with the input's names)."""

    schemas: dict[str, Any]
    pointers: dict[str, str]


@dataclass
class _Hoister:
    taken: set[str]
    schemas: dict[str, Any] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)  # old "#/..." prefix -> new one

    def component(self, name: str, schema: Any, pointer: str) -> None:
        """Hoist what ``schema`` (the class ``name``, at ``pointer``) holds, in place."""
        if isinstance(schema, dict):
            self.children(schema, name, pointer)

    def children(self, node: dict[str, Any], base: str, pointer: str) -> None:
        """Visit the sub-schemas of ``node``, a schema that belongs to the class ``base``."""
        properties = node.get("properties")
        if isinstance(properties, dict):
            for key, sub in properties.items():
                where = f"{pointer}/properties/{escape_token(key)}"
                properties[key] = self.place(sub, base, key, where)
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict):
            for key, sub in patterns.items():
                where = f"{pointer}/patternProperties/{escape_token(key)}"
                patterns[key] = self.place(sub, base, "Value", where)
        for key, suffix in (("items", "Item"), ("additionalProperties", "Value")):
            if isinstance(node.get(key), dict):
                node[key] = self.place(node[key], base, suffix, f"{pointer}/{key}")
        # allOf members are part of the class itself: their fields are named after it.
        for index, member in enumerate(node.get("allOf") or []):
            if isinstance(member, dict):
                self.children(member, base, f"{pointer}/allOf/{index}")
        self.union_members(node, base, pointer)

    def union_members(self, node: dict[str, Any], base: str, pointer: str) -> None:
        for key in ("oneOf", "anyOf"):
            members = node.get(key)
            if not isinstance(members, list):
                continue
            # Every hint before any member is replaced: each compares a member with the others.
            hints = [member_hint(node, members, index) for index in range(len(members))]
            for index, (member, hint) in enumerate(zip(list(members), hints, strict=True)):
                members[index] = self.place(member, base, hint, f"{pointer}/{key}/{index}")
                if members[index] is not member:
                    _map_discriminator(node, member, members[index]["$ref"])

    def place(self, node: Any, base: str, suffix: str, pointer: str) -> Any:
        """``node`` as it stays at ``pointer``: a reference to a new component named ``base``
        + ``suffix`` when it is an inline class, else itself with its nested classes hoisted."""
        if not isinstance(node, dict):
            return node
        if not _is_inline_class(node):
            if not _NESTS.isdisjoint(node):  # the name its nested classes take, when it has any
                self.children(node, _joined(base, suffix), pointer)
            return node
        name = self.new_name(base, suffix)
        hoisted = {k: v for k, v in node.items() if k not in ("nullable", "default")}
        kinds = hoisted.get("type")
        if isinstance(kinds, list) and "null" in kinds:  # 3.1 nullability stays with the field
            hoisted["type"] = [k for k in kinds if k != "null"] or "object"
            node = {**node, "nullable": True}
        self.schemas[name] = hoisted
        self.pointers[name] = pointer
        self.moved["#" + pointer] = COMPONENT_PREFIX + name
        self.children(hoisted, name, f"/components/schemas/{escape_token(name)}")
        return {"$ref": COMPONENT_PREFIX + name, **_field_keywords(node)}

    def new_name(self, base: str, suffix: str) -> str:
        """``<base><suffix>``, a word the suffix repeats from the end of ``base`` said once
        (``Error`` + ``error_details``: ``ErrorDetails``) unless that name is taken."""
        collapsed = _joined(base, suffix)
        # A field named like its class (``Error.Error``) says nothing new: ``ErrorDetail``.
        detail = f"{collapsed}Detail" if collapsed == naming.model_class(base) else collapsed
        for candidate in (collapsed, detail, _joined(base, suffix, repeat=True)):
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        name = naming.unique([_joined(base, suffix, repeat=True)], self.taken, separator="")[0]
        self.taken.add(name)
        return name


# The keywords ``_Hoister.children`` visits: a schema without any holds no class.
_NESTS = frozenset(
    ("properties", "patternProperties", "items", "additionalProperties", "allOf", "oneOf", "anyOf")
)


def _joined(base: str, suffix: str, *, repeat: bool = False) -> str:
    """A class name of ``base`` (a class name) and ``suffix`` (a field name, ``Item``...)."""
    head, tail = naming.words(base), naming.words(suffix)
    if not repeat:
        for size in range(min(len(head), len(tail)), 0, -1):
            if [w.lower() for w in head[-size:]] == [w.lower() for w in tail[:size]]:
                tail = tail[size:]
                break
    return naming.model_class(base + naming.pascal(" ".join(tail)) if tail else base)


def hoist_nested(schemas: Mapping[str, Any]) -> Nested:
    """``schemas`` (class name -> schema, as the models stage reads them) with every inline
    object schema nested in one moved into a component of its own, named from its place.

    Components are kept in their order, each followed by the ones hoisted out of it. References
    into a hoisted sub-schema are pointed at its new place.
    """
    result = copy_tree(dict(schemas))
    hoister = _Hoister(taken=set(result))
    ordered: dict[str, Any] = {}
    for name, schema in result.items():
        before = len(hoister.schemas)
        hoister.component(name, schema, f"/components/schemas/{escape_token(name)}")
        ordered[name] = schema
        ordered.update(list(hoister.schemas.items())[before:])
    pointers = {
        name: _original(where, hoister.pointers) for name, where in hoister.pointers.items()
    }
    if hoister.moved:
        _point_at_new_places(ordered, hoister.moved)
    return Nested(ordered, pointers)


def _original(pointer: str, pointers: Mapping[str, str]) -> str:
    """``pointer`` with a hoisted component it starts in replaced by where that one was."""
    prefix = "/components/schemas/"
    for _ in range(len(pointers) + 1):  # each step moves one level out, so this ends
        name, _, rest = pointer[len(prefix) :].partition("/")
        if name not in pointers:
            return pointer
        pointer = pointers[name] + ("/" + rest if rest else "")
    return pointer


def _is_inline_class(node: Mapping[str, Any]) -> bool:
    """Whether the models stage makes a class of ``node`` (a reference alone is no class, and
    an ``allOf`` of one reference is read as that reference)."""
    if "$ref" in node:
        return False
    if "properties" in node:
        return True
    members = node.get("allOf")
    if not isinstance(members, list) or not members:
        return False
    if not all(isinstance(m, Mapping) for m in members):
        return False  # a boolean member: left to the models stage, which reads it as any value
    return len(members) > 1 or "$ref" not in members[0]


def _field_keywords(node: Mapping[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in _FIELD_KEYWORDS if k in node}


def member_hint(union: Mapping[str, Any], members: Sequence[Any], index: int) -> str:
    """What names member ``index`` of a union: the value it allows for the union's
    discriminator, or for a property every member tells apart that way (``kind: cat``), else
    a property only it has (a required one first), else its position (``Option 2``)."""
    fallback = f"Option {index + 1}"
    properties = _properties(members[index])
    if not properties:
        return fallback
    discriminator = union.get("discriminator")
    tag = discriminator.get("propertyName") if isinstance(discriminator, Mapping) else None
    tags = [tag] if isinstance(tag, str) else []
    tags += sorted(p for p in properties if _tells_apart(members, p))
    for name in tags:
        value = _single_value(properties.get(name))
        if value is not None and naming.words(value):
            return value
    others: set[str] = set()
    for i, other in enumerate(members):
        if i != index:
            others |= set(_properties(other))
    required = members[index].get("required")
    required = [r for r in required if r in properties] if isinstance(required, list) else []
    own = [p for p in [*required, *properties] if p not in others and naming.words(p)]
    return own[0] if own else fallback


def _properties(schema: Any) -> dict[str, Any]:
    """The properties of an inline object schema, by (text) name."""
    found = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str)}


def _tells_apart(members: Sequence[Any], name: str) -> bool:
    """Whether every member allows one value of property ``name``, each another."""
    values = [_single_value(_properties(m).get(name)) for m in members]
    return None not in values and len(set(values)) == len(values)


def _map_discriminator(union: dict[str, Any], member: Mapping[str, Any], ref: str) -> None:
    """Map the discriminator value of a hoisted union member to its new component.

    Without a mapping, a discriminator's values are the names of the members' components, and
    an inline member had none: its value is the one its own schema allows.
    """
    discriminator = union.get("discriminator")
    if not isinstance(discriminator, dict) or not isinstance(member.get("properties"), Mapping):
        return
    value = _single_value(member["properties"].get(discriminator.get("propertyName")))
    if value is not None:
        mapping = discriminator.setdefault("mapping", {})
        if isinstance(mapping, dict):
            mapping.setdefault(value, ref)


def _single_value(schema: Any) -> str | None:
    """The one text value ``schema`` allows (``const``, or an ``enum`` of one), if any."""
    if not isinstance(schema, Mapping):
        return None
    if isinstance(schema.get("const"), str):
        return str(schema["const"])
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
        return enum[0]
    return None


def _point_at_new_places(schemas: dict[str, Any], moved: Mapping[str, str]) -> None:
    """Rewrite references (and discriminator mappings) into hoisted sub-schemas, in place."""
    prefixes = sorted(moved, key=len, reverse=True)  # the deepest move that applies first

    def new_place(ref: str) -> str:
        if ref.count("/") <= 3:  # a whole component ("#/components/schemas/Name"): never moved
            return ref
        for _ in range(len(moved) + 1):  # a move inside a moved schema takes one more step
            old = next((p for p in prefixes if ref.startswith(p + "/")), None)
            if old is None:
                return ref
            ref = moved[old] + ref[len(old) :]
        return ref

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                node["$ref"] = new_place(node["$ref"])
            mapping = (node.get("discriminator") or {}).get("mapping")
            if isinstance(mapping, dict):
                for key, ref in mapping.items():
                    if isinstance(ref, str):
                        mapping[key] = new_place(ref)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schemas)
