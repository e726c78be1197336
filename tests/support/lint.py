"""mypy --strict and ruff over a generated package, as a user's CI would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def lint_problems(folder: Path, package: str) -> str:
    """What ``mypy --strict`` and ``ruff check --isolated`` report on ``package`` (a folder in
    ``folder``); empty when both pass."""
    commands = {
        "mypy": [sys.executable, "-m", "mypy", "--strict", "--no-incremental", package],
        "ruff": [str(BIN / "ruff"), "check", "--isolated", package],
    }
    problems = []
    for tool, command in commands.items():
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            problems.append(f"{tool}:\n{done.stdout}{done.stderr}")
    return "\n".join(problems)
