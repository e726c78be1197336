"""Python source text for IR values: annotations, literals and docstrings.

Every piece of spec text reaches generated code through one of these: ``pyrepr`` (a Python
literal), ``docstring`` (escaped so it cannot end the string) or a name already made safe by
``naming``.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from generator import ir

_BUILTINS = {"datetime": "datetime.datetime", "date": "datetime.date"}
# What the runtime validates date-times with: exact text kept, naive values refused in requests.
_EXACT_DATETIME = "_types.DateTime"


def annotation(ref: ir.TypeRef, *, constrained: bool = False, exact: bool = False) -> str:
    """The Python annotation for ``ref``; with ``constrained``, pydantic ``Field`` limits too;
    with ``exact``, date-times as the runtime's ``DateTime`` (for the types the runtime
    validates with, not for signatures)."""
    if ref.kind == "builtin" and exact and ref.name == "datetime":
        text = _EXACT_DATETIME
    elif ref.kind == "builtin":
        text = _BUILTINS.get(ref.name, ref.name)
    elif ref.kind == "model":
        text = f"models.{ref.name}"
    elif ref.kind == "literal":
        text = f"Literal[{', '.join(pyrepr(v) for v in ref.values)}]"
    elif ref.kind in ("list", "sequence"):
        item = annotation(ref.args[0], constrained=constrained, exact=exact)
        text = f"{'list' if ref.kind == 'list' else 'Sequence'}[{item}]"
    elif ref.kind == "dict":
        value = annotation(ref.args[1], constrained=constrained, exact=exact)
        text = f"dict[{annotation(ref.args[0])}, {value}]"
    elif ref.kind == "union":
        text = " | ".join(annotation(a, constrained=constrained, exact=exact) for a in ref.args)
    elif ref.kind == "none":
        text = "None"
    else:
        text = "Any"
    if constrained and ref.constraints:
        limits = ", ".join(f"{key}={pyrepr(value)}" for key, value in ref.constraints)
        text = f"Annotated[{text}, Field({limits})]"
    return text


def optional(ref: ir.TypeRef) -> str:
    text = annotation(ref)
    return text if text == "Any" or text.endswith("| None") or text == "None" else f"{text} | None"


def body_annotation(body: ir.Body) -> str:
    """JSON bodies accept the generated model or a plain dict with the same (JSON) keys; forms
    their ``forms`` TypedDict (or any mapping); binary bodies bytes or a binary file."""
    if body.form_class:
        return f"forms.{body.form_class}"
    if body.kind == "binary":
        return "bytes | IO[bytes]"
    text = annotation(body.type)
    if _has_model(body.type):
        text += " | dict[str, Any]"
    return text


def field_annotation(field: ir.FormField) -> str:
    """The value type of one key of a form's TypedDict (``Required[...]`` when required)."""
    text = "FileContent" if field.file else annotation(field.type)
    if field.file and field.many:
        text = f"list[{text}]"
    return f"Required[{text}]" if field.required else text


def body_type_names(body: ir.Body) -> frozenset[str]:
    """The optional imports ``body_annotation(body)`` needs."""
    if body.form_class:
        return frozenset({"forms"})
    if body.kind == "binary":
        return frozenset({"IO"})
    names = type_names(body.type)
    return names | {"Any"} if "models" in names else names


def _has_model(ref: ir.TypeRef) -> bool:
    return ref.kind == "model" or (ref.kind == "union" and any(_has_model(a) for a in ref.args))


def result_annotation(op: ir.Operation) -> str:
    return annotation(op.success.type) if op.success is not None else "None"


def _escape_doc(text: str) -> str:
    """``text`` made safe inside a triple-quoted string: nothing in it can end the string."""
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r", "")
    if safe.replace("\n", "").replace("\t", "").isprintable():  # the usual case, at C speed
        return safe
    return "".join(ch if ch.isprintable() or ch in "\n\t" else _escaped(ch) for ch in safe)


