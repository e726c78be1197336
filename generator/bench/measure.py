"""Wall time and peak memory of one command, measured in a wrapper process of its own.

``resource.getrusage(RUSAGE_CHILDREN)`` only tells the largest process among the children a
process has waited for, over its whole life: read in the benchmark itself, one run's peak would
hide the next one's. So every run goes through ``python -m generator.bench.measure``, which
starts the command, waits for it and reports on its stdout (one JSON line). A command may fan
out into a process pool, whose processes add up: the wrapper also samples the memory of the
whole process tree (``/proc``) and reports the larger of the two figures.

The tree's memory is the sum of each process's proportional set size (PSS): a page shared by
several processes (a forked child's copy-on-write pages, shared libraries) counts once in all,
split between them, as the kernel would have to find it once. Summing resident sizes instead
would count the parent's whole heap again for every forked child that only reads it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05
# Reading a large process's memory (``smaps_rollup`` walks its page tables) takes tens of
# milliseconds: sampled every 50 ms, a tree of several such processes would cost the measured
# run half a CPU. The wait after each sample is at least this many times what it cost, so
# sampling takes at most a tenth of one CPU.
SAMPLE_COST_RATIO = 10
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    """One measured run: wall seconds and peak resident memory in MB."""

    seconds: float
    peak_mb: float


class RunFailed(RuntimeError):
    """The measured command exited with an error; the message ends with its output's tail."""


def measured(
    command: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run ``command`` through the wrapper; its output goes to ``log``. Raise when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    wrapper = [sys.executable, "-m", "generator.bench.measure", str(log), "--", *command]
    done = subprocess.run(
        wrapper,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.exists() else ""
        raise RunFailed(f"{' '.join(command)} failed (log {log}):\n{tail}{done.stderr}")
    figures = json.loads(done.stdout.splitlines()[-1])
    return Run(seconds=figures["seconds"], peak_mb=figures["peak_mb"])


def specgen_command() -> list[str]:
    """The ``specgen`` script installed beside this interpreter, as a user would run it."""
    script = Path(sys.executable).with_name("specgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def tree_pss_bytes(root: int) -> int:
    """Proportional memory (PSS) of ``root`` and all its descendants now (0 for the ones that
    ended): each page shared between processes is counted once over all of them."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            total += _pss_bytes(pid)
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue  # the process ended while it was being read
    return total


def _pss_bytes(pid: int) -> int:
    """The PSS of one process, from ``smaps_rollup`` (resident size where the kernel lacks it)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except FileNotFoundError:  # kernels before 4.14
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no Pss line for process {pid}")


def _sample_tree(root: int, stop: threading.Event, peak: list[int]) -> None:
    wait = SAMPLE_SECONDS
    while not stop.wait(wait):
        start = time.perf_counter()
        peak[0] = max(peak[0], tree_pss_bytes(root))
        wait = max(SAMPLE_SECONDS, (time.perf_counter() - start) * SAMPLE_COST_RATIO)


def run_and_report(log: Path, command: Sequence[str]) -> dict[str, float | int]:
    """Run ``command`` (output to ``log``); its wall time, peak MB and exit status."""
    with log.open("wb") as output:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, stop, peak))
        sampler.start()
        returncode = child.wait()
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
    largest_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    peak_mb = max(largest_kb / 1024, peak[0] / 2**20)
    return {"seconds": seconds, "peak_mb": peak_mb, "returncode": returncode}


def main(argv: Sequence[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m generator.bench.measure LOG -- COMMAND...", file=sys.stderr)
        return 2
    figures = run_and_report(Path(argv[0]), argv[2:])
    print(json.dumps(figures))
    return int(figures["returncode"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
