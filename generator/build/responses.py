"""Responses: what each status's body parses into, and how it is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.build.context import Context, text
from generator.build.media import json_wildcard, pick_media_type
from generator.ir import NONE, Response, ResponseKind, TypeRef
from generator.rawspec import escape_token, is_json, is_sequential, media_base, resolve


def read_responses(
    ctx: Context, raw: Mapping[str, Any], pointer: str, hint: str
) -> tuple[Response, ...]:
    """The documented responses of the operation at ``pointer``, by status (``default`` last)."""
    result = []
    for status, response in raw.items():
        status = str(status).upper() if str(status) != "default" else "default"
        result.append(_response(ctx, status, resolve(ctx.spec, response), pointer, hint))
    return tuple(sorted(result, key=lambda r: (r.status == "default", r.status)))


def _response(
    ctx: Context, status: str, response: Mapping[str, Any], pointer: str, hint: str
) -> Response:
    """One response: the media type read, how it is read and what its body parses into."""
    kind: ResponseKind
    content = response.get("content") or {}
    media = pick_media_type(content)
    where = f"{pointer}/responses/{escape_token(status)}"
    suffix = "Response" if status.startswith("2") else f"Error{status}"
    entry = (content.get(media) or {}) if media is not None else {}
    if not content:
        kind, body_type = "empty", NONE
    elif media is not None and "itemSchema" in entry and is_sequential(media):
        kind = "events" if media_base(media) == "text/event-stream" else "jsonl"
        item = ctx.typed_or_any(
            entry["itemSchema"],
            f"{where}/content/{escape_token(media)}/itemSchema",
            hint + suffix + "Item",
            "response item",
        )
        body_type = TypeRef("list", args=(item,))
    elif media is None or not (
        is_json(media) or media.startswith("text/") or json_wildcard(media, entry)
    ):
        kind, body_type = "binary", TypeRef("builtin", "bytes")
    elif is_json(media) or json_wildcard(media, entry):
        kind = "json"
        body_type = ctx.typed_or_any(
            entry.get("schema"),
            f"{where}/content/{escape_token(media)}/schema",
            hint + suffix,
            "response",
        )
    else:
        kind, body_type = "text", TypeRef("builtin", "str")
    return Response(status, text(response.get("description")), kind, media, body_type)
