"""Make every generated package importable by its package name."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from support.loopback import FakeServer

# CI runs the property tests derandomized (`.ci/run` sets SPECGEN_HYPOTHESIS_PROFILE=ci): the
# same examples for the same code, so a stop is judged on the code and not on a draw. Runs at
# a desk keep hypothesis's random exploration, where new failures are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("SPECGEN_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands run by the tests cache in a folder of the session, never a developer's."""
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
