"""Docstring text for generated code, built from the IR (escaping happens in ``render``)."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Sequence

from generator import ir
from generator.pytext import annotation, wrap
from generator.versions import package_version

_POSITION = {
    "offset": "the offset of the next page (pass it back as `{param}`)",
    "page": "the start of the next page (pass it back as `{param}`)",
    "watermark": "the watermark after the page (pass it back as `{param}`)",
    "cursor": 'the cursor after the page (pass it back as `body={{"{param}": position}}`)',
    "pageNumber": "the number of the next page (pass it back as `{param}`)",
    "link": "the URL of the next page from the `Link` header (pass it to `resume()`)",
}
_STYLE = {"pageNumber": "page-number", "link": "Link header"} | {
    style: style for style in ("offset", "page", "watermark", "cursor")
}


def method_doc(op: ir.Operation) -> str:
    """Google-style docstring: summary, description, Args, Returns, Raises."""
    # The sync and async clients ask for the same operation's: made once (by identity: hashing
    # a whole operation would cost more than the text), the operation kept alive beside it.
    found = _METHOD_DOCS.get(id(op))
    if found is not None and found[0] is op:
        return found[1]
    if len(_METHOD_DOCS) >= _METHOD_DOCS_MAX:
        _METHOD_DOCS.clear()
    text = _method_doc(op)
    _METHOD_DOCS[id(op)] = (op, text)
    return text


_METHOD_DOCS: dict[int, tuple[ir.Operation, str]] = {}
_METHOD_DOCS_MAX = 8192


def _method_doc(op: ir.Operation) -> str:
    # wrapped as the description is (the summary line also holds the opening quotes)
    parts = [wrap(op.summary or f"{op.http_method} {op.path}", 85)]
    if op.description and op.description != op.summary:
        parts.append(wrap(op.description))
    if op.deprecated:
        parts.append("Deprecated: the spec marks this operation as deprecated.")
    parts.append(args_section(op))
    if not op.idempotent:
        parts.append(
            wrap(
                f"Not retried by default: {op.http_method} is not idempotent and the spec does"
                " not declare this operation safe to repeat (`x-idempotent`); an explicit"
                " `max_retries` retries it anyway."
            )
        )
    if op.success is not None:
        returns = op.success.description or "The parsed response."
        parts.append("Returns:\n" + wrap(f"{annotation(op.success.type)}: {returns}", 84, 4))
    errors = [r for r in op.responses if not r.status.startswith(("2", "1", "3"))]
    lines = [
        _arg(f"errors.{error_class(r.status)}", f"{r.status}: {r.description}") for r in errors
    ]
    if op.require_any_of or any(p.required or p.type.constraints for p in op.parameters):
        lines.append(_arg("errors.RequestValidationError", "Arguments the spec rejects."))
    lines.append(_arg("errors.APIConnectionError", "The request got no response."))
    parts.append("Raises:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def signature_parameters(op: ir.Operation, pager: bool = False) -> Sequence[ir.Parameter]:
    """The parameters of the method in signature order: required ones first (a stable sort).

    In an ``iter_`` method (``pager``) the pager owns the position, so its parameter is never
    required there (an offset left out starts at 0; one passed resumes from it)."""
    params = list(op.parameters)
    position = op.pagination.position_param if pager and op.pagination else None
    if position:
        params = [dataclasses.replace(p, required=False) if p.python_name == position else p
                  for p in params]  # fmt: skip
    return sorted(params, key=lambda p: not p.required)


def args_section(op: ir.Operation, pager: bool = False) -> str:
    """The ``Args:`` section: one entry per parameter of the method, in signature order."""
    params = signature_parameters(op, pager)
    entries = [_arg(p.python_name, _parameter_doc(p)) for p in params]
    if op.body is not None:
        entries.append(_arg("body", op.body.description or _BODY_DOC[op.body.kind]))
    entries += [_arg(name, text) for name, text in CALL_OPTIONS]
    return "Args:\n" + "\n".join(entries)


def _parameter_doc(param: ir.Parameter) -> str:
    """The spec's description, or one saying where the value goes and its type."""
    text = param.description or (
        f"The `{param.name}` {param.location} parameter ({annotation(param.type)})."
    )
    return text + (" Deprecated." if param.deprecated else "")


