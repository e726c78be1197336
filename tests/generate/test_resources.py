"""Resources by tag (issue 11): a large API's operations as ``client.<resource>.<method>``.

A shop spec with two tags over the threshold (and one untagged operation) is generated once with
the python, reference and cli sets, imported under a package name of its own and called through
``httpx.MockTransport``; the rule's settings are checked both ways on the IR, and the resource
modules for lazy loading in a fresh interpreter.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from generator.build import Target, build_api
from generator.build.resources import RESOURCE_THRESHOLD
from generator.cli import main
from generator.errors import Report, SpecgenError
from generator.fmt import format_python
from generator.load import load_document
from generator.pipeline import generate_in_memory
from generator.project import read_config
from generator.render import render_sets
from generator.template_sets import Templates
from generator.write import write_package
from tests.support.apis import all_cases
from tests.support.lint import lint_problems

BASE = "https://shop.example.com"
PACKAGE = "resource_shop"
BIN = Path(sys.executable).parent


def _op(op_id: str, tags: list[str] | None, *, params: tuple[str, ...] = ()) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "summary": f"Run {op_id}.",
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ],
        "responses": {
            "200": {
                "description": "the pet",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
            }
        },
    }
    if tags is not None:
        op["tags"] = tags
    return op


def _paged(op_id: str, tags: list[str]) -> dict[str, Any]:
    """An offset-paged list of pets (``x-pagination``)."""
    page = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
            "total": {"type": "integer"},
        },
    }
    return {
        "operationId": op_id,
        "tags": tags,
        "parameters": [
            {"name": n, "in": "query", "schema": {"type": "integer"}} for n in ("offset", "limit")
        ],
        "x-pagination": {
            "style": "offset",
            "offsetParam": "offset",
            "limitParam": "limit",
            "items": "/items",
            "total": "/total",
        },
        "responses": {
            "200": {"description": "a page", "content": {"application/json": {"schema": page}}}
        },
    }


def shop_spec(extra: int = RESOURCE_THRESHOLD) -> dict[str, Any]:
    """Pets and stores with GitHub-style operationIds, ``extra`` filler operations besides,
    tags named like a builtin and like the models module, and one operation without a tag."""
    paths: dict[str, Any] = {
        "/animals": {
            "get": _op("animals/list", ["animals"]),
            "post": _op("animals/create", ["animals", "x"]),
        },
        "/animals/{pet_id}": {"get": _op("animals/get", ["animals"], params=("pet_id",))},
        "/stores/{store_id}": {"delete": _op("deleteStore", ["stores"], params=("store_id",))},
        "/types": {"get": _op("type/list-all", ["type"])},
        "/models": {"get": _op("models/get", ["models"])},  # client.models_: models.Pet stays
        "/animals/pages": {"get": _paged("animals/list-pages", ["animals"])},
        "/health": {"get": _op("health", None)},
    }
    for i in range(extra):
        paths[f"/stores/filler/{i}"] = {"get": _op(f"stores/filler-{i}", ["stores"])}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1"},
        "servers": [{"url": BASE}],
        "tags": [{"name": "animals", "description": "Pets for sale."}, {"name": "stores"}],
        "paths": paths,
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                }
            }
        },
    }


def built(spec: dict[str, Any], resources: Any = "auto") -> Any:
    return build_api(spec, "shop.json", Target(PACKAGE, "Shop", resources=resources)).api


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop package (python, reference and cli sets), written once."""
    out = tmp_path_factory.mktemp("resources")
    sets = Templates().for_api(("python", "reference", "cli"))
    report = Report("shop.json")
    generation = generate_in_memory(shop_spec(), "shop.json", Target(PACKAGE, "Shop"), sets, report)
    report.raise_for(strict=True)
    write_package(out / PACKAGE, generation.files)
    return out / PACKAGE


@pytest.fixture(scope="module")
def package(folder: Path) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def pet_server(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 7, "name": "Rex"})

    return httpx.MockTransport(answer)


# 1. The rule, decided once in the builder


def test_auto_groups_a_multi_tag_api_over_the_threshold() -> None:
    api = built(shop_spec())
    assert [r.attribute for r in api.resources] == ["animals", "stores", "type_", "models_"]
    animals = api.resources[0]
    assert (animals.class_name, animals.async_class_name) == (
        "AnimalsResource",
        "AsyncAnimalsResource",
    )
    assert animals.description == "Pets for sale."
    assert [op.method_name for op in animals.operations] == ["list_", "create", "get", "list_pages"]
    calls = ["animals.list_", "animals.create", "animals.get", "animals.list_pages"]
    assert [op.call for op in animals.operations] == calls
    assert animals.operations[-1].pager_call == "animals.iter_list_pages"
    # An operationId without the tag's words keeps them all; the one untagged stays on the client.
    stores = {op.operation_id: op for op in api.resources[1].operations}
    assert stores["deleteStore"].call == "stores.delete_store"
    assert [op.call for op in api.client_operations] == ["health"]


