"""The vocabulary of `generator.diff`: `Change`, severities, and JSON pointer helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from generator.rawspec import to_pointer

Severity: TypeAlias = Literal["breaking", "non-breaking"]
FailOn: TypeAlias = Literal["breaking", "any", "never"]
Side: TypeAlias = Literal["parameter", "request", "response"]
Schema: TypeAlias = dict[str, Any]

BREAKING: Severity = "breaking"
NON_BREAKING: Severity = "non-breaking"


@dataclass(frozen=True)
class Change:
    """One difference between two specs, as it affects a client generated from the old one.

    `kind` is a stable machine id (``parameter-removed``); `location` a JSON pointer into the
    new spec, or into the old one for removals; `message` one sentence for a human.  `flagged`
    marks a non-breaking change that still deserves a look, such as a new response enum value.
    """

    kind: str
    severity: Severity
    location: str
    message: str
    flagged: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the change as plain JSON-ready data."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
            "flagged": self.flagged,
        }


def breaking(kind: str, location: str, message: str) -> Change:
    return Change(kind, BREAKING, location, message)


def safe(kind: str, location: str, message: str, flagged: bool = False) -> Change:
    return Change(kind, NON_BREAKING, location, message, flagged)


def join(base: str, *tokens: str | int) -> str:
    """Extend the JSON pointer `base` with escaped `tokens`."""
    return base + to_pointer(tokens)


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sort_key(change: Change) -> tuple[int, int, str, str, str]:
    """Order changes: breaking first, then flagged, then by location."""
    return (
        change.severity != BREAKING,
        not change.flagged,
        change.location,
        change.kind,
        change.message,
    )
