"""Read JSON or YAML documents, keeping enough to point at a line when something is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecgenError, escape_token, parse_pointer, to_pointer


@dataclass
class Document:
    """A parsed document and where it came from.

    Line numbers are looked up lazily (only when a diagnostic needs one) by composing the text
    as YAML, which also covers JSON.
    """

    path: Path
    text: str
    data: Any
    _lines: dict[str, int] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, pointer: str) -> int | None:
        """1-based line of the node at ``pointer``, or of its nearest ancestor that exists."""
        if self._lines is None:
            # JSON allows tabs only as whitespace between tokens, where YAML rejects them.
            text = self.text.replace("\t", " ") if self.path.suffix == ".json" else self.text
            self._lines = _line_map(text)
        tokens = parse_pointer(pointer)
        while True:
            key = to_pointer(tokens)
            if key in self._lines:
                return self._lines[key]
            if not tokens:
                return None
            tokens = tokens[:-1]

    def error(self, pointer: str, message: str) -> SpecgenError:
        return SpecgenError.at(self.name, pointer, message, self.line_of(pointer))


def load_document(path: Path) -> Document:
    """Read ``path`` as JSON (``.json``) or YAML (anything else); errors name file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecgenError.at(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecgenError.at(path, "", f"cannot read file: {exc}") from None
    return parse_document(path, text)


def parse_document(path: Path, text: str) -> Document:
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecgenError.at(path, "", f"invalid JSON: {exc.msg}", exc.lineno) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
            problem = exc.problem or "syntax error"
            raise SpecgenError.at(path, "", f"invalid YAML: {problem}", line) from None
        except yaml.YAMLError as exc:
            raise SpecgenError.at(path, "", f"invalid YAML: {exc}") from None
    return Document(path=path, text=text, data=data)


def _line_map(text: str) -> dict[str, int]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, pointer = stack.pop()
        lines.setdefault(pointer, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                token = escape_token(str(key_node.value))
                lines[pointer + "/" + token] = key_node.start_mark.line + 1
                stack.append((value_node, pointer + "/" + token))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{pointer}/{index}"))
    return lines
