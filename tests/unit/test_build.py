"""The IR builder (``generator.build.build_api``) alone, on small inline specs: what each part of
an operation becomes in the IR, which names the builder makes unique, and what a problem that
costs one operation leaves behind."""

from __future__ import annotations

import contextlib
import copy
import keyword
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import ir
from generator.build import Target, build_api
from generator.errors import Report, SpecgenError
from generator.pipeline import spec_file_target

SOURCE = "shop.yaml"
TARGET = Target("shop", "Shop", "Shop API")
OBJECT = {"type": "object", "properties": {"name": {"type": "string"}}}
STR = ir.TypeRef("builtin", "str")
INT = ir.TypeRef("builtin", "int")


def spec(paths: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """An OpenAPI 3.1 document with ``paths`` and other top-level keys."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "2.0", "description": "  Sells things.  "},
        "paths": paths or {},
        **top,
    }


def operation(**fields: Any) -> dict[str, Any]:
    """An operation object with a 204 response unless ``responses`` is given."""
    return {"responses": {"204": {"description": "done"}}, **fields}


def build(document: dict[str, Any]) -> tuple[ir.Api, Report]:
    report = Report(SOURCE)
    return build_api(document, SOURCE, TARGET, report).api, report


def only(document: dict[str, Any]) -> ir.Operation:
    """The one operation of ``document``, built without a warning."""
    api, report = build(document)
    assert report.diagnostics == []
    (op,) = api.operations
    return op


def by_id(api: ir.Api) -> dict[str, ir.Operation]:
    return {op.operation_id: op for op in api.operations}


# -- the API -----------------------------------------------------------------------------------


def test_api_header_and_target() -> None:
    document = spec()
    api, _ = build(document)
    assert (api.title, api.version, api.description) == ("Shop", "2.0", "Sells things.")
    assert (api.package, api.client_class, api.display_name) == ("shop", "Shop", "Shop API")
    assert api.operations == ()
    assert document == spec()  # the spec given is not changed


def test_display_name_falls_back_to_the_title() -> None:
    built = build_api(spec(), SOURCE, Target("shop", "Shop"))
    assert built.api.display_name == "Shop"


def test_spec_hash_follows_the_spec() -> None:
    first, _ = build(spec())
    again, _ = build(spec())
    other, _ = build(spec(servers=[{"url": "https://other.example"}]))
    assert first.spec_hash == again.spec_hash != other.spec_hash


# -- parameters --------------------------------------------------------------------------------

PARAMETERS = [
    {"name": "item_id", "in": "path", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
    {
        "name": "tags",
        "in": "query",
        "style": "spaceDelimited",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string"}},
    },
    {"name": "X-Request-ID", "in": "header", "schema": {"type": "string"}},
    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
    {"name": "class", "in": "query", "schema": {"enum": ["a", "b"]}},
    {"name": "body", "in": "query", "schema": {"type": "string"}},
    {"name": "q", "in": "query", "allowReserved": True, "deprecated": True, "description": " Q "},
    {
        "name": "filter",
        "in": "query",
        "content": {"application/json": {"schema": {"type": "object", "properties": {}}}},
    },
]


def _parameters() -> dict[str, ir.Parameter]:
    op = only(spec({"/items/{item_id}": {"get": operation(parameters=PARAMETERS)}}))
    assert [p.name for p in op.parameters] == [p["name"] for p in PARAMETERS]  # spec order
    return {p.name: p for p in op.parameters}


@pytest.mark.parametrize(
    ("name", "location", "style", "explode"),
    [
        ("item_id", "path", "simple", False),
        ("limit", "query", "form", True),
        ("tags", "query", "spaceDelimited", False),
        ("X-Request-ID", "header", "simple", False),
        ("session", "cookie", "form", True),
    ],
)
def test_parameter_location_and_style(name: str, location: str, style: str, explode: bool) -> None:
    """The style and explode default by location (form for query and cookie, simple for path
    and header), and explode defaults to whether the style is form."""
    param = _parameters()[name]
    assert (param.location, param.style, param.explode) == (location, style, explode)


def test_parameter_required_ness() -> None:
    params = _parameters()
    assert params["item_id"].required  # a path parameter is always required
    assert params["limit"].required
    assert not params["tags"].required
    assert not params["X-Request-ID"].required


def test_parameter_types() -> None:
    params = _parameters()
    assert params["item_id"].type == STR
    assert params["limit"].type == ir.TypeRef("builtin", "int", constraints=(("ge", 1),))
    assert params["tags"].type == ir.TypeRef("list", args=(STR,))
    assert params["class"].type == ir.TypeRef("literal", values=("a", "b"))
    assert params["q"].type == ir.ANY  # no schema: any value


def test_parameter_python_names() -> None:
    """Wire names become snake case; keywords and the method's own arguments are avoided."""
    params = _parameters()
    assert params["X-Request-ID"].python_name == "x_request_id"
    assert params["class"].python_name == "class_"
    assert params["body"].python_name == "body_2"  # ``body`` is the request body's argument


def test_parameter_details() -> None:
    params = _parameters()
    q = params["q"]
    assert (q.allow_reserved, q.deprecated, q.description) == (True, True, "Q")
    assert params["filter"].content_type == "application/json"
    assert params["filter"].type.kind == "model"
    assert params["limit"].content_type is None


def test_operation_parameter_overrides_the_path_items() -> None:
    item = {
        "parameters": [
            {"name": "limit", "in": "query", "description": "path level", "schema": {}},
            {"name": "lang", "in": "header", "schema": {"type": "string"}},
        ],
        "get": operation(
            parameters=[{"name": "limit", "in": "query", "schema": {"type": "integer"}}]
        ),
    }
    op = only(spec({"/items": item}))
    params = {p.name: p for p in op.parameters}
    assert set(params) == {"limit", "lang"}
    assert (params["limit"].type, params["limit"].description) == (INT, "")


def test_parameter_in_no_location_is_dropped_with_a_warning() -> None:
    get = operation(
        parameters=[
            {"name": "legacy", "in": "body", "schema": {"type": "string"}},
            {"name": "page", "in": "query", "schema": {"type": "integer"}},
        ]
    )
    api, report = build(spec({"/items": {"get": get}}))
    assert [p.name for p in api.operations[0].parameters] == ["page"]
    (warning,) = report.diagnostics
    assert warning.severity == "warning"
    assert warning.pointer == "/paths/~1items/get/parameters"
    assert "'legacy'" in warning.message


def test_require_any_of_uses_python_names() -> None:
    get = operation(
        parameters=[
            {"name": "userId", "in": "query", "schema": {"type": "string"}},
            {"name": "actor", "in": "query", "schema": {"type": "string"}},
        ],
        **{"x-require-any-of": [["actor", "userId"]]},
    )
    assert only(spec({"/events": {"get": get}})).require_any_of == (("actor", "user_id"),)


# -- request bodies ----------------------------------------------------------------------------


def _body(content: dict[str, Any], **fields: Any) -> ir.Body | None:
    post = operation(requestBody={"content": content, **fields})
    return only(spec({"/items": {"post": post}})).body


def test_json_body_is_typed_and_json_is_preferred() -> None:
    body = _body(
        {"application/xml": {"schema": OBJECT}, "application/json": {"schema": OBJECT}},
        required=True,
        description=" The item. ",
    )
    assert body is not None
    assert (body.media_type, body.kind, body.required) == ("application/json", "json", True)
    assert body.description == "The item."
    assert body.type.kind == "model"


def test_json_body_without_schema_is_any() -> None:
    body = _body({"application/json": {}})
    assert body is not None
    assert (body.kind, body.type, body.required) == ("json", ir.ANY, False)


def test_form_body_fields() -> None:
    schema = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "ids": {"type": "array", "items": {"type": "integer"}},
        },
    }
    encoding = {"ids": {"style": "spaceDelimited"}}
    body = _body({"application/x-www-form-urlencoded": {"schema": schema, "encoding": encoding}})
    assert body is not None
    assert body.kind == "form"
    assert body.form_class.endswith("Form")
    name, ids = body.fields
    assert (name.name, name.type, name.required, name.many) == ("name", STR, True, False)
    assert (ids.name, ids.required, ids.many) == ("ids", False, True)
    assert ids.type == ir.TypeRef("list", args=(INT,))
    assert (ids.style, ids.explode) == ("spaceDelimited", False)


