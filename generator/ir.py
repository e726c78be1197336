"""The intermediate model: the one contract between parsing a spec and rendering templates.

Everything here is frozen, already named for Python and free of raw spec dicts, so templates only
read fields. Types are structured (``TypeRef``), never Python source strings; ``render`` turns
them into annotations. Every name a template writes (classes, methods, pagers, constants,
exports, credential parameters) is decided once, unique, by the builder (``generator.build``).

This module is the source of the IR reference in docs/templates.md (``python -m
generator.irdoc --write``): every class has a docstring and every field a ``#:`` comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

IR_VERSION = (1, 2)
"""The IR's version (major, minor): a template set names the major version it is written for
(``ir: 1``); a minor version only adds fields, a major version changes or removes some."""

TypeKind = Literal[
    "builtin", "model", "literal", "list", "sequence", "dict", "union", "any", "none"
]


@dataclass(frozen=True)
class TypeRef:
    """A Python type: ``builtin`` (str, int, float, bool, datetime, date, bytes), ``model`` (a
    class in the generated ``models`` module), ``literal`` (of ``values``), ``list``/``dict``
    (of ``args``), ``sequence`` (a read-only sequence of ``args[0]``: an argument that takes a
    list or a tuple), ``union`` (of ``args``), ``any`` or ``none``.

    ``constraints`` are pydantic ``Field`` keywords (``ge``, ``max_length``, ``pattern`` ...) the
    client checks arguments against before sending.
    """

    #: What kind of type this is (see above).
    kind: TypeKind
    #: The builtin's name (``str``, ``datetime``...) or the model's class name.
    name: str = ""
    #: Type arguments: the item of a list or sequence, key and value of a dict, union members.
    args: tuple[TypeRef, ...] = ()
    #: The values of a ``literal``.
    values: tuple[str | int | float | bool, ...] = ()
    #: pydantic ``Field`` keywords and their values, e.g. ``(("ge", 1), ("max_length", 64))``.
    constraints: tuple[tuple[str, Any], ...] = ()


ANY = TypeRef("any")
NONE = TypeRef("none")
STR = TypeRef("builtin", "str")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation (path-level and operation-level ones merged)."""

    #: The name as sent on the wire.
    name: str
    #: The keyword argument of the client method (unique within the operation).
    python_name: str
    #: Where it is sent; ``querystring`` (OpenAPI 3.2): the value is the whole query string.
    location: Literal["path", "query", "header", "cookie", "querystring"]
    #: Whether the call must pass it (path parameters always).
    required: bool
    #: The argument's type, with the constraints the client checks before sending.
    type: TypeRef
    #: The OpenAPI serialization style (``form``, ``simple``, ``deepObject``...).
    style: str
    #: The OpenAPI ``explode`` flag.
    explode: bool
    #: Reserved characters are sent as they are (``allowReserved``).
    allow_reserved: bool = False
    #: The spec's description (may be empty).
    description: str = ""
    #: The spec marks the parameter deprecated.
    deprecated: bool = False
    #: A parameter described by ``content`` (not ``schema``): its value is sent as this media
    #: type's text (JSON text for JSON media types); None otherwise.
    content_type: str | None = None


@dataclass(frozen=True)
class FormField:
    """One field of a form body (multipart or URL-encoded), from the schema's properties."""

    #: The name as sent on the wire, and the key of the form's TypedDict.
    name: str
    #: The field's type (unused for a file field).
    type: TypeRef
    #: Whether the form must hold the field.
    required: bool
    #: A file upload (``format: binary``/``base64``): bytes, IO or a tuple.
    file: bool = False
    #: An array: one part (or pair) per item.
    many: bool = False
    #: URL-encoded objects: ``form`` (flattened) or ``deepObject``.
    style: str = "form"
    #: The OpenAPI ``explode`` flag of the field's encoding.
    explode: bool = True
    #: Multipart: the part's ``encoding.contentType``; None when not given.
    content_type: str | None = None
    #: The spec's description of the field (may be empty).
    description: str = ""


# json: a JSON document; form: application/x-www-form-urlencoded; multipart: multipart/form-data;
# binary: bytes or a binary file; text: str; jsonl: a list of items, one JSON text a line
# (``itemSchema`` on a sequential JSON media type, OpenAPI 3.2).
BodyKind = Literal["json", "form", "multipart", "binary", "text", "jsonl"]


