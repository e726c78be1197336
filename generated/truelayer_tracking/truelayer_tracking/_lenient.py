"""Reading a response that does not fit the spec without failing (``strict_responses=False``).

Every part that fits is validated as usual; a model whose data does not fit is built with
``model_construct`` from what does, and each value that does not fit is kept as it was sent
(a field the server left out, though the spec requires it, is simply not set). Lists and
dicts are read item by item, so one odd item does not cost the others their types.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from ._deferred import deferred

if TYPE_CHECKING:
    import pydantic
else:
    pydantic = deferred("pydantic", globals())

__all__ = ["lenient"]

_MAX_DEPTH = 64  # deeper than any sane schema: past it, data is kept as it is


def lenient(type_: Any, data: Any, depth: int = 0) -> Any:
    """``data`` read as ``type_`` where it fits, kept raw where it does not."""
    try:
        return _adapter(type_).validate_python(data, by_alias=True, by_name=False)
    except (pydantic.ValidationError, RecursionError):
        pass
    if depth > _MAX_DEPTH:
        return data
    inner = _unwrapped(type_)
    members = _members(inner)
    if isinstance(data, Mapping):
        model = _best_model(members, data)
        if model is not None:
            return _construct(model, data, depth)
        value_type = _container_arg(members, dict, 1)
        if value_type is not None:
            return {key: lenient(value_type, item, depth + 1) for key, item in data.items()}
    if isinstance(data, list):
        item_type = _container_arg(members, list, 0)
        if item_type is not None:
            return [lenient(item_type, item, depth + 1) for item in data]
    return data


def _construct(
    model: type[pydantic.BaseModel], data: Mapping[str, Any], depth: int
) -> pydantic.BaseModel:
    if not model.__pydantic_complete__:
        model.model_rebuild()  # deferred: its fields' types are resolved when it is built
    if issubclass(model, pydantic.RootModel):
        root = lenient(model.model_fields["root"].annotation, data, depth + 1)
        return model.model_construct(root)
    values: dict[str, Any] = {}
    known: set[str] = set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        known.add(key)
        if key in data:
            values[name] = lenient(_field_type(model, name), data[key], depth + 1)
    extra = {k: v for k, v in data.items() if k not in known}
    if model.model_config.get("extra") == "allow":
        values.update(extra)
    return model.model_construct(**values)


def _adapter(type_: Any) -> pydantic.TypeAdapter[Any]:
    try:
        return _cached_adapter(type_)
    except TypeError:  # an unhashable annotation: build it each time
        return pydantic.TypeAdapter(type_)


@cache
def _cached_adapter(type_: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(type_)


@cache
def _field_type(model: type[pydantic.BaseModel], name: str) -> Any:
    field = model.model_fields[name]
    return Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation


def _unwrapped(type_: Any) -> Any:
    while typing.get_origin(type_) is Annotated:
        type_ = typing.get_args(type_)[0]
    return type_


def _members(type_: Any) -> list[Any]:
    """The members of a union (one type for anything else), each unwrapped."""
    if typing.get_origin(type_) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(type_) for m in _members(_unwrapped(arg))]
    return [type_]


def _best_model(members: list[Any], data: Mapping[str, Any]) -> type[pydantic.BaseModel] | None:
    """The model among ``members`` sharing the most keys with ``data``."""
    models = [m for m in members if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
    if not models:
        return None
    return max(models, key=lambda m: len(_keys(m) & set(data)))


def _keys(model: type[pydantic.BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _container_arg(members: list[Any], origin: type, index: int) -> Any:
    for member in members:
        if typing.get_origin(member) is origin and len(typing.get_args(member)) > index:
            return typing.get_args(member)[index]
    return None
