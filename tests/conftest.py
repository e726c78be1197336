"""Make every generated package importable by its package name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.loopback import FakeServer


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands run by the tests cache in a folder of the session, never a developer's."""
    import os

    folder = tmp_path_factory.mktemp("specgen-cache")
    previous = os.environ.get("SPECGEN_CACHE_DIR")
    os.environ["SPECGEN_CACHE_DIR"] = str(folder)
    yield
    if previous is None:
        os.environ.pop("SPECGEN_CACHE_DIR", None)
    else:
        os.environ["SPECGEN_CACHE_DIR"] = previous


_GENERATED = Path(__file__).resolve().parent.parent / "generated"
for _folder in sorted(p for p in _GENERATED.iterdir() if p.is_dir()):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    """A loopback HTTP server (``tests/support/loopback.py``), one per test module:
    module-scoped so that hypothesis tests can use it."""
    with FakeServer() as fake:
        yield fake
