"""``generator.load.Document``: the text kept as UTF-8 bytes reads back as the text read, and
line numbers are found in it as before (a str holding one character beyond the Basic
Multilingual Plane takes four bytes a character; a large spec's text is kept for the whole run).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from generator.load import parse_document

# Any character a JSON string may hold once escaped: astral ones (emoji) among them.
CHARS = st.characters(exclude_categories=("Cs",))


@given(st.lists(st.text(CHARS, max_size=12), min_size=1, max_size=6), st.booleans())
@example(values=["\x7f"], ascii_only=False)  # YAML refuses DEL: no line at all, before
@example(values=["a\u2028b", "\x85", "c"], ascii_only=False)  # YAML line breaks: lines shifted
@example(values=["\t\U0001f600"], ascii_only=False)  # a str of four bytes a character
def test_the_text_reads_back_and_lines_are_found(values: list[str], ascii_only: bool) -> None:
    lines = ["{"]
    for index, value in enumerate(values):
        comma = "," if index < len(values) - 1 else ""
        lines.append(f'  "k{index}": {json.dumps(value, ensure_ascii=ascii_only)}{comma}')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    document = parse_document(Path("spec.json"), text)
    assert document.text == text
    assert document.source == text.encode("utf-8")
    assert document.data == {f"k{i}": v for i, v in enumerate(values)}
    for index in range(len(values)):
        assert document.line_of(f"/k{index}") == index + 2
