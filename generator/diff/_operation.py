"""Comparison of the parts of one operation: parameters, request bodies and responses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.diff._model import Change, Side, as_mapping, breaking, join, safe
from generator.diff._normalise import Document
from generator.diff._schemas import Where, compare_schemas


@dataclass(frozen=True)
class Operation:
    """One operation present in both specs, with everything needed to compare it."""

    old_doc: Document
    new_doc: Document
    old_item: Mapping[str, Any]
    new_item: Mapping[str, Any]
    old_op: Mapping[str, Any]
    new_op: Mapping[str, Any]
    old_at: str
    new_at: str
    label: str

    def where(
        self,
        side: Side,
        context: str,
        old_tokens: Sequence[str | int],
        new_tokens: Sequence[str | int],
    ) -> Where:
        return Where(
            side,
            f"{self.label} {context}",
            join(self.old_at, *old_tokens),
            join(self.new_at, *new_tokens),
        )


# Parameters -------------------------------------------------------------------------------

_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def _parameters(
    doc: Document, item: Mapping[str, Any], operation: Mapping[str, Any]
) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Return the operation's parameters by (location, name), operation-level ones winning."""
    result: dict[tuple[str, str], Mapping[str, Any]] = {}
    for level in (item, operation):
        for raw in level.get("parameters") or ():
            param = doc.deref(raw)
            place, name = str(param.get("in", "")), str(param.get("name", ""))
            if place == "header":
                name = name.lower()
                if name in _IGNORED_HEADERS:
                    continue
            result[(place, name)] = param
    return result


def diff_parameters(op: Operation) -> Iterator[Change]:
    """Compare parameters by (location, name), wherever they are declared."""
    old_params = _parameters(op.old_doc, op.old_item, op.old_op)
    new_params = _parameters(op.new_doc, op.new_item, op.new_op)
    for place, name in sorted(old_params.keys() - new_params.keys()):
        location = join(op.old_at, "parameters", name)
        why = "client code that passes it no longer type-checks"
        message = f"{op.label}: {place} parameter `{name}` was removed; {why}."
        yield breaking("parameter-removed", location, message)
    for place, name in sorted(new_params.keys() - old_params.keys()):
        yield _parameter_added(op, place, name, _is_required(new_params[(place, name)]))
    for key in sorted(old_params.keys() & new_params.keys()):
        yield from _diff_parameter(op, key, old_params[key], new_params[key])


def _is_required(param: Mapping[str, Any]) -> bool:
    return param.get("in") == "path" or param.get("required") is True


def _parameter_added(op: Operation, place: str, name: str, required: bool) -> Change:
    location = join(op.new_at, "parameters", name)
    text = f"{op.label}: {place} parameter `{name}` was added"
    if required:
        why = "existing calls do not send it and are rejected"
        return breaking("parameter-added-required", location, f"{text} as required: {why}.")
    return safe("parameter-added-optional", location, f"{text} as optional.")


