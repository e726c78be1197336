"""``generator.pyast``: its walks find what ``ast.walk`` finds, in every module of the toolkit
and of the generated packages (a ``{**spread}`` gives a list holding None, a lambda, a nested
class...), from the module and from each statement in it."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from generator.pyast import names_in, walk

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted([*(ROOT / "generator").rglob("*.py"), *(ROOT / "generated").rglob("*.py")])


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_the_walks_find_what_ast_walk_finds(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in [tree, *tree.body]:
        assert Counter(map(id, walk(node))) == Counter(map(id, ast.walk(node)))
        expected = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        assert names_in(node) == expected


def test_the_walk_is_depth_first() -> None:
    tree = ast.parse("def f(a):\n    return {**a, 'k': [b, c]}\n")
    kinds = [type(n).__name__ for n in walk(tree)]
    # The last child's subtree first, whole: ``ast.walk`` gives ``arguments`` before them.
    assert kinds.index("Constant") < kinds.index("arguments")
