"""Markdown from untrusted text: escaping for paragraphs, table cells and code, and heading
anchors as GitHub makes them.

Spec text is shown as plain text, never as Markdown: every character that could start
emphasis, a link, an image, raw HTML, an entity, a code span or a table cell is escaped with a
backslash (CommonMark renders an escaped ASCII punctuation character as itself), and what could
start a block (a heading, quote, list, fence or rule) is escaped at the start of a paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Inline syntax: emphasis, code, links and images, raw HTML and autolinks, entities, tables,
# GFM strikethrough, and the escape character itself.
_INLINE = re.compile(r"([\\`*_\[\]<>&|~#!])")
# What may start a block when it begins a line: headings, quotes, lists, rules, fences,
# setext underlines; ``1.`` / ``1)`` ordered lists.
_BLOCK_START = re.compile(r"^([-+=>])|^(\d+)([.)])")


def _clean(text: str) -> str:
    """Control characters out (NUL would be replaced by the parser anyway)."""
    return "".join(
        " " if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in text
    )


def inline(text: str) -> str:
    r"""``text`` on one line, escaped: for headings, list items and table cells.

    Code spans the text writes (`` `name` ``) stay code spans, the one piece of Markdown kept:
    inside one nothing is interpreted, so it can neither link nor hold HTML. One holding a ``|``
    is shown as plain text instead (a table cell would need ``\|`` in it, shown elsewhere).
    """
    flat = " ".join(_clean(text).split())
    parts = []
    for kind, piece in _code_spans(flat):
        if kind == "code" and piece.strip() and "|" not in piece:
            parts.append(code(piece))
        else:
            parts.append(_escape_text(piece) if kind == "text" else _literal(piece))
    return _BLOCK_START.sub(_escape_block, "".join(parts))


def _escape_text(text: str) -> str:
    """Backslash before every inline syntax character, except ``_`` inside a word
    (``has_more``): CommonMark never reads one between letters or digits as emphasis."""

    def escape(match: re.Match[str]) -> str:
        at = match.start()
        inside_word = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
        return "_" if match[1] == "_" and inside_word else f"\\{match[1]}"

    return _INLINE.sub(escape, text)


def _literal(piece: str) -> str:
    return _escape_text(f"`{piece}`")


def _escape_block(match: re.Match[str]) -> str:
    return f"\\{match[1]}" if match[1] else f"{match[2]}\\{match[3]}"


def _code_spans(text: str) -> list[tuple[str, str]]:
    """``text`` split into ("text", ...) and ("code", ...) pieces as CommonMark pairs backtick
    runs: a run opens a code span closed by the next run of the same length; an unpaired run
    is literal text."""
    runs = list(re.finditer(r"`+", text))
    pieces: list[tuple[str, str]] = []
    start = index = 0
    while index < len(runs):
        opening = runs[index]
        closing = next((r for r in runs[index + 1 :] if len(r[0]) == len(opening[0])), None)
        if closing is None:
            index += 1
            continue
        pieces.append(("text", text[start : opening.start()]))
        pieces.append(("code", text[opening.end() : closing.start()]))
        start = closing.end()
        index = runs.index(closing) + 1
    pieces.append(("text", text[start:]))
    return pieces


def paragraphs(text: str) -> str:
    """``text`` as escaped paragraphs: blank-line separated parts of it, each on one line."""
    parts = re.split(r"\n\s*\n", _clean(text).strip())
    return "\n\n".join(inline(part) for part in parts if part.strip())


def code(text: str) -> str:
    """``text`` as an inline code span on one line, safe in a table cell too."""
    flat = " ".join(_clean(text).split()).replace("|", "\\|")
    if not flat:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or flat.startswith(" ") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """``text`` as a fenced code block: the fence is longer than any backtick run inside."""
    body = _clean(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{body}\n{ticks}"


def heading_text(text: str) -> str:
    """What a heading of ``inline(text)`` reads as once parsed: the text an anchor is made of."""
    return " ".join(_clean(text).split())


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading with this text (before making it unique): lower case,
    letters, marks, digits, ``_`` and ``-`` kept, each space a ``-``, everything else dropped."""
    kept = "".join(
        ch
        for ch in text.lower()
        if ch in " -_" or unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "Pc"
    )
    return kept.replace(" ", "-")


class Slugger:
    """Anchors for a document's headings in order: a repeated one gets ``-1``, ``-2``..."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, heading: str) -> str:
        base = github_slug(heading_text(heading))
        result = base
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result

    def slugs(self, headings: Iterable[str]) -> list[str]:
        return [self.slug(h) for h in headings]