def test_multipart_body_with_a_file() -> None:
    schema = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}},
    }
    encoding = {"file": {"contentType": "image/png"}}
    body = _body({"multipart/form-data": {"schema": schema, "encoding": encoding}})
    assert body is not None
    assert body.kind == "multipart"
    file, note = body.fields
    assert (file.file, file.type, file.content_type) == (
        True,
        ir.TypeRef("builtin", "bytes"),
        "image/png",
    )
    assert (note.file, note.type, note.content_type) == (False, STR, None)


def test_form_body_without_properties_is_any_mapping() -> None:
    body = _body({"application/x-www-form-urlencoded": {}})
    assert body is not None
    assert (body.kind, body.fields, body.form_class) == ("form", (), "")
    assert body.type == ir.TypeRef("dict", args=(STR, ir.ANY))


@pytest.mark.parametrize(
    ("media", "kind", "type_name"),
    [
        ("application/octet-stream", "binary", "bytes"),
        ("image/png", "binary", "bytes"),
        ("text/plain", "text", "str"),
        ("application/xml", "text", "str"),
        ("application/soap+xml", "text", "str"),
    ],
)
def test_raw_bodies(media: str, kind: str, type_name: str) -> None:
    body = _body({media: {}})
    assert body is not None
    assert (body.media_type, body.kind, body.type) == (
        media,
        kind,
        ir.TypeRef("builtin", type_name),
    )


