"""File names made from untrusted text (operationIds, recording names) and where they may go."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from generator.errors import SpecgenError

# Long enough for any real operationId; two parts and a suffix stay far below the 255 bytes
# most file systems allow for one name.
MAX_NAME = 100

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Device names Windows reserves whatever the extension (``con.json`` cannot be created there).
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)


def safe_filename(text: str) -> str:
    """A portable file name standing for ``text``.

    Only ASCII letters, digits, ``.``, ``_`` and ``-`` are kept (no separators, control
    characters or ``..``), it never starts or ends with a dot or ``-``, never names a Windows
    device and is at most ``MAX_NAME`` characters. Text that had to change gets a short hash of
    the original, so two different texts do not end up sharing one file.
    """
    name = re.sub(r"\.{2,}", ".", _UNSAFE.sub("_", text)).strip(".-")
    if name == text and 0 < len(name) <= MAX_NAME and not _RESERVED.match(name.split(".")[0]):
        return name
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    stem = name[: MAX_NAME - len(digest) - 1]
    return f"{stem}_{digest}" if stem else digest


def inside(folder: Path, path: Path) -> Path:
    """``path`` resolved, after checking that it stays within ``folder`` (links followed)."""
    root = folder.resolve()
    resolved = path.resolve()
    if root not in resolved.parents:
        raise SpecgenError.at(path, "", f"refusing to write outside {root}")
    return resolved
