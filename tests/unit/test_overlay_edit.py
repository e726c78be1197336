"""Dropping overlay actions by editing the file's text (``generator.overlay_edit``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import SpecgenError
from generator.load import parse_document
from generator.overlay_edit import drop_actions

OVERLAY = """\
overlay: 1.0.0
info:
  title: Fixes
  version: 1.0.0
# Why this overlay exists.
actions:
  # --- Schemas ---
  - target: $.components.schemas.A
    description: >-
      Folded text
      on two lines.
    update: {type: object}  # keep me? no: I go with the action

  - target: $.components.schemas.B
    description: |
      Literal text
      # that looks like a comment

  # --- Paths ---
  -
    target: $.paths
    remove: true
  - target: $.components.schemas.C
    update:
      type: string
# The end.
"""


def test_dropping_keeps_every_other_line_as_written() -> None:
    document = parse_document(Path("overlay.yaml"), OVERLAY)
    assert drop_actions(document, [0, 2]) == """\
overlay: 1.0.0
info:
  title: Fixes
  version: 1.0.0
# Why this overlay exists.
actions:
  # --- Schemas ---
  - target: $.components.schemas.B
    description: |
      Literal text
      # that looks like a comment

  # --- Paths ---
  - target: $.components.schemas.C
    update:
      type: string
# The end.
"""  # fmt: skip


def test_dropping_the_last_action_keeps_the_comment_after_it() -> None:
    document = parse_document(Path("overlay.yaml"), OVERLAY)
    text = drop_actions(document, [3])
    assert text.endswith("    remove: true\n# The end.\n")
    assert (
        parse_document(Path("overlay.yaml"), text).data["actions"] == (document.data["actions"][:3])
    )


def test_a_json_overlay_is_written_again() -> None:
    data = {
        "overlay": "1.0.0",
        "info": {"title": "t", "version": "1"},
        "actions": [{"target": "$.a", "remove": True}, {"target": "$.b", "remove": True}],
    }
    document = parse_document(Path("overlay.json"), json.dumps(data))
    assert json.loads(drop_actions(document, [0]))["actions"] == [data["actions"][1]]


@pytest.mark.parametrize(
    ("text", "indices", "message"),
    [
        ("overlay: 1.0.0\nactions: [{target: $.a, remove: true}, {target: $.b, remove: true}]\n",
         [0], "flow-style"),
        ("overlay: 1.0.0\nactions:\n  - {target: $.a, remove: true}\n", [0], "every action"),
    ],
)  # fmt: skip
def test_refusals_name_the_overlay(text: str, indices: list[int], message: str) -> None:
    document = parse_document(Path("overlay.yaml"), text)
    with pytest.raises(SpecgenError) as caught:
        drop_actions(document, indices)
    [problem] = caught.value.diagnostics
    assert problem.file == "overlay.yaml"
    assert message in problem.message


# Random block-style overlays: actions written in several layouts, with comments and blank lines
# between them. Dropping any of them must leave exactly the other actions and every comment.

COMMENT = st.from_regex(r"# [a-z ]{0,12}", fullmatch=True)
WORD = st.from_regex(r"[a-z]{1,8}", fullmatch=True)


@st.composite
def action_text(draw: st.DrawFn, number: int) -> str:
    target = f"$.components.schemas.S{number}"
    layout = draw(st.sampled_from(["inline", "own-line-dash", "flow", "folded", "literal"]))
    words = " ".join(draw(st.lists(WORD, min_size=1, max_size=4)))
    if layout == "inline":
        return f"  - target: {target}\n    remove: true\n"
    if layout == "own-line-dash":
        return f"  -\n    target: {target}\n    update:\n      title: {words}\n"
    if layout == "flow":
        return f"  - {{target: {target}, remove: true}}  # {words}\n"
    style = ">-" if layout == "folded" else "|"
    trailing = "\n" * draw(st.integers(0, 2))
    return (
        f"  - target: {target}\n    update: {{type: object}}\n"
        f"    description: {style}\n      {words}\n      # {words}\n{trailing}"
    )


@st.composite
def overlays(draw: st.DrawFn) -> tuple[str, list[str]]:
    count = draw(st.integers(2, 6))
    comments: list[str] = []
    text = "overlay: 1.0.0\ninfo: {title: t, version: 1.0.0}\nactions:\n"
    for number in range(count):
        for comment in draw(st.lists(COMMENT, max_size=2)):
            comments.append(comment)
            text += f"  {comment}\n"
        text += draw(action_text(number)) + draw(st.sampled_from(["", "\n"]))
    return text, comments


# Timing varies with machine load; correctness does not.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlays(), st.data())
def test_dropping_any_actions_keeps_the_others_and_every_comment(
    overlay: tuple[str, list[str]], data: st.DataObject
) -> None:
    text, comments = overlay
    document = parse_document(Path("overlay.yaml"), text)
    actions: list[Any] = document.data["actions"]
    indices = data.draw(
        st.sets(st.integers(0, len(actions) - 1), min_size=1, max_size=len(actions) - 1)
    )
    edited = drop_actions(document, indices)
    kept = [a for i, a in enumerate(actions) if i not in indices]
    assert parse_document(Path("overlay.yaml"), edited).data["actions"] == kept
    lines = edited.splitlines()
    for comment in comments:
        assert f"  {comment}" in lines
    for index in indices:
        assert f"S{index}" not in edited.replace(f"S{index}0", "")
