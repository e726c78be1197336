"""Operation-side constructs real specs use (issue 8): form and binary request bodies, file
uploads, parameters by ``content``, path items by ``$ref``, OpenAPI 3.2 operations, a spec
without operations, names the templates add, path-level parameters overridden, ``default``
responses, and request media types no one can type.

Each spec in ``tests/fixtures/real/operations/`` is generated once into a temporary folder,
imported under a package name of its own, and called through ``httpx.MockTransport``; the
assertions are on the exact request the server receives.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import subprocess
import sys
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from generator.build import Target, build_api
from generator.errors import Report, SpecgenError
from generator.load import load_document
from generator.pipeline import Generation, generate_in_memory
from generator.rawspec import iter_operations
from generator.template_sets import default_sets
from generator.validate import validate_spec
from generator.write import write_package

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "operations"
BASE = "https://api.example.com"


def generate(spec: dict[str, Any], package: str, folder: Path) -> tuple[Generation, Report]:
    """Generate ``spec`` leniently into ``folder/package`` (warnings collected, not raised)."""
    report = Report(package)
    generation = generate_in_memory(spec, package, Target(package, "Api"), default_sets(), report)
    report.raise_for(strict=False)
    write_package(folder / package, generation.files)
    return generation, report


def load_package(folder: Path, package: str) -> ModuleType:
    sys.path.insert(0, str(folder / package))
    return importlib.import_module(package)


class Server:
    """A MockTransport handler recording requests and answering with canned responses."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response] = []

    def answer(self, *responses: httpx.Response) -> Server:
        self.answers = list(responses)
        self.requests = []
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else httpx.Response(204)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The constructs spec (validated, as ``generate`` would) generated and imported."""
    folder = tmp_path_factory.mktemp("constructs")
    source = load_document(FIXTURES / "constructs.yaml")
    assert validate_spec(source.data, source) == []
    generation, report = generate(source.data, "constructs_ops", folder)
    return {
        "module": load_package(folder, "constructs_ops"),
        "generation": generation,
        "report": report,
        "folder": folder / "constructs_ops",
    }


@pytest.fixture(scope="module")
def pkg(built: dict[str, Any]) -> ModuleType:
    module: ModuleType = built["module"]
    return module


@pytest.fixture()
def server() -> Server:
    return Server()


@pytest.fixture()
def client(pkg: ModuleType, server: Server) -> Any:
    return pkg.Api(base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(server)))


def async_call(pkg: ModuleType, server: Server, call: Callable[[Any], Any]) -> Any:
    async def run() -> Any:
        transport = httpx.MockTransport(server)
        async with pkg.AsyncApi(
            base_url=BASE, http_client=httpx.AsyncClient(transport=transport)
        ) as c:
            return await call(c)

    return asyncio.run(run())


def parts(request: httpx.Request) -> list[Message]:
    """The parts of a multipart request, parsed by the standard library's MIME parser."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    assert message.is_multipart()
    return list(message.iter_parts())  # type: ignore[attr-defined]


def describe(part: Message) -> tuple[str | None, str | None, str | None, bytes]:
    """(field name, file name, declared content type, content) of one part."""
    name = part.get_param("name", header="content-disposition")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return (
        str(name) if name else None,
        part.get_filename(),
        part.get("content-type"),
        payload,
    )


# --------------------------------------------------------------------------------------------
# 1. Form and binary request bodies


def test_every_operation_is_generated_without_warnings(built: dict[str, Any]) -> None:
    generation: Generation = built["generation"]
    assert (generation.operations, generation.operations_total) == (14, 14)
    assert built["report"].warnings == []


