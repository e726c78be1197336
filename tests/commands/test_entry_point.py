"""The ``specgen`` command ends without tearing the interpreter down (``__main__.leave``): its
output must still all arrive, its exit status be the command's, and a process it still has
running, or a profiler waiting to write its findings, be left to the ordinary exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ran(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``python *arguments`` in a fresh process, from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def python(code: str) -> subprocess.CompletedProcess[str]:
    return ran("-c", textwrap.dedent(code))


def test_piped_output_arrives_whole_and_the_status_is_the_commands(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.yaml")
    failed = ran("-m", "generator", "generate", "--spec", missing, "--output", str(tmp_path))
    assert failed.returncode == 2, failed.stderr  # the command's own status for a missing file
    assert "nowhere.yaml: file not found" in failed.stderr
    helped = ran("-m", "generator", "--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("Usage:") and "generate" in helped.stdout


def test_buffered_output_is_flushed_and_atexit_is_skipped() -> None:
    done = python(
        """
        import atexit, sys
        from generator.__main__ import leave
        atexit.register(lambda: print("torn down", file=sys.stderr))
        sys.stdout.write("x" * 100_000)  # more than a pipe's buffer, held in Python's
        leave(4)
        """
    )
    assert done.returncode == 4
    assert done.stdout == "x" * 100_000
    assert "torn down" not in done.stderr  # the interpreter's own ending was skipped


def test_a_message_is_printed_as_python_prints_it() -> None:
    done = python("from generator.__main__ import leave; leave('no such API: x')")
    assert (done.returncode, done.stderr) == (1, "no such API: x\n")


def test_a_child_still_running_is_left_to_the_ordinary_exit() -> None:
    done = python(
        """
        import multiprocessing, time
        from generator.__main__ import leave

        if __name__ == "__main__":
            child = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(1,))
            child.start()
            leave(3)
            print("ordinary exit")
            raise SystemExit(3)
        """
    )
    assert done.returncode == 3
    assert "ordinary exit" in done.stdout


def test_a_profiler_still_writes_its_findings(tmp_path: Path) -> None:
    found = tmp_path / "profile.out"
    profiled = ran("-m", "cProfile", "-o", str(found), "-m", "generator", "--help")
    assert profiled.returncode == 0, profiled.stderr
    assert found.stat().st_size > 0