def test_json_lines_body_is_a_list_of_items() -> None:
    body = _body({"application/jsonl": {"itemSchema": OBJECT}})
    assert body is not None
    assert body.kind == "jsonl"
    assert body.type.kind == "list"
    assert body.type.args[0].kind == "model"


def test_body_without_content_is_no_body() -> None:
    post = operation(requestBody={"description": "nothing to send"})
    assert only(spec({"/items": {"post": post}})).body is None
    assert only(spec({"/items": {"post": operation()}})).body is None


def test_body_by_reference() -> None:
    post = operation(requestBody={"$ref": "#/components/requestBodies/Item"})
    components = {"requestBodies": {"Item": {"content": {"text/plain": {}}, "required": True}}}
    body = only(spec({"/items": {"post": post}}, components=components)).body
    assert body is not None
    assert (body.kind, body.required) == ("text", True)


# -- responses ---------------------------------------------------------------------------------


def _responses(responses: dict[str, Any]) -> ir.Operation:
    return only(spec({"/items": {"get": operation(responses=responses)}}))


def test_responses_and_the_success() -> None:
    op = _responses(
        {
            "default": {
                "description": "error",
                "content": {"application/json": {"schema": OBJECT}},
            },
            "404": {
                "description": "missing",
                "content": {"application/problem+json": {"schema": OBJECT}},
            },
            "2xx": {"description": "any success", "content": {"text/csv": {}}},
            "200": {
                "description": "the items",
                "content": {"application/json": {"schema": OBJECT}},
            },
        }
    )
    assert [r.status for r in op.responses] == ["200", "2XX", "404", "default"]
    assert op.success is op.responses[0]
    assert (op.success.kind, op.success.media_type) == ("json", "application/json")
    assert op.success.type.kind == "model"
    assert op.responses[1].kind == "text"
    assert op.responses[2].type.kind == "model"
    assert not op.default_success
    # The Accept header: the success's media type first, each once.
    assert op.accept == "application/json, text/csv, application/problem+json"


