"""Run the benchmark parts named on the command line (all of them when none is)."""

from __future__ import annotations

import importlib
import sys

PARTS = ("generation", "client")


def main(argv: list[str]) -> None:
    for part in argv or PARTS:
        if part not in PARTS:
            raise SystemExit(f"unknown benchmark part {part!r}: one of {', '.join(PARTS)}")
        importlib.import_module(f"generator.bench.{part}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
