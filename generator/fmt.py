"""The format stage: isort and black, in memory; code black cannot parse is reported in full."""

from __future__ import annotations

from collections.abc import Collection

import black
import isort

from generator.errors import SpecgenError

MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=100)
# Imports are wrapped where ruff's default (88) wraps them, so that its import-order check on a
# generated package agrees; black keeps a wrapped import wrapped (its trailing comma).
IMPORT_LINE_LENGTH = 88


def format_files(files: dict[str, str], python: Collection[str] | None = None) -> dict[str, str]:
    """Format the Python files (``python``, or every ``.py`` file when it is None); other files
    pass through unchanged."""
    is_python = (lambda n: n in python) if python is not None else (lambda n: n.endswith(".py"))
    return {
        name: format_python(name, text) if is_python(name) else text for name, text in files.items()
    }


def format_python(name: str, text: str) -> str:
    try:
        text = isort.code(text, profile="black", line_length=IMPORT_LINE_LENGTH)
        return black.format_str(text, mode=MODE)
    except black.InvalidInput as exc:
        numbered = "\n".join(f"{n:4} {line}" for n, line in enumerate(text.splitlines(), 1))
        raise SpecgenError.at(
            name, "", f"generated code does not parse ({exc}):\n{numbered}"
        ) from None
