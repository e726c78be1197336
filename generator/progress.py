"""Progress on stderr: the stage each API is in, and a bar for the long ones.

On a terminal it is one status line, rewritten in place and cleared at the end, so short runs
leave nothing behind. Elsewhere (CI logs, pipes) nothing is shown unless asked for
(``--progress``); then each stage is one plain line and a bar prints at most every 10%.
``--quiet`` silences it. It never goes to stdout, which may be piped into another tool.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

BAR_WIDTH = 24


@dataclass
class Progress:
    """Where a run is; ``enabled`` False makes every call a no-op."""

    enabled: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    live: bool = False  # a terminal: rewrite one line in place
    api: str = ""
    _shown: bool = False
    _last_tenth: int = -1
    _last_draw: float = 0.0

    @classmethod
    def choose(cls, *, quiet: bool = False, forced: bool = False) -> Progress:
        """Shown on a terminal, or anywhere when ``forced``; never when ``quiet``."""
        stream = sys.stderr
        live = stream.isatty()
        return cls(enabled=not quiet and (forced or live), stream=stream, live=live)

    def stage(self, name: str) -> None:
        self._last_tenth = -1
        self._write(f"{self.api}: {name}" if self.api else name)

    def bar(self, what: str, done: int, total: int) -> None:
        """``done`` of ``total`` ``what`` (e.g. chunks formatted)."""
        if not self.enabled or total <= 0:
            return
        if self.live:
            now = time.monotonic()
            if done < total and now - self._last_draw < 0.1:
                return  # redrawing faster than the eye reads only costs time
            self._last_draw = now
        else:
            tenth = done * 10 // total
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
        filled = BAR_WIDTH * done // total
        drawn = "#" * filled + "." * (BAR_WIDTH - filled)
        prefix = f"{self.api}: " if self.api else ""
        self._write(f"{prefix}{what} [{drawn}] {done}/{total}")

    def clear(self) -> None:
        """Remove the status line (a terminal) before other output or at the end."""
        if self.enabled and self.live and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def _write(self, text: str) -> None:
        if not self.enabled:
            return
        text = "".join(c if c.isprintable() else "?" for c in text)  # names come from input
        if self.live:
            columns = 120
            self.stream.write("\r\x1b[K" + text[: columns - 1])
            self._shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
