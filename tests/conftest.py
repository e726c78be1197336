"""Make every generated package importable by its package name."""

from __future__ import annotations

import sys
from pathlib import Path

_GENERATED = Path(__file__).resolve().parent.parent / "generated"
for _folder in sorted(p for p in _GENERATED.iterdir() if p.is_dir()):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