@dataclass(frozen=True)
class Body:
    """The request body of an operation, in the one media type the client sends."""

    #: The media type sent (``Content-Type``), as the spec spells it.
    media_type: str
    #: What the body argument takes (a dict of any values for forms; see ``fields``).
    type: TypeRef
    #: Whether the call must pass a body.
    required: bool
    #: The spec's description (may be empty).
    description: str = ""
    #: How it is sent: ``json``, ``form`` (URL-encoded), ``multipart``, ``binary``, ``text``,
    #: ``jsonl`` (a list of items, one JSON text a line).
    kind: BodyKind = "json"
    #: The fields of a form body whose schema lists properties.
    fields: tuple[FormField, ...] = ()
    #: The TypedDict of a form body with known fields, in the package's ``forms`` module
    #: (empty otherwise; unique in the package).
    form_class: str = ""


# jsonl: a list of items read one JSON text a line; events: a list of server-sent events
# (both from ``itemSchema``, OpenAPI 3.2).
ResponseKind = Literal["json", "text", "binary", "empty", "jsonl", "events"]


@dataclass(frozen=True)
class Response:
    """One documented response of an operation."""

    #: ``"200"``, ``"4XX"`` or ``"default"``.
    status: str
    #: The spec's description (may be empty).
    description: str
    #: How the body is read: ``json``, ``text``, ``binary``, ``empty``, ``jsonl`` (items, one
    #: JSON text a line) or ``events`` (server-sent events).
    kind: ResponseKind
    #: The media type read, None when the response has no content.
    media_type: str | None
    #: What the body parses into (any for JSON without schema, none when empty).
    type: TypeRef


@dataclass(frozen=True)
class Pagination:
    """How an operation pages (``x-pagination``), with request-side names mapped to Python."""

    #: The pagination style.
    style: Literal["offset", "cursor", "watermark", "page", "pageNumber", "link"]
    #: JSON pointer to the items' array in the response body (``""``: the body is the array).
    items: str
    #: The type of one item.
    item_type: TypeRef
    #: The python name of the query parameter holding the position (offset, watermark, start,
    #: page number); ``link`` style has none (the position is the next page's URL).
    position_param: str | None = None
    #: The python name of the page-size parameter, if any.
    limit_param: str | None = None
    #: Cursor style: the request body field the cursor is sent in.
    cursor_field: str | None = None
    #: JSON pointer to the total count of items in the response body, if any.
    total: str | None = None
    #: Page-number style: JSON pointer to the total count of pages in the response body, if any.
    total_pages: str | None = None
    #: Page-number style: the number of the first page (``firstPage``, 1 unless set).
    first_page: int = 1
    #: JSON pointer to the next cursor, watermark or next-page URL in the response body.
    next_position: str | None = None
    #: JSON pointer to the "more pages follow" flag in the response body, if any.
    has_more: str | None = None


AuthKind = Literal["bearer", "basic", "api_key", "oauth2_client_credentials", "unsupported"]


