"""Request bodies other than JSON: multipart and URL-encoded forms, binary content, and the
whole query string of an OpenAPI 3.2 ``querystring`` parameter."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import _serialize
from .errors import RequestValidationError

if TYPE_CHECKING:
    from ._spec import FieldSpec, OperationSpec, ParamSpec

    FormValues = Sequence[tuple[FieldSpec | None, str, Any]]  # (field, name, data or file)
FILE_EXPECTED = (
    "expected bytes, a file opened in binary mode or a (filename, content, content_type) tuple"
)


def _text(value: Any) -> str:
    """One form value as text: scalars as in parameters, objects and arrays as JSON text."""
    if isinstance(value, Mapping | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _serialize.scalar(value)


def _is_file(value: Any) -> bool:
    return isinstance(value, bytes | bytearray) or hasattr(value, "read")


def _items(spec: FieldSpec | None, value: Any) -> list[Any]:
    """A field's items: one per part or pair for an array field, else the value itself."""
    many = spec.many if spec is not None else isinstance(value, list)
    return (
        list(value)
        if many and isinstance(value, list | tuple) and not _is_file_tuple(value)
        else [value]
    )


def _is_file_tuple(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and 2 <= len(value) <= 4
        and (value[0] is None or isinstance(value[0], str))
    )


def _file_part(op: OperationSpec[Any], spec: FieldSpec | None, name: str, value: Any) -> Any:
    """A file as httpx takes it, the field's declared content type added when it names one."""
    if isinstance(value, bytearray):
        value = bytes(value)
    if _is_file_tuple(value) and (isinstance(value[1], bytes) or hasattr(value[1], "read")):
        return value
    if not _is_file(value):
        raise RequestValidationError(f"{op.operation_id}: body.{name}: {FILE_EXPECTED}")
    content_type = spec.content_type if spec is not None else None
    if content_type is None or "," in content_type or "*" in content_type:
        return value
    filename = (
        "upload" if isinstance(value, bytes) else Path(str(getattr(value, "name", "upload"))).name
    )
    return (filename, value, content_type)


def _data_part(spec: FieldSpec | None, value: Any) -> tuple[None, bytes] | tuple[None, bytes, str]:
    """A non-file part: text, or JSON text (typed ``application/json``) for objects and arrays."""
    content_type = spec.content_type if spec is not None else None
    if isinstance(value, Mapping | list):
        return (None, _text(value).encode(), content_type or "application/json")
    text = _text(value).encode()
    return (None, text) if content_type is None else (None, text, content_type)


def multipart_parts(op: OperationSpec[Any], values: FormValues) -> list[tuple[str, Any]]:
    """The parts of a multipart form, in the order the fields were given."""
    parts: list[tuple[str, Any]] = []
    for spec, name, value in values:
        for item in _items(spec, value):
            file = spec.file if spec is not None else _is_file(item) or _is_file_tuple(item)
            parts.append(
                (name, _file_part(op, spec, name, item) if file else _data_part(spec, item))
            )
    return parts


def _pairs(spec: FieldSpec | None, name: str, value: Any) -> list[tuple[str, str]]:
    """``name=value`` pairs of one field (``style``/``explode`` of its encoding)."""
    style = spec.style if spec is not None else "form"
    explode = spec.explode if spec is not None else True
    if style == "deepObject" and isinstance(value, Mapping | list):
        return _deep_pairs(name, value)
    if isinstance(value, Mapping):
        if explode:
            return [(str(k), _text(v)) for k, v in value.items()]
        return [(name, ",".join(x for k, v in value.items() for x in (str(k), _text(v))))]
    if isinstance(value, list):
        return (
            [(name, _text(v)) for v in value]
            if explode
            else [(name, ",".join(_text(v) for v in value))]
        )
    return [(name, _text(value))]


def _deep_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """``deepObject`` pairs, nested as servers that use it read them: ``card[address][city]=x``
    for objects, ``expand[0]=x`` for arrays (OpenAPI defines one level only)."""
    if isinstance(value, Mapping):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [(name, _serialize.scalar(value))]
    return [pair for key, item in items for pair in _deep_pairs(f"{name}[{key}]", item)]


def urlencoded(values: FormValues) -> str:
    """An ``application/x-www-form-urlencoded`` body."""
    return _serialize.encode_pairs(
        [pair for spec, name, value in values for pair in _pairs(spec, name, value)]
    )


def read_binary(op: OperationSpec[Any], body: Any) -> bytes:
    """A binary body's bytes: given as bytes, or read whole from a file opened in binary mode
    (read once, so that a retry sends the same bytes)."""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        if isinstance(data, bytes):
            return data
    raise RequestValidationError(
        f"{op.operation_id}: body: expected bytes or a file opened in binary mode"
    )


def querystring(param: ParamSpec, data: Any) -> str:
    """The whole query string from one value (``in: querystring``, OpenAPI 3.2): form pairs for
    ``application/x-www-form-urlencoded``, else the value's text (JSON text for JSON), encoded."""
    media = (param.content_type or "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded" and isinstance(data, Mapping):
        return _serialize.encode_pairs(
            [pair for k, v in data.items() for pair in _pairs(None, str(k), v)]
        )
    if media == "application/json" or media.endswith("+json"):
        return quote(json.dumps(data, separators=(",", ":"), ensure_ascii=False), safe="")
    return quote(_text(data), safe="")
