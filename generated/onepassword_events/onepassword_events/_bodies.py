"""Request bodies given as plain data (dicts and lists) checked key by key, as a model would be.

The models read responses leniently: an object keeps keys it does not know, and an enum
accepts any other string, so that a grown API still reads. A body written as data is meant to
hold only what the spec declares, so before it is sent a key the model has no field for (a
typo such as ``fromat``) and a string an enum does not list are refused, named by their path
inside the body. A model instance is taken as it is (its extras were given on purpose),
wherever it appears, and so are the keys of a schema that declares its additional properties.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ._deferred import deferred

if TYPE_CHECKING:
    import pydantic
else:
    pydantic = deferred("pydantic", globals())

__all__ = ["body_problem"]


def body_problem(value: Any, given: Any, path: str = "body") -> str | None:
    """What is wrong with ``given`` (the data as passed) that validating it into ``value`` let
    through, as ``"body.items[0].fromat: not a key of Item (did you mean 'format'?)"``."""
    if value is given:
        return None  # a model (or a plain value) passed as it is
    if isinstance(value, pydantic.RootModel):
        return body_problem(value.root, given, path)
    if isinstance(value, pydantic.BaseModel):
        return _model_problem(value, given, path) if isinstance(given, Mapping) else None
    if isinstance(value, Mapping) and isinstance(given, Mapping):
        return _first(
            body_problem(item, given.get(key), f"{path}.{key}") for key, item in value.items()
        )
    if _is_list(value) and _is_list(given) and len(value) == len(given):
        return _first(
            body_problem(item, raw, f"{path}[{index}]")
            for index, (item, raw) in enumerate(zip(value, given, strict=True))
        )
    return None


def _model_problem(model: pydantic.BaseModel, given: Mapping[Any, Any], path: str) -> str | None:
    cls = type(model)
    fields = cls.model_fields
    names = {name: name for name in fields}
    names.update({f.alias: name for name, f in fields.items() if f.alias is not None})
    open_keys = "__pydantic_extra__" in getattr(cls, "__annotations__", {})
    for key in given:
        if key not in names and not open_keys:
            known = sorted(f.alias or name for name, f in fields.items())
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"{path}.{key}: not a key of {cls.__name__}{hint}"
    for key, raw in given.items():
        if key not in names:
            continue
        where = f"{path}.{key}"
        found = _enum_problem(fields[names[key]].annotation, raw, where) or body_problem(
            getattr(model, names[key]), raw, where
        )
        if found is not None:
            return found
    return None


def _enum_problem(annotation: Any, raw: Any, path: str) -> str | None:
    """A string that an enum read as ``Literal[...] | str`` does not list (in lists and dict
    values too)."""
    members = _members(annotation)
    listed = [v for m in members if typing.get_origin(m) is Literal for v in typing.get_args(m)]
    if isinstance(raw, str) and listed and str in members and raw not in listed:
        values = ", ".join(repr(v) for v in listed)
        return f"{path}: {raw!r} is not one of the values the spec lists ({values})"
    for member in members:
        args = typing.get_args(member)
        if typing.get_origin(member) is list and args and _is_list(raw):
            return _first(
                _enum_problem(args[0], item, f"{path}[{i}]") for i, item in enumerate(raw)
            )
        if typing.get_origin(member) is dict and len(args) == 2 and isinstance(raw, Mapping):
            return _first(_enum_problem(args[1], item, f"{path}.{k}") for k, item in raw.items())
    return None


def _members(annotation: Any) -> list[Any]:
    """The members of a union (one type for anything else), ``Annotated`` unwrapped."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _first(problems: typing.Iterable[str | None]) -> str | None:
    return next((p for p in problems if p is not None), None)


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)
