"""Make every generated package importable by its package name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.loopback import FakeServer

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