# The per-call options every method takes, as its Args entries (the client's when not given).
CALL_OPTIONS = (
    ("extra_headers", "Headers added to this call's request."),
    ("extra_query", "Query parameters added to this call's URL."),
    (
        "timeout",
        "Seconds (or an `httpx.Timeout`) for each connect, read, write and pool wait of this"
        " call; None for no timeout; the client's when not given.",
    ),
    (
        "max_retries",
        "How many times this call is retried; when not given, the client's setting, which only"
        " applies to operations safe to repeat.",
    ),
    (
        "deadline",
        "Seconds for the whole call, retries and the waits between them included; None for no"
        " deadline; the client's when not given.",
    ),
)


_BODY_DOC = {
    "json": "The request body (a model or a plain dict).",
    "form": "The form fields (a dict).",
    "multipart": "The form fields (a dict); files as bytes, binary files or (name, content, "
    "content type) tuples.",
    "binary": "The request body: bytes, or a file opened in binary mode (read whole).",
    "text": "The request body, as text.",
    "jsonl": "The items of the request body, sent one JSON text a line.",
}


def form_doc(body: ir.Body) -> str:
    """The docstring of a form's TypedDict: its media type and fields."""
    lines = [f"The fields of a `{body.media_type}` body."]
    for f in body.fields:
        what = "a file" if f.file else annotation(f.type)
        if f.file and f.many:
            what = "files"
        text = f"{what}{', required' if f.required else ''}. {f.description}".strip()
        lines.append(_arg(f.name, text))
    return lines[0] + "\n\nFields:\n" + "\n".join(lines[1:])


def iter_doc(op: ir.Operation, is_async: bool) -> str:
    assert op.pagination is not None
    pg = op.pagination
    param = pg.cursor_field if pg.style == "cursor" else pg.position_param
    loop = "async for" if is_async else "for"
    text = (
        f"Every item of `{op.method_name}`, across all pages ({_STYLE[pg.style]} pagination).\n\n"
        f"Use `{loop} item in ...`. The returned pager's `position` is "
        + _POSITION[pg.style].format(param=param)
        + " and moves on when the last item of a page is handed out; "
        "`pages()` gives page by page, each with its HTTP `response`."
    )
    if pg.style == "offset" and pg.position_param:
        text += f" Without `{pg.position_param}` the walk starts at 0."
    elif pg.style == "pageNumber" and pg.position_param:
        text += f" Without `{pg.position_param}` the walk starts at page {pg.first_page}."
    return wrap(text) + "\n\n" + args_section(op, pager=True)


def client_doc(api: ir.Api, is_async: bool) -> str:
    kind = "Async client" if is_async else "Client"
    parts = [wrap(f"{kind} for {api.display_name} ({api.title} {api.version}).", 85)]
    if api.description:
        parts.append(wrap(api.description))
    servers = "\n".join(
        f"    {s.constant}: {s.url}"
        + (f" ({' '.join(s.description.split())})" if s.description else "")
        for s in api.servers
    )
    parts.append("Servers (pass one as `base_url`):\n" + servers)
    parts.append(CLIENT_OPTIONS)
    parts.append(environment_doc(api))
    parts.append(client_views(api))
    return "\n\n".join(parts)


def base_url_env(api: ir.Api) -> str:
    """The environment variable the clients read their ``base_url`` from."""
    return f"{api.package}_BASE_URL".upper()


def log_env(api: ir.Api) -> str:
    """The environment variable that turns on the package's debug log (``_logging.LOG_ENV``)."""
    return f"{api.package}_LOG".upper()


def env_credentials(api: ir.Api) -> list[ir.Credential]:
    """The credential parameters the clients read from the environment when not passed: the
    text ones (``scopes``, a list, is not)."""
    return [c for c in api.credentials if c.type == ir.STR]


def environment_doc(api: ir.Api) -> str:
    """The client docstring's paragraph on environment variables."""
    lines = [f"    {c.env_var}: `{c.python_name}`" for c in env_credentials(api)]
    lines.append(f"    {base_url_env(api)}: `base_url` (default: the first server)")
    lines.append(f"    {log_env(api)}: `debug` logs every request and response (stderr)")
    return (
        wrap(
            "Environment variables, read when the argument is not passed (an explicit argument"
            " wins):"
        )
        + "\n"
        + "\n".join(lines)
    )


