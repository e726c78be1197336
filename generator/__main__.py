"""``python -m generator`` and the ``specgen`` command (``[project.scripts]``)."""

import sys


def run() -> None:
    """Run the command line; a Ctrl-C while it is still being imported is one line too."""
    try:
        from generator.cli import main
    except KeyboardInterrupt:
        from generator.exits import INTERRUPTED, INTERRUPTED_LINE

        sys.stderr.write(INTERRUPTED_LINE + "\n")
        raise SystemExit(INTERRUPTED) from None
    main()


if __name__ == "__main__":  # not when a worker process imports it (multiprocessing spawn)
    run()