def _escaped(ch: str) -> str:
    """The escape sequence of one character (lowercase hex, as black writes it)."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def doctext(text: str) -> str:
    """One line of spec text for the inside of a docstring the template writes."""
    safe = _escape_doc(" ".join(str(text).split()))
    return safe + " " if safe.endswith(('"', "\\")) else safe


def docstring(text: str, indent: int = 4) -> str:
    """A triple-quoted docstring of ``text`` that no content can close early, laid out as black
    lays docstrings out (first line stripped, the others re-indented, no quote touching the
    quotes), so black leaves it as it is."""
    lines = _escape_doc(text).strip("\n").split("\n")
    first = lines[0].strip()
    if first.startswith('"'):
        first = " " + first
    if len(lines) == 1:
        if first.endswith('"') or not first:
            first += " "
        return f'"""{first}"""'
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in _dedented(lines[1:]))
    return f'"""{first}\n{body}\n{pad}"""'


def _dedented(lines: list[str]) -> list[str]:
    """``lines`` with leading tabs expanded, their common indentation removed and trailing
    whitespace stripped (what black does to the lines after a docstring's first)."""
    expanded = [
        line[: len(line) - len(line.lstrip())].expandtabs(4) + line.lstrip() for line in lines
    ]
    common = min((len(x) - len(x.lstrip()) for x in expanded if x.strip()), default=0)
    return [x[common:].rstrip() for x in expanded]


def wrap(text: str, width: int = 88, indent: int = 0) -> str:
    """Re-flow prose paragraphs (keeping blank lines between them)."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    pad = " " * indent
    return "\n\n".join(
        textwrap.fill(p, width, initial_indent=pad, subsequent_indent=pad) for p in paragraphs if p
    )


def pyrepr(value: Any) -> str:
    """A Python literal for a plain value from the spec (str, number, bool, None, tuples),
    strings quoted as black quotes them."""
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, int | float | bool) or value is None:
        return repr(value)
    if isinstance(value, tuple | list):
        inner = ", ".join(pyrepr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    raise TypeError(f"no literal for {type(value).__name__}")


def string_literal(text: str) -> str:
    """``repr(text)`` with black's choice of quotes: double, unless that needs more escaped
    quotes than single quotes do (black's ``normalize_string_quotes``)."""
    literal = repr(text)
    doubles, singles = text.count('"'), text.count("'")
    if doubles > singles or literal.startswith('"'):
        return literal  # repr chose double quotes, or single quotes need fewer escapes
    if not doubles:  # then no single quote either: the same body between double quotes
        return f'"{literal[1:-1]}"'
    body = "".join(
        '\\"' if ch == '"' else "'" if ch == "'" else repr(ch)[1:-1] for ch in text
    )  # both quotes in the text: rare, so char by char
    return f'"{body}"'


# isort's line length for imports (``fmt.IMPORT_LINE_LENGTH``; not imported: fmt loads black).
IMPORT_WIDTH = 88


def import_sorted(names: Iterable[str]) -> list[str]:
    """``names`` in the order isort (profile black) gives the names of a ``from`` import:
    CONSTANTS, then Classes, then the rest, each group ignoring case and reading digits as
    numbers (``A2`` before ``A10``)."""

    def key(name: str) -> list[str | int]:
        group = "A" if name.isupper() and len(name) > 1 else "B" if name[:1].isupper() else "C"
        text = group + name.lower()
        parts = _DIGITS.split(text)  # text, digits, text, ...
        return [int(part) if index % 2 else part for index, part in enumerate(parts)]

    return sorted(names, key=key)


_DIGITS = re.compile(r"(\d+)")


def from_import(names: Iterable[str], module: str) -> str:
    """``from module import names`` as isort writes it: sorted, and one name a line (with a
    trailing comma) when one line would be longer than ``IMPORT_WIDTH``."""
    ordered = import_sorted(set(names))
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= IMPORT_WIDTH:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in ordered) + ")"


LINE_WIDTH = 100  # black's (``fmt.MODE``)


def call_lines(head: str, args: Sequence[str], indent: int) -> str:
    """``head(args)`` at ``indent`` (followed by a comma) as black lays it out: on one line
    when that fits; else the arguments on a line of their own when that fits; else one
    argument a line with a trailing comma, each laid out by ``item_line``."""
    pad = " " * indent
    joined = ", ".join(args)
    if len(f"{pad}{head}({joined}),") <= LINE_WIDTH:
        return f"{pad}{head}({joined})"
    if len(f"{pad}    {joined}") <= LINE_WIDTH:
        return f"{pad}{head}(\n{pad}    {joined}\n{pad})"
    inner = "".join(item_line("", arg, indent + 4) + "\n" for arg in args)
    return f"{pad}{head}(\n{inner}{pad})"


def item_line(head: str, value: str, indent: int) -> str:
    """``head + value`` and a comma, an item of a call or collection split one a line
    (``type=`` and a deferred type), at ``indent`` as black lays it out: on one line when that
    fits; a call of one argument, ``Later(lambda: models.Pet)``, split at its bracket with the
    argument on a line of its own (black's right-hand split): an argument of names always, one
    with brackets or a union only when it fits there. Any other value too long is left on one
    line for black."""
    pad = " " * indent
    line = f"{pad}{head}{value},"
    call = _ONE_ARGUMENT_CALL.fullmatch(value)
    if len(line) <= LINE_WIDTH or call is None:
        return line
    argument = f"{pad}    {call[2]}"
    if len(argument) > LINE_WIDTH and not _NAMES_ONLY.fullmatch(call[2]):
        return line  # black would split the argument too
    return f"{pad}{head}{call[1]}(\n{argument}\n{pad}),"


def call_assignment(target: str, function: str, argument: str, indent: int) -> str:
    """``target = function(argument)`` at ``indent`` as black lays it out: on one line when that
    fits; else split at the call's parentheses, the argument on a line of its own. When the
    line up to the parenthesis is itself too long, black tries the call inside parentheses of
    its own, and keeps that when every line then fits."""
    pad, inner = " " * indent, " " * (indent + 4)
    call = f"{function}({argument})"
    if len(pad) + len(target) + 3 + len(call) <= LINE_WIDTH:
        return f"{pad}{target} = {call}"
    head = f"{pad}{target} = {function}("
    split = f"{head}\n{inner}{argument}\n{pad})"
    if len(head) <= LINE_WIDTH:
        return split
    body = [f"{inner}{call}"]
    if len(body[0]) > LINE_WIDTH:
        body = [f"{inner}{function}(", f"{inner}    {argument}", f"{inner})"]
    wrapped = [f"{pad}{target} = (", *body, f"{pad})"]
    if all(len(line) <= LINE_WIDTH for line in wrapped):
        return "\n".join(wrapped)
    return split


def class_line(name: str, bases: str, indent: int = 0) -> str:
    """``class name(bases):`` at ``indent`` as black lays it out: on one line when that fits,
    else the bases on a line of their own (left on one line for black when even that is too
    long)."""
    pad = " " * indent
    line = f"{pad}class {name}({bases}):"
    if len(line) <= LINE_WIDTH or len(pad) + 4 + len(bases) > LINE_WIDTH:
        return line
    return f"{pad}class {name}(\n{pad}    {bases}\n{pad}):"


# A name, or names joined by dots (``models.Pet``): black splits neither.
DOTTED_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_DOTTED_NAME = re.compile(DOTTED_NAME)
# ``f(x.y)``, ``f(lambda: list[x.Y] | None)``: a call of one argument made of names, dots,
# subscripts and unions (no call, comma or string); ``_NAMES_ONLY``: one black cannot split.
_ONE_ARGUMENT_CALL = re.compile(rf"({DOTTED_NAME})\(((?:lambda: )?[A-Za-z0-9_.\[\] |]+)\)")
_NAMES_ONLY = re.compile(rf"(?:lambda: )?{DOTTED_NAME}")


def param_line(name: str, annotation: str, indent: int, default: str | None = None) -> str:
    """``name: annotation[ = default],``, a parameter of a signature split one a line, at
    ``indent`` as black lays it out: on one line when that fits; else a union of names in
    parentheses, on one line inside them when that fits, else one member a line. Any other
    annotation too long is left on one line for black."""
    pad = " " * indent
    tail = "," if default is None else f" = {default},"
    line = f"{pad}{name}: {annotation}{tail}"
    members = annotation.split(" | ")
    if len(line) <= LINE_WIDTH or len(members) < 2:
        return line
    if not all(_DOTTED_NAME.fullmatch(member) for member in members):
        return line
    inner = f"{pad}    {annotation}"
    if len(inner) > LINE_WIDTH:
        inner = f"{pad}    {members[0]}" + "".join(f"\n{pad}    | {m}" for m in members[1:])
    return f"{pad}{name}: (\n{inner}\n{pad}){tail}"


def annotated_assignment(name: str, annotation: str, value: str) -> str:
    """``name: annotation = value`` as black lays it out when the first line is too long: the
    value (a call exploded over several lines) in parentheses when the rest fits, its lines
    moved right by ``value_indent``, else the annotation's subscript (``Generic[...]``) split."""
    head = f"{name}: {annotation} = "
    first = value.partition("\n")[0]
    if value_indent(name, annotation, first):
        indented = "\n".join("    " + line if line else line for line in value.split("\n"))
        return f"{head}(\n{indented}\n)"
    if len(head) + len(first) <= LINE_WIDTH:
        return head + value
    outer, _, inner = annotation.partition("[")
    return f"{name}: {outer}[\n    {inner.removesuffix(']')}\n] = {value}"


def value_indent(name: str, annotation: str, first: str) -> int:
    """How far ``annotated_assignment(name, annotation, value)`` moves the lines of ``value``
    (whose first line is ``first``) to the right: 4 when it puts them in parentheses, else 0.
    A template laying out the value's lines for their final place adds it to their indent, and
    takes it off again (``outdent``)."""
    head = f"{name}: {annotation} = "
    return 4 if len(head) + len(first) > LINE_WIDTH and len(head) + 1 <= LINE_WIDTH else 0


def outdent(text: str, width: int) -> str:
    """``text`` with ``width`` spaces taken off the start of each of its lines (all have them)."""
    pad = " " * width
    lines = text.split("\n")
    if not all(line.startswith(pad) for line in lines):
        raise ValueError(f"a line is indented by less than {width} spaces")
    return "\n".join(line[width:] for line in lines)


def sorted_all(names: list[str]) -> list[str]:
    """``__all__`` order as ruff's RUF022 expects: CONSTANTS, then Classes, then the rest."""

    def group(name: str) -> int:
        if name.isupper() or (name.upper() == name and "_" in name):
            return 0
        return 1 if name[:1].isupper() else 2

    return sorted(names, key=lambda n: (group(n), n))


def deferred(ref: ir.TypeRef, lazy: bool) -> str:
    """``annotation(ref, exact=True)`` for a descriptor; with ``lazy`` (an API whose models are
    a package loaded name by name) one naming models is ``Later(lambda: ...)``, read when a call
    first needs it (the runtime's ``_spec.Later``)."""
    text = annotation(ref, exact=True)
    return f"Later(lambda: {text})" if lazy and "models" in type_names(ref, exact=True) else text


def type_names(
    ref: ir.TypeRef, *, constrained: bool = False, exact: bool = False
) -> frozenset[str]:
    """The optional imports ``annotation(ref)`` needs (worked out from the type, not its text)."""
    names: set[str] = set()
    if ref.kind == "builtin" and exact and ref.name == "datetime":
        names.add("_types")
    elif ref.kind == "builtin" and ref.name in _BUILTINS:
        names.add("datetime")
    elif ref.kind in ("literal", "any", "model"):
        names.add({"literal": "Literal", "any": "Any", "model": "models"}[ref.kind])
    elif ref.kind == "dict" and not ref.args:
        names.add("Any")
    elif ref.kind == "sequence":
        names.add("Sequence")
    if constrained and ref.constraints:
        names.add("Annotated")
    for arg in ref.args:
        names |= type_names(arg, constrained=constrained, exact=exact)
    return frozenset(names)


def source_lines(code: str) -> list[str]:
    """``code``'s lines, ends kept, as Python numbers them (``ast`` line numbers index this).

    Only ``\\n``, ``\\r\\n`` and ``\\r`` end a line of source. ``str.splitlines`` also breaks at
    form feeds, ``\\x85``, ``\\u2028`` and others, which a docstring or literal may hold as they
    are: indexing its lines with ``ast`` positions would then cut code in the wrong place.
    """
    return io.StringIO(code, newline="").readlines()
