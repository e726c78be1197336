"""Bring the known failures in ``specs.yaml`` in line with the last corpus run.

    .venv/bin/python tests/corpus/xfails.py [--write]

After ``make corpus`` (which leaves its results in ``.cache/corpus/results.json``): a spec that
now passes loses its ``xfail``; a spec that fails gets one for the stage it fails at (an
existing reason is kept while the stage is the same; a new one quotes the first error). Without
``--write`` the changes are only printed. Comments and the other keys stay as written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from corpus_sources import CACHE, LIST, entries

ENTRY = re.compile(r"^  - path: (?P<path>\S+)\s*$")
SECTION = re.compile(r"^(?P<name>[a-z]+):")
XFAIL = "    xfail: "


def reason_of(result: dict[str, object]) -> str:
    """A short reason for a new xfail: the first error without its file name."""
    errors = result.get("errors") or [result.get("message", "")]
    first = str(errors[0]) if isinstance(errors, list) and errors else ""
    first = re.sub(r"^error: \S+?(?::\d+)?(?: at (\S+))?: ", r"at \1: ", first)
    first = first.replace("at : ", "")
    return first[:150]


def updated(text: str, results: dict[str, dict[str, object]]) -> tuple[str, list[str]]:
    """``text`` of specs.yaml with each entry's xfail matching ``results``; the changes made."""
    known = {e.id: e for e in entries()}
    out: list[str] = []
    changes: list[str] = []
    section = ""
    current: str | None = None
    kept: list[str] = []  # the entry's xfail line as written, for a spec the run did not cover

    def close() -> None:
        if current is not None and current not in results:
            out.extend(kept)  # not run (``-k``): its known failure stays as it was
        if current is None or current not in results:
            return
        result = results[current]
        stage = result.get("stage")
        old = known[current].xfail if current in known else {}
        if stage is None:
            if old:
                changes.append(f"{current}: passes now, xfail removed")
            return
        reason = old.get("reason") if old.get("stage") == stage else None
        if not old:
            changes.append(f"{current}: fails at {stage} now, xfail added")
        elif old.get("stage") != stage:
            changes.append(f"{current}: xfail {old.get('stage')} -> {stage}")
        reason = reason or reason_of(result)
        out.append(f"{XFAIL}{{stage: {stage}, reason: {json.dumps(reason)}}}")

    for line in text.splitlines():
        if line.startswith(XFAIL):
            kept.append(line)
            continue  # rewritten by close()
        entry, header = ENTRY.match(line), SECTION.match(line)
        if entry or header:
            close()
            kept.clear()
            current = f"{section}:{entry['path']}" if entry else None
            if header:
                section = header["name"]
        out.append(line)
    close()
    return "\n".join(out) + "\n", changes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite specs.yaml")
    parser.add_argument("--results", type=Path, default=CACHE / "results.json")
    args = parser.parse_args()
    results = {r["id"]: r for r in json.loads(args.results.read_text(encoding="utf-8"))}
    text, changes = updated(LIST.read_text(encoding="utf-8"), results)
    print("\n".join(changes) or "specs.yaml matches the last run")
    if args.write and changes:
        LIST.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
