"""Diagnostics: every problem with an input names the file and the place inside it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# JSON pointers live in ``rawspec``; their names stay importable from here for older callers.
from generator.rawspec import (
    escape_token,
    parse_pointer,
    parse_reference,
    reference_pointer,
    resolve_pointer,
    to_pointer,
)

__all__ = [
    "Diagnostic",
    "InputError",
    "Report",
    "Severity",
    "SpecgenError",
    "escape_token",
    "parse_pointer",
    "parse_reference",
    "reference_pointer",
    "resolve_pointer",
    "to_pointer",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one input file, at a JSON pointer (and a line when known).

    An ``error`` stops the input from being used; a ``warning`` names something specgen worked
    around (an operation or schema skipped, a value ignored), which ``--strict`` makes an error.
    """

    file: str
    pointer: str
    message: str
    line: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        if not self.file:
            return one_line(self.message)
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.pointer:
            where += f" at {self.pointer}"
        return one_line(f"{where}: {self.message}")


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, escape sequences...) shown, not obeyed.

    Messages quote spec text; a name holding a newline or a terminal escape must not start a
    forged ``error:`` line or recolour a CI log.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class SpecgenError(Exception):
    """An input specgen cannot use; carries one or more diagnostics, never a traceback for users."""

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(file="", pointer="", message=diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[SpecgenError], tuple[list[Diagnostic]]]:
        # Raised in a worker process, it arrives with its diagnostics, not only their text.
        return (SpecgenError, (self.diagnostics,))

    @classmethod
    def at(
        cls, file: str | Path, pointer: str, message: str, line: int | None = None
    ) -> SpecgenError:
        return cls(Diagnostic(file=str(file), pointer=pointer, message=message, line=line))


class InputError(SpecgenError):
    """Something named on the command line is not there: an unknown API, a missing folder or file.

    The command cannot run at all, so every command exits 2 (bad usage) for it, even those whose
    findings about an API exit 1 (``validate``, ``check``).
    """


@dataclass
class Report:
    """Every problem found in one spec while validating and generating it: all of them, in order.

    Stages add to it instead of raising at the first problem, so one unusable operation or
    schema costs only itself. ``line_of`` maps a JSON pointer to a line of the source document;
    ``place`` may move a diagnostic to where its node was written (another file of a bundled
    spec, see ``bundle.report_for``).
    """

    file: str
    line_of: Callable[[str], int | None] = lambda pointer: None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    place: Callable[[Diagnostic], Diagnostic] = lambda diagnostic: diagnostic

    def add(self, pointer: str, message: str, severity: Severity = "warning") -> None:
        self.diagnostics.append(
            self.place(Diagnostic(self.file, pointer, message, self.line_of(pointer), severity))
        )

    def warn(self, pointer: str, message: str) -> None:
        self.add(pointer, message, "warning")

    def error(self, pointer: str, message: str) -> None:
        self.add(pointer, message, "error")

    def extend(self, diagnostics: Iterable[Diagnostic], severity: Severity | None = None) -> None:
        """Add ``diagnostics`` (from a raised ``SpecgenError``), filling in lines where missing."""
        for d in diagnostics:
            line = d.line if d.line is not None else self.line_of(d.pointer)
            self.diagnostics.append(
                self.place(
                    Diagnostic(
                        d.file or self.file, d.pointer, d.message, line, severity or d.severity
                    )
                )
            )

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def raise_for(self, *, strict: bool) -> None:
        """Raise all diagnostics if there are errors, or warnings under ``strict``.

        Under ``strict`` every warning is raised as an error; otherwise warnings stay warnings
        beside the errors that stop the spec.
        """
        if self.errors or (strict and self.warnings):
            raise SpecgenError(
                [
                    Diagnostic(
                        d.file, d.pointer, d.message, d.line, "error" if strict else d.severity
                    )
                    for d in self.diagnostics
                ]
            )