def test_multipart_upload_sends_files_and_typed_fields(
    pkg: ModuleType, client: Any, server: Server
) -> None:
    server.answer(httpx.Response(201, json={"id": "f1", "size": 3}))
    photo = io.BytesIO(b"\x89PNG")
    photo.name = "/home/me/photo.png"
    result = client.upload_file(
        body={
            "file": ("report.csv", b"a,b\n", "text/csv"),
            "purpose": "batch",
            "tags": ["x", "y"],
            "meta": {"id": "m", "size": 2},
            "attachments": [b"raw", photo],
            "count": 2,
        }
    )
    assert result == pkg.models.Meta(id="f1", size=3)
    request = server.last
    assert request.method == "POST" and request.url == f"{BASE}/files"
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    assert request.content.startswith(
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="report.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
        b"a,b\n\r\n"
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="purpose"\r\n\r\n'
        b"batch\r\n"
    )
    assert request.content.endswith(b"--" + boundary + b"--\r\n")
    assert [describe(p) for p in parts(request)] == [
        ("file", "report.csv", "text/csv", b"a,b\n"),
        ("purpose", None, None, b"batch"),
        ("tags", None, None, b"x"),
        ("tags", None, None, b"y"),
        ("meta", None, "application/json", b'{"id":"m","size":2}'),
        ("attachments", "upload", "application/octet-stream", b"raw"),
        ("attachments", "photo.png", "image/png", b"\x89PNG"),
        ("count", None, None, b"2"),
    ]


