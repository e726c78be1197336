"""``python -m generator.bench generation``: how long generation takes per stage, and its peak
memory, for every API under ``specs/``.

Figures are printed, never asserted: timing belongs in a benchmark, not in a test that flakes.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from generator.build import build_api
from generator.fmt import format_files
from generator.models import generate_models
from generator.pipeline import generate_files, sets_of, target_of
from generator.project import list_apis, load_api
from generator.render import render_sets
from generator.template_sets import Templates

T = TypeVar("T")
ROUNDS = 3


def timed(action: Callable[[], T], rounds: int = ROUNDS) -> tuple[float, T]:
    """Median wall time in milliseconds over ``rounds`` runs, and the last result."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result  # type: ignore[return-value]


def peak_memory_mb(action: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bench_generation(specs: Path) -> None:
    print(f"generation (median of {ROUNDS} runs, ms)")
    columns = ("load", "build", "models", "render", "format", "total", "peak MB")
    print(f"{'API':22}" + "".join(f"{c:>9}" for c in columns))
    for name in list_apis(specs):
        figures = bench_api(specs, name)
        print(f"{name:22}" + "".join(f"{f:9.1f}" for f in figures))


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


def main() -> None:
    bench_generation(Path("specs"))


if __name__ == "__main__":
    main()
