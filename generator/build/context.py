"""What building one spec's operations shares: its types, where problems go, names taken."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.build.types import Types
from generator.errors import Report, SpecgenError
from generator.ir import ANY, TypeRef


@dataclass
class Context:
    """The state of one build: problems local to one operation go to ``report`` (the operation
    is skipped, or generated in a simpler form); without a report they are raised."""

    types: Types
    report: Report | None = None
    form_classes: set[str] = field(default_factory=set)  # TypedDicts of the ``forms`` module

    @property
    def spec(self) -> dict[str, Any]:
        return self.types.spec

    def error(self, pointer: str, message: str) -> SpecgenError:
        return self.types.error(pointer, message)

    def skip(self, pointer: str, exc: SpecgenError, cause: Exception | None = None) -> None:
        """Leave out the operation at ``pointer`` with a warning, or raise without a report."""
        if self.report is None:
            raise exc from cause
        for diagnostic in exc.diagnostics:
            self.report.warn(
                diagnostic.pointer or pointer, f"operation skipped: {diagnostic.message}"
            )

    def degrade(self, pointer: str, message: str) -> None:
        """Note something of an operation generated in a simpler form than the spec asks for
        (a warning with a report; without one the problem is raised, the old behaviour)."""
        if self.report is None:
            raise self.error(pointer, message)
        self.report.warn(pointer, message)

    def typed_or_any(
        self, schema: Any, where: str, hint: str, what: str = "body", strict_enums: bool = False
    ) -> TypeRef:
        """The type of a body's schema (at ``where``); one the builder cannot type is taken as
        any JSON value, with a warning, rather than costing the operation."""
        if schema is None:
            return ANY
        try:
            return self.types.type_of(schema, where, hint, strict_enums=strict_enums)
        except SpecgenError as exc:
            reason = "; ".join(d.message for d in exc.diagnostics)
            self.degrade(where, f"{what} taken as any JSON value: {reason}")
            return ANY


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
