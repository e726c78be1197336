"""The real-spec corpus (``make corpus``): each spec of ``specs.yaml`` generates leniently, every
operation is generated or named by a warning, the package imports with only httpx and pydantic,
and ``mypy --strict`` passes (specs up to 300 operations).

Not part of ``make test``: it downloads pinned archives into ``.cache/corpus/`` and takes
minutes, so it runs only with ``SPECGEN_CORPUS=1``. ``-k`` selects specs (only those run);
``SPECGEN_CORPUS_JOBS`` sets the number of parallel workers (default: the CPU count);
``SPECGEN_CORPUS_BLACK=1`` adds the black-stability check (specs up to 300 operations). A known
failure is a strict xfail for one stage, so a fix shows up as XPASS and any other failure fails.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from corpus_harness import Result, mypy_caches, run_spec, runtime_python, save, table
from corpus_sources import CACHE, Entry, entries, materialize

if os.environ.get("SPECGEN_CORPUS") != "1":
    pytest.skip("the corpus runs with SPECGEN_CORPUS=1 (make corpus)", allow_module_level=True)

ENTRIES = entries()


class GenerateFailed(AssertionError):
    """``specgen generate --spec`` refused the spec (or crashed)."""


class OperationsMissing(AssertionError):
    """An operation is neither generated nor named by a warning, or the counts disagree."""


class ImportFailed(AssertionError):
    """The package does not import with only httpx and pydantic, or a client lacks a method."""


class MypyFailed(AssertionError):
    """``mypy --strict`` reports errors on the generated package."""


class BlackUnstable(AssertionError):
    """Black would change a chunk of the rendering without a long line (SPECGEN_CORPUS_BLACK=1)."""


STAGES: dict[str, type[AssertionError]] = {
    "generate": GenerateFailed,
    "operations": OperationsMissing,
    "import": ImportFailed,
    "mypy": MypyFailed,
    "black": BlackUnstable,
}


def param(entry: Entry) -> Any:
    marks = []
    if entry.xfail:
        stage = STAGES[entry.xfail["stage"]]
        marks.append(pytest.mark.xfail(raises=stage, strict=True, reason=entry.xfail["reason"]))
    return pytest.param(entry, id=entry.id, marks=marks)


def _say(config: pytest.Config, text: str) -> None:
    """Print past pytest's capture (progress of a long session fixture)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else nullcontext():
        print(text, flush=True)


@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> Iterator[dict[str, Result]]:
    """Run every selected spec once, in parallel, printing progress and then the table."""
    config = request.config
    selected = {
        item.callspec.params["entry"].id
        for item in request.session.items
        if hasattr(item, "callspec") and "entry" in item.callspec.params
    }
    chosen = [e for e in ENTRIES if e.id in selected]
    paths = materialize(ENTRIES)  # always the whole list: one extraction, stamped
    runtime = runtime_python()
    jobs = int(os.environ.get("SPECGEN_CORPUS_JOBS", os.cpu_count() or 1))
    # Largest first, so the long ones do not end up alone at the end.
    chosen.sort(key=lambda e: -paths[e.id].stat().st_size)
    done: dict[str, Result] = {}
    start = time.monotonic()
    _say(config, f"\ncorpus: {len(chosen)} specs, {jobs} workers, cache {CACHE}")
    with mypy_caches(jobs) as caches, ThreadPoolExecutor(jobs) as pool:
        free = list(caches)

        def work(entry: Entry) -> Result:
            cache = free.pop()
            try:
                return run_spec(
                    entry.id, paths[entry.id], mypy=entry.mypy, mypy_cache=cache, runtime=runtime
                )
            finally:
                free.append(cache)

        futures = {pool.submit(work, e): e for e in chosen}
        for n, future in enumerate(as_completed(futures), 1):
            r = future.result()
            done[r.id] = r
            outcome = "ok" if r.stage is None else f"{r.stage}: {r.message[:120]}"
            _say(config, f"[{n}/{len(chosen)}] {r.id} {r.seconds:.1f}s {outcome}")
    ordered = [done[e.id] for e in ENTRIES if e.id in done]
    save(ordered, CACHE / "results.json")
    _say(config, "\n" + table(ordered) + f"\nwall time {time.monotonic() - start:.0f} s")
    yield done


@pytest.mark.parametrize("entry", [param(e) for e in ENTRIES])
def test_spec(entry: Entry, results: dict[str, Result]) -> None:
    r = results[entry.id]
    if r.stage is not None:
        raise STAGES[r.stage](f"{entry.id}: {r.stage}: {r.message}")


def test_list_is_varied() -> None:
    """The corpus keeps what makes it a proof: at least 40 specs from the collection, 3.0 and
    3.1, JSON and YAML, small and very large."""
    listed = [e for e in ENTRIES if e.source == "directory"]
    assert len(listed) >= 40
    assert any(e.as_yaml for e in listed)
    assert any(not e.mypy for e in listed)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([str(Path(__file__)), *sys.argv[1:]]))
