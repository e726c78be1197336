"""``make bench``: the APIs in ``specs/``, as ``make generate`` and ``make check`` run them.

Every run is a fresh ``specgen`` process (measured by a wrapper process), for each API alone
and for all of them in one process:

- cold: an empty cache folder (``SPECGEN_CACHE_DIR``) and an empty output folder;
- warm: the cache the cold run left, and an empty output folder again (every file written);
- no-op: the same once more, into the folder the warm run wrote;
- check: ``specgen check`` of that folder.

Then, in this process, the time of each stage of the pipeline on its own (median of a few
rounds; called as a library, the stages use no cache) and the peak Python memory of one
generation.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from generator.bench.measure import Run, measured, specgen_command
from generator.build import build_api
from generator.fmt import format_files
from generator.models import generate_models
from generator.pipeline import generate_files, sets_of, target_of
from generator.project import list_apis, load_api
from generator.render import render_sets
from generator.template_sets import Templates

T = TypeVar("T")
ROUNDS = 3
WORK = Path(".cache/bench/apis")
CACHE_VARIABLE = "SPECGEN_CACHE_DIR"
RUNS = ("cold", "warm", "no-op", "check")


def main() -> None:
    specs = Path("specs")
    names = list_apis(specs)
    print("\nthe APIs in specs/: specgen generate --strict and specgen check --strict")
    print("(a fresh process each; seconds, and the cold run's peak MB)", flush=True)
    print(f"{'API':24}" + "".join(f"{label:>8}" for label in RUNS) + f"{'peak MB':>9}")
    for label, selected in [*((name, [name]) for name in names), (f"all {len(names)}", [])]:
        runs = processes(label, selected)
        print(
            f"{label:24}"
            + "".join(f"{run.seconds:8.2f}" for run in runs)
            + f"{runs[0].peak_mb:9.0f}",
            flush=True,
        )
    bench_generation(specs)


def processes(label: str, names: list[str]) -> list[Run]:
    """Cold, warm and no-op ``generate`` and a ``check`` of ``names`` (all APIs when empty)."""
    folder = WORK / label.replace(" ", "-")
    shutil.rmtree(folder, ignore_errors=True)
    out = folder / "out"
    env = {CACHE_VARIABLE: str(folder / "cache")}
    generate = [*specgen_command(), "generate", "--strict", "--output", str(out), *names]
    check = [*specgen_command(), "check", "--strict", "--output", str(out), *names]
    runs = []
    for run, command in zip(RUNS, (generate, generate, generate, check), strict=True):
        if run == "warm":
            shutil.rmtree(out)
        print(f"  apis: {label} {run} ...", file=sys.stderr, flush=True)
        runs.append(measured(command, folder / f"{run}.log", env=env))
    return runs


def timed(action: Callable[[], T], rounds: int = ROUNDS) -> tuple[float, T]:
    """Median wall milliseconds of ``action`` over ``rounds`` rounds, and its last result."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result  # type: ignore[return-value]


def peak_memory_mb(action: Callable[[], Any]) -> float:
    """The peak of memory Python allocated while ``action`` ran, in MB."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bench_generation(specs: Path) -> None:
    print(f"\ngeneration stages in one process, no cache (median of {ROUNDS} rounds, ms)")
    columns = ("load", "build", "models", "render", "format", "total", "peak MB")
    print(f"{'API':24}" + "".join(f"{c:>9}" for c in columns), flush=True)
    for name in list_apis(specs):
        figures = bench_api(specs, name)
        print(f"{name:24}" + "".join(f"{f:9.1f}" for f in figures), flush=True)


def bench_api(specs: Path, name: str) -> list[float]:
    """Stage times (ms), the whole generation's time and its peak memory (MB) for one API."""
    load_ms, api = timed(lambda: load_api(specs, name))
    target = target_of(api)
    sets = sets_of(api, Templates())
    build_ms, built = timed(lambda: build_api(api.spec, api.source.name, target))
    models_ms, _ = timed(lambda: generate_models(built.api, ""))
    models_code = {"models": lambda: ""}  # the models stage is timed on its own above
    render_ms, rendered = timed(lambda: render_sets(built.api, sets, models_code))
    format_ms, _ = timed(lambda: format_files(rendered.files, rendered.python))
    total_ms, _ = timed(lambda: generate_files(api.spec, api.source.name, target, sets))
    peak = peak_memory_mb(lambda: generate_files(api.spec, api.source.name, target, sets))
    return [load_ms, build_ms, models_ms, render_ms, format_ms, load_ms + total_ms, peak]


if __name__ == "__main__":
    main()
