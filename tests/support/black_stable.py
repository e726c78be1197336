"""Is rendered Python already in black's style? Chunk by chunk, as ``generator.fmt`` cuts it.

A file is cut into chunks: the module header (everything up to its last top-level import), each
other top-level statement, and inside a class each method (the class's own lines up to its first
method are a chunk of their own). A chunk runs to the start of the next one, so it owns the blank
lines after it. The whole file is formatted once (isort, then black, as ``fmt`` does) and cut the
same way; a chunk is *unstable* when its text differs from the formatted chunk at the same place.
Chunks holding a line longer than black's limit are left out: black still formats those.

``python -m tests.support.black_stable SPEC`` prints, per Python file of a spec's rendering
(before formatting), how many chunks black would still change.
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import black
import isort

from generator.build import Target, build_api
from generator.errors import Report, SpecgenError
from generator.fmt import IMPORT_LINE_LENGTH, MODE
from generator.models import build_models
from generator.pipeline import spec_file_target
from generator.render import Rendered, render_sets
from generator.template_sets import Templates, TemplateSet
from generator.validate import check_spec


@dataclass(frozen=True)
class Chunk:
    where: str  # "header", a top-level name, or "Class.method"
    start: int  # first line, 1-based
    text: str

    @property
    def long(self) -> bool:
        return any(len(line) > MODE.line_length for line in self.text.splitlines())


def formatted(text: str) -> str:
    """``text`` as ``generator.fmt`` formats a whole file: isort, then black."""
    return black.format_str(
        isort.code(text, profile="black", line_length=IMPORT_LINE_LENGTH), mode=MODE
    )


def chunks(text: str) -> list[Chunk]:
    """The chunks of ``text``, in order; together they are the whole text."""
    tree = ast.parse(text)
    starts: list[tuple[int, str]] = []
    imports = [i for i, n in enumerate(tree.body) if isinstance(n, ast.Import | ast.ImportFrom)]
    first = imports[-1] + 1 if imports else 0
    starts.append((1, "header"))
    for index, node in enumerate(tree.body[first:], first):
        # counted after the imports: isort merging two imports does not shift the names
        name = getattr(node, "name", None) or f"statement {index - first + 1}"
        starts.append((_first_line(node), name))
        if isinstance(node, ast.ClassDef):
            for inner in node.body:
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                    starts.append((_first_line(inner), f"{node.name}.{inner.name}"))
    if len(starts) > 1 and starts[1][0] == 1:  # nothing before the first statement
        starts.pop(0)
    lines = text.splitlines(keepends=True)
    bounds = [s for s, _ in starts] + [len(lines) + 1]
    return [
        Chunk(name, start, "".join(lines[start - 1 : end - 1]))
        for (start, name), end in zip(starts, bounds[1:], strict=True)
    ]


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


@dataclass(frozen=True)
class Unstable:
    where: str
    line: int
    before: str
    after: str

    def __str__(self) -> str:
        shown = f"--- rendered\n{self.before}+++ black\n{self.after}"
        return f"line {self.line} ({self.where}):\n{shown}"


def unstable(text: str) -> list[Unstable]:
    """The chunks of ``text`` (without a line over black's limit) that black would change."""
    black_text = formatted(text)
    mine, theirs = chunks(text), chunks(black_text)
    if [c.where for c in mine] != [c.where for c in theirs]:  # imports merged or moved
        return [Unstable("structure", 1, text, black_text)]
    return [
        Unstable(a.where, a.start, a.text, b.text)
        for a, b in zip(mine, theirs, strict=True)
        if a.text != b.text and not a.long
    ]


def render_raw(
    spec: Mapping[str, Any], source: str, target: Target, sets: Sequence[TemplateSet]
) -> Rendered:
    """Every file ``sets`` render for ``spec``, the models stage's included, before formatting
    (as ``pipeline.generate_in_memory`` renders them; what it warns about is left out)."""
    report = Report(source)
    checked = check_spec(spec, report)
    if checked.spec is None:
        raise SpecgenError(report.diagnostics)
    built = build_api(checked.spec, source, target, report)
    return render_sets(
        built.api, sets, {"models": lambda: build_models(built.api, source, report).code}
    )


def _measure(spec: Path) -> None:
    """Render ``spec`` without formatting and print what black would change, per file (or, for
    a ``.pkl`` of ``{path: text}``, of those files)."""
    if spec.suffix == ".pkl":
        import pickle

        files = pickle.loads(spec.read_bytes())
        wanted = set(sys.argv[2:]) or {name for name in files if name.endswith(".py")}
        _report(files, wanted)
        return
    document, target = spec_file_target(spec, "github", "GitHub")
    sets = Templates().for_api(["python", "cli"])
    rendered = render_raw(document.data, str(spec), target, sets)
    _report(rendered.files, rendered.python)


def _report(files: dict[str, str], python: set[str]) -> None:
    total = changed = long = 0
    for name in sorted(python):
        text = files[name]
        started = time.perf_counter()
        pieces = chunks(text)
        found = unstable(text)
        spent = time.perf_counter() - started
        n_long = sum(c.long for c in pieces)
        total, changed, long = total + len(pieces), changed + len(found), long + n_long
        print(
            f"{name}: {len(text):,} chars, {len(pieces):,} chunks, {n_long:,} with a long line, "
            f"{len(found):,} short ones black changes ({spent:.1f} s)"
        )
        for item in found[:3]:
            print(item)
    print(f"all: {total:,} chunks, {long:,} with a long line, {changed:,} short ones changed")


if __name__ == "__main__":
    _measure(Path(sys.argv[1]))