@pytest.mark.parametrize(
    ("spec", "mode", "expected"),
    [
        (shop_spec(), "flat", []),  # forced flat over the threshold
        (shop_spec(extra=0), "auto", []),  # under the threshold
        (shop_spec(extra=0), "tags", ["animals", "stores", "type_", "models_"]),  # forced under it
    ],
)
def test_the_rule_can_be_forced_either_way(spec: Any, mode: str, expected: list[str]) -> None:
    api = built(spec, mode)
    assert [r.attribute for r in api.resources] == expected
    if not expected:
        assert api.client_operations == api.operations
        assert all(op.call == op.method_name and not op.resource for op in api.operations)


def test_a_single_tag_stays_flat_under_auto() -> None:
    spec = shop_spec()
    for path_item in spec["paths"].values():
        for op in path_item.values():
            op["tags"] = ["stores"]
    assert built(spec).resources == ()


def test_the_four_apis_stay_flat() -> None:
    for case in all_cases():
        assert case.ir.resources == (), case.key


# 2. The generated package


def test_calls_through_a_resource_reach_their_urls(package: ModuleType) -> None:
    seen: list[httpx.Request] = []
    client = package.Shop(http_client=httpx.Client(transport=pet_server(seen)))
    pet = client.animals.get(pet_id="7")
    assert (pet.id, pet.name) == (7, "Rex")
    client.stores.delete_store(store_id="s 1")
    client.type_.list_all()
    client.health()
    assert [(r.method, str(r.url)) for r in seen] == [
        ("GET", f"{BASE}/animals/7"),
        ("DELETE", f"{BASE}/stores/s%201"),
        ("GET", f"{BASE}/types"),
        ("GET", f"{BASE}/health"),
    ]
    assert client.animals is client.animals  # one resource object per client


def test_raw_responses_through_a_resource_in_both_spellings(package: ModuleType) -> None:
    """``client.with_raw_response.animals.get`` and ``client.animals.with_raw_response.get``
    (the Stainless spellings) are one view; a copy from ``with_options`` gets its own."""
    seen: list[httpx.Request] = []
    client = package.Shop(http_client=httpx.Client(transport=pet_server(seen)))
    first = client.with_raw_response.animals.get(pet_id="7")
    second = client.animals.with_raw_response.get(pet_id="8")
    health = client.with_raw_response.health()
    assert client.with_raw_response.animals is client.animals.with_raw_response
    assert (first.status_code, first.parse().name) == (200, "Rex")
    assert first.http_response.request.url == f"{BASE}/animals/7"
    assert second.parse().id == 7
    assert health.status_code == 200
    assert [str(r.url) for r in seen] == [
        f"{BASE}/animals/7",
        f"{BASE}/animals/8",
        f"{BASE}/health",
    ]
    other = client.with_options(headers={"X-Copy": "1"})
    other.with_raw_response.animals.get(pet_id="1")
    assert seen[-1].headers["x-copy"] == "1"
    assert other.animals is not client.animals

    async def run() -> Any:
        transport = pet_server(seen)
        async with package.AsyncShop(http_client=httpx.AsyncClient(transport=transport)) as c:
            return await c.with_raw_response.animals.get(pet_id="9")

    raw = asyncio.run(run())
    assert raw.status_code == 200 and raw.parse().id == 7


def test_async_calls_through_a_resource_reach_their_urls(package: ModuleType) -> None:
    seen: list[httpx.Request] = []

    async def run() -> Any:
        transport = pet_server(seen)
        async with package.AsyncShop(http_client=httpx.AsyncClient(transport=transport)) as c:
            return await c.animals.get(pet_id="9"), await c.animals.create()

    got, created = asyncio.run(run())
    assert got.id == 7 and created.name == "Rex"
    assert [(r.method, str(r.url)) for r in seen] == [
        ("GET", f"{BASE}/animals/9"),
        ("POST", f"{BASE}/animals"),
    ]


