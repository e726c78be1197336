"""Request bodies: JSON, forms (a TypedDict of their fields), text, binary, JSON Lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator import naming
from generator.build.context import Context, mapping, text
from generator.build.media import body_kind, is_file, pick_media_type
from generator.build.types import object_properties, type_list
from generator.ir import ANY, Body, BodyKind, FormField, TypeRef
from generator.rawspec import escape_token, resolve


def read_body(ctx: Context, raw: Any, pointer: str, hint: str) -> Body | None:
    """The request body at ``pointer`` in the media type the client sends; None without one."""
    if raw is None:
        return None
    raw = resolve(ctx.spec, raw)
    content = raw.get("content") or {}
    media = pick_media_type(content)
    if media is None:
        return None  # a body without content: nothing to send
    where = f"{pointer}/content/{escape_token(media)}"
    entry = content[media] or {}
    body = Body(media, ANY, bool(raw.get("required", False)), text(raw.get("description")))
    kind = body_kind(media, entry)
    if kind in ("form", "multipart"):
        return _form_body(ctx, body, kind, entry, where, hint)
    if kind == "jsonl":
        item = ctx.typed_or_any(entry.get("itemSchema"), f"{where}/itemSchema", hint + "Item")
        return replace(body, kind=kind, type=TypeRef("list", args=(item,)))
    if kind == "json":
        body_type = ctx.typed_or_any(entry.get("schema"), f"{where}/schema", hint + "Body")
        return replace(body, type=body_type)
    raw_type = TypeRef("builtin", "str" if kind == "text" else "bytes")
    return replace(body, kind=kind, type=raw_type)


def _form_body(
    ctx: Context, body: Body, kind: BodyKind, entry: Mapping[str, Any], where: str, hint: str
) -> Body:
    """A form body: a TypedDict of its fields when the schema lists properties, else any
    mapping of field names to values (files included)."""
    schema = resolve(ctx.spec, entry.get("schema") or {})
    properties, required = object_properties(ctx.spec, schema)
    any_form = TypeRef("dict", args=(TypeRef("builtin", "str"), ANY))
    if not properties:
        return replace(body, kind=kind, type=any_form)
    encoding = mapping(entry.get("encoding"))
    fields = tuple(
        _form_field(
            ctx,
            str(name),
            sub,
            str(name) in required,
            mapping(encoding.get(name)),
            f"{where}/schema/properties/{escape_token(str(name))}",
            hint + "Body" + naming.pascal(str(name)),
        )
        for name, sub in properties.items()
    )
    form_class = naming.unique([naming.model_class(hint + "Form")], ctx.form_classes)[0]
    ctx.form_classes.add(form_class)
    return replace(body, kind=kind, type=any_form, fields=fields, form_class=form_class)


def _form_field(
    ctx: Context,
    name: str,
    schema: Any,
    required: bool,
    encoding: Mapping[str, Any],
    where: str,
    hint: str,
) -> FormField:
    target = mapping(resolve(ctx.spec, schema))
    many = "array" in type_list(target)
    item = resolve(ctx.spec, target.get("items", {})) if many else target
    style = encoding.get("style", "form")
    style = style if isinstance(style, str) else "form"
    content_type = encoding.get("contentType")
    field = FormField(
        name=name,
        type=ANY,
        required=required,
        many=many,
        style=style,
        explode=bool(encoding.get("explode", style == "form")),
        content_type=content_type if isinstance(content_type, str) else None,
        description=text(target.get("description")),
    )
    if is_file(item):
        return replace(field, type=TypeRef("builtin", "bytes"), file=True)
    field_type = ctx.typed_or_any(schema, where, hint, f"form field {name!r}", True)
    return replace(field, type=field_type)
