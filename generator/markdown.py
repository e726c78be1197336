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

# Inline syntax: emphasis, code, links and images (``[``, ``]``), raw HTML and autolinks (``<``),
# an entity (``&`` before ``name;``), table cells, GFM strikethrough, a heading's closing ``#``s
# and the escape character itself. (``>`` and ``!`` mean nothing without ``<`` or ``[``.)
_INLINE = re.compile(r"([\\`*_\[\]<|~#]|&(?=#?[0-9A-Za-z]+;))")
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

    Three pieces of Markdown the text writes are kept, none able to link or hold HTML: code
    spans (`` `name` ``; inside one nothing is interpreted), ``*emphasis*`` and ``**strong**``
    (their content escaped like the rest). A code span holding a ``|`` is shown as plain text
    (a table cell would need ``\|`` in it, which shows elsewhere); list items on lines of
    their own become ``•`` items of the one line.
    """
    return _inline(text, cell=True)


def _inline(text: str, *, cell: bool) -> str:
    lines = [_BULLET.sub("• ", line) for line in _clean(text).splitlines()]
    flat = " ".join(" ".join(lines).split())
    parts = []
    for kind, piece in _code_spans(flat):
        if kind == "code" and piece.strip() and not (cell and "|" in piece):
            parts.append(code(piece, cell))
        else:
            parts.append(_emphasis(piece) if kind == "text" else _literal(piece))
    return _BLOCK_START.sub(_escape_block, "".join(parts))


# A list item at the start of a line: ``* ``, ``- ``, ``+ ``, ``1. ``, ``1) ``.
_BULLET = re.compile(r"^\s*(?:[*+-]|\d{1,9}[.)])\s+")
# ``**strong**`` and ``*emphasis*``: the content neither starts nor ends with a space and holds
# no ``*`` (so pairs never nest or overlap); not inside a word (``a*b*c`` stays as it is).
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*?)(?=\S)([^*]*?\S)\1(?![\w*])")


def _emphasis(text: str) -> str:
    out, start = [], 0
    for match in _EMPHASIS.finditer(text):
        out.append(_escape_text(text[start : match.start()]))
        out.append(f"{match[1]}{_escape_text(match[2])}{match[1]}")
        start = match.end()
    out.append(_escape_text(text[start:]))
    return "".join(out)


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
    """``text`` as escaped paragraphs (blank-line separated parts of it, each on one line) and
    lists (lines starting with ``*``, ``-``, ``+`` or a number: one item each, flat)."""
    blocks = []
    for part in re.split(r"\n\s*\n", _clean(text).strip()):
        lead: list[str] = []
        items: list[tuple[str, list[str]]] = []  # (marker, lines)
        for line in part.splitlines():
            bullet = _BULLET.match(line)
            if bullet:
                number = re.match(r"\s*(\d+)", bullet[0])
                items.append((f"{int(number[1])}." if number else "-", [line[bullet.end() :]]))
            elif items:
                items[-1][1].append(line)
            else:
                lead.append(line)
        if " ".join(lead).strip():
            blocks.append(_inline("\n".join(lead), cell=False))
        listed = [(m, _inline(" ".join(lines), cell=False)) for m, lines in items]
        if any(item for _, item in listed):
            blocks.append("\n".join(f"{m} {item}" for m, item in listed if item))
    return "\n\n".join(blocks)


def code(text: str, cell: bool = True) -> str:
    """``text`` as an inline code span on one line; with ``cell`` (the default), a ``|`` is
    written ``\\|``, which a table cell needs (GFM shows it as ``|`` there, elsewhere not)."""
    flat = " ".join(_clean(text).split())
    if cell:
        flat = flat.replace("|", "\\|")
    if not flat:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """``text`` as a fenced code block: the fence is longer than any backtick run inside."""
    body = _clean(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{body}\n{ticks}"


def heading_text(text: str) -> str:
    """What a heading of ``inline(text)`` reads as once parsed, as far as its anchor goes:
    list markers are ``•``, code spans lose their backticks and outer spaces (emphasis marks
    and other punctuation do not count in an anchor)."""
    lines = [_BULLET.sub("• ", line) for line in _clean(text).splitlines()]
    flat = " ".join(" ".join(lines).split())
    return "".join(
        " ".join(piece.split()) if kind == "code" and piece.strip() and "|" not in piece else piece
        for kind, piece in _code_spans(flat)
    )


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