def test_a_resource_module_is_imported_on_first_use_only(folder: Path) -> None:
    script = f"""
import sys
import {PACKAGE}
loaded = sorted(m for m in sys.modules if m.startswith("{PACKAGE}.resources"))
assert not loaded, loaded
client = {PACKAGE}.Shop()
client.animals
assert "{PACKAGE}.resources.animals" in sys.modules
assert "{PACKAGE}.resources.animals._operations" in sys.modules
assert "{PACKAGE}.resources.stores" not in sys.modules
print("ok")
"""
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert run.stdout.strip() == "ok", run.stderr


def test_the_package_has_one_module_per_resource(folder: Path) -> None:
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("resources/**/*.py"))
    assert found == [
        f"{PACKAGE}/resources/__init__.py",
        f"{PACKAGE}/resources/animals/__init__.py",
        f"{PACKAGE}/resources/animals/_operations.py",
        f"{PACKAGE}/resources/models_/__init__.py",
        f"{PACKAGE}/resources/models_/_operations.py",
        f"{PACKAGE}/resources/stores/__init__.py",
        f"{PACKAGE}/resources/stores/_operations.py",
        f"{PACKAGE}/resources/type_/__init__.py",
        f"{PACKAGE}/resources/type_/_operations.py",
    ]
    descriptors = (folder / PACKAGE / "_operations.py").read_text()
    assert "HEALTH" in descriptors and "animals/get" not in descriptors


@pytest.fixture(scope="module")
def all_in_resources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package whose every operation is in a resource: the client has no methods."""
    spec = shop_spec(extra=0)
    del spec["paths"]["/health"]
    out = tmp_path_factory.mktemp("all-in-resources")
    report = Report("shop.json")
    target = Target(PACKAGE, "Shop", resources="tags")
    sets = Templates().for_api(("python", "reference", "cli"))
    generation = generate_in_memory(spec, "shop.json", target, sets, report)
    report.raise_for(strict=True)
    write_package(out / PACKAGE, generation.files)
    assert not (out / PACKAGE / PACKAGE / "_operations.py").exists()
    return out / PACKAGE


def test_import_loads_neither_httpx_nor_pydantic_until_a_client_is_made(
    all_in_resources: Path,
) -> None:
    script = f"""
