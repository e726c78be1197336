"""Pagination (``x-pagination``): where the items are, and the request's position parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.build.context import Context
from generator.ir import Pagination, Response
from generator.rawspec import parse_pointer, resolve, resolve_pointer
from generator.schemas import schema_at


def read_pagination(
    ctx: Context,
    raw: Any,
    success: Response | None,
    by_wire: Mapping[str, str],
    pointer: str,
    hint: str,
) -> Pagination | None:
    """How the operation at ``pointer`` pages (its ``x-pagination``), None when it does not."""
    if raw is None:
        return None
    where = f"{pointer}/x-pagination"
    if success is None or success.kind != "json":
        raise ctx.error(where, "a paginated operation needs a JSON success response")
    schema = _success_schema(ctx, pointer, success)
    items = schema_at(ctx.spec, schema, parse_pointer(raw["items"]))
    if not isinstance(items, Mapping) or "items" not in items:
        raise ctx.error(f"{where}/items", f"{raw['items']} is not an array in the success response")
    item_type = ctx.types.type_of(
        items["items"], f"{where}/items", hint + "Item", strict_enums=False
    )
    style = raw["style"]
    position = {
        "offset": "offsetParam",
        "watermark": "watermarkParam",
        "page": "startParam",
        "pageNumber": "pageParam",
    }.get(style)
    limit = raw.get("limitParam") or raw.get("perPageParam")
    return Pagination(
        style=style,
        items=raw["items"],
        item_type=item_type,
        position_param=by_wire[raw[position]] if position else None,
        limit_param=by_wire[limit] if limit else None,
        cursor_field=raw.get("cursorField"),
        total=raw.get("total") or raw.get("totalCount"),
        total_pages=raw.get("totalPages"),
        first_page=raw.get("firstPage", 1),
        next_position=raw.get("nextCursor") or raw.get("nextWatermark") or raw.get("nextPage"),
        has_more=raw.get("hasMore"),
    )


def _success_schema(ctx: Context, pointer: str, success: Response) -> Any:
    operation = resolve_pointer(ctx.spec, pointer)
    raw = next(v for k, v in operation["responses"].items() if str(k).upper() == success.status)
    return (resolve(ctx.spec, raw)["content"][success.media_type] or {}).get("schema", {})
