"""The IR reference in docs/templates.md, generated from ``generator/ir.py`` so it cannot go stale.

Every IR class is documented by its docstring and every field by the ``#:`` comment above it
(a field without one is an error: the reference must say what each field means). The Markdown
goes between ``<!-- ir-reference:start -->`` and ``<!-- ir-reference:end -->``.

    python -m generator.irdoc            # print the reference
    python -m generator.irdoc --write    # write it into docs/templates.md
    python -m generator.irdoc --check    # exit 1 when docs/templates.md is not current
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import ir

START = "<!-- ir-reference:start -->"
END = "<!-- ir-reference:end -->"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "templates.md"
# The class a template starts from comes first; the others follow in the module's order.
_FIRST = "Api"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    doc: str
    default: str | None  # the default's source text, None for a required field


@dataclass(frozen=True)
class IrClass:
    name: str
    doc: str
    fields: tuple[Field, ...]
    properties: tuple[Field, ...]


def read_ir(source: str) -> tuple[list[IrClass], dict[str, str]]:
    """The classes of the IR module's ``source`` (fields with their ``#:`` docs) and its type
    aliases (``TypeKind = Literal[...]``) with their source text."""
    tree = ast.parse(source)
    lines = source.splitlines()
    classes, aliases = [], {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes.append(_read_class(node, lines))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Subscript)
        ):
            aliases[node.targets[0].id] = ast.unparse(node.value)
    return classes, aliases


def _read_class(node: ast.ClassDef, lines: Sequence[str]) -> IrClass:
    doc = ast.get_docstring(node)
    if not doc:
        raise ValueError(f"ir.{node.name} has no docstring")
    fields, properties = [], []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            name = item.target.id
            comment = _comment_above(lines, item.lineno)
            if not comment:
                raise ValueError(f"ir.{node.name}.{name} has no '#:' comment")
            default = ast.unparse(item.value) if item.value is not None else None
            fields.append(Field(name, ast.unparse(item.annotation), comment, default))
        elif isinstance(item, ast.FunctionDef) and any(
            isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
        ):
            returns = ast.unparse(item.returns) if item.returns is not None else "Any"
            text = ast.get_docstring(item)
            if not text:
                raise ValueError(f"ir.{node.name}.{item.name} has no docstring")
            properties.append(Field(item.name, returns, " ".join(text.split()), None))
    return IrClass(node.name, inspect.cleandoc(doc), tuple(fields), tuple(properties))


def _comment_above(lines: Sequence[str], lineno: int) -> str:
    """The text of the ``#:`` comment lines right above line ``lineno`` (1-based)."""
    found: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return " ".join(found)


def render(source: str | None = None) -> str:
    """The Markdown reference of the IR (``source``: ir.py's text, by default the module's)."""
    text = source if source is not None else Path(ir.__file__).read_text(encoding="utf-8")
    classes, aliases = read_ir(text)
    classes.sort(key=lambda c: c.name != _FIRST)  # stable: the rest keep the module's order
    major, minor = ir.IR_VERSION
    out = [
        "<!-- generated from generator/ir.py by `python -m generator.irdoc --write`: "
        "do not edit by hand -->",
        "",
        f"IR version **{major}.{minor}** (`generator.ir.IR_VERSION`). A set's `ir: {major}` "
        f"accepts every {major}.x: a minor version only adds fields, a major version changes "
        "or removes some. Every object is frozen; `tuple` fields are read like lists, "
        "`X | None` fields may be `None`.",
        "",
    ]
    for cls in classes:
        out += _render_class(cls)
    if aliases:
        out += ["### Value sets", ""]
        out += [f"- `{name}`: `{_cell(value)}`" for name, value in aliases.items()]
        out.append("")
    return "\n".join(out)


def _render_class(cls: IrClass) -> list[str]:
    out = [f"### `{cls.name}`", ""]
    for paragraph in cls.doc.split("\n\n"):
        out += [_markdown(" ".join(paragraph.split())), ""]
    out += ["| Field | Type | Meaning |", "|---|---|---|"]
    for f in cls.fields:
        default = "" if f.default is None else f" (default `{_cell(f.default)}`)"
        out.append(f"| `{f.name}` | `{_cell(f.type)}` | {_cell(f.doc)}{default} |")
    for p in cls.properties:
        out.append(f"| `{p.name}` | `{_cell(p.type)}` | {_cell(p.doc)} (computed) |")
    out.append("")
    return out


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return _markdown(" ".join(text.split())).replace("|", "\\|")


def _markdown(text: str) -> str:
    """Docstring markup (reStructuredText's double backticks) as Markdown code."""
    return text.replace("``", "`")


def updated(document: str, reference: str) -> str:
    """``document`` with the text between the markers replaced by ``reference``."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START} and {END} are missing or out of order")
    return f"{document[: start + len(START)]}\n{reference}\n{document[end:]}"


def main(argv: Sequence[str] = ()) -> int:
    reference = render()
    if "--write" in argv or "--check" in argv:
        current = DOCS.read_text(encoding="utf-8")
        wanted = updated(current, reference)
        if "--check" in argv:
            if current != wanted:
                print(f"{DOCS} is not current: run python -m generator.irdoc --write")
                return 1
            return 0
        DOCS.write_text(wanted, encoding="utf-8")
        return 0
    print(reference)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
