"""Rendering changes as text, JSON or Markdown, reading JSON back, and exit codes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from generator.diff._model import BREAKING, Change, FailOn, sort_key
from generator.errors import one_line
from generator.markdown import code, inline


def _summary(changes: Sequence[Change]) -> str:
    """One line counting the changes by severity."""
    breaking = sum(c.severity == BREAKING for c in changes)
    flagged = sum(c.flagged for c in changes)
    safe = len(changes) - breaking
    return f"{len(changes)} changes: {breaking} breaking, {safe} non-breaking ({flagged} flagged)"


def render_text(changes: Sequence[Change]) -> str:
    """Render changes for a terminal: a summary line, then breaking changes first."""
    if not changes:
        return "No changes.\n"
    lines = [_summary(changes)]
    # Locations and messages quote the specs: control characters are written out (one_line),
    # so a line break cannot forge a line in a CI log, nor an escape sequence reach a terminal.
    for change in sorted(changes, key=sort_key):
        label = (
            "BREAKING" if change.severity == BREAKING else ("FLAGGED" if change.flagged else "ok")
        )
        lines.append(f"{label:<9}{change.kind}  {one_line(change.location)}")
        lines.append(f"         {one_line(change.message)}")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change]) -> str:
    """Render changes as stable JSON: a summary and the sorted changes, indented by 2."""
    ordered = sorted(changes, key=sort_key)
    document = {
        "summary": {
            "breaking": sum(c.severity == BREAKING for c in ordered),
            "non_breaking": sum(c.severity != BREAKING for c in ordered),
            "flagged": sum(c.flagged for c in ordered),
        },
        "changes": [change.to_dict() for change in ordered],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def parse_json(text: str) -> list[Change]:
    """Read back the output of `render_json`."""
    return [Change(**item) for item in json.loads(text)["changes"]]


def _markdown_table(changes: Sequence[Change]) -> list[str]:
    """The changes as a table. Locations and messages quote the specs (untrusted text, and a
    pull request's body): as code spans and escaped text, no link or HTML in them works."""
    rows = ["| | Kind | Location | What changed |", "|---|---|---|---|"]
    for change in changes:
        mark = "❌" if change.severity == BREAKING else ("⚠️" if change.flagged else "✅")
        cells = (code(change.kind), code(change.location), inline(change.message))
        rows.append(f"| {mark} | {' | '.join(cells)} |")
    return rows


def render_markdown(changes: Sequence[Change]) -> str:
    """Render changes for a pull-request comment: a summary line, then one table per severity."""
    if not changes:
        return "**API diff:** no changes.\n"
    ordered = sorted(changes, key=sort_key)
    breaking = [c for c in ordered if c.severity == BREAKING]
    safe = [c for c in ordered if c.severity != BREAKING]
    lines = [f"**API diff:** {_summary(ordered)}."]
    for title, group in (("Breaking changes", breaking), ("Non-breaking changes", safe)):
        if group:
            lines += ["", f"#### {title}", "", *_markdown_table(group)]
    return "\n".join(lines) + "\n"


def exit_code(changes: Sequence[Change], fail_on: FailOn) -> int:
    """Return the process exit status: 1 when `fail_on` says these changes fail the check."""
    if fail_on == "never":
        return 0
    if fail_on == "any":
        return int(bool(changes))
    return int(any(c.severity == BREAKING for c in changes))
