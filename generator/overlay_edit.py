"""Remove actions from an overlay file by editing its text, so everything else stays as written.

A YAML overlay is edited, not re-dumped: comments, key order, quoting and folded descriptions
are the maintainer's, and a re-dump would lose or rewrite them. Each action of a block-style
``actions`` list is cut from the start of the line of its ``-`` to the end of its last line
(a comment at the end of that line goes with it; comments and blank lines between actions stay).
A JSON overlay has no comments to keep, so it is written again with two-space indentation.
A flow-style list (``actions: [...]``) is refused: removing items from it by hand is easy and
editing it here could not keep its layout.

The edited text is parsed again and must give exactly the old data without those actions;
otherwise nothing is returned and the error says to remove the actions by hand.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import yaml

from generator.errors import SpecgenError
from generator.load import Document, parse_document


def drop_actions(overlay: Document, indices: Collection[int]) -> str:
    """The overlay's text without the actions at ``indices`` (positions in ``actions``)."""
    actions = overlay.data.get("actions") if isinstance(overlay.data, dict) else None
    if not isinstance(actions, list) or not set(indices) <= set(range(len(actions))):
        raise overlay.error("/actions", "no such actions to remove")
    if len(set(indices)) == len(actions):
        raise overlay.error(
            "/actions",
            "every action is stale: delete the overlay file and the 'overlay' line of "
            "specgen.yaml by hand",
        )
    if overlay.path.suffix.lower() == ".json":
        text = _json_without(overlay.data, indices)
    else:
        text = _yaml_without(overlay, indices)
    _check_result(overlay, indices, text)
    return text


def _json_without(data: dict[str, Any], indices: Collection[int]) -> str:
    kept = [a for i, a in enumerate(data["actions"]) if i not in indices]
    return json.dumps({**data, "actions": kept}, indent=2, ensure_ascii=False) + "\n"


def _yaml_without(overlay: Document, indices: Collection[int]) -> str:
    text = overlay.text
    items = _action_nodes(overlay)
    # Cut from the last action to the first, so earlier positions stay valid.
    for index in sorted(set(indices), reverse=True):
        start, end = _span(overlay, text, items[index], index)
        text = text[:start] + text[end:]
    return text


def _action_nodes(overlay: Document) -> list[yaml.Node]:
    root = yaml.compose(overlay.text, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "actions":
                if isinstance(value, yaml.SequenceNode) and not value.flow_style:
                    return list(value.value)
                break
    raise overlay.error(
        "/actions",
        "cannot edit a flow-style 'actions' list ([...]); remove the stale actions by hand",
    )


def _span(overlay: Document, text: str, node: yaml.Node, index: int) -> tuple[int, int]:
    """Start and end (character offsets) of the lines action ``node`` takes, its ``-`` included."""
    dash = _dash_before(text, node.start_mark.index)
    line_start = text.rfind("\n", 0, dash) + 1
    if dash < 0 or text[line_start:dash].strip():
        raise overlay.error(f"/actions/{index}", "cannot find where this action starts in the text")
    end = _content_end(node)
    if end > 0 and text[end - 1] != "\n":  # the rest of the last line (a comment) goes too
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    end = _keep_trailing_blank_lines(text, line_start, end)
    if text.startswith("\n", end) and (index == 0 or not _content_line_before(text, line_start)):
        # The blank line that separated this action from what follows goes with it, unless it
        # now separates the action before from what follows.
        end += 1
    return line_start, end


def _dash_before(text: str, position: int) -> int:
    """Offset of the ``-`` that opens the sequence item starting at ``position``, or -1."""
    at = position - 1
    while at >= 0 and text[at] in " \t\r\n":
        at -= 1
    return at if at >= 0 and text[at] == "-" else -1


def _content_end(node: yaml.Node) -> int:
    """Where the last value of ``node`` ends: block collections end only at the next token."""
    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return int(node.end_mark.index)


def _keep_trailing_blank_lines(text: str, start: int, end: int) -> int:
    """Move ``end`` back over whole blank lines (a block scalar's span ends after them)."""
    while end > start:
        previous = text.rfind("\n", start, end - 1)
        line = text[previous + 1 : end]
        if line.strip() or previous < start:
            return end
        end = previous + 1
    return end


def _content_line_before(text: str, line_start: int) -> bool:
    """Whether the line before ``line_start`` holds YAML (not blank, not only a comment)."""
    if line_start == 0:
        return False
    previous = text.rfind("\n", 0, line_start - 1) + 1
    line = text[previous : line_start - 1].strip()
    return bool(line) and not line.startswith("#")


def _check_result(overlay: Document, indices: Collection[int], text: str) -> None:
    expected = dict(overlay.data)
    expected["actions"] = [a for i, a in enumerate(overlay.data["actions"]) if i not in indices]
    try:
        edited = parse_document(overlay.path, text, label=overlay.label).data
    except SpecgenError:
        edited = None
    if edited != expected:
        shown = ", ".join(str(i) for i in sorted(indices))
        raise overlay.error(
            "/actions",
            f"could not remove actions {shown} by editing the text; remove them by hand",
        )