def test_multipart_upload_from_a_file_async(
    pkg: ModuleType, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    server.answer(httpx.Response(201, json={"id": "f2"}))
    with path.open("rb") as file:
        result = async_call(
            pkg, server, lambda c: c.upload_file(body={"file": file, "purpose": "assistants"})
        )
    assert result.id == "f2"
    assert [describe(p) for p in parts(server.last)] == [
        ("file", "notes.txt", "text/plain", b"hello"),
        ("purpose", None, None, b"assistants"),
    ]


def test_multipart_fields_are_checked_before_sending(
    pkg: ModuleType, client: Any, server: Server
) -> None:
    errors = pkg.errors
    with pytest.raises(errors.RequestValidationError, match="purpose is required"):
        client.upload_file(body={"file": b"x"})
    with pytest.raises(errors.RequestValidationError, match=r"body\.count"):
        client.upload_file(body={"file": b"x", "purpose": "batch", "count": 0})
    with pytest.raises(errors.RequestValidationError, match=r"body\.file: expected bytes"):
        client.upload_file(body={"file": 12, "purpose": "batch"})
    assert server.requests == []


def test_urlencoded_form_body(client: Any, server: Server) -> None:
    server.answer(httpx.Response(200, json={"token": "t"}))
    client.create_token(
        body={
            "grant_type": "client credentials",
            "scope": ["a", "b"],
            "metadata": {"k": "v&w"},
            "card": {"number": "42", "address": {"city": "Zürich"}},
            "expand": ["x", "y"],
        }
    )
    request = server.last
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sorted(unquote(pair) for pair in request.content.decode().split("&")) == sorted(
        [
            "grant_type=client credentials",
            "scope=a",
            "scope=b",
            "metadata[k]=v&w",
            "card[number]=42",
            "card[address][city]=Zürich",
            "expand[0]=x",
            "expand[1]=y",
        ]
    )
    assert request.content.startswith(
        b"grant_type=client%20credentials&scope=a&scope=b&metadata%5Bk%5D=v%26w&"
    )


@pytest.mark.parametrize("kind", ["bytes", "file"])
def test_octet_stream_body_takes_bytes_or_a_binary_file(
    pkg: ModuleType, server: Server, kind: str
) -> None:
    data = bytes(range(256))
    body: Any = data if kind == "bytes" else io.BytesIO(data)
    async_call(pkg, server, lambda c: c.put_blob(name="a b", body=body))
    request = server.last
    assert request.method == "PUT" and request.url.raw_path == b"/blobs/a%20b"
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.content == data


def test_a_text_file_is_refused_as_binary_body(
    pkg: ModuleType, client: Any, server: Server
) -> None:
    with pytest.raises(pkg.errors.RequestValidationError, match="binary mode"):
        client.put_blob(name="n", body=io.StringIO("text"))
    assert server.requests == []


def test_unsupported_media_type_is_sent_as_given(client: Any, server: Server) -> None:
    """Item 8: an ``application/xml``-only body does not sink the operation: text as given."""
    client.put_xml(body="<a>1</a>")
    assert server.last.headers["content-type"] == "application/xml"
    assert server.last.content == b"<a>1</a>"


def test_a_schema_that_cannot_be_typed_costs_only_its_type() -> None:
    """Item 8: a body (or response) schema the builder cannot type is any JSON value, with a
    warning naming it; the operation stays."""
    schema = {"type": "array", "items": 3}
    json_schema = {"application/json": {"schema": schema}}
    spec = minimal_spec(
        {
            "/things": {
                "post": {
                    "operationId": "make",
                    "requestBody": {"content": json_schema},
                    "responses": {"200": {"description": "Made.", "content": json_schema}},
                }
            }
        }
    )
    report = Report("spec.yaml")
    built = build_api(spec, "spec.yaml", Target("p", "P"), report)
    [op] = built.api.operations
    assert op.body is not None and op.body.type.kind == "any"
    assert op.success is not None and op.success.type.kind == "any"
    assert [(w.pointer, w.message.split(":")[0]) for w in report.warnings] == [
        (
            "/paths/~1things/post/responses/200/content/application~1json/schema",
            "response taken as any JSON value",
        ),
        (
            "/paths/~1things/post/requestBody/content/application~1json/schema",
            "body taken as any JSON value",
        ),
    ]


# --------------------------------------------------------------------------------------------
# 2. Parameters described by ``content``


def test_content_parameters_are_sent_as_json_text(
    pkg: ModuleType, client: Any, server: Server
) -> None:
    server.answer(httpx.Response(200, json=["found"]))
    assert client.search(filter={"name": "a b", "size": 2}, x_context=[1, 2]) == ["found"]
    request = server.last
    raw_query = request.url.query.decode()
    assert raw_query.startswith("filter=") and "&" not in raw_query
    assert json.loads(unquote(raw_query[len("filter=") :])) == {"name": "a b", "size": 2}
    assert request.headers["x-context"] == "[1,2]"
    with pytest.raises(pkg.errors.RequestValidationError, match="filter"):
        client.search(filter={"size": "big"})


# --------------------------------------------------------------------------------------------
# 3. Path items by ``$ref``


def test_path_items_by_reference_are_generated(client: Any, server: Server) -> None:
    server.answer(httpx.Response(200, text="shared", headers={"content-type": "text/plain"}))
    assert client.get_shared() == "shared"
    assert server.last.url == f"{BASE}/shared"
    client.get_plain_alias()
    assert server.last.url == f"{BASE}/plain-alias"


def test_iter_operations_resolves_references_and_3_2_methods() -> None:
    spec = {
        "paths": {
            "/a": {"$ref": "#/components/pathItems/A", "summary": "kept"},
            "/b": {"$ref": "#/paths/~1a"},
            "/c": {
                "query": {"responses": {}},
                "additionalOperations": {"COPY": {"responses": {}}},
            },
            "/d": {"$ref": "#/components/pathItems/Missing"},
        },
        "components": {"pathItems": {"A": {"get": {"operationId": "getA"}}}},
    }
    found = [
        (f.path, f.method, f.pointer, f.path_item.get("summary")) for f in iter_operations(spec)
    ]
    assert found == [
        ("/a", "GET", "/components/pathItems/A/get", "kept"),
        ("/b", "GET", "/components/pathItems/A/get", "kept"),  # /a's own keys come along
        ("/c", "QUERY", "/paths/~1c/query", None),
        ("/c", "COPY", "/paths/~1c/additionalOperations/COPY", None),
    ]


def test_operation_ids_of_a_path_item_referenced_twice_are_not_duplicates() -> None:
    spec = minimal_spec(
        {
            "/a": {"$ref": "#/components/pathItems/A"},
            "/b": {"$ref": "#/components/pathItems/A"},
        }
    )
    spec["components"] = {
        "pathItems": {
            "A": {"get": {"operationId": "getA", "responses": {"204": {"description": "ok"}}}}
        }
    }
    built = build_api(spec, "spec.yaml", Target("p", "P"), Report("spec.yaml"))
    assert [(op.method_name, op.path) for op in built.api.operations] == [
        ("get_a", "/a"),
        ("get_a_2", "/b"),
    ]


# --------------------------------------------------------------------------------------------
# 4. OpenAPI 3.2: QUERY, additionalOperations, querystring, itemSchema


@pytest.fixture(scope="module")
def three_two(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    folder = tmp_path_factory.mktemp("three_two")
    source = load_document(FIXTURES / "openapi32.yaml")
    generation, report = generate(source.data, "three_two_ops", folder)
    assert (generation.operations, generation.operations_total, report.warnings) == (4, 4, [])
    return load_package(folder, "three_two_ops")


def three_two_client(module: ModuleType, server: Server) -> Any:
    transport = httpx.MockTransport(server)
    return module.Api(base_url=BASE, http_client=httpx.Client(transport=transport))


def test_query_method_reads_json_lines(three_two: ModuleType, server: Server) -> None:
    lines = b'{"id": 1, "name": "a"}\n\n{"id": 2}\n'
    server.answer(httpx.Response(200, content=lines, headers={"content-type": "application/jsonl"}))
    items = three_two_client(three_two, server).query_items(body={"text": "x"})
    assert items == [three_two.models.Item(id=1, name="a"), three_two.models.Item(id=2)]
    assert server.last.method == "QUERY"
    assert json.loads(server.last.content) == {"text": "x"}
    assert server.last.headers["accept"] == "application/jsonl"


def test_additional_operation_uses_its_custom_method(three_two: ModuleType, server: Server) -> None:
    three_two_client(three_two, server).purge_items()
    assert (server.last.method, server.last.url) == ("PURGE", f"{BASE}/items")


def test_querystring_parameter_is_the_whole_query(three_two: ModuleType, server: Server) -> None:
    stream = b"event: add\ndata: one\ndata: two\nid: 7\n\n: a comment\ndata: three\n\n"
    server.answer(
        httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"})
    )
    events = three_two_client(three_two, server).search_items(
        criteria={"q": "a&b", "tag": ["x", "y"]}
    )
    assert server.last.url.query == b"q=a%26b&tag=x&tag=y"
    assert [e.model_dump(exclude_none=True) for e in events] == [
        {"event": "add", "data": "one\ntwo", "id": "7"},
        {"data": "three"},
    ]


def test_json_lines_request_body(three_two: ModuleType, server: Server) -> None:
    three_two_client(three_two, server).import_items(body=[{"id": 1}, {"id": 2, "name": "b"}])
    assert server.last.headers["content-type"] == "application/jsonl"
    assert server.last.content == b'{"id":1}\n{"id":2,"name":"b"}\n'


# --------------------------------------------------------------------------------------------
# 5. A spec without operations


def minimal_spec(paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Minimal", "version": "1"},
        "servers": [{"url": BASE}],
        "paths": paths,
    }


def test_spec_without_operations_generates_an_importable_package(tmp_path: Path) -> None:
    generation, report = generate(minimal_spec({}), "empty_ops", tmp_path)
    assert (generation.operations, generation.operations_total, report.warnings) == (0, 0, [])
    assert "declares no operations" in generation.files["README.md"]
    module = load_package(tmp_path, "empty_ops")
    with module.Api() as api:
        assert api.base_url == BASE


# --------------------------------------------------------------------------------------------
# 6. Names the templates add


def test_pager_name_does_not_shadow_an_operation(
    pkg: ModuleType, client: Any, server: Server
) -> None:
    """``iterListEvents`` keeps its name; the pager of ``listEvents`` is numbered instead."""
    server.answer(httpx.Response(204))
    assert client.iter_list_events() is None
    assert server.last.url == f"{BASE}/events/iter"
    server.answer(httpx.Response(200, json={"items": ["a", "b"], "total": 2}))
    assert list(client.iter_list_events_2()) == ["a", "b"]
    assert server.last.url.path == "/events"


def test_server_constant_does_not_shadow_a_client_module_name(tmp_path: Path) -> None:
    spec = minimal_spec({})
    spec["servers"] = [
        {"url": "https://a.example.com", "description": "Default base URL"},
        {"url": "https://b.example.com", "description": "Default max retries"},
        {"url": "https://c.example.com", "description": "Not given"},
        {"url": "https://d.example.com", "description": "Type checking"},
    ]
    generate(spec, "servers_ops", tmp_path)
    module = load_package(tmp_path, "servers_ops")
    assert module.Api.DEFAULT_BASE_URL2 == "https://a.example.com"
    assert module.Api.DEFAULT_MAX_RETRIES2 == "https://b.example.com"
    assert module.Api.NOT_GIVEN2 == "https://c.example.com"
    assert module.Api.TYPE_CHECKING2 == "https://d.example.com"
    client_module = importlib.import_module("servers_ops._client")
    # the runtime's own names are intact
    assert client_module.DEFAULT_MAX_RETRIES == 2
    assert client_module.NOT_GIVEN is importlib.import_module("servers_ops._base").NOT_GIVEN
    assert client_module.TYPE_CHECKING is False
    assert client_module.DEFAULT_BASE_URL == "https://a.example.com"
    assert module.Api().timeout == httpx.Timeout(60.0, connect=10.0)
    assert module.Api(timeout=None).timeout is None


def test_operation_named_like_a_client_method_is_renamed(client: Any, server: Server) -> None:
    client.close_2()
    assert server.last.url == f"{BASE}/close"
    client.close()  # still the client's own close


# --------------------------------------------------------------------------------------------
# 7. Path-level parameters overridden, default and range responses


def test_operation_parameter_overrides_the_path_level_one(client: Any, server: Server) -> None:
    server.answer(httpx.Response(200, json={"id": "x"}))
    client.overridden(id=3, mode=True)
    assert server.last.url == f"{BASE}/overrides/3?mode=true"
    with pytest.raises(TypeError):
        client.overridden(id=3)  # required at the operation level


def test_default_response_is_the_error_model(pkg: ModuleType, client: Any, server: Server) -> None:
    server.answer(httpx.Response(418, json={"message": "teapot"}))
    with pytest.raises(pkg.errors.APIStatusError) as caught:
        client.overridden(id=1, mode=False)
    assert caught.value.body == pkg.models.Problem(message="teapot")


def test_lone_default_response_is_the_success(pkg: ModuleType, client: Any, server: Server) -> None:
    server.answer(httpx.Response(200, json={"id": "d"}))
    assert client.only_default() == pkg.models.Meta(id="d")
    server.answer(httpx.Response(500, json={"id": "e"}))
    with pytest.raises(pkg.errors.InternalServerError):
        client.only_default(max_retries=0)


def test_range_success_with_default_error(pkg: ModuleType, client: Any, server: Server) -> None:
    server.answer(httpx.Response(202, json={"id": "r"}))
    assert client.ranged() == pkg.models.Meta(id="r")
    server.answer(httpx.Response(404, json={"message": "gone"}))
    with pytest.raises(pkg.errors.NotFoundError) as caught:
        client.ranged()
    assert caught.value.body == pkg.models.Problem(message="gone")


def test_success_status_is_not_read_as_the_default_error_model(
    pkg: ModuleType, server: Server
) -> None:
    """A 2xx an operation does not declare is no error body: the call returns its result."""
    op = pkg._operations.OVERRIDDEN
    assert op.response_for(204) is None
    assert op.response_for(503) is op.responses["default"]


# --------------------------------------------------------------------------------------------
# Typing: the generated package and calls into it pass ``mypy --strict``


USAGE = """
from __future__ import annotations

import io

from constructs_ops import Api, forms, models


def calls(api: Api) -> None:
    form: forms.UploadFileForm = {"file": ("a.txt", b"x", "text/plain"), "purpose": "batch"}
    meta: models.Meta = api.upload_file(body=form)
    api.upload_file(body={"file": io.BytesIO(b"x"), "purpose": "assistants", "tags": ["t"]})
    api.put_blob(name="n", body=open("f", "rb"))
    api.create_token(body={"grant_type": "g"})
    print(meta, api.search(filter=models.SearchFilter(name="n")))


def wrong(api: Api) -> None:
    api.upload_file(body={"file": 1, "purpose": "batch"})
    api.upload_file(body={"file": b"x", "purpose": "other"})
"""


def test_generated_package_and_calls_pass_mypy_strict(
    built: dict[str, Any], tmp_path: Path
) -> None:
    folder: Path = built["folder"]
    (tmp_path / "usage.py").write_text(USAGE)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
         str(tmp_path / "cache"), str(folder / "constructs_ops"), str(tmp_path / "usage.py")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    wrong_start = USAGE[: USAGE.index("def wrong")].count("\n") + 1
    assert [line for line in errors if "usage.py" not in line] == []
    lines = sorted(int(line.split(":")[1]) for line in errors)
    assert lines == [wrong_start + 1, wrong_start + 2], proc.stdout


def test_unknown_parameter_location_is_a_warning_not_a_drop() -> None:
    spec = minimal_spec(
        {
            "/a": {
                "get": {
                    "operationId": "getA",
                    "parameters": [{"name": "x", "in": "body", "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "ok"}},
                }
            }
        }
    )
    report = Report("spec.yaml")
    built = build_api(spec, "spec.yaml", Target("p", "P"), report)
    assert len(built.api.operations) == 1
    assert [w.message for w in report.warnings] == [
        "parameter 'x' ignored: 'in: body' is not a parameter location"
    ]
    with pytest.raises(SpecgenError):
        build_api(spec, "spec.yaml", Target("p", "P"))


def test_forms_without_declared_fields_and_wildcard_json_answers(
    tmp_path: Path, server: Server
) -> None:
    """LibreTranslate's spec: form bodies with a bare string schema take any fields, files
    included; ``*/*`` answers with an object schema are read as JSON."""
    source = load_document(FIXTURES / "loose_forms.yaml")
    assert validate_spec(source.data, source) == []
    generation, report = generate(source.data, "loose_forms_ops", tmp_path)
    assert (generation.operations, report.warnings) == (2, [])
    module = load_package(tmp_path, "loose_forms_ops")
    api = module.Api(base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(server)))
    server.answer(httpx.Response(200, json={"translatedText": "hola"}))
    assert api.post_translate(body={"q": "hello", "target": "es"}).translated_text == "hola"
    assert server.last.content == b"q=hello&target=es"
    server.answer(httpx.Response(400, json={"error": "bad"}))
    with pytest.raises(module.errors.BadRequestError) as caught:
        api.post_translate(body={"q": "x"})
    assert caught.value.body == module.models.Error(error="bad")
    server.answer(httpx.Response(200, content=b"%PDF", headers={"content-type": "application/pdf"}))
    result = api.post_translate_file(body={"file": ("a.txt", b"hi", "text/plain"), "target": "de"})
    assert result == b"%PDF"
    assert [describe(p) for p in parts(server.last)] == [
        ("file", "a.txt", "text/plain", b"hi"),
        ("target", None, None, b"de"),
    ]


def test_package_readme_names_form_and_binary_operations(built: dict[str, Any]) -> None:
    readme = built["generation"].files["README.md"]
    assert "Operations with a form body: `upload_file`, `create_token`." in readme
    assert "Operations with a binary body: `put_blob`." in readme
    assert "| `list_events` / `iter_list_events_2` | `GET /events` |" in readme