def client_views(api: ir.Api) -> str:
    """The client docstring's paragraph on raw responses, ``with_options`` and logging."""
    return wrap(
        "`client.with_raw_response.<method>(...)` returns the call's `APIResponse`"
        " (`status_code`, `headers`, `http_response`, `parse()` for the result)."
        " `client.with_options(timeout=..., max_retries=..., deadline=..., headers=...,"
        " base_url=..., strict_responses=...)` returns a client sharing this one's connection"
        " pool and credentials. Requests and responses are logged at debug level on"
        f' `logging.getLogger("{api.package}")`, credentials left out.'
        " A response that does not fit the spec raises `errors.ResponseValidationError`; with"
        " `strict_responses=False` its result is built anyway (values that do not fit kept as"
        " sent) and a warning is logged."
    )


CLIENT_OPTIONS = wrap(
    "Time and retries: `timeout` (seconds or an `httpx.Timeout`; by default 60 s, 10 s to"
    " connect) limits each connect, read, write and pool wait of one attempt, not the whole"
    " call. `deadline` (seconds; None, the"
    " default, for no limit) bounds the whole call, every attempt and every sleep between"
    " retries: each attempt's waits are cut to the time left, a retry that would start after"
    " it is not made, and `errors.APITimeoutError` is raised instead. `max_retries` (default 2)"
    " retries connection errors, timeouts, 408, 409, 429 and 5xx answers with exponential"
    " backoff, honouring `Retry-After` up to 60 s, for operations safe to repeat: idempotent"
    " methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) and those the spec declares with"
    " `x-idempotent`. Every call takes `timeout`, `deadline` and `max_retries` too; a call's"
    " own `max_retries` applies to any operation."
)


_ERROR_CLASSES = {
    "400": "BadRequestError",
    "401": "AuthenticationError",
    "403": "PermissionDeniedError",
    "404": "NotFoundError",
    "409": "ConflictError",
    "422": "UnprocessableEntityError",
    "429": "RateLimitError",
}


def error_class(status: str) -> str:
    """The error class a status raises (mirrors ``errors.status_error_class``)."""
    if status.startswith("5"):
        return "InternalServerError"
    return _ERROR_CLASSES.get(status, "APIStatusError")


def _arg(name: str, text: str) -> str:
    """One ``Args:``-style entry: the name indented 4, continuation lines indented 8."""
    first, *rest = textwrap.wrap(" ".join(f"{name}: {text}".split()), 80) or [name]
    return "\n".join([" " * 4 + first, *(" " * 8 + line for line in rest)])


def credentials_example(api: ir.Api) -> str:
    kinds = api.auth_kinds
    if "bearer" in kinds:
        return 'token="..."'
    if "oauth2_client_credentials" in kinds:
        return 'client_id="...", client_secret="..."'
    if "basic" in kinds:
        return 'username="...", password="..."'
    if "api_key" in kinds:
        return 'api_key="..."'
    return ""


def call_example(op: ir.Operation) -> str:
    """The arguments of an example call: the required ones, and the first of each group of
    which one must be given (``require_any_of``), so that the client would send it."""
    groups = {group[0] for group in op.require_any_of if group}
    args = [
        f"{p.python_name}={_example_value(p.type)}"
        for p in op.parameters
        if p.required or p.python_name in groups
    ]
    if op.body is not None and op.body.required:
        args.append("body={}")
    return ", ".join(args)


def _example_value(ref: ir.TypeRef) -> str:
    if ref.kind == "literal" and ref.values:
        return repr(ref.values[0])
    if ref.kind == "list":
        return "[]"
    if ref.kind == "builtin" and ref.name in ("int", "float"):
        low = dict(ref.constraints).get("ge", 1)
        return repr(max(low, 10) if isinstance(low, int | float) else 10)
    if ref.kind == "builtin" and ref.name == "bool":
        return "True"
    return '"..."'


def table_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def pep440(version: str) -> str:
    """A spec's version read as a PEP 440 version (``2024-01-01`` is ``2024.1.1``; see
    ``versions.spec_release``)."""
    return package_version(version)


def resource_doc(resource: ir.Resource, api_name: str) -> str:
    """The docstring of a resource class and of the client attribute returning it."""
    # Tags are often kebab-case: a line is never broken inside one.
    first = textwrap.fill(
        f"The operations of {api_name} tagged `{resource.tag}`, as"
        f" `client.{resource.attribute}` (loaded on first use).",
        88,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return "\n\n".join([first, wrap(resource.description)] if resource.description else [first])
