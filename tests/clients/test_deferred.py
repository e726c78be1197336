"""The runtime's deferred imports (``_deferred``): ``import <package>`` loads neither httpx nor
pydantic's models; a client, when it is made, loads what its calls need.

The stand-in itself is tested on modules written for the test (so that nothing else imported
them first); the packages in fresh interpreters, as a program meets them.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

GENERATED = Path(__file__).resolve().parents[2] / "generated"
PACKAGES = ("apiture_events", "onegini_events", "onepassword_events", "truelayer_tracking")


@pytest.fixture(scope="module")
def deferred_module() -> ModuleType:
    sys.path.insert(0, str(GENERATED / "onepassword_events"))
    try:
        return importlib.import_module("onepassword_events._deferred")
    finally:
        sys.path.remove(str(GENERATED / "onepassword_events"))


@pytest.fixture
def modules(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A package of two modules no one has imported, on ``sys.path``: returns its name."""
    name = f"deferred_probe_{request.node.name.replace('[', '_').replace(']', '')}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "leaf.py").write_text("ANSWER = 42\n")
    sys.path.insert(0, str(tmp_path))
    yield name
    sys.path.remove(str(tmp_path))
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_a_stand_in_imports_on_first_read_and_gives_way(
    deferred_module: ModuleType, modules: str
) -> None:
    namespace: dict[str, Any] = {}
    namespace[modules] = deferred_module.deferred(modules, namespace)
    assert modules not in sys.modules
    assert f"module {modules!r}, imported on first use" in repr(namespace[modules])
    leaf = namespace[modules].__name__  # any attribute read imports the module
    assert leaf == modules and modules in sys.modules
    assert namespace[modules] is sys.modules[modules]  # later reads find the module itself


def test_a_sibling_module_is_bound_to_its_own_name(
    deferred_module: ModuleType, modules: str
) -> None:
    namespace: dict[str, Any] = {"__package__": modules}
    namespace["leaf"] = deferred_module.deferred(".leaf", namespace)
    importlib.import_module(modules)
    assert f"{modules}.leaf" not in sys.modules
    assert namespace["leaf"].ANSWER == 42
    assert namespace["leaf"] is sys.modules[f"{modules}.leaf"]


def test_load_imports_now_and_leaves_modules_alone(
    deferred_module: ModuleType, modules: str
) -> None:
    namespace: dict[str, Any] = {}
    namespace[modules] = stand_in = deferred_module.deferred(modules, namespace)
    deferred_module.load(stand_in, sys)
    assert namespace[modules] is sys.modules[modules]


def test_a_rebound_name_is_not_taken_back(deferred_module: ModuleType, modules: str) -> None:
    namespace: dict[str, Any] = {}
    stand_in = deferred_module.deferred(modules, namespace)
    namespace[modules] = "something else"  # the module's own code rebound the name since
    assert stand_in.__name__ == modules
    assert namespace[modules] == "something else"


@pytest.mark.parametrize("name", ["os.path", ".a.b", "..a.b"])
def test_only_top_level_modules_and_siblings_are_deferred(
    deferred_module: ModuleType, name: str
) -> None:
    with pytest.raises(ValueError, match="only a top-level module or a sibling"):
        deferred_module.deferred(name, {})


def test_a_missing_module_fails_at_first_read(deferred_module: ModuleType) -> None:
    namespace: dict[str, Any] = {}
    stand_in = deferred_module.deferred("no_such_module_for_specgen", namespace)
    with pytest.raises(ModuleNotFoundError):
        stand_in.load()


# The generated packages, in fresh interpreters.

LOADS = """
import sys
import {package} as package
heavy = ("httpx", "pydantic.main", "pydantic.type_adapter", "asyncio")
print(*[m for m in heavy if m in sys.modules], sep=",")
from {package}._client_base import AsyncAPIClient, SyncAPIClient
def client_class(base):
    return next(v for v in vars(package).values() if isinstance(v, type) and issubclass(v, base))
client_class(SyncAPIClient)()
print(*[m for m in heavy if m in sys.modules], sep=",")
client_class(AsyncAPIClient)()
print(*[m for m in heavy if m in sys.modules], sep=",")
"""


def loads(folder: Path, package: str) -> list[set[str]]:
    """The modules of ``heavy`` loaded after importing ``package``, making its client, and
    making its async client, in a fresh interpreter."""
    script = LOADS.format(package=package)
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    return [set(filter(None, line.split(","))) for line in run.stdout.splitlines()]


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_a_package_loads_no_httpx_making_a_client_does(package: str) -> None:
    imported, made, made_async = loads(GENERATED / package, package)
    # The four are flat: their models module (pydantic) is imported with the package.
    assert "httpx" not in imported and "asyncio" not in imported
    assert {"httpx", "pydantic.main", "pydantic.type_adapter"} <= made
    assert "asyncio" in made_async