@pytest.mark.parametrize(
    ("content", "kind", "type_"),
    [
        (None, "empty", ir.NONE),
        ({"application/pdf": {}}, "binary", ir.TypeRef("builtin", "bytes")),
        ({"text/plain": {}}, "text", STR),
        ({"application/json": {}}, "json", ir.ANY),
        ({"*/*": {"schema": {"type": "array", "items": {"type": "integer"}}}}, "json", None),
        ({"*/*": {"schema": {"type": "string"}}}, "binary", ir.TypeRef("builtin", "bytes")),
    ],
)
def test_response_kinds(
    content: dict[str, Any] | None, kind: str, type_: ir.TypeRef | None
) -> None:
    response: dict[str, Any] = {"description": "it"}
    if content is not None:
        response["content"] = content
    success = _responses({"200": response}).success
    assert success is not None
    assert success.kind == kind
    assert success.type == (type_ or ir.TypeRef("list", args=(INT,)))


def test_a_lone_default_response_is_the_success() -> None:
    op = _responses({"default": {"description": "it", "content": {"application/json": {}}}})
    assert op.default_success
    assert op.success is not None and op.success.status == "default"


def test_no_success_response() -> None:
    op = _responses({"400": {"description": "bad"}, "default": {"description": "other"}})
    assert op.success is None
    assert not op.default_success
    assert op.accept == "application/json"  # nothing documented: JSON is asked for


# -- operations: names, methods, security ------------------------------------------------------


def test_operation_fields() -> None:
    post = operation(
        operationId="createItem",
        summary=" Create ",
        description=" Makes one. ",
        deprecated=True,
        tags=["items", "admin"],
    )
    op = only(spec({"/items": {"post": post}}))
    assert (op.operation_id, op.method_name, op.http_method, op.path) == (
        "createItem",
        "create_item",
        "POST",
        "/items",
    )
    assert (op.summary, op.description, op.deprecated) == ("Create", "Makes one.", True)
    assert op.tags == ("items", "admin")


@pytest.mark.parametrize(
    ("method", "extension", "idempotent"),
    [
        ("get", None, True),
        ("put", None, True),
        ("delete", None, True),
        ("post", None, False),  # sent once: repeating it could act twice
        ("patch", None, False),
        ("post", True, True),  # declared safe to repeat
        ("put", False, False),
    ],
)
def test_idempotent(method: str, extension: bool | None, idempotent: bool) -> None:
    raw = operation() if extension is None else operation(**{"x-idempotent": extension})
    assert only(spec({"/items": {method: raw}})).idempotent is idempotent


def test_operation_names_are_made_unique() -> None:
    """Names come from operationIds (or method and path); a repeat or a name the client class
    already uses is numbered."""
    paths = {
        "/a": {"get": operation(operationId="getItem"), "put": operation(operationId="get_item")},
        "/b": {"get": operation(operationId="close"), "post": operation()},
        "/c/{id}": {"delete": operation(operationId="class")},
    }
    api, _ = build(spec(paths))
    names = {op.operation_id: op.method_name for op in api.operations}
    assert names == {
        "getItem": "get_item",
        "get_item": "get_item_2",
        "close": "close_2",
        "POST /b": "post_b",
        "class": "class_",
    }


# Names a generated client class or method binds itself (``build.CLIENT_ATTRIBUTES``,
# ``build.RESERVED_ARGUMENTS``): spec text must never take them.
CLIENT_NAMES = {"close", "base_url", "timeout", "max_retries", "headers", "auth", "with_options",
                "with_raw_response"}  # fmt: skip