def _diff_parameter(
    op: Operation, key: tuple[str, str], old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    """Compare one parameter: requiredness, serialisation and schema."""
    place, name = key
    location = join(op.new_at, "parameters", name)
    label = f"{op.label}: {place} parameter `{name}`"
    was, now = _is_required(old), _is_required(new)
    if now and not was:
        why = "calls that omit it are now rejected"
        yield breaking("parameter-made-required", location, f"{label} is now required: {why}.")
    elif was and not now:
        yield safe("parameter-made-optional", location, f"{label} is now optional.")
    if _serialisation(old) != _serialisation(new):
        yield _style_change(label, location, old, new)
    tokens = ("parameters", name, "schema")
    where = op.where("parameter", f"{place} parameter `{name}`", tokens, tokens)
    old_schema = op.old_doc.schema(_parameter_schema(old))
    new_schema = op.new_doc.schema(_parameter_schema(new))
    yield from compare_schemas(old_schema, new_schema, where)


def _parameter_schema(param: Mapping[str, Any]) -> Any:
    """Return a parameter's schema, from `schema` or from its single `content` entry."""
    if "schema" in param:
        return param["schema"]
    for media in as_mapping(param.get("content")).values():
        return as_mapping(media).get("schema")
    return None


def _serialisation(param: Mapping[str, Any]) -> tuple[str, bool]:
    """Return the effective (style, explode), filling in the defaults OpenAPI defines."""
    default = "form" if param.get("in") in ("query", "cookie") else "simple"
    style = str(param.get("style", default))
    explode = param.get("explode", style == "form")
    return style, bool(explode)


def _style_change(
    label: str, location: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Change:
    (old_style, old_explode), (new_style, new_explode) = _serialisation(old), _serialisation(new)
    message = (
        f"{label} serialisation changed from style={old_style}, explode={old_explode} to "
        f"style={new_style}, explode={new_explode}: the client encodes it the old way."
    )
    return breaking("parameter-style-changed", location, message)


# Request bodies ---------------------------------------------------------------------------


def _media_types(node: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Media types by lower-cased name, keeping the spelling used in the spec for pointers."""
    content = as_mapping(node.get("content"))
    return {str(name).strip().lower(): (str(name), as_mapping(m)) for name, m in content.items()}


def diff_request_body(op: Operation) -> Iterator[Change]:
    """Compare request bodies: presence, requiredness, media types and schemas."""
    has_old, has_new = "requestBody" in op.old_op, "requestBody" in op.new_op
    old = op.old_doc.deref(op.old_op.get("requestBody"))
    new = op.new_doc.deref(op.new_op.get("requestBody"))
    location = join(op.new_at, "requestBody")
    if has_old and not has_new:
        why = "client code that sends one no longer type-checks"
        message = f"{op.label}: the request body was removed; {why}."
        yield breaking("request-body-removed", join(op.old_at, "requestBody"), message)
    elif has_new and not has_old:
        yield _request_body_added(op, location, new.get("required") is True)
    elif has_old and has_new:
        if new.get("required") is True and old.get("required") is not True:
            message = f"{op.label}: the request body is now required: calls without it fail."
            yield breaking("request-body-made-required", location, message)
        yield from _diff_content(op, old, new, "request", ("requestBody",), "request body")


def _request_body_added(op: Operation, location: str, required: bool) -> Change:
    if required:
        message = f"{op.label}: a required request body was added: existing calls lack it."
        return breaking("request-body-added-required", location, message)
    message = f"{op.label}: an optional request body was added."
    return safe("request-body-added", location, message)


def _diff_content(
    op: Operation,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    side: Side,
    tokens: tuple[str, ...],
    context: str,
) -> Iterator[Change]:
    """Compare the media types of a request body or a response, and their schemas."""
    old_media, new_media = _media_types(old), _media_types(new)
    for key in sorted(old_media.keys() - new_media.keys()):
        name = old_media[key][0]
        location = join(op.old_at, *tokens, "content", name)
        why = "clients that use it fail"
        message = f"{op.label} {context}: media type {name} was removed; {why}."
        yield breaking(f"{side}-media-type-removed", location, message)
    for key in sorted(new_media.keys() - old_media.keys()):
        name = new_media[key][0]
        location = join(op.new_at, *tokens, "content", name)
        message = f"{op.label} {context}: media type {name} was added."
        yield safe(f"{side}-media-type-added", location, message)
    for key in sorted(old_media.keys() & new_media.keys()):
        (old_name, old_type), (new_name, new_type) = old_media[key], new_media[key]
        where = op.where(
            side, f"{context} ({new_name})",
            [*tokens, "content", old_name, "schema"], [*tokens, "content", new_name, "schema"],
        )  # fmt: skip
        old_schema = op.old_doc.schema(old_type.get("schema"))
        new_schema = op.new_doc.schema(new_type.get("schema"))
        yield from compare_schemas(old_schema, new_schema, where)


# Responses --------------------------------------------------------------------------------


def _responses(doc: Document, operation: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    raw = as_mapping(operation.get("responses"))
    return {str(status).upper(): doc.deref(response) for status, response in raw.items()}


def _is_success(status: str) -> bool:
    return status.startswith("2")


def diff_responses(op: Operation) -> Iterator[Change]:
    """Compare responses by status code, then their media types and schemas."""
    old, new = _responses(op.old_doc, op.old_op), _responses(op.new_doc, op.new_op)
    for status in sorted(old.keys() - new.keys()):
        yield _response_removed(op, status)
    for status in sorted(new.keys() - old.keys()):
        location = join(op.new_at, "responses", status)
        success = _is_success(status)
        if success:
            why = "; the client may get a success result it has no type for"
        else:
            why = "; the client treats it as an error, as it did before"
        message = f"{op.label}: response {status} was added{why}."
        yield safe("response-status-added", location, message, flagged=success)
    for status in sorted(old.keys() & new.keys()):
        context = f"response {status}"
        yield from _diff_content(
            op, old[status], new[status], "response", ("responses", status), context
        )


def _response_removed(op: Operation, status: str) -> Change:
    location = join(op.old_at, "responses", status)
    if _is_success(status):
        why = "clients that handle it lose that result"
        message = f"{op.label}: success response {status} was removed; {why}."
        return breaking("success-response-removed", location, message)
    message = f"{op.label}: response {status} is no longer documented."
    return safe("response-status-removed", location, message)
