"""specgen's ``x-`` extensions (documented in docs/extensions.md) and their validation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema

from generator.rawspec import iter_operations, operation_parameters, parse_pointer, to_pointer

_POINTER = {"type": "string", "pattern": "^(/[^/]*)*$"}
_NAME = {"type": "string", "minLength": 1}


def _style(name: str, optional: Mapping[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
    """The schema of one style: the keys it needs (``keys``) and those it may have."""
    return {
        "type": "object",
        "properties": {"style": {"const": name}, **keys, **(optional or {})},
        "required": ["style", *keys],
        "additionalProperties": False,
    }


PAGINATION_STYLES: dict[str, dict[str, Any]] = {
    "offset": _style("offset", offsetParam=_NAME, limitParam=_NAME, items=_POINTER, total=_POINTER),
    "cursor": _style(
        "cursor", cursorField=_NAME, items=_POINTER, nextCursor=_POINTER, hasMore=_POINTER
    ),
    "watermark": _style(
        "watermark", watermarkParam=_NAME, items=_POINTER, nextWatermark=_POINTER, hasMore=_POINTER
    ),
    "page": _style("page", startParam=_NAME, limitParam=_NAME, items=_POINTER, nextPage=_POINTER),
    "pageNumber": _style(
        "pageNumber",
        pageParam=_NAME,
        items=_POINTER,
        optional={
            "perPageParam": _NAME,
            "firstPage": {"type": "integer", "minimum": 0},
            "totalPages": _POINTER,
            "totalCount": _POINTER,
        },
    ),
    "link": _style("link", items=_POINTER, optional={"perPageParam": _NAME}),
}
# Checked in two steps (the style, then that style's keys) so messages name the missing key.
PAGINATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["style"],
    "properties": {"style": {"enum": sorted(PAGINATION_STYLES)}},
}
REQUIRE_ANY_OF_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "array", "minItems": 2, "items": _NAME, "uniqueItems": True},
}
TOKEN_URLS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": "string", "minLength": 1},
}
TOKEN_FORMAT_SCHEMA: dict[str, Any] = {"enum": ["form", "json"]}
IDEMPOTENT_SCHEMA: dict[str, Any] = {"type": "boolean"}

_PARAM_KEYS = {
    "offsetParam",
    "limitParam",
    "watermarkParam",
    "startParam",
    "pageParam",
    "perPageParam",
}


def check_extensions(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield ``(pointer, message)`` for every malformed specgen extension in ``spec``."""
    seen = set()
    for found in iter_operations(spec):
        if found.pointer in seen:
            continue  # a path item referenced from two paths is checked once
        seen.add(found.pointer)
        base: list[str | int] = list(parse_pointer(found.pointer))
        params = operation_parameters(spec, found.path_item, found.operation)
        yield from _check_operation(found.operation, base, {p.get("name") for p in params})
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    for scheme_name, scheme in schemes.items():
        flow = ((scheme or {}).get("flows") or {}).get("clientCredentials")
        if not isinstance(flow, Mapping):
            continue
        base = ["components", "securitySchemes", scheme_name, "flows", "clientCredentials"]
        for key, schema in (
            ("x-token-urls", TOKEN_URLS_SCHEMA),
            ("x-token-request-format", TOKEN_FORMAT_SCHEMA),
        ):
            if key in flow:
                yield from _schema_problems(flow[key], schema, [*base, key])


def _check_operation(
    operation: Mapping[str, Any], base: list[str | int], names: set[Any]
) -> Iterator[tuple[str, str]]:
    if "x-pagination" in operation:
        where = [*base, "x-pagination"]
        pagination = operation["x-pagination"]
        problems = list(_schema_problems(pagination, PAGINATION_SCHEMA, where))
        if not problems:
            style_schema = PAGINATION_STYLES[pagination["style"]]
            problems = list(_schema_problems(pagination, style_schema, where))
        yield from problems
        if not problems:
            for key, value in operation["x-pagination"].items():
                if key in _PARAM_KEYS and value not in names:
                    yield (
                        to_pointer([*where, key]),
                        f"no parameter named {value!r} in this operation",
                    )
    if "x-idempotent" in operation:
        where = [*base, "x-idempotent"]
        yield from _schema_problems(operation["x-idempotent"], IDEMPOTENT_SCHEMA, where)
    if "x-require-any-of" in operation:
        where = [*base, "x-require-any-of"]
        problems = list(
            _schema_problems(operation["x-require-any-of"], REQUIRE_ANY_OF_SCHEMA, where)
        )
        yield from problems
        if not problems:
            for g, group in enumerate(operation["x-require-any-of"]):
                for n, name in enumerate(group):
                    if name not in names:
                        yield (
                            to_pointer([*where, g, n]),
                            f"no parameter named {name!r} in this operation",
                        )


def _schema_problems(
    value: Any, schema: Mapping[str, Any], where: list[Any]
) -> Iterator[tuple[str, str]]:
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(value)
    )
    if error is not None:
        yield to_pointer([*where, *error.absolute_path]), f"malformed {where[-1]}: {error.message}"
