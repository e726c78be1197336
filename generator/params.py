"""TypedDicts for JSON request bodies (``<pkg>/params.py``): ``<Model>Param`` per object model a
body can hold, so that a type checker catches a wrong key, type or enum value in a dict body
as the runtime does (templates/python/runtime/_bodies.py).

Keys are the JSON names, values typed as the spec types them; a nested object is its own
``Param``, an enum its ``Literal`` (closed: an unlisted value is a type error in a request);
a model that is not an object (a union, an alias) is ``Any``, as the TypedDict cannot say more.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator import ir
from generator.pytext import annotation, body_annotation, pyrepr, type_names

SUFFIX = "Param"


@dataclass(frozen=True)
class ParamKey:
    name: str  # the key as sent
    type: str  # its annotation text
    description: str


@dataclass(frozen=True)
class ParamDict:
    name: str  # ``<Model>Param``
    model: str
    description: str
    keys: tuple[ParamKey, ...]
    functional: bool  # a key is not an identifier: ``TypedDict("Name", {...})`` syntax
    imports: frozenset[str]  # what its annotations need: typing and collections.abc names


def body_objects(api: ir.Api, body: ir.Body) -> list[ir.Model] | None:
    """The object models a JSON body may be; None when it may be anything else (then no
    TypedDict describes it)."""
    if body.kind not in ("json", "jsonl") or body.form_class:
        return None
    objects = _objects(api)
    refs = body.type.args if body.type.kind == "union" else (body.type,)
    models = [objects.get(r.name) for r in refs if r.kind == "model"]
    if not models or len(models) != len(refs) or None in models:
        return None
    return [m for m in models if m is not None]


def param_dicts(api: ir.Api) -> list[ParamDict]:
    """Every TypedDict ``params.py`` holds: the object models JSON bodies reach, by name."""
    objects = _objects(api)
    wanted: list[str] = []
    for op in api.operations:
        found = body_objects(api, op.body) if op.body is not None else None
        wanted += [m.name for m in found or ()]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        for f in objects[name].fields:
            wanted += [r for r in _model_refs(f.type) if r in objects]
    return [_param_dict(objects[name], objects) for name in sorted(seen)]


def body_param_annotation(body: ir.Body, api: ir.Api) -> str:
    """The body argument's annotation: the model(s) or their TypedDicts (``params``); a body
    no TypedDict describes takes any dict besides the model, as before."""
    models = body_objects(api, body)
    if models is None:
        return body_annotation(body)
    return " | ".join([annotation(body.type)] + [f"params.{m.name}{SUFFIX}" for m in models])


def uses_params(api: ir.Api, operations: tuple[ir.Operation, ...] | list[ir.Operation]) -> bool:
    return any(op.body is not None and body_objects(api, op.body) for op in operations)


def _objects(api: ir.Api) -> dict[str, ir.Model]:
    """The object models of ``api`` by name, worked out once per IR (templates ask per body)."""
    if _LAST[0] is not api:
        _LAST[:] = [api, {m.name: m for m in api.models if m.kind == "object"}]
    objects: dict[str, ir.Model] = _LAST[1]
    return objects


_LAST: list[Any] = [None, {}]  # the last IR asked about and its object models


def _model_refs(ref: ir.TypeRef) -> Iterator[str]:
    if ref.kind == "model":
        yield ref.name
    for arg in ref.args:
        yield from _model_refs(arg)


def _param_dict(model: ir.Model, objects: dict[str, ir.Model]) -> ParamDict:
    names: set[str] = set()
    keys = tuple(
        ParamKey(f.name, _required(_key_type(f.type, objects, names), f.required, names),
                 f.description)
        for f in model.fields
    )  # fmt: skip
    functional = any(not k.name.isidentifier() or keyword.iskeyword(k.name) for k in keys)
    return ParamDict(
        model.name + SUFFIX, model.name, model.description, keys, functional, frozenset(names)
    )


def imports(dicts: list[ParamDict]) -> list[str]:
    """Every name ``params.py`` imports, sorted."""
    return sorted(set().union(*(d.imports for d in dicts)))


def _required(text: str, required: bool, names: set[str]) -> str:
    if not required:
        return text
    names.add("Required")
    return f"Required[{text}]"


def _key_type(ref: ir.TypeRef, objects: dict[str, ir.Model], names: set[str]) -> str:
    """The annotation of a value inside a TypedDict: objects as their ``Param``; a list as a
    ``Sequence`` (a tuple or list literal both type-check); dates as objects or text."""
    if ref.kind == "model":
        if ref.name in objects:
            return ref.name + SUFFIX
        names.add("Any")
        return "Any"
    if ref.kind in ("list", "sequence"):
        names.add("Sequence")
        return f"Sequence[{_key_type(ref.args[0], objects, names)}]"
    if ref.kind == "dict" and len(ref.args) == 2:
        names.add("Mapping")
        return f"Mapping[str, {_key_type(ref.args[1], objects, names)}]"
    if ref.kind == "union":
        return " | ".join(dict.fromkeys(_key_type(a, objects, names) for a in ref.args))
    names.update(type_names(ref))
    if ref.kind == "builtin" and ref.name in ("datetime", "date"):
        return f"{annotation(ref)} | str"  # the runtime takes RFC 3339 text too
    return annotation(ref)


def functional_value(key: ParamKey) -> str:
    """A value of the functional syntax: the type as a string, read only by type checkers
    (so a ``Param`` defined further down may be named)."""
    return pyrepr(key.type)