ARGUMENT_NAMES = {"self", "body", "extra_headers", "extra_query", "timeout", "max_retries"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=12) | st.sampled_from(sorted(CLIENT_NAMES)), min_size=1, max_size=6),
    st.lists(st.text(max_size=12) | st.sampled_from(sorted(ARGUMENT_NAMES)), max_size=6),
)
def test_names_from_spec_text_are_distinct_python_names(
    operation_ids: list[str], parameter_names: list[str]
) -> None:
    parameters = [
        {"name": name, "in": "query", "schema": {"type": "string"}}
        for name in dict.fromkeys(parameter_names)  # a spec's parameters differ by name
    ]
    paths = {
        f"/p{i}": {"get": operation(operationId=op_id, parameters=parameters)}
        for i, op_id in enumerate(operation_ids)
    }
    api, _ = build(spec(paths))
    methods = [op.method_name for op in api.operations]
    assert len(methods) == len(operation_ids)
    assert len(set(methods)) == len(methods)
    for name in methods:
        assert name.isidentifier() and not keyword.iskeyword(name), name
        assert name not in CLIENT_NAMES
    arguments = [p.python_name for p in api.operations[0].parameters]
    assert len(set(arguments)) == len(arguments) == len(parameters)
    for name in arguments:
        assert name.isidentifier() and not keyword.iskeyword(name), name
        assert name not in ARGUMENT_NAMES


def test_security_of_an_operation() -> None:
    schemes = {
        "token": {"type": "http", "scheme": "bearer"},
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "user": {"type": "http", "scheme": "basic"},
    }
    paths = {
        "/global": {"get": operation()},
        "/either": {"get": operation(security=[{"token": []}, {"user": [], "key": []}])},
        "/open": {"get": operation(security=[])},
    }
    document = spec(paths, security=[{"token": []}], components={"securitySchemes": schemes})
    ops = {op.path: op for op in build(document)[0].operations}
    assert ops["/global"].security == (("token",),)
    assert ops["/either"].security == (("token",), ("key", "user"))
    assert ops["/open"].security == ()


def test_tags_in_declared_order_with_unique_python_names() -> None:
    """Tags the operations carry: the declared ones in the spec's order, then the others as they
    first appear; a declared tag no operation carries is left out."""
    paths = {
        "/a": {"get": operation(operationId="a", tags=["user-admin", "Users"])},
        "/b": {"get": operation(operationId="b", tags=["Users", "user_admin"])},
    }
    declared = [{"name": "unused"}, {"name": "Users", "description": " People "}]
    api, _ = build(spec(paths, tags=declared))
    assert api.tags == (
        ir.Tag("Users", "users", "People", ("a", "b")),
        ir.Tag("user-admin", "user_admin", "", ("a",)),
        ir.Tag("user_admin", "user_admin_2", "", ("b",)),
    )


# -- security schemes and servers --------------------------------------------------------------


def test_security_schemes() -> None:
    schemes = {
        "token": {"type": "http", "scheme": "Bearer", "description": " JWT "},
        "user": {"type": "http", "scheme": "basic"},
        "key": {"type": "apiKey", "name": "api_key", "in": "query"},
        "oauth": {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "https://auth.example/token",
                    "scopes": {"write": "w", "read": "r"},
                    "x-token-urls": {"eu": "https://eu.auth.example/token"},
                    "x-token-request-format": "json",
                }
            },
        },
        "code": {"type": "oauth2", "flows": {"authorizationCode": {}}},
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.example"},
    }
    api, _ = build(spec(components={"securitySchemes": schemes}))
    found = {s.key: s for s in api.security_schemes}
    assert [s.key for s in api.security_schemes] == sorted(schemes)
    assert (found["token"].kind, found["token"].description) == ("bearer", "JWT")
    assert found["user"].kind == "basic"
    key = found["key"]
    assert (key.kind, key.api_key_name, key.api_key_location) == ("api_key", "api_key", "query")
    oauth = found["oauth"]
    assert oauth.kind == "oauth2_client_credentials"
    assert oauth.token_url == "https://auth.example/token"
    assert oauth.token_urls == (("eu", "https://eu.auth.example/token"),)
    assert (oauth.token_request_format, oauth.scopes) == ("json", ("read", "write"))
    assert found["code"].kind == found["oidc"].kind == "unsupported"
    assert api.auth_kinds == {
        "bearer",
        "basic",
        "api_key",
        "oauth2_client_credentials",
        "unsupported",
    }


