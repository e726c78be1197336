"""Runs of the models in parts (``models_parts``) in a test: every spec cut, however small."""

from __future__ import annotations

from typing import Any

import pytest

from generator import models_parts


def cut_everything(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Make every spec count as large for the rest of the test; the list returned gets what
    each run in parts gives: the merged module, or None when the merge gave up."""
    tried: list[str | None] = []
    run_in_parts = models_parts.run_in_parts

    def recorded(*args: Any) -> str | None:
        tried.append(run_in_parts(*args))
        return tried[-1]

    monkeypatch.setattr(models_parts, "PARTS_MIN_SCHEMAS", 1)
    monkeypatch.setattr(models_parts, "run_in_parts", recorded)
    return tried
