"""The models of an API grouped into resources: a package whose modules load on first use.

A zoo spec (``resources: tags``) with recursive, mutually recursive, inherited and date-time
models is generated once, and the same spec flat, for comparison. The package is imported in
fresh interpreters to see what each step loads (``sys.modules``); a hypothesis property checks
on random reference graphs (cycles included) that every class of the split models has the JSON
schema of the same class in the single module, and that importing it loads only its closure.
"""

from __future__ import annotations

import ast
import importlib
import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Target, build_api
from generator.cache import Cache
from generator.errors import Report
from generator.models import ALLOWED_IMPORTS, MAX_LAZY_DEPTH, generate_models
from generator.models_split import split_models
from generator.pipeline import _models_package, generate_in_memory
from generator.template_sets import BUILTIN_ROOT, Templates
from generator.write import write_package
from tests.support.black_stable import unstable
from tests.support.lint import lint_problems

PACKAGE = "zoo_lazy"
FLAT = "zoo_flat"
BASE = "https://zoo.example.com"
BIN = Path(sys.executable).parent


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _get(op_id: str, tag: str, schema: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {
        "operationId": op_id,
        "tags": [tag],
        "responses": {"200": {"description": "ok", "content": content}},
    }


def zoo_spec() -> dict[str, Any]:
    """Two tags; a tree (self-recursive), keepers and animals referring to each other, an
    inherited model with a date-time, and a model only one operation of each tag reads."""
    obj = {"type": "object"}
    schemas = {
        "Node": {**obj, "properties": {"label": {"type": "string"}, "children": {
            "type": "array", "items": _ref("Node")}}},
        "Keeper": {**obj, "properties": {"name": {"type": "string"}, "animals": {
            "type": "array", "items": _ref("Animal")}}},
        "Animal": {**obj, "properties": {"name": {"type": "string"}, "keeper": _ref("Keeper"),
                                         "home": _ref("Enclosure")}},
        "Enclosure": {**obj, "properties": {"size": {"type": "integer"}}},
        "Visit": {"allOf": [_ref("Event"), {**obj, "properties": {"guest": {"type": "string"}}}]},
        "Event": {**obj, "properties": {"at": {"type": "string", "format": "date-time"}}},
        "Ticket": {**obj, "properties": {"price": {"type": "number"}}},
    }  # fmt: skip
    paths = {
        "/tree": {"get": _get("tree/get", "tree", _ref("Node"))},
        "/keepers": {"get": _get("keepers/get", "keepers", _ref("Keeper"))},
        "/visits": {"get": _get("visits/list", "tree", {"type": "array", "items": _ref("Visit")})},
        "/tickets": {
            "post": {
                **_get("tickets/create", "keepers", _ref("Ticket")),
                "requestBody": {"content": {"application/json": {"schema": _ref("Ticket")}}},
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Zoo", "version": "1"},
        "servers": [{"url": BASE}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _generate(out: Path, package: str, resources: str, sets: tuple[str, ...]) -> Path:
    report = Report("zoo.json")
    target = Target(package, "Zoo", resources=resources)
    generation = generate_in_memory(
        zoo_spec(), "zoo.json", target, Templates().for_api(sets), report
    )
    report.raise_for(strict=True)
    write_package(out / package, generation.files)
    return out / package


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("lazy"), PACKAGE, "tags", ("python", "cli"))


@pytest.fixture(scope="module")
def flat_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("flat"), FLAT, "flat", ("python",))


def _imported(folder: Path, package: str) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


def _run(folder: Path, script: str) -> Any:
    """What ``script`` prints (JSON), run in a fresh interpreter in ``folder``."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


LOADED = f"""
import json, sys
def loaded():
    return sorted(m.rpartition(".")[2] for m in sys.modules if m.startswith("{PACKAGE}.models."))
"""


def test_the_models_are_a_package_of_modules(folder: Path) -> None:
    models = folder / PACKAGE / "models"
    assert not (folder / PACKAGE / "models.py").exists()
    found = sorted(p.name for p in models.glob("*.py"))
    assert found == [
        "__init__.py",
        "animal.py",  # Animal and Keeper refer to each other: one module, named after the first
        "enclosure.py",
        "event.py",
        "node.py",
        "ticket.py",
        "visit.py",
    ]
    assert "class Keeper(" in (models / "animal.py").read_text()
    assert "from .enclosure import Enclosure\n" in (models / "animal.py").read_text()


def test_importing_the_package_and_a_resource_loads_no_model(folder: Path) -> None:
    script = f"""{LOADED}
import {PACKAGE}
before = loaded()
client = {PACKAGE}.Zoo()
client.tree, client.keepers
print(json.dumps([before, loaded()]))
"""
    assert _run(folder, script) == [[], []]


def test_a_call_loads_only_the_models_it_reads(folder: Path) -> None:
    script = f"""{LOADED}
import httpx, {PACKAGE}
body = {{"name": "Ann", "animals": [{{"name": "Rex", "keeper": {{"name": "Bob"}}}}]}}
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
client = {PACKAGE}.Zoo(http_client=httpx.Client(transport=transport))
keeper = client.keepers.get()
print(json.dumps([loaded(), keeper.animals[0].keeper.name]))
"""
    assert _run(folder, script) == [["animal", "enclosure"], "Bob"]


def test_every_name_resolves_the_usual_ways(folder: Path) -> None:
    package = _imported(folder, PACKAGE)
    models = package.models
    assert models.__all__ == [
        "Animal",
        "Enclosure",
        "Event",
        "Keeper",
        "Node",
        "Ticket",
        "Visit",
    ]
    for name in models.__all__:
        value = getattr(models, name)
        assert value.__name__ == name
        assert value.__module__.startswith(f"{PACKAGE}.models.")
        assert name in dir(models)
    node = importlib.import_module(f"{PACKAGE}.models").Node
    assert node is models.Node
    with pytest.raises(AttributeError, match="has no attribute 'Lion'"):
        _ = models.Lion
    tree = models.Node.model_validate({"label": "a", "children": [{"label": "b"}]})
    assert pickle.loads(pickle.dumps(tree)) == tree
    visit = models.Visit.model_validate({"at": "2024-01-01T00:00:00.123456789Z", "guest": "x"})
    assert visit.model_dump(mode="json")["at"] == "2024-01-01T00:00:00.123456789Z"
    assert issubclass(models.Visit, models.Event)


def test_the_models_have_the_json_schemas_of_the_single_module(
    folder: Path, flat_folder: Path
) -> None:
    lazy = _imported(folder, PACKAGE).models
    flat = _imported(flat_folder, FLAT).models
    for name in lazy.__all__:
        assert getattr(lazy, name).model_json_schema() == getattr(flat, name).model_json_schema()


def test_calls_send_and_read_models_through_later_descriptors(folder: Path) -> None:
    package = _imported(folder, PACKAGE)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/tickets":
            return httpx.Response(200, json={"price": 4})
        return httpx.Response(200, json=[{"at": "2024-01-01T00:00:00Z", "guest": "Ann"}])

    client = package.Zoo(http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    (visit,) = client.tree.visits_list()
    assert visit.guest == "Ann"
    ticket = client.keepers.tickets_create(body={"price": 3.5})
    assert json.loads(seen[-1].content) == {"price": 3.5}
    assert isinstance(ticket, package.models.Ticket)
    operations = importlib.import_module(f"{PACKAGE}.resources.keepers._operations")
    assert "Later(lambda: models.Ticket)" in Path(operations.__file__ or "").read_text()


def test_the_cli_reads_body_fields_of_a_later_type(folder: Path) -> None:
    _imported(folder, PACKAGE)
    cli = importlib.import_module(f"{PACKAGE}._cli")
    operations = importlib.import_module(f"{PACKAGE}.resources.keepers._operations")
    spec = next(v for v in vars(operations).values() if getattr(v, "method", "") == "POST")
    assert [name for name, _, _ in cli._body_fields(spec)] == ["price"]


def test_the_flat_client_keeps_a_single_models_module(flat_folder: Path) -> None:
    assert (flat_folder / FLAT / "models.py").is_file()
    assert not (flat_folder / FLAT / "models").exists()
    assert "Later" not in (flat_folder / FLAT / "_operations.py").read_text()


def test_mypy_strict_and_ruff_pass_on_the_package(folder: Path) -> None:
    assert lint_problems(folder, PACKAGE) == ""


def test_mypy_sees_every_name_and_refuses_a_misspelt_one(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "use.py").write_text(
        f"from {PACKAGE} import models\n"
        f"from {PACKAGE}.models import Keeper\n\n"
        "def names(keeper: Keeper) -> models.Animal | None:\n"
        "    return keeper.animals[0] if keeper.animals else None\n\n"
        "lion = models.Lion\n"
    )
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(tmp_path / "use.py")],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.stdout.count(": error:") == 1, mypy.stdout
    assert 'use.py:7: error: Module has no attribute "Lion"' in mypy.stdout, mypy.stdout


def test_the_models_package_is_black_stable(folder: Path) -> None:
    for path in sorted((folder / PACKAGE / "models").glob("*.py")):
        assert unstable(path.read_text()) == [], path.name


# The property: random reference graphs, split or not, give the same models.


def _graph_spec(edges: list[list[tuple[int, bool]]]) -> dict[str, Any]:
    """Object schemas ``M0``... where ``M<i>`` refers to each ``(j, many)`` of ``edges[i]``
    (a list of them when ``many``)."""
    schemas: dict[str, Any] = {}
    for i, refs in enumerate(edges):
        properties: dict[str, Any] = {"name": {"type": "string"}}
        for n, (j, many) in enumerate(refs):
            ref = _ref(f"M{j}")
            properties[f"f{n}"] = {"type": "array", "items": ref} if many else ref
        schemas[f"M{i}"] = {"type": "object", "properties": properties}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": _ref("M0")}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "G", "version": "1"},
        "paths": {"/m": {"get": {"operationId": "m", "responses": ok}}},
        "components": {"schemas": schemas},
    }


@st.composite
def graphs(draw: st.DrawFn) -> list[list[tuple[int, bool]]]:
    size = draw(st.integers(1, 7))
    edge = st.tuples(st.integers(0, size - 1), st.booleans())
    return [draw(st.lists(edge, max_size=3, unique_by=lambda e: e[0])) for _ in range(size)]


def _reachable(edges: list[list[tuple[int, bool]]], start: int) -> set[int]:
    seen, pending = {start}, [start]
    while pending:
        for j, _ in edges[pending.pop()]:
            if j not in seen:
                seen.add(j)
                pending.append(j)
    return seen


_COUNTER = iter(range(1_000_000))


def _packages(code: str, root: Path) -> Iterator[ModuleType]:
    """The ``models`` of two packages under ``root``: ``code`` as one module, and split."""
    number = next(_COUNTER)
    types = (BUILTIN_ROOT / "python" / "runtime" / "_types.py").read_text()
    for kind, files in (("flat", {"models.py": code}), ("lazy", _in(split_models(code)))):
        name = f"graph_{kind}_{number}"
        for relative, text in {"__init__.py": "", "_types.py": types, **files}.items():
            path = root / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        yield _imported(root, f"{name}.models")


def _in(files: dict[str, str]) -> dict[str, str]:
    return {f"models/{name}": text for name, text in files.items()}


def _imported_modules(text: str) -> set[str]:
    """The modules ``text`` imports from (relative ones with their dots)."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _check_graph(edges: list[list[tuple[int, bool]]], root: Path) -> tuple[Any, Any]:
    api = build_api(_graph_spec(edges), "g.json", Target("g", "G")).api
    code = generate_models(api, "g.json")
    flat, lazy = _packages(code, root)
    modules = vars(lazy)["_MODULES"]
    start = len(edges) // 2
    cls = getattr(lazy, f"M{start}")  # loads its closure only
    loaded = {m.rpartition(".")[2] for m in sys.modules if m.startswith(f"{lazy.__name__}.")}
    assert loaded == {modules[f"M{j}"] for j in _reachable(edges, start)}
    assert cls.__module__ == f"{lazy.__name__}.{modules[f'M{start}']}"
    assert sorted(lazy.__all__) == sorted(f"M{i}" for i in range(len(edges)))
    files = split_models(code)
    for name, text in files.items():
        assert unstable(text) == [], name
        assert _imported_modules(text) <= ALLOWED_IMPORTS | {"importlib", "..", "._types"} | {
            f".{sibling.removesuffix('.py')}" for sibling in files
        }, name
    if len(edges) <= MAX_LAZY_DEPTH:  # pydantic's JSON schema of a deeper chain recurses too far
        for name in lazy.__all__:
            schema = getattr(lazy, name).model_json_schema()
            assert schema == getattr(flat, name).model_json_schema()
    return flat, lazy


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(edges=graphs())
def test_split_models_keep_their_json_schemas(edges: Any, tmp_path: Path) -> None:
    _check_graph(edges, tmp_path)


def test_a_chain_deeper_than_lazy_builds_allow_stays_eager(tmp_path: Path) -> None:
    """Past ``MAX_LAZY_DEPTH`` the models stage defines classes leaves first, built at import,
    with ``model_rebuild()`` for cycles: each module completes its own classes."""
    depth = MAX_LAZY_DEPTH + 4
    edges = [[(i + 1, False)] for i in range(depth - 1)] + [[(depth - 1, True)]]
    flat, lazy = _check_graph(edges, tmp_path)
    data: dict[str, Any] = {"name": "last", "f0": [{"name": "again"}]}
    for i in reversed(range(depth - 1)):
        data = {"name": str(i), "f0": data}
    assert lazy.M0.model_validate(data).model_dump() == flat.M0.model_validate(data).model_dump()
    code = generate_models(build_api(_graph_spec(edges), "g.json", Target("g", "G")).api, "g.json")
    assert "defer_build" not in code and ".model_rebuild()" in code


def test_module_names_are_portable_files_unlike_any_model() -> None:
    long = "Orgs" + "VerificationMaterial" * 6
    code = "\n\n\n".join(
        f"class {name}(BaseModel):\n    x: int | None = None"
        for name in ("Con", long, "Café", "用户", "node", "Node")
    )
    files = split_models(f"from pydantic import BaseModel\n\n\n{code}\n")
    assert sorted(files) == sorted(
        [
            "__init__.py",
            "cafe.py",
            "con_.py",  # a device name on Windows
            "node_2.py",  # ``node`` is a model's name: the package's attribute
            "node_3.py",
            "orgs_verification_material_verification_material_verification_material.py",
            "value.py",  # no ASCII word
        ]
    )
    assert "class 用户(BaseModel):" in files["value.py"]


def test_the_split_is_cached_by_the_models_code(tmp_path: Path) -> None:
    code = "from pydantic import BaseModel\n\n\nclass Pet(BaseModel):\n    name: str\n"
    cache = Cache(tmp_path)
    assert _models_package(code, cache) == split_models(code)
    assert (cache.hits, cache.misses) == (0, 1)
    assert len(list((tmp_path).rglob("models_package/*/*"))) == 1
    again = Cache(tmp_path)
    assert _models_package(code, again) == split_models(code)
    assert (again.hits, again.misses) == (1, 0)
    assert _models_package(code + "\n\nclass Cat(Pet):\n    pass\n", again)["cat.py"]
    assert again.misses == 1


def test_the_split_is_the_same_whatever_the_hash_seed(flat_folder: Path) -> None:
    """Sets iterate in another order under another ``PYTHONHASHSEED``: the files must not."""
    script = (
        "import json, sys\n"
        "from generator.models_split import split_models\n"
        "print(json.dumps(split_models(sys.stdin.read())))\n"
    )
    code = (flat_folder / FLAT / "models.py").read_text()
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            input=code,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
            cwd=Path(__file__).parents[2],
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(json.loads(outputs[0])) == 7


def test_a_package_regenerated_grouped_swaps_models_py_for_the_package(tmp_path: Path) -> None:
    target = tmp_path / PACKAGE
    sets = Templates().for_api(("python",))

    def write(resources: str) -> None:
        report = Report("zoo.json")
        zoo = Target(PACKAGE, "Zoo", resources=resources)
        write_package(target, generate_in_memory(zoo_spec(), "zoo.json", zoo, sets, report).files)

    write("flat")
    (target / PACKAGE / "notes.txt").write_text("mine")  # not specgen's: kept
    write("tags")
    assert not (target / PACKAGE / "models.py").exists()
    assert (target / PACKAGE / "models" / "node.py").is_file()
    write("flat")
    assert (target / PACKAGE / "models.py").is_file()
    assert not (target / PACKAGE / "models").exists()
    assert (target / PACKAGE / "notes.txt").read_text() == "mine"


def test_forward_references_are_imports_and_other_strings_are_not() -> None:
    code = (
        "from typing import Annotated, Literal\n\n"
        "from pydantic import BaseModel, Field\n\n\n"
        "class A(BaseModel):\n"
        '    kind: Literal["C"] = "C"\n'
        '    b: "B | None" = None\n'
        '    n: Annotated[int, Field(description="C")]\n\n\n'
        "class B(BaseModel):\n"
        "    x: int\n\n\n"
        "class C(BaseModel):\n"
        "    y: int\n"
    )
    files = split_models(code)
    assert files["a.py"] == (
        '"""Models of the package\'s ``models``: generated by specgen, do not edit."""\n\n'
        "from typing import Annotated, Literal\n\n"
        "from pydantic import BaseModel, Field\n\n"
        "from .b import B\n\n\n" + code[code.index("class A") : code.index("\n\n\nclass B")] + "\n"
    )


def test_writing_the_same_package_again_leaves_it_alone(tmp_path: Path) -> None:
    """A no-op run of a package of thousands of files must not rewrite them all; a file edited
    (or a symlink put in its place) is written again."""
    target = tmp_path / PACKAGE
    report = Report("zoo.json")
    zoo = Target(PACKAGE, "Zoo", resources="tags")
    sets = Templates().for_api(("python",))
    files = generate_in_memory(zoo_spec(), "zoo.json", zoo, sets, report)
    write_package(target, files.files)
    node = target / PACKAGE / "models" / "node.py"
    first = node.stat().st_ino
    write_package(target, files.files)
    assert node.stat().st_ino == first  # the same file: nothing swapped
    node.write_text("edited\n")
    write_package(target, files.files)
    assert node.read_text() == files.files[f"{PACKAGE}/models/node.py"]
    node.unlink()
    node.symlink_to(tmp_path / "elsewhere.py")
    (tmp_path / "elsewhere.py").write_text(files.files[f"{PACKAGE}/models/node.py"])
    write_package(target, files.files)
    assert not node.is_symlink()


def test_forward_references_in_bases_and_type_aliases_are_imports() -> None:
    code = (
        "from typing_extensions import TypeAliasType\n\n"
        "from pydantic import BaseModel, RootModel\n\n\n"
        'class Forest(RootModel[list["Tree"]]):\n'
        '    root: list["Tree"]\n\n\n'
        'Json = TypeAliasType("Json", "list[Json] | Leaf | None")\n\n\n'
        "class Tree(BaseModel):\n"
        "    x: int\n\n\n"
        "class Leaf(BaseModel):\n"
        "    y: int\n"
    )
    files = split_models(code)
    assert "from .tree import Tree\n" in files["forest.py"]
    assert "from .leaf import Leaf\n" in files["json.py"]
    assert "from typing_extensions import TypeAliasType\n" in files["json.py"]
