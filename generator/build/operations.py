"""Operations: one client method each, with its parameters, body, responses and pagination."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator import naming
from generator.build.bodies import read_body
from generator.build.context import Context, text
from generator.build.pagination import read_pagination
from generator.build.responses import read_responses
from generator.errors import SpecgenError
from generator.ir import Operation, Parameter, Response
from generator.rawspec import (
    FoundOperation,
    is_form,
    is_json,
    iter_operations,
    operation_parameters,
)

# Methods whose repetition has the effect of one request (RFC 9110, 9.2.2): retried by default.
IDEMPOTENT_METHODS = frozenset({"get", "head", "options", "put", "delete", "trace", "query"})
# Names the client classes already use: an operation with one of them gets a suffix.
CLIENT_ATTRIBUTES = {"close", "base_url", "timeout", "deadline", "max_retries", "headers", "auth",
                     "with_options", "with_raw_response", "strict_responses"}  # fmt: skip
RESERVED_ARGUMENTS = {
    "self", "body", "extra_headers", "extra_query", "timeout", "deadline", "max_retries",
}  # fmt: skip
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def build_operations(ctx: Context) -> tuple[list[Operation], int]:
    """The operations that can be generated (pagers named), and how many the spec has."""
    found = list(iter_operations(ctx.spec))
    ids = [f.operation.get("operationId") or f"{f.method} {f.path}" for f in found]
    ids = [i if isinstance(i, str) else str(i) for i in ids]
    names = naming.unique([naming.snake(i) for i in ids], CLIENT_ATTRIBUTES)
    operations = []
    for where, op_id, name in zip(found, ids, names, strict=True):
        try:
            operations.append(_operation(ctx, where, op_id, name))
        except SpecgenError as exc:
            ctx.skip(where.pointer, exc)
        except Exception as exc:  # a spec shape the builder did not foresee
            error = ctx.error(where.pointer, f"cannot generate this operation: {exc!r}")
            ctx.skip(where.pointer, error, cause=exc)
    return _with_constants(_with_pager_names(operations)), len(found)


def _operation(ctx: Context, where: FoundOperation, op_id: str, name: str) -> Operation:
    raw, path, method, pointer = where.operation, where.path, where.method, where.pointer
    hint = naming.pascal(op_id)
    params = _parameters(ctx, operation_parameters(ctx.spec, where.path_item, raw), pointer, hint)
    by_wire = {p.name: p.python_name for p in params}
    responses = read_responses(ctx, raw.get("responses") or {}, pointer, hint)
    success = next((r for r in responses if r.status.startswith("2")), None)
    # A lone ``default`` response is what every call gets back, success included.
    default_success = success is None and [r.status for r in responses] == ["default"]
    if default_success:
        success = responses[0]
    security = raw.get("security", ctx.spec.get("security") or [])
    return Operation(
        operation_id=op_id,
        method_name=name,
        http_method=method,
        path=path,
        summary=text(raw.get("summary")),
        description=text(raw.get("description")),
        parameters=params,
        body=read_body(ctx, raw.get("requestBody"), f"{pointer}/requestBody", hint),
        responses=responses,
        success=success,
        security=tuple(tuple(sorted(req)) for req in security if isinstance(req, Mapping)),
        accept=_accept(success, responses),
        pagination=read_pagination(ctx, raw.get("x-pagination"), success, by_wire, pointer, hint),
        require_any_of=tuple(
            tuple(by_wire[n] for n in group) for group in raw.get("x-require-any-of") or []
        ),
        deprecated=bool(raw.get("deprecated")),
        tags=tuple(str(t) for t in raw.get("tags") or []),
        idempotent=bool(raw.get("x-idempotent", method.lower() in IDEMPOTENT_METHODS)),
        default_success=default_success,
    )


def _parameters(
    ctx: Context, raw: list[Mapping[str, Any]], pointer: str, hint: str
) -> tuple[Parameter, ...]:
    usable = []
    for param in raw:
        if param.get("in") in _DEFAULT_STYLE or param.get("in") == "querystring":
            usable.append(param)
        else:
            ctx.degrade(
                f"{pointer}/parameters",
                f"parameter {param.get('name')!r} ignored: 'in: {param.get('in')}' is not a "
                "parameter location",
            )
    # The spec's order is kept: it is the order parameters are serialized in.
    names = naming.unique([naming.snake(str(p["name"])) for p in usable], RESERVED_ARGUMENTS)
    return tuple(
        _parameter(ctx, param, python_name, f"{pointer}/parameters", hint)
        for param, python_name in zip(usable, names, strict=True)
    )


def _parameter(
    ctx: Context, param: Mapping[str, Any], python_name: str, where: str, hint: str
) -> Parameter:
    location = param["in"]
    name = str(param["name"])
    schema, content_type = param.get("schema", {}), None
    content = param.get("content")
    if isinstance(content, Mapping) and content:
        # One media type (OpenAPI requires exactly one); its schema types the value.
        content_type = str(next(iter(content)))
        media = content[content_type] or {}
        schema = (
            media.get("schema", {})
            if is_json(content_type) or is_form(content_type)
            else {"type": "string"}
        )
    style = param.get("style", _DEFAULT_STYLE.get(location, "form"))
    return Parameter(
        name=name,
        python_name=python_name,
        location=location,
        required=bool(param.get("required", location == "path")),
        type=ctx.types.type_of(schema, where, hint + naming.pascal(name)),
        style=style,
        explode=bool(param.get("explode", style == "form")),
        allow_reserved=bool(param.get("allowReserved", False)),
        description=text(param.get("description")),
        deprecated=bool(param.get("deprecated")),
        content_type=content_type,
    )


def _accept(success: Response | None, responses: tuple[Response, ...]) -> str:
    """The media types a call can get back, the success one first (JSON when none is declared)."""
    ordered = [r.media_type for r in (success, *responses) if r is not None and r.media_type]
    return ", ".join(dict.fromkeys(ordered)) or "application/json"


def _with_pager_names(operations: list[Operation]) -> list[Operation]:
    """Name each pager ``iter_<method>``, numbered when that is an operation's name already."""
    taken = {op.method_name for op in operations} | CLIENT_ATTRIBUTES
    paged = [op for op in operations if op.pagination is not None]
    names = iter(naming.unique([f"iter_{op.method_name}" for op in paged], taken))
    return [
        replace(op, pager_name=next(names)) if op.pagination is not None else op
        for op in operations
    ]


def _with_constants(operations: list[Operation]) -> list[Operation]:
    """Name each operation's constant in ``_operations``: its method name upper-cased (unique,
    as method names are; numbered should two ever meet)."""
    constants = naming.unique([op.method_name.upper() for op in operations])
    return [replace(op, constant=c) for op, c in zip(operations, constants, strict=True)]
