"""The benchmark's measuring wrapper (``generator.bench.measure``): a run's peak memory counts
its whole process tree, and a failing run is an error that shows the command's output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.bench.measure import RunFailed, measured

HOLD = "import time; block = bytearray({mb} * 2**20); block[::4096] = b'x' * len(block[::4096]); "


def test_peak_memory_is_that_of_the_command(tmp_path: Path) -> None:
    code = HOLD.format(mb=150) + "time.sleep(0.5)"
    run = measured([sys.executable, "-c", code], tmp_path / "log")
    assert run.peak_mb >= 150
    assert run.seconds >= 0.5


def test_processes_alive_together_add_up(tmp_path: Path) -> None:
    child = HOLD.format(mb=100) + "time.sleep(2)"
    parent = (
        "import subprocess, sys\n"
        f"children = [subprocess.Popen([sys.executable, '-c', {child!r}]) for _ in range(2)]\n"
        "for child in children: child.wait()\n"
    )
    run = measured([sys.executable, "-c", parent], tmp_path / "log")
    assert run.peak_mb >= 200  # either child alone is 100 MB and some


def test_pages_a_forked_child_shares_count_once(tmp_path: Path) -> None:
    # The parent fills 200 MB, then forks a child that only sleeps: the child's pages are the
    # parent's (copy-on-write), so the tree holds 200 MB and some, not 400.
    code = HOLD.format(mb=200) + (
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    time.sleep(2); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    run = measured([sys.executable, "-c", code], tmp_path / "log")
    assert 200 <= run.peak_mb < 320


def test_a_failing_command_raises_with_its_output(tmp_path: Path) -> None:
    code = "import sys; print('no spec here'); sys.exit(3)"
    with pytest.raises(RunFailed, match="no spec here"):
        measured([sys.executable, "-c", code], tmp_path / "log")