def test_servers() -> None:
    servers = [
        {
            "url": "https://{region}.example.com/v1/",
            "description": "Production (EU)",
            "variables": {"region": {"default": "eu", "enum": ["eu", "us"]}},
        },
        {"url": "https://sandbox.example.com"},
        {"url": "https://api.example.com", "description": "production"},
        {"url": "https://other.example.com", "description": "Default base url"},
        {"url": "https://mirror.example.com", "description": "The mirror we keep for bad days"},
    ]
    api, _ = build(spec(servers=servers))
    assert [(s.url, s.constant) for s in api.servers] == [
        ("https://eu.example.com/v1", "PRODUCTION"),
        ("https://sandbox.example.com", "SANDBOX"),
        ("https://api.example.com", "PRODUCTION2"),  # numbered: the name is taken
        ("https://other.example.com", "DEFAULT_BASE_URL2"),  # a constant _client.py defines
        ("https://mirror.example.com", "PRODUCTION3"),  # a long description: named by host
    ]
    assert api.servers[0].description == "Production (EU)"


def test_no_servers_is_a_relative_base_url() -> None:
    api, _ = build(spec())
    assert [(s.url, s.constant) for s in api.servers] == [("", "DEFAULT")]


# -- pagination --------------------------------------------------------------------------------

PAGE = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        "meta": {"type": "object", "properties": {"total": {"type": "integer"}}},
        "next": {"type": "string"},
        "more": {"type": "boolean"},
    },
}
COMPONENTS = {"schemas": {"Item": OBJECT, "Page": PAGE}}
PAGE_RESPONSE = {
    "200": {
        "description": "a page",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}},
    }
}
QUERY = [
    {"name": "startIndex", "in": "query", "schema": {"type": "integer"}},
    {"name": "page[size]", "in": "query", "schema": {"type": "integer"}},
]


def _paged(pagination: dict[str, Any], **fields: Any) -> dict[str, Any]:
    raw = operation(
        operationId="listItems",
        parameters=QUERY,
        responses=PAGE_RESPONSE,
        **{"x-pagination": pagination},
        **fields,
    )
    return spec({"/items": {"get": raw}}, components=copy.deepcopy(COMPONENTS))


def test_offset_pagination_maps_parameters_to_python_names() -> None:
    pagination = {
        "style": "offset",
        "offsetParam": "startIndex",
        "limitParam": "page[size]",
        "items": "/data",
        "total": "/meta/total",
    }
    op = only(_paged(pagination))
    assert op.pagination == ir.Pagination(
        style="offset",
        items="/data",
        item_type=ir.TypeRef("model", "Item"),
        position_param="start_index",
        limit_param="page_size",
        total="/meta/total",
    )
    assert op.pager_name == "iter_list_items"


@pytest.mark.parametrize(
    ("pagination", "position", "next_position", "has_more"),
    [
        (
            {"style": "cursor", "cursorField": "after", "nextCursor": "/next", "hasMore": "/more"},
            None,
            "/next",
            "/more",
        ),
        (
            {"style": "watermark", "watermarkParam": "startIndex", "nextWatermark": "/next"},
            "start_index",
            "/next",
            None,
        ),
        (
            {"style": "page", "startParam": "startIndex", "nextPage": "/next"},
            "start_index",
            "/next",
            None,
        ),
    ],
)
def test_other_pagination_styles(
    pagination: dict[str, Any], position: str | None, next_position: str, has_more: str | None
) -> None:
    op = only(_paged({"items": "/data", **pagination}))
    assert op.pagination is not None
    assert op.pagination.style == pagination["style"]
    assert op.pagination.position_param == position
    assert op.pagination.next_position == next_position
    assert op.pagination.has_more == has_more
    assert op.pagination.cursor_field == pagination.get("cursorField")


def test_pager_names_are_made_unique() -> None:
    """``iter_<method>`` is numbered when an operation already has that name."""
    document = _paged({"style": "cursor", "cursorField": "after", "items": "/data"})
    document["paths"]["/iter"] = {"get": operation(operationId="iter_list_items")}
    api, _ = build(document)
    ops = by_id(api)
    assert ops["listItems"].pager_name == "iter_list_items_2"
    assert ops["iter_list_items"].pager_name == ""  # not paginated


