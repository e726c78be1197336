"""Run the benchmark parts named on the command line (the default ones when none is).

``make bench`` runs the default parts; ``profile`` costs one more cold generation of GitHub's
spec, slowed by profiling, and runs only when named: ``python -m generator.bench profile``.
"""

from __future__ import annotations

import importlib
import sys
import time

PARTS = ("apis", "generation", "client", "curve", "github", "profile")
DEFAULT_PARTS = ("apis", "generation", "client", "curve", "github")


def main(argv: list[str]) -> None:
    for part in argv:
        if part not in PARTS:
            raise SystemExit(f"unknown benchmark part {part!r}: one of {', '.join(PARTS)}")
    compile_toolkit()
    for part in argv or DEFAULT_PARTS:
        start = time.perf_counter()
        print(f"[bench] {part} ...", file=sys.stderr, flush=True)
        importlib.import_module(f"generator.bench.{part}").main()
        seconds = time.perf_counter() - start
        print(f"[bench] {part} done in {seconds:.0f} s", file=sys.stderr, flush=True)


def compile_toolkit() -> None:
    """Write the toolkit's bytecode, as installing a package does. An editable install has none,
    and where ``PYTHONDONTWRITEBYTECODE`` is set (this project's machines set it) every measured
    run, and each process it starts, would compile the toolkit from source again, while
    openapi-python-client's venv holds its bytecode from the install."""
    import compileall
    from pathlib import Path

    import generator

    compileall.compile_dir(Path(generator.__file__).parent, quiet=1)


if __name__ == "__main__":
    main(sys.argv[1:])