@dataclass(frozen=True)
class SecurityScheme:
    """A security scheme of ``components/securitySchemes``, as the kind of auth it needs."""

    #: The scheme's key under ``components/securitySchemes``.
    key: str
    #: The kind of credentials: ``bearer``, ``basic``, ``api_key``,
    #: ``oauth2_client_credentials``, or ``unsupported`` (the client sends nothing for it).
    kind: AuthKind
    #: The spec's description (may be empty).
    description: str = ""
    #: API key: the header, query parameter or cookie name.
    api_key_name: str = ""
    #: API key: ``header``, ``query`` or ``cookie``.
    api_key_location: str = ""
    #: OAuth2 client credentials: the token URL.
    token_url: str = ""
    #: OAuth2: other token URLs by server URL (``x-token-urls``), as (server, token URL) pairs.
    token_urls: tuple[tuple[str, str], ...] = ()
    #: OAuth2: how the token request is encoded (``x-token-request-format``).
    token_request_format: Literal["form", "json"] = "form"
    #: OAuth2: the scopes the flow declares, sorted.
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Credential:
    """A credential parameter of the client constructors (``token``, ``api_key``...), one per
    parameter of each auth kind the spec's schemes need, in the order the constructors take
    them."""

    #: The keyword argument of the client constructors (``token``, ``username``...).
    python_name: str
    #: The argument's type (it is optional: None when not given).
    type: TypeRef
    #: What to pass, for docs and ``--help`` texts.
    description: str
    #: The auth kind the parameter belongs to.
    kind: AuthKind
    #: The keys of the security schemes it is sent for.
    schemes: tuple[str, ...]
    #: The environment variable a tool reads it from: ``<PACKAGE>_<NAME>`` upper-case
    #: (``ONEPASSWORD_EVENTS_TOKEN``).
    env_var: str
    #: A secret (a token, a password): never printed or logged.
    secret: bool = True


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: one method of each client class."""

    #: The spec's ``operationId`` (or ``"<METHOD> <path>"`` without one).
    operation_id: str
    #: The client method's name (snake case, unique among the client's attributes).
    method_name: str
    #: The HTTP method as sent (``GET``, ``QUERY``, a custom method...).
    http_method: str
    #: The path template as the spec writes it.
    path: str
    #: The spec's summary (may be empty).
    summary: str
    #: The spec's description (may be empty).
    description: str
    #: Parameters in the spec's order (the order they are serialized in).
    parameters: tuple[Parameter, ...]
    #: The request body, None without one.
    body: Body | None
    #: The documented responses, by status (``default`` last).
    responses: tuple[Response, ...]
    #: The response a successful call returns (the first 2XX), None without one.
    success: Response | None
    #: Security alternatives, each a set of scheme keys (all of one alternative are sent).
    security: tuple[tuple[str, ...], ...]
    #: The Accept header: media types of the documented responses, success first.
    accept: str
    #: How the operation pages, None when it does not.
    pagination: Pagination | None = None
    #: Groups of python parameter names of which a call must pass at least one
    #: (``x-require-any-of``).
    require_any_of: tuple[tuple[str, ...], ...] = ()
    #: The spec marks the operation deprecated.
    deprecated: bool = False
    #: The spec's tags of the operation.
    tags: tuple[str, ...] = ()
    #: Safe to retry by default: an idempotent HTTP method, or declared so by ``x-idempotent``.
    idempotent: bool = False
    #: The pager method's name: ``iter_<method_name>`` unless that name is taken (unique).
    pager_name: str = ""
    #: The ``default`` response is the success (it is the only response declared).
    default_success: bool = False
    #: The operation's constant in the ``_operations`` module of its resource, or of the
    #: package when it is on the client (unique there).
    constant: str = ""
    #: The client attribute of the operation's resource (``repos``); "" when the operation is a
    #: method of the client itself. ``method_name`` and ``pager_name`` are names within it.
    resource: str = ""
    #: The call from a client: ``repos.get`` in a resource, else the method name.
    call: str = ""
    #: The pager's call from a client (``repos.iter_list_for_org``); "" when it does not page.
    pager_call: str = ""


@dataclass(frozen=True)
class Server:
    """One server of the spec: a base URL the clients may be pointed at."""

    #: The URL with its variables substituted by their defaults (no trailing slash).
    url: str
    #: The spec's description (may be empty).
    description: str
    #: The module constant holding the URL (``PRODUCTION``...; unique in the client module).
    constant: str


@dataclass(frozen=True)
class Tag:
    """A tag of the spec's operations (an operation's ``tags``, described in top-level ``tags``)."""

    #: The tag as the spec writes it.
    name: str
    #: An identifier made from the name (unique among the API's tags).
    python_name: str
    #: The description from the spec's top-level ``tags`` (may be empty).
    description: str
    #: The ``operation_id`` of each operation carrying the tag; untagged operations are in none.
    operations: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    """A group of operations by tag, an attribute of the clients (``client.repos``) whose class
    lives in a module of its own, imported on first use (see ``Api.resources``)."""

    #: The tag as the spec writes it.
    tag: str
    #: The attribute of both clients (unique among the client's attributes; not a keyword or
    #: builtin).
    attribute: str
    #: The sync resource class (``ReposResource``).
    class_name: str
    #: The async resource class (``AsyncReposResource``).
    async_class_name: str
    #: The module under the package's ``resources`` package (``resources.repos``).
    module: str
    #: The tag's description from the spec's top-level ``tags`` (may be empty).
    description: str
    #: Its operations, in the spec's order (their ``resource`` is this ``attribute``).
    operations: tuple[Operation, ...]


ModelKind = Literal["object", "enum", "union", "alias"]


@dataclass(frozen=True)
class ModelField:
    """One property of an object model."""

    #: The property's name in JSON (the field's alias when it differs from ``python_name``).
    name: str
    #: The attribute name, as the ``models`` module names it (unique within the model).
    python_name: str
    #: The field's type (an object nested inline is the model named from its place, ``PetOwner``).
    type: TypeRef
    #: Whether the property is required.
    required: bool
    #: The spec's description (may be empty).
    description: str = ""
    #: pydantic ``Field`` keywords of the property (``ge``, ``max_length``...).
    constraints: tuple[tuple[str, Any], ...] = ()
    #: The default when it is a JSON scalar (see ``has_default``); None otherwise.
    default: str | int | float | bool | None = None
    #: Whether the spec gives a scalar default (``default`` may be None: JSON null).
    has_default: bool = False


@dataclass(frozen=True)
class Model:
    """A schema of the ``models`` module: a component schema or an inline object schema the
    builder named, under the name the module gives it."""

    #: The name in the ``models`` module (the class name for an object).
    name: str
    #: ``object`` (a pydantic class), ``enum``, ``union`` (oneOf/anyOf) or ``alias`` (any
    #: other schema: a scalar, an array...).
    kind: ModelKind
    #: The schema's description (may be empty).
    description: str
    #: The properties of an object (its ``allOf`` members' included), in the spec's order.
    fields: tuple[ModelField, ...]
    #: The enum's values (``enum`` kind).
    values: tuple[str | int | float | bool, ...]
    #: Where the schema is in the spec (JSON pointer), for diagnostics.
    pointer: str
    #: What the models stage reads: the allow-listed schema (``schemas.models_input``), with
    #: references renamed to class names, as canonical JSON text.
    schema: str


@dataclass(frozen=True)
class Api:
    """One API: everything the templates render a package from."""

    #: The spec's ``info.title`` (or the client class without one).
    title: str
    #: The spec's ``info.version``.
    version: str
    #: The spec's ``info.description`` (may be empty).
    description: str
    #: The package's import name (from ``specgen.yaml`` or the title).
    package: str
    #: The sync client class.
    client_class: str
    #: The API's name for people (the config's name or the title).
    display_name: str
    #: The servers, the first one the default; at least one.
    servers: tuple[Server, ...]
    #: The generated operations, in the spec's order.
    operations: tuple[Operation, ...]
    #: The spec's security schemes, by key.
    security_schemes: tuple[SecurityScheme, ...]
    #: The classes the ``models`` module must define (object models), sorted.
    model_names: tuple[str, ...]
    #: A hash of the effective spec (the package is regenerated when it changes).
    spec_hash: str
    #: The specgen version that generated the package.
    generator_version: str
    #: The tags the generated operations carry, in the spec's order.
    tags: tuple[Tag, ...] = ()
    #: The async client class (``Async<client_class>``).
    async_client_class: str = ""
    #: The package's ``__all__``, in the order it is written (constants, classes, modules).
    exports: tuple[str, ...] = ()
    #: The ``__all__`` of the client module (``_client``), in the order it is written.
    client_exports: tuple[str, ...] = ()
    #: The credential parameters of the client constructors.
    credentials: tuple[Credential, ...] = ()
    #: The operation a README shows a call of, None when there is none.
    example: Operation | None = None
    #: Every schema of the ``models`` module, components first, then inline objects.
    models: tuple[Model, ...] = ()
    #: The OpenAPI version the models' schemas are read as (``3.0.3`` or ``3.1.0``).
    models_openapi: str = "3.0.3"
    #: Recorded exchanges to show (per operation at most one success and one error), from the
    #: API's recordings; none for a lone spec.
    examples: tuple[Example, ...] = ()
    #: The resources the operations are grouped into (``client.repos.get``), by the config's
    #: ``resources`` rule; empty for a flat API, whose operations are all the client's methods.
    resources: tuple[Resource, ...] = ()
    #: The package's own PEP 440 version: the config's ``version``, or ``info.version`` read as
    #: PEP 440 with the config's ``revision`` as post-releases (``generator/versions.py``).
    package_version: str = "0.0.0"

    @property
    def client_operations(self) -> tuple[Operation, ...]:
        """The operations that are methods of the client itself (all of a flat API's)."""
        return tuple(op for op in self.operations if not op.resource)

    @property
    def auth_kinds(self) -> frozenset[str]:
        """The kinds of auth of the security schemes."""
        return frozenset(s.kind for s in self.security_schemes)


@dataclass(frozen=True)
class ExampleMessage:
    """One side of a recorded exchange, ready to show: secrets are never in it."""

    #: Header names (lower case) and values; credentials always read ``<redacted>``.
    headers: tuple[tuple[str, str], ...]
    #: The body's media type, None without a body.
    media_type: str | None
    #: The body: JSON pretty-printed, other media types as text; "" for none.
    body: str
    #: Whether the body was shortened (long arrays, strings or texts).
    truncated: bool = False


@dataclass(frozen=True)
class Example:
    """A recorded request and its response for one operation (``specs/<api>/recordings``)."""

    #: The operation's ``operation_id``.
    operation_id: str
    #: What the exchange shows (the recording's description).
    title: str
    #: ``success`` for a 1xx-3xx answer, else ``error``.
    kind: Literal["success", "error"]
    #: The HTTP method, upper case.
    method: str
    #: The path and query as sent, without the server's base URL.
    url: str
    #: The response's status.
    status: int
    #: The request as sent.
    request: ExampleMessage
    #: The response as received.
    response: ExampleMessage
    #: Whether the exchange was written from the vendor's docs rather than captured live.
    synthetic: bool
    #: The recording's file name.
    source: str
