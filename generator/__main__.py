"""``python -m generator`` and the ``specgen`` command (``[project.scripts]``)."""

import os
import sys


def run() -> None:
    """Run the command line; a Ctrl-C while it is still being imported is one line too."""
    try:
        from generator.cli import main
    except KeyboardInterrupt:
        from generator.exits import INTERRUPTED, INTERRUPTED_LINE

        sys.stderr.write(INTERRUPTED_LINE + "\n")
        raise SystemExit(INTERRUPTED) from None
    try:
        main()
    except SystemExit as exited:
        leave(exited.code)
        raise


def leave(code: object) -> None:
    """End the process with ``code`` (as ``SystemExit`` would) without tearing the interpreter
    down: after a large spec's generation, freeing every object one by one took 0.65 s of a
    cold run, for a process that ends anyway (mypy ends the same way). Only once the command
    has finished, its output flushed, no child process of its own is left, and no profiler or
    tracer (cProfile, coverage) waits for the exit to write what it found; else this returns
    and the ordinary exit runs.
    """
    import multiprocessing

    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    if multiprocessing.active_children():  # the ordinary exit joins or stops them
        return
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as Python prints a ``SystemExit`` that is not a number
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, or a stream closed already
            return
    os._exit(status)


if __name__ == "__main__":  # not when a worker process imports it (multiprocessing spawn)
    run()