import sys
import {PACKAGE}
heavy = ("httpx", "pydantic", "pydantic_core", "asyncio")
assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]
import httpx
answer = lambda request: httpx.Response(200, json={{"id": 7, "name": "Rex"}})
client = {PACKAGE}.Shop(http_client=httpx.Client(transport=httpx.MockTransport(answer)))
needed = ("pydantic.main", "pydantic.type_adapter", "{PACKAGE}._spec", "{PACKAGE}._logging")
assert all(m in sys.modules for m in needed), [m for m in needed if m not in sys.modules]
assert client.animals.get(pet_id="9").name == "Rex"
print("ok")
"""
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=all_in_resources,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.strip() == "ok", run.stderr


@pytest.mark.parametrize("which", ["folder", "all_in_resources"])
def test_mypy_strict_and_ruff_pass_on_the_package(
    which: str, request: pytest.FixtureRequest
) -> None:
    folder = request.getfixturevalue(which)
    assert lint_problems(folder, PACKAGE) == ""


def test_the_cli_calls_a_resource_method(package: ModuleType) -> None:
    seen: list[httpx.Request] = []
    commands = importlib.import_module(f"{PACKAGE}._commands")
    cli = importlib.import_module(f"{PACKAGE}._cli")
    out = io.StringIO()
    status = cli.main(
        commands.TOOL,
        ["animals-get", "--pet-id", "3"],
        environ={},
        http_client=httpx.Client(transport=pet_server(seen)),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert status in (None, 0)
    assert [str(r.url) for r in seen] == [f"{BASE}/animals/3"]
    assert json.loads(out.getvalue()) == {"id": 7, "name": "Rex"}


def test_the_reference_and_readme_show_resource_calls(folder: Path) -> None:
    reference = (folder / "REFERENCE.md").read_text()
    assert "### animals.get" in reference
    assert 'result = client.animals.get(pet_id="...")' in reference
    readme = (folder / "README.md").read_text()
    assert "client.animals.list_()" in readme
    assert "grouped by tag into 4 resources" in readme
    assert "`animals-get`" in (folder / "CLI.md").read_text()


# 3. The settings: specgen.yaml and the command line


@pytest.mark.parametrize(("line", "expected"), [("", "auto"), ("resources: tags\n", "tags")])
def test_the_config_chooses_the_rule(tmp_path: Path, line: str, expected: str) -> None:
    config = tmp_path / "specgen.yaml"
    config.write_text(f"name: Shop\npackage: shop\nclient_class: Shop\nspec: s.json\n{line}")
    assert read_config(load_document(config)).resources == expected


def test_a_bad_rule_in_the_config_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "specgen.yaml"
    config.write_text("name: S\npackage: shop\nclient_class: Shop\nspec: s.json\nresources: yes\n")
    with pytest.raises(SpecgenError) as caught:
        read_config(load_document(config))
    message = str(caught.value)
    assert "specgen.yaml" in message and "/resources" in message
    assert "'resources' must be one of auto, tags, flat, not True" in message


def test_the_command_line_forces_the_rule_for_a_spec(tmp_path: Path) -> None:
    spec = tmp_path / "shop.json"
    spec.write_text(json.dumps(shop_spec(extra=0)))
    runner = CliRunner()
    for mode, grouped in (("tags", True), ("flat", False)):
        out = tmp_path / mode
        argv = ["generate", "--spec", str(spec), "--package", "shop", "--resources", mode]
        result = runner.invoke(main, [*argv, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert (out / "shop" / "shop" / "resources").is_dir() is grouped
    wrong = runner.invoke(main, ["generate", "--spec", str(spec), "--resources", "some"])
    assert wrong.exit_code == 2
    alone = runner.invoke(main, ["generate", "--resources", "tags"])
    assert alone.exit_code == 2  # --resources without --spec: bad usage
    assert "go with --spec" in alone.output


# 4. Black's style: what the resource templates write, black leaves as it is


def test_what_the_resource_templates_write_black_leaves_unchanged() -> None:
    """The module header and classes of a resource, the resources package and the client's
    resource attributes and imports (a long tag's wrapped as isort wraps them). The methods'
    bodies come from ``_method.j2``'s macros, whose own style is theirs to keep."""
    spec = shop_spec(extra=3)
    tag = "enterprise-team-organizations"
    spec["paths"]["/teams"] = {"get": _op(f"{tag}/list", [tag])}
    spec["tags"].append({"name": tag, "description": "A tag " + "very " * 30 + "long."})
    api = build_api(spec, "shop.json", Target(PACKAGE, "Shop", resources="tags")).api
    files = render_sets(api, Templates().for_api(("python",)), {"models": lambda: ""}).files
    package = f"{PACKAGE}/resources/__init__.py"
    assert format_python(package, files[package]) == files[package]
    for resource in api.resources:
        name = f"{PACKAGE}/resources/{resource.module}/__init__.py"
        raw = files[name]
        header = raw[: raw.index("\n    def ")]
        assert format_python(name, raw).startswith(header), name
    raw = files[f"{PACKAGE}/_client.py"]
    formatted = format_python("_client.py", raw)
    blocks = re.findall(r"\nif TYPE_CHECKING:\n(?:    .*\n)+", raw)
    blocks += re.findall(r"    @cached_property\n.*?return \w+\(self\)\n", raw, re.DOTALL)
    # the imports, each resource attribute of both clients, and both ``with_raw_response``
    assert len(blocks) == 1 + 2 * len(api.resources) + 2
    assert "    from .resources.enterprise_team_organizations import (\n" in raw
    for block in blocks:
        assert block in formatted, block


def test_a_resource_pages_sync_and_async(package: ModuleType) -> None:
    pets = [{"id": i, "name": f"pet {i}"} for i in range(5)]
    offsets: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset") or 0)
        offsets.append(request.url.params.get("offset"))
        return httpx.Response(200, json={"items": pets[offset : offset + 2], "total": 5})

    client = package.Shop(http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    assert [p.id for p in client.animals.iter_list_pages(limit=2)] == [0, 1, 2, 3, 4]

    async def walk() -> list[int]:
        transport = httpx.MockTransport(answer)
        async with package.AsyncShop(http_client=httpx.AsyncClient(transport=transport)) as c:
            return [p.id async for p in c.animals.iter_list_pages(limit=2)]

    assert asyncio.run(walk()) == [0, 1, 2, 3, 4]
    assert offsets == [None, "2", "4"] * 2


def test_the_cli_walks_a_resource_pager(package: ModuleType) -> None:
    commands = importlib.import_module(f"{PACKAGE}._commands")
    cli = importlib.import_module(f"{PACKAGE}._cli")

    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset") or 0)
        items = [{"id": i, "name": "x"} for i in range(offset, min(offset + 2, 3))]
        return httpx.Response(200, json={"items": items, "total": 3})

    out = io.StringIO()
    cli.main(
        commands.TOOL,
        ["animals-list-pages", "--limit", "2", "--all"],
        environ={},
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [0, 1, 2]
