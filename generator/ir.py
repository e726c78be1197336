"""The intermediate model: the one contract between parsing a spec and rendering templates.

Everything here is frozen, already named for Python and free of raw spec dicts, so templates only
read fields. Types are structured (``TypeRef``), never Python source strings; ``render`` turns
them into annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

IR_VERSION = (1, 0)
"""The IR's version (major, minor): a template set names the major version it is written for
(``ir: 1``); a minor version only adds fields, a major version changes or removes some."""

TypeKind = Literal["builtin", "model", "literal", "list", "dict", "union", "any", "none"]


@dataclass(frozen=True)
class TypeRef:
    """A Python type: ``builtin`` (str, int, float, bool, datetime, date, bytes), ``model`` (a
    class in the generated ``models`` module), ``literal`` (of ``values``), ``list``/``dict``
    (of ``args``), ``union`` (of ``args``), ``any`` or ``none``.

    ``constraints`` are pydantic ``Field`` keywords (``ge``, ``max_length``, ``pattern`` ...) the
    client checks arguments against before sending.
    """

    kind: TypeKind
    name: str = ""
    args: tuple[TypeRef, ...] = ()
    values: tuple[str | int | float | bool, ...] = ()
    constraints: tuple[tuple[str, Any], ...] = ()


ANY = TypeRef("any")
NONE = TypeRef("none")


@dataclass(frozen=True)
class Parameter:
    name: str  # as sent on the wire
    python_name: str
    # ``querystring`` (OpenAPI 3.2): the value is the whole query string
    location: Literal["path", "query", "header", "cookie", "querystring"]
    required: bool
    type: TypeRef
    style: str
    explode: bool
    allow_reserved: bool = False
    description: str = ""
    deprecated: bool = False
    # A parameter described by ``content`` (not ``schema``): its value is sent as this media
    # type's text (JSON text for JSON media types).
    content_type: str | None = None


@dataclass(frozen=True)
class FormField:
    """One field of a form body (multipart or URL-encoded), from the schema's properties."""

    name: str  # as sent on the wire, and the key of the form's TypedDict
    type: TypeRef  # unused for a file field
    required: bool
    file: bool = False  # a file upload (``format: binary``/``base64``): bytes, IO or tuple
    many: bool = False  # an array: one part (or pair) per item
    style: str = "form"  # URL-encoded objects: ``form`` (flattened) or ``deepObject``
    explode: bool = True
    content_type: str | None = None  # multipart: the part's ``encoding.contentType``
    description: str = ""


# json: a JSON document; form: application/x-www-form-urlencoded; multipart: multipart/form-data;
# binary: bytes or a binary file; text: str; jsonl: a list of items, one JSON text a line
# (``itemSchema`` on a sequential JSON media type, OpenAPI 3.2).
BodyKind = Literal["json", "form", "multipart", "binary", "text", "jsonl"]


@dataclass(frozen=True)
class Body:
    media_type: str
    type: TypeRef
    required: bool
    description: str = ""
    kind: BodyKind = "json"
    fields: tuple[FormField, ...] = ()
    # The TypedDict of a form body with known fields, in the package's ``forms`` module.
    form_class: str = ""


# jsonl: a list of items read one JSON text a line; events: a list of server-sent events
# (both from ``itemSchema``, OpenAPI 3.2).
ResponseKind = Literal["json", "text", "binary", "empty", "jsonl", "events"]


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX" or "default"
    description: str
    kind: ResponseKind
    media_type: str | None
    type: TypeRef  # what the body parses into (ANY for JSON without schema, NONE when empty)


@dataclass(frozen=True)
class Pagination:
    """How an operation pages (``x-pagination``), with request-side names mapped to Python."""

    style: Literal["offset", "cursor", "watermark", "page"]
    items: str  # JSON pointer into the response body
    item_type: TypeRef
    position_param: str | None = None  # python name of the query parameter holding the position
    limit_param: str | None = None
    cursor_field: str | None = None  # body field (cursor style)
    total: str | None = None
    next_position: str | None = None  # pointer: next cursor, watermark, or next-page URL
    has_more: str | None = None


@dataclass(frozen=True)
class SecurityScheme:
    key: str
    kind: Literal["bearer", "basic", "api_key", "oauth2_client_credentials", "unsupported"]
    description: str = ""
    api_key_name: str = ""
    api_key_location: str = ""
    token_url: str = ""
    token_urls: tuple[tuple[str, str], ...] = ()
    token_request_format: Literal["form", "json"] = "form"
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    success: Response | None
    security: tuple[tuple[str, ...], ...]  # alternatives, each a set of scheme keys
    accept: str  # the Accept header: media types of the documented responses, success first
    pagination: Pagination | None = None
    require_any_of: tuple[tuple[str, ...], ...] = ()  # groups of python parameter names
    deprecated: bool = False
    tags: tuple[str, ...] = ()
    # Safe to retry by default: an idempotent HTTP method, or declared so by ``x-idempotent``.
    idempotent: bool = False
    # ``iter_<method_name>`` unless that name is taken (decided unique by the builder).
    pager_name: str = ""
    # The ``default`` response is the success (it is the only response declared).
    default_success: bool = False


@dataclass(frozen=True)
class Server:
    url: str  # with variables substituted by their defaults
    description: str
    constant: str


@dataclass(frozen=True)
class Tag:
    """A tag of the spec's operations (an operation's ``tags``, described in top-level ``tags``)."""

    name: str  # as the spec writes it
    python_name: str  # an identifier made from the name (unique among the API's tags)
    description: str
    operations: tuple[str, ...]  # ``operation_id`` of each operation carrying the tag


@dataclass(frozen=True)
class Api:
    title: str
    version: str
    description: str
    package: str
    client_class: str
    display_name: str
    servers: tuple[Server, ...]
    operations: tuple[Operation, ...]
    security_schemes: tuple[SecurityScheme, ...]
    model_names: tuple[str, ...]  # classes the models module must define
    spec_hash: str
    generator_version: str
    tags: tuple[Tag, ...] = ()
    # Recorded exchanges worth showing, from the API's recordings (none for a lone spec).
    examples: tuple[Example, ...] = ()

    @property
    def auth_kinds(self) -> frozenset[str]:
        return frozenset(s.kind for s in self.security_schemes)


@dataclass(frozen=True)
class ExampleMessage:
    """One side of a recorded exchange, ready to show: secrets are never in it."""

    headers: tuple[tuple[str, str], ...]  # lower-case names; credentials as ``<redacted>``
    media_type: str | None  # of the body; None without one
    body: str  # JSON pretty-printed, other media types as text; "" for none
    truncated: bool = False  # the body was shortened (long arrays, strings or texts)


@dataclass(frozen=True)
class Example:
    """A real request and its response for one operation, from ``specs/<api>/recordings``."""

    operation_id: str
    title: str  # what the exchange shows (the recording's description)
    kind: Literal["success", "error"]  # success: a 1xx-3xx answer
    method: str
    url: str  # the path and query as sent, without the server's base URL
    status: int
    request: ExampleMessage
    response: ExampleMessage
    synthetic: bool  # written from the vendor's docs, not captured from the live service
    source: str  # the recording's file name
