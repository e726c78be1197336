"""``make bench``: the APIs in ``specs/``, as ``make generate`` and ``make check`` run them.

Every run is a fresh ``specgen`` process (measured by a wrapper process), for each API alone
and for all of them in one process:

- cold: an empty cache folder (``SPECGEN_CACHE_DIR``) and an empty output folder;
- warm: the cache the cold run left, and an empty output folder again (every file written);
- no-op: the same once more, into the folder the warm run wrote;
- check: ``specgen check`` of that folder.

The time of each stage on its own is the ``generation`` part's.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generator.bench.measure import Run, measured, specgen_command
from generator.project import list_apis

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


if __name__ == "__main__":
    main()
