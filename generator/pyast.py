"""Walks of a parsed module (``ast``) for the passes that read a large one whole.

``ast.walk`` visits a node's children through two generators a node (``iter_child_nodes``,
``iter_fields``); on GitHub's models (370,000 nodes, walked several times) that is most of
the walking. These visit the same nodes with one loop each, depth first rather than breadth
first: for callers that collect what they find, where the order does not matter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node in ``node`` (itself included), each once, depth first."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        _push_children(current, pending)


def names_in(node: ast.AST) -> set[str]:
    """The identifiers of every ``ast.Name`` in ``node`` (itself included)."""
    found: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if type(current) is ast.Name:
            found.add(current.id)
        else:
            _push_children(current, pending)
    return found


def _push_children(node: ast.AST, pending: list[ast.AST]) -> None:
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, ast.AST):
            pending.append(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    pending.append(item)
