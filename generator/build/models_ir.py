"""The models of the IR (``ir.Model``): every schema of the models stage's input, described.

The stage's input itself (``models_input``) is carried in each model as canonical JSON text, so
``models.build_models`` reads the IR's models and nothing else (or the same handed over before
the rest of the IR is built: ``models_input.ModelsInput``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from generator import naming
from generator.build.context import text
from generator.build.types import Types, constraints_of, object_properties
from generator.errors import SpecgenError
from generator.ir import ANY, Model, ModelField, ModelKind, TypeRef
from generator.rawspec import MISSING, escape_token, node_at, resolve

_SCALARS = (str, int, float, bool)


def build_models_ir(
    types: Types,
    document: Mapping[str, Any],
    sources: Mapping[str, Any],
    pointers: Mapping[str, str],
    object_names: set[str],
    named: Mapping[str, str] | None = None,
    texts: Mapping[str, str] | None = None,
) -> tuple[Model, ...]:
    """One model per schema of the models stage's ``document``; ``sources`` gives each one's
    schema as the spec writes it (types and fields are read from there), ``pointers`` its place,
    ``named`` the class of each nested object the models' input hoisted (by its pointer),
    ``texts`` each schema's canonical JSON text when it is made already (``schema_text``).
    """
    # Field types are read without hoisting: nested inline objects are already named.
    nodes = {pointer: node_at(types.spec, pointer) for pointer in named or {}}
    fields_types = Types(
        types.spec,
        types.source,
        types.class_names,
        hoisting=False,
        named={id(node): (named or {})[p] for p, node in nodes.items() if node is not MISSING},
    )
    texts = texts or {}
    return tuple(
        _model(
            fields_types,
            name,
            texts[name] if name in texts else schema_text(schema),
            sources.get(name),
            pointer_of(name, pointers),
            object_names,
        )
        for name, schema in document["components"]["schemas"].items()
    )


def schema_text(schema: Any) -> str:
    """A schema of the models' input as ``Model.schema`` holds it: canonical JSON text."""
    return json.dumps(schema, sort_keys=True)


def pointer_of(name: str, pointers: Mapping[str, str]) -> str:
    """Where the schema of model ``name`` is in the spec (``Model.pointer``)."""
    return pointers.get(name, f"/components/schemas/{escape_token(name)}")


def _model(
    types: Types,
    name: str,
    schema: str,
    source: Any,
    pointer: str,
    object_names: set[str],
) -> Model:
    raw = resolve(types.spec, source, default={})
    raw = raw if isinstance(raw, Mapping) else {}
    kind = _kind(name, raw, object_names)
    return Model(
        name=name,
        kind=kind,
        description=text(raw.get("description")),
        fields=_fields(types, name, raw, pointer) if kind == "object" else (),
        values=tuple(v for v in raw.get("enum") or [] if isinstance(v, _SCALARS)),
        pointer=pointer,
        schema=schema,
    )


def _kind(name: str, raw: Mapping[str, Any], object_names: set[str]) -> ModelKind:
    if name in object_names:
        return "object"
    if isinstance(raw.get("enum"), list):
        return "enum"
    if "oneOf" in raw or "anyOf" in raw:
        return "union"
    return "alias"


def _fields(
    types: Types, class_name: str, raw: Mapping[str, Any], pointer: str
) -> tuple[ModelField, ...]:
    properties, required = object_properties(types.spec, raw)
    # Imported here: the library loads slowly, and only a run that builds needs it.
    from datamodel_code_generator.reference import FieldNameResolver

    resolver = FieldNameResolver(snake_case_field=True)  # as the models stage names fields
    taken: set[str] = set()
    fields = []
    for wire, schema in properties.items():
        python_name, _ = resolver.get_valid_field_name_and_alias(str(wire), excludes=taken)
        taken.add(python_name)
        where = f"{pointer}/properties/{escape_token(str(wire))}"
        target = resolve(types.spec, schema, default={})
        target = target if isinstance(target, Mapping) else {}
        default = target.get("default")
        fields.append(
            ModelField(
                name=str(wire),
                python_name=python_name,
                type=_type(types, schema, where, class_name + naming.pascal(str(wire))),
                required=str(wire) in required,
                description=text(target.get("description")),
                constraints=constraints_of(target),
                default=default if isinstance(default, _SCALARS) else None,
                has_default="default" in target and isinstance(default, (*_SCALARS, type(None))),
            )
        )
    return tuple(fields)


def _type(types: Types, schema: Any, where: str, hint: str) -> TypeRef:
    """The field's type; one the builder cannot type is any value (the models stage decides)."""
    try:
        return types.type_of(schema, where, hint, strict_enums=True)
    except (SpecgenError, LookupError, TypeError, ValueError):
        return ANY
