"""Parameter serialization as OpenAPI defines it (style and explode per location)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._deferred import deferred
from ._types import REQUEST_CONTEXT, Timestamp

if TYPE_CHECKING:
    import pydantic

    from ._spec import ParamSpec
else:
    pydantic = deferred("pydantic", globals())

_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}
_RESERVED = ":/?#[]@!$&'()*+,;="


def scalar(value: Any) -> str:
    """The text of one primitive value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Timestamp) and value.text is not None:
        return value.text  # exactly as given: a datetime would drop digits past microseconds
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, pydantic.BaseModel):
        raise TypeError("a model cannot be a simple parameter value")
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(
            mode="json", by_alias=True, exclude_unset=True, context=REQUEST_CONTEXT
        )
    return value


def _items(param: ParamSpec, value: Any, encode: Callable[[str], str]) -> list[str]:
    """``name=value`` items with names and values passed through ``encode``.

    Delimiters are added after encoding, so a comma or pipe inside a value stays
    distinguishable from one between values.
    """
    value = _plain(value)
    name = encode(param.name)
    if isinstance(value, Mapping):
        if param.style == "deepObject":
            return [f"{name}[{encode(str(k))}]={encode(scalar(v))}" for k, v in value.items()]
        if param.explode:
            return [f"{encode(str(k))}={encode(scalar(v))}" for k, v in value.items()]
        flat = [encode(x) for k, v in value.items() for x in (str(k), scalar(v))]
        return [f"{name}={','.join(flat)}"]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if param.explode:
            return [f"{name}={encode(scalar(v))}" for v in value]
        # A comma may stand unencoded in a query (RFC 3986 sub-delimiter); space and pipe may not.
        delimiter = _DELIMITERS.get(param.style, ",")
        delimiter = delimiter if delimiter == "," else encode(delimiter)
        return [f"{name}={delimiter.join(encode(scalar(v)) for v in value)}"]
    return [f"{name}={encode(scalar(value))}"]


def query_items(param: ParamSpec, value: Any) -> list[str]:
    """Percent-encoded ``name=value`` items for a query parameter."""
    safe = _RESERVED if param.allow_reserved else ""
    return _items(param, value, lambda text: quote(text, safe=safe))


def cookie_items(param: ParamSpec, value: Any) -> list[str]:
    return _items(param, value, lambda text: text)


def encode_pairs(pairs: Sequence[tuple[str, str]]) -> str:
    """A percent-encoded query string (or form body) of plain pairs."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


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