# -- a problem that costs one operation --------------------------------------------------------


def _broken() -> dict[str, Any]:
    """Two operations, one of them with an ``x-pagination`` whose items are not an array."""
    document = _paged({"style": "cursor", "cursorField": "after", "items": "/meta"})
    document["paths"]["/other"] = {"get": operation(operationId="other")}
    return document


def test_skipped_operation_gives_a_warning_with_its_pointer() -> None:
    built = build_api(_broken(), SOURCE, TARGET, report := Report(SOURCE))
    assert [op.operation_id for op in built.api.operations] == ["other"]
    assert built.operations_total == 2
    (warning,) = report.diagnostics
    assert (warning.file, warning.severity) == (SOURCE, "warning")
    assert warning.pointer == "/paths/~1items/get/x-pagination/items"
    assert warning.message.startswith("operation skipped: ")
    assert "/meta" in warning.message


def test_without_a_report_the_problem_is_raised() -> None:
    with pytest.raises(SpecgenError) as raised:
        build_api(_broken(), SOURCE, TARGET)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.pointer == "/paths/~1items/get/x-pagination/items"


def test_pagination_needs_a_json_success() -> None:
    document = _paged({"style": "cursor", "cursorField": "after", "items": "/data"})
    document["paths"]["/items"]["get"]["responses"] = {"204": {"description": "nothing"}}
    api, report = build(document)
    assert api.operations == ()
    (warning,) = report.diagnostics
    assert warning.pointer == "/paths/~1items/get/x-pagination"


# -- models ------------------------------------------------------------------------------------


def test_model_names() -> None:
    """Object component schemas become models, named by ``naming.model_class`` and numbered
    without a separator when two names collide; inline object schemas are hoisted under a name
    from their operation; scalars are no models."""
    schemas = {"Item": OBJECT, "item": OBJECT, "BaseModel": OBJECT, "Id": {"type": "string"}}
    post = operation(
        operationId="createItem",
        requestBody={"content": {"application/json": {"schema": OBJECT}}},
    )
    api, _ = build(spec({"/items": {"post": post}}, components={"schemas": schemas}))
    assert set(api.model_names) >= {"Item", "Item2", "BaseModelModel"}
    assert "Id" not in api.model_names
    body = api.operations[0].body
    assert body is not None
    assert body.type.kind == "model" and body.type.name in api.model_names
    assert api.model_names == tuple(sorted(api.model_names))


# The builder reads a spec and changes nothing in it: it works on the caller's own (copying
# GitHub's spec took 0.2 s); only to drop patterns it cannot compile does it make a copy.

_ROOT = Path(__file__).resolve().parents[2]
_REAL_SPECS = sorted(
    path
    for path in [
        *(_ROOT / "specs").glob("*/openapi.*"),
        *(_ROOT / "tests" / "fixtures" / "real").rglob("*.yaml"),
    ]
    if "openapi" in path.read_text(encoding="utf-8")[:300]  # documents, not the files they refer to
)


@pytest.mark.parametrize("path", _REAL_SPECS, ids=[p.stem for p in _REAL_SPECS])
def test_building_changes_nothing_in_the_spec(path: Path) -> None:
    data = spec_file_target(path, None, None)[0].data  # bundled, as generation reads it
    before = pickle.dumps(data)
    with contextlib.suppress(SpecgenError):  # refused: still, nothing changed
        build_api(data, path.name, TARGET, Report(path.name))
    assert pickle.dumps(data) == before


def test_a_pattern_dropped_is_dropped_from_a_copy() -> None:
    shape = {"type": "object", "properties": {"code": {"type": "string", "pattern": "(?<=a)b"}}}
    data = spec(
        {"/x": {"get": operation()}}, components={"schemas": {"Code": copy.deepcopy(shape)}}
    )
    report = Report(SOURCE)
    build_api(data, SOURCE, TARGET, report)
    assert data["components"]["schemas"]["Code"] == shape  # the caller's spec keeps it
    assert any("pattern dropped" in d.message for d in report.diagnostics)
