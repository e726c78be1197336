"""Parameter serialization as OpenAPI defines it (style and explode per location)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from ._spec import ParamSpec

_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def scalar(value: Any) -> str:
    """The text of one primitive value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        raise TypeError("a model cannot be a simple parameter value")
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return value


def query_pairs(param: ParamSpec, value: Any) -> list[tuple[str, str]]:
    """``(name, value)`` pairs for a query or cookie parameter, not yet percent-encoded."""
    value = _plain(value)
    name = param.name
    if isinstance(value, Mapping):
        if param.style == "deepObject":
            return [(f"{name}[{k}]", scalar(v)) for k, v in value.items()]
        if param.explode:
            return [(str(k), scalar(v)) for k, v in value.items()]
        return [(name, ",".join(f"{k},{scalar(v)}" for k, v in value.items()))]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if param.explode:
            return [(name, scalar(v)) for v in value]
        return [(name, _DELIMITERS.get(param.style, ",").join(scalar(v) for v in value))]
    return [(name, scalar(value))]


def encode_query(pairs: Sequence[tuple[str, str]], reserved: frozenset[str] = frozenset()) -> str:
    """Percent-encode pairs; values of parameters in ``reserved`` keep RFC 3986 reserved characters."""
    safe_reserved = ":/?#[]@!$&'()*+,;="
    return "&".join(
        f"{quote(k, safe='[]')}={quote(v, safe=safe_reserved if k in reserved else '')}"
        for k, v in pairs
    )


def path_value(param: ParamSpec, value: Any) -> str:
    """The encoded text substituted for ``{name}`` in the path (simple, label or matrix style)."""
    value = _plain(value)
    if isinstance(value, Mapping):
        items = [(str(k), scalar(v)) for k, v in value.items()]
        parts = [f"{k}={v}" for k, v in items] if param.explode else [x for kv in items for x in kv]
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        parts = [scalar(v) for v in value]
    else:
        parts = [scalar(value)]
    encoded = [quote(p, safe="=" if param.explode else "") for p in parts]
    if param.style == "label":
        return "." + ("." if param.explode else ",").join(encoded)
    if param.style == "matrix":
        if param.explode and not isinstance(value, Mapping):
            return "".join(f";{param.name}={p}" for p in encoded)
        return f";{param.name}=" + ",".join(encoded)
    return ",".join(encoded)


def header_value(param: ParamSpec, value: Any) -> str:
    value = _plain(value)
    if isinstance(value, Mapping):
        sep = "=" if param.explode else ","
        return ",".join(f"{k}{sep}{scalar(v)}" for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return ",".join(scalar(v) for v in value)
    return scalar(value)
