"""What the ``reference`` template set (a Markdown API reference) needs beyond the IR: heading
anchors decided once, types with links to their models, and prose about credentials,
pagination and errors. Every piece of spec text goes through ``generator.markdown``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

import black

from generator import examples, ir, markdown
from generator.docs import call_example, error_class

# The level-2 sections of the reference, in the order the template writes them.
SECTIONS = ("Contents", "Servers", "Authentication", "Errors", "Operations", "Models")


def title(api: ir.Api) -> str:
    return f"{api.display_name} API reference"


@dataclass(frozen=True)
class Anchors:
    """Where each heading of the reference can be linked to (``#<anchor>``).

    Computed from the headings in the order the template writes them, the way GitHub does, so a
    model called ``Servers`` or two models differing only in case still get their own anchors.
    """

    section: Mapping[str, str]
    scheme: Mapping[str, str]  # security scheme key -> anchor
    operation: Mapping[str, str]  # operation_id -> anchor
    model: Mapping[str, str]  # model class name -> anchor


def model_names(api: ir.Api) -> list[str]:
    """The models the reference describes, in the IR's order."""
    return [model.name for model in api.models]


def anchors(api: ir.Api) -> Anchors:
    slugger = markdown.Slugger()
    slugger.slug(title(api))
    section: dict[str, str] = {}
    scheme: dict[str, str] = {}
    operation: dict[str, str] = {}
    model: dict[str, str] = {}
    for name in SECTIONS:
        section[name] = slugger.slug(name)
        if name == "Authentication":
            scheme = {s.key: slugger.slug(s.key) for s in api.security_schemes}
        elif name == "Operations":
            operation = {op.operation_id: slugger.slug(op.call) for op in api.operations}
        elif name == "Models":
            model = {n: slugger.slug(n) for n in model_names(api)}
    return Anchors(section, scheme, operation, model)


def type_text(ref: ir.TypeRef, models: Mapping[str, str]) -> str:
    """A type as Markdown (safe in a table cell): models link to their section."""
    if ref.kind == "model":
        name = markdown.inline(ref.name)
        return f"[{name}](#{models[ref.name]})" if ref.name in models else name
    if ref.kind == "literal":
        return " or ".join(markdown.code(json.dumps(v, ensure_ascii=False)) for v in ref.values)
    if ref.kind in ("list", "sequence"):
        return f"{ref.kind.replace('sequence', 'Sequence')}\\[{type_text(ref.args[0], models)}\\]"
    if ref.kind == "dict":
        key, value = (type_text(a, models) for a in ref.args) if ref.args else ("str", "Any")
        return f"dict\\[{key}, {value}\\]"
    if ref.kind == "union":
        return " \\| ".join(type_text(a, models) for a in ref.args)
    if ref.kind == "none":
        return "None"
    if ref.kind == "any":
        return "Any"
    return markdown.inline(ref.name)


def model_kind_text(model: ir.Model, models: Mapping[str, str]) -> str:
    """One sentence on what a model is: a class, an enum with its values, a union of what."""
    if model.kind == "object":
        return "a pydantic model."
    if model.kind == "enum":
        values = ", ".join(markdown.code(json.dumps(v, ensure_ascii=False)) for v in model.values)
        return f"an enum of {values}." if values else "an enum."
    schema = _schema(model)
    if model.kind == "union":
        members = [_ref_name(m) for m in schema.get("oneOf") or schema.get("anyOf") or []]
        links = [type_text(ir.TypeRef("model", name), models) for name in members if name]
        return f"one of {', '.join(links)}." if links else "a union of several schemas."
    items = _ref_name(schema.get("items"))
    if schema.get("type") == "array" and items:
        return f"a list of {type_text(ir.TypeRef('model', items), models)}."
    kind, fmt = schema.get("type"), schema.get("format")
    if isinstance(kind, str):
        of = f" (format {markdown.code(fmt)})" if isinstance(fmt, str) else ""
        return f"another name for a JSON {markdown.code(kind)}{of}."
    return "another name for a type."


def _schema(model: ir.Model) -> dict[str, Any]:
    try:
        schema = json.loads(model.schema)
    except ValueError:
        return {}
    return schema if isinstance(schema, dict) else {}


def _ref_name(node: Any) -> str:
    """The model a ``{"$ref": ...}`` names (references are renamed to class names)."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""


def field_limits(field: ir.ModelField) -> str:
    """A field's limits: its own and those of its type."""
    both = [*field.constraints, *field.type.constraints]
    return constraints_text([c for n, c in enumerate(both) if c not in both[:n]])


def default_text(field: ir.ModelField) -> str:
    return markdown.code(json.dumps(field.default, ensure_ascii=False)) if field.has_default else ""


_LIMITS = {
    "ge": "≥ {}",
    "gt": "> {}",
    "le": "≤ {}",
    "lt": "< {}",
    "min_length": "length ≥ {}",
    "max_length": "length ≤ {}",
    "multiple_of": "multiple of {}",
}


def constraints_text(constraints: Sequence[tuple[str, Any]]) -> str:
    """Limits the client checks before sending, in words (``≥ 1``, ``pattern `^a$```)."""
    parts = []
    for key, value in constraints:
        if key == "pattern":
            parts.append(f"pattern {markdown.code(str(value))}")
        elif key in _LIMITS:
            parts.append(markdown.inline(_LIMITS[key].format(value)))
        else:
            parts.append(markdown.code(f"{key}={value!r}"))
    return ", ".join(parts)


# What each credential argument is, shorter than the IR's description (which repeats the
# scheme's description, shown once above the table here).
_MEANINGS = {
    "token": "the bearer token, sent as `Authorization: Bearer <token>`",
    "username": "the user name",
    "password": "the password (both sent as HTTP Basic authentication)",
    "client_id": "the OAuth2 client id",
    "client_secret": "the client secret: the client fetches and renews tokens itself",
    "scopes": "optional: the scopes to ask for (default: those listed below)",
    "token_url": "optional: another token endpoint than the spec's",
}


_KINDS = {
    "bearer": "HTTP bearer token",
    "basic": "HTTP Basic authentication",
    "api_key": "API key",
    "oauth2_client_credentials": "OAuth2 client credentials",
    "unsupported": "A scheme the client does not support",
}


def scheme_kind(scheme: ir.SecurityScheme) -> str:
    return _KINDS[scheme.kind]


@dataclass(frozen=True)
class CredentialRow:
    """A client argument carrying credentials of one scheme, as the reference shows it."""

    name: str
    type: str  # Markdown
    meaning: str  # Markdown
    needed: bool  # False for the optional ones (OAuth2 scopes and token URL)


def credentials(scheme: ir.SecurityScheme, api: ir.Api) -> list[CredentialRow]:
    """The arguments ``api.credentials`` sends for ``scheme``; none for a scheme the client
    does not support."""
    found = []
    for credential in api.credentials:
        if scheme.key not in credential.schemes:
            continue
        meaning = _MEANINGS.get(credential.python_name)
        if credential.kind == "api_key":
            where = markdown.code(scheme.api_key_name)
            meaning = f"the key, sent as the {where} {markdown.inline(scheme.api_key_location)}"
        if meaning is None:  # an argument this set does not know yet: the IR's words
            meaning = markdown.inline(credential.description)
        needed = credential.python_name not in _OPTIONAL
        found.append(
            CredentialRow(credential.python_name, type_text(credential.type, {}), meaning, needed)
        )
    return found


_OPTIONAL = frozenset({"scopes", "token_url"})


def security_text(op: ir.Operation, schemes: Mapping[str, str]) -> str:
    """Which credentials an operation takes: alternatives joined by "or", a set by "and"."""
    if not op.security:
        return "none"
    options = []
    for alternative in op.security:
        if not alternative:
            options.append("none")
            continue
        links = [_scheme_link(key, schemes) for key in alternative]
        options.append(" and ".join(links))
    return " or ".join(options)


def _scheme_link(key: str, schemes: Mapping[str, str]) -> str:
    text = markdown.inline(key)
    return f"[{text}](#{schemes[key]})" if key in schemes else text


def errors_of(op: ir.Operation) -> list[tuple[ir.Response, str]]:
    """The documented error responses and the exception each one raises."""
    return [
        (r, f"errors.{error_class(r.status)}")
        for r in op.responses
        if not (r.status.startswith(("1", "2", "3")) or (r.status == "default" and op.success is r))
    ]


def successes_of(op: ir.Operation) -> list[ir.Response]:
    errors = [r for r, _ in errors_of(op)]
    return [r for r in op.responses if r not in errors]


_WALK = {
    "offset": "asks for the next page at the offset after the items received",
    "page": "asks for each next page at the start the previous page gives",
    "watermark": "sends the watermark each page returns to get the next one",
    "cursor": "sends the cursor each page returns to get the next one",
    "pageNumber": "asks for page after page by number until a page is empty or short",
    "link": 'follows the `rel="next"` link of each response\'s `Link` header (same origin only)',
}
_STYLE_NAME = {"pageNumber": "Page-number", "link": "Link-header"}


def pagination_text(op: ir.Operation) -> str:
    """How ``iter_<method>`` walks an operation's pages, in one paragraph."""
    pg = op.pagination
    assert pg is not None
    param = pg.cursor_field if pg.style == "cursor" else pg.position_param
    where = "body field" if pg.style == "cursor" else "argument"
    items = f"the items at {markdown.code(pg.items)}" if pg.items else "the items"
    parts = [
        f"{_STYLE_NAME.get(pg.style, pg.style.capitalize())} pagination: `{op.pager_call}(...)`"
        f" takes the arguments of `{op.call}` and {_WALK[pg.style]}, yielding {items} of each"
        " page.",
    ]
    if param:
        parts.append(
            f"Its `position` is the {where} {markdown.code(param)} to resume from later;"
            " `pages()` yields page by page."
        )
    elif pg.style == "link":
        parts.append(
            "Its `position` is the URL of the next page, to pass to `resume()` later;"
            " `pages()` yields page by page."
        )
    if pg.has_more:
        parts.append(f"The walk ends when {markdown.code(pg.has_more)} is false.")
    elif pg.total_pages:
        parts.append(f"The walk ends at the page count {markdown.code(pg.total_pages)}.")
    elif pg.total:
        parts.append(f"The walk ends at the total {markdown.code(pg.total)}.")
    return " ".join(parts)


def examples_of(api: ir.Api, op: ir.Operation) -> list[ir.Example]:
    return examples.for_operation(api.examples, op.operation_id)


def success_example(api: ir.Api, op: ir.Operation) -> ir.Example | None:
    return next((e for e in examples_of(api, op) if e.kind == "success"), None)


def http_request(example: ir.Example) -> str:
    """The recorded request as HTTP text (a fenced block)."""
    lines = [f"{example.method} {example.url} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in example.request.headers]
    if example.request.body:
        lines += ["", example.request.body]
    return markdown.fence("\n".join(lines), "http")


def http_response(example: ir.Example) -> str:
    try:
        reason = HTTPStatus(example.status).phrase
    except ValueError:  # a status without a registered reason phrase
        reason = ""
    lines = [f"HTTP/1.1 {example.status} {reason}".rstrip()]
    lines += [f"{name}: {value}" for name, value in example.response.headers]
    if example.response.body:
        lines += ["", example.response.body]
    return markdown.fence("\n".join(lines), "http")


_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


class _NoCall(Exception):
    """The recorded request cannot be written back as a call (a value of no simple type)."""


def example_call(op: ir.Operation, example: ir.Example | None) -> str:
    """The arguments of the call that sends ``example``'s request (Python source), or the
    operation's generic example arguments when there is no example or it cannot be mapped
    back (a parameter of a structured type, a query name the operation does not declare)."""
    if example is None:
        return call_example(op)
    try:
        return _recorded_arguments(op, example)
    except _NoCall:
        return call_example(op)


def python_call(op: ir.Operation, example: ir.Example | None) -> str:
    """The Python that calls ``op`` (with ``example``'s arguments when it can), formatted."""
    arguments = example_call(op, example)
    lines = [f"result = client.{op.call}({arguments})"]
    if op.pagination is not None:
        lines += [
            "# every item, across pages:",
            f"for item in client.{op.pager_call}({arguments}):",
            "    ...",
        ]
    return black.format_str("\n".join(lines) + "\n", mode=_SNIPPET).rstrip("\n")


_SNIPPET = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=88)


def _recorded_arguments(op: ir.Operation, example: ir.Example) -> str:
    path, _, query = example.url.partition("?")
    raw: dict[str, list[str]] = {}
    for name, value in _path_values(op.path, path).items():
        raw.setdefault(f"path:{name}", []).append(value)
    for name, value in parse_qsl(query, keep_blank_values=True):
        raw.setdefault(f"query:{name}", []).append(value)
    for name, value in example.request.headers:
        raw.setdefault(f"header:{name.lower()}", []).append(value)
    args = []
    for p in op.parameters:
        key = f"{p.location}:{p.name.lower() if p.location == 'header' else p.name}"
        values = raw.pop(key, None)
        if values is not None:
            args.append(f"{p.python_name}={_python_value(p, values)!r}")
        elif p.required:
            raise _NoCall
    if any(key.startswith("query:") for key in raw):  # sent, but no parameter of ours
        raise _NoCall
    if op.body is not None and example.request.body:
        args.append(f"body={_body_value(op.body, example.request)}")
    elif op.body is not None and op.body.required:
        raise _NoCall
    return ", ".join(args)


def _path_values(template: str, path: str) -> dict[str, str]:
    parts = re.split(r"\{([^}]*)\}", template)  # literal text and parameter names, in turn
    pattern = "".join(re.escape(p) if i % 2 == 0 else "([^/]+)" for i, p in enumerate(parts))
    found = re.fullmatch(pattern, path)
    if found is None:
        raise _NoCall
    return {name: unquote(value) for name, value in zip(parts[1::2], found.groups(), strict=True)}


def _python_value(p: ir.Parameter, values: list[str]) -> Any:
    if p.type.kind == "list":
        if len(values) == 1 and not p.explode:
            values = values[0].split(_DELIMITERS.get(p.style, ","))
        return [_scalar(p.type.args[0], v) for v in values]
    if len(values) != 1:
        raise _NoCall
    return _scalar(p.type, values[0])


def _scalar(ref: ir.TypeRef, text: str) -> Any:
    if ref.kind == "literal":
        return next((v for v in ref.values if str(v) == text), text)
    if ref.kind == "union":
        for arg in ref.args:
            try:
                return _scalar(arg, text)
            except _NoCall:
                continue
        raise _NoCall
    if ref.kind != "builtin":
        raise _NoCall
    try:
        if ref.name == "int":
            return int(text)
        if ref.name == "float":
            return float(text)
    except ValueError:
        raise _NoCall from None
    if ref.name == "bool":
        if text not in ("true", "false"):
            raise _NoCall
        return text == "true"
    return text  # str, and dates and date-times, which the client takes as text too


def _body_value(body: ir.Body, message: ir.ExampleMessage) -> str:
    if body.kind != "json" or message.truncated:
        raise _NoCall
    text = message.body
    try:
        value = json.loads(text)
    except ValueError:  # shortened, or not JSON after all
        raise _NoCall from None
    return repr(value)  # black lays it out


# Filters for the set's templates (``templates/reference/filters.py`` hands them to Jinja).
FILTERS = {
    "reference_title": title,
    "reference_anchors": anchors,
    "reference_models": model_names,
    "md_type": type_text,
    "md_constraints": constraints_text,
    "model_kind": model_kind_text,
    "field_limits": field_limits,
    "default_text": default_text,
    "scheme_kind": scheme_kind,
    "credentials": credentials,
    "security_text": security_text,
    "errors_of": errors_of,
    "successes_of": successes_of,
    "pagination_text": pagination_text,
    "examples_of": examples_of,
    "http_request": http_request,
    "http_response": http_response,
    "example_call": example_call,
    "python_call": python_call,
    "success_example": success_example,
}
