"""Read JSON or YAML documents, keeping enough to point at a line when something is wrong.

Documents are untrusted, so reading one is bounded (the limits are documented in README.md):

* nesting: no value may sit deeper than ``MAX_DEPTH`` levels (its JSON pointer has at most that
  many reference tokens); deeper input would exhaust Python's recursion in later stages;
* YAML aliases: a self-referencing alias is refused, and so is a document whose aliases add more
  than ``MAX_ALIAS_NODES`` nodes to what it spells out (a "billion laughs" alias bomb);
* duplicate keys in a mapping (JSON or YAML) are an error naming both lines; YAML merge keys
  (``<<``) may still be overridden, as the merge-key spec allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.cache import active, stage_key
from generator.errors import SpecgenError
from generator.rawspec import escape_token, parse_pointer, to_pointer

MAX_DEPTH = 100
"""Deepest a value may be nested: reference tokens in its JSON pointer."""

MAX_ALIAS_NODES = 100_000
"""Most nodes (keys, values, items) YAML aliases may add to a document by repeating anchors."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class Document:
    """A parsed document and where it came from.

    Line numbers are looked up lazily (only when a diagnostic needs one) by composing the text
    as YAML, which also covers JSON. The text is kept as UTF-8 (``source``): a text holding
    one character beyond the Basic Multilingual Plane takes four bytes a character as a str,
    and a large spec's (GitHub's 13 MB) is kept for the whole run.
    """

    path: Path
    source: bytes = field(repr=False)  # the text, UTF-8 encoded
    data: Any
    _lines: dict[str, int] | None = field(default=None, repr=False)
    label: str | None = None  # what diagnostics call it, when not its path (e.g. a URL)

    @property
    def name(self) -> str:
        return self.label or str(self.path)

    @property
    def text(self) -> str:
        return self.source.decode("utf-8")

    def line_of(self, pointer: str) -> int | None:
        """1-based line of the node at ``pointer``, or of its nearest ancestor that exists."""
        if self._lines is None:
            self._lines = _line_map(_yaml_text(self.path, self.text))
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
    except OSError as exc:  # the reason alone: the message names the file already
        raise SpecgenError.at(path, "", f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecgenError.at(path, "", f"cannot read file: {exc}") from None
    return parse_document(path, text)


def parse_document(path: Path, text: str, label: str | None = None) -> Document:
    """Parse ``text`` as the format ``path`` names; diagnostics call it ``label`` or ``path``."""
    where = label or str(path)
    json_format = path.suffix.lower() == ".json"
    cache = active()
    key = stage_key("parse", (), "json" if json_format else "yaml", text) if cache.root else ""
    found = cache.get_object("parse", key) if key else None
    if isinstance(found, _Parsed):  # a text parsed before: the same data (and it was accepted)
        return Document(path, text.encode("utf-8"), found.data, label=label)
    data = _parse_json(where, text) if json_format else _parse_yaml(where, text)
    if key:
        cache.put_object("parse", key, _Parsed(data))
    return Document(path, text.encode("utf-8"), data, label=label)


@dataclass(frozen=True)
class _Parsed:
    """A parsed text, as cached (only texts that parsed are)."""

    data: Any


def check_depth(data: Any, document: Document, what: str) -> None:
    """Refuse ``data`` (built from ``document``, e.g. by an overlay) if it nests too deeply."""
    pointer = _first_too_deep(data)
    if pointer is not None:
        raise document.error(pointer, f"{what} {_too_deep_message()}")


def _too_deep_message() -> str:
    return f"nested deeper than {MAX_DEPTH} levels (the limit)"


class _Refusal(Exception):
    """A document specgen will not read, found while parsing: where and why."""

    def __init__(self, pointer: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.pointer, self.message, self.line = pointer, message, line

    def error(self, where: str) -> SpecgenError:
        return SpecgenError.at(where, self.pointer, self.message, self.line)


class _DuplicateKey(Exception):
    pass


def _parse_json(where: str, text: str) -> Any:
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise SpecgenError.at(where, "", f"invalid JSON: {exc.msg}", exc.lineno) from None
    except (RecursionError, _DuplicateKey) as exc:
        # json reports neither where nor (for depth) why: read the text as YAML to find out.
        raise _locate_json_problem(where, text, exc) from None
    if _first_too_deep(data) is not None:
        raise _locate_json_problem(where, text, None)
    return data


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


def _locate_json_problem(where: str, text: str, exc: Exception | None) -> SpecgenError:
    """The error for a JSON text json refused: JSON is YAML here, whose loader knows the line."""
    try:
        yaml.load(_json_as_yaml(text), Loader=_SpecLoader)
    except _Refusal as refusal:
        return refusal.error(where)
    except (yaml.YAMLError, RecursionError):
        pass
    if isinstance(exc, _DuplicateKey):
        return SpecgenError.at(where, "", "invalid JSON: an object has a duplicate key")
    return SpecgenError.at(where, "", f"invalid JSON: {_too_deep_message()}")


def _parse_yaml(where: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_SpecLoader)
    except _Refusal as refusal:
        raise refusal.error(where) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        problem = exc.problem or "syntax error"
        raise SpecgenError.at(where, "", f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise SpecgenError.at(where, "", f"invalid YAML: {exc}") from None


def _yaml_text(path: Path, text: str) -> str:
    return _json_as_yaml(text) if path.suffix.lower() == ".json" else text


def _json_as_yaml(text: str) -> str:
    # JSON allows tabs only as whitespace between tokens, where YAML rejects them; its strings
    # may hold characters YAML refuses (DEL, C1 controls, U+FFFE) or reads as line breaks
    # (U+0085, U+2028, U+2029). Each becomes a space, so the lines stay JSON's.
    return _NOT_YAML.sub(" ", text)


_NOT_YAML = re.compile("[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader, bounded: nesting while composing, then aliases and keys.

    Composing is recursive in PyYAML, so depth is checked as nodes are composed; aliases only
    share nodes at that point, so their expansion is measured on the node graph (each distinct
    node once) before anything is constructed.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[str] = []
        # Line of each alias written as a sequence item, by (id(sequence node), index): the
        # node an alias yields is its anchor's, whose own marks point at the anchor.
        self.alias_lines: dict[tuple[int, int], int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) and isinstance(index, int):
            self.alias_lines[(id(parent), index)] = _line(event)
        if parent is None or (index is None and not _opens_collection(event)):
            return super().compose_node(parent, index)  # the root, or a plain mapping key
        self._path.append(_token_of(index))
        try:
            if len(self._path) > MAX_DEPTH:
                # A mapping value is reported at its key's line, not at its own first line.
                line = _line(index if isinstance(index, yaml.Node) else event)
                raise _Refusal(to_pointer(self._path), _too_deep_message(), line)
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def construct_document(self, node: yaml.Node) -> Any:
        _GraphCheck(self).run(node)
        return super().construct_document(node)


def _opens_collection(event: yaml.Event) -> bool:
    return isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)


def _token_of(index: Any) -> str:
    """The pointer token of a node composed at ``index``: an item number or a mapping key."""
    if isinstance(index, int):
        return str(index)
    if isinstance(index, yaml.ScalarNode):
        return str(index.value)
    return "?"  # a collection as a mapping key, or a value under one: no pointer names these


@dataclass
class _Frame:
    node: yaml.Node
    pointer: str
    children: Iterator[tuple[str, yaml.Node, int]]


class _GraphCheck:
    """One depth-first pass over a composed document, visiting each distinct node once.

    An alias is a second edge to a node already seen: if that node is still being visited the
    alias is recursive; otherwise it adds the node's expanded size, which is known by then.
    """

    def __init__(self, loader: _SpecLoader) -> None:
        self.loader = loader
        self.size: dict[int, int] = {}  # expanded node count of each finished node
        self.height: dict[int, int] = {}  # levels below each finished node
        self.active: set[int] = set()
        self.added = 0  # nodes added by aliases so far

    def run(self, root: yaml.Node) -> None:
        stack = [self._enter(root, "")]
        while stack:
            frame = stack[-1]
            for pointer, child, line in frame.children:
                if id(child) in self.active:
                    raise _Refusal(
                        pointer,
                        "recursive YAML alias: it refers to a node that contains it "
                        f"(anchored at line {child.start_mark.line + 1})",
                        line,
                    )
                if id(child) in self.size:
                    self._count_alias(pointer, child, line)
                    continue
                stack.append(self._enter(child, pointer))
                break
            else:
                stack.pop()
                self._leave(frame.node)
        height = self.height[id(root)]
        if height > MAX_DEPTH:  # only aliases can nest this deep: composing checks the rest
            pointer, node = self._deepest(root)
            raise _Refusal(pointer, _too_deep_message(), _line(node))

    def _enter(self, node: yaml.Node, pointer: str) -> _Frame:
        self.active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._check_keys(node, pointer)
        return _Frame(node, pointer, self._children(node, pointer))

    def _children(self, node: yaml.Node, pointer: str) -> Iterator[tuple[str, yaml.Node, int]]:
        """Each child with its pointer and the line it is written on (a key's, under a mapping)."""
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child_pointer = f"{pointer}/{escape_token(_token_of(key))}"
                yield child_pointer, key, _line(key)
                yield child_pointer, value, _line(key)
        else:
            for token, value in _value_nodes(node):
                line = self.loader.alias_lines.get((id(node), int(token)), _line(value))
                yield f"{pointer}/{token}", value, line

    def _leave(self, node: yaml.Node) -> None:
        self.active.discard(id(node))
        children = _child_nodes(node)
        self.size[id(node)] = 1 + sum(self.size[id(c)] for c in children)
        values = [v for _, v in _value_nodes(node)]
        self.height[id(node)] = 1 + max(self.height[id(v)] for v in values) if values else 0

    def _count_alias(self, pointer: str, child: yaml.Node, line: int) -> None:
        self.added += self.size[id(child)]
        if self.added > MAX_ALIAS_NODES:
            raise _Refusal(
                pointer,
                f"YAML aliases expand the document by more than {MAX_ALIAS_NODES:,} nodes "
                "(the limit; an alias bomb?)",
                line,
            )

    def _check_keys(self, node: yaml.MappingNode, pointer: str) -> None:
        """Duplicate keys among those written in ``node`` (merged ``<<`` keys may be overridden)."""
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            try:
                key = self.loader.construct_object(key_node)
                hash(key)
            except (yaml.YAMLError, TypeError):
                continue  # the constructor reports these itself, with its own message
            if key in first:
                raise _Refusal(
                    f"{pointer}/{escape_token(str(key_node.value))}",
                    f"duplicate key {str(key_node.value)!r} (first at line {_line(first[key])})",
                    _line(key_node),
                )
            first[key] = key_node

    def _deepest(self, root: yaml.Node) -> tuple[str, yaml.Node]:
        """The first node (in document order) deeper than ``MAX_DEPTH``, and its pointer."""
        pointer, node, depth = "", root, 0
        while depth <= MAX_DEPTH:
            for token, value in _value_nodes(node):
                if depth + 1 + self.height[id(value)] > MAX_DEPTH:
                    pointer, node, depth = f"{pointer}/{escape_token(token)}", value, depth + 1
                    break
            else:
                break  # unreachable while the heights are right; never loop forever
        return pointer, node


def _value_nodes(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    """The nodes one level below ``node`` with their pointer tokens (keys excluded)."""
    if isinstance(node, yaml.MappingNode):
        return [(_token_of(key), value) for key, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(str(index), item) for index, item in enumerate(node.value)]
    return []


def _child_nodes(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return [v for _, v in _value_nodes(node)]


def _line(item: yaml.Node | yaml.Event) -> int:
    """1-based line where a parsed node or event starts (the parser always sets it)."""
    mark = item.start_mark
    return int(mark.line) + 1 if mark is not None else 1


def _nests_deeper(node: Any, levels: int) -> bool:
    """Whether some value sits more than ``levels`` below ``node`` (recursion <= ``levels``)."""
    if isinstance(node, dict):
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return False
    if levels == 0:
        return len(children) > 0
    return any(_nests_deeper(c, levels - 1) for c in children if isinstance(c, dict | list))


def _first_too_deep(data: Any) -> str | None:
    """Pointer of the first value (in document order) deeper than ``MAX_DEPTH``, if any."""
    if not _nests_deeper(data, MAX_DEPTH):  # the quick answer for every real document
        return None
    # Each entry links to its parent's, so a pointer is only spelled out for the one reported.
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(data, 0, ())]
    while stack:
        node, depth, chain = stack.pop()
        if depth > MAX_DEPTH:
            tokens: list[str] = []
            while chain:
                token, chain = chain
                tokens.append(token)
            return to_pointer(reversed(tokens))
        if isinstance(node, dict):
            items = [(str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            items = [(str(i), v) for i, v in enumerate(node)]
        else:
            continue
        stack.extend((value, depth + 1, (token, chain)) for token, value in reversed(items))
    return None


def _line_map(text: str) -> dict[str, int]:
    """Line of each node's first occurrence; a repeated (aliased) node is not walked again."""
    try:
        root = yaml.compose(text, Loader=_SpecLoader)
    except (yaml.YAMLError, _Refusal, RecursionError):
        return {}
    lines: dict[str, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, pointer = stack.pop()
        lines.setdefault(pointer, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, str]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                token = escape_token(str(key_node.value))
                lines[pointer + "/" + token] = key_node.start_mark.line + 1
                children.append((value_node, pointer + "/" + token))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, f"{pointer}/{index}") for index, item in enumerate(node.value)]
        stack.extend(reversed(children))  # walked in document order: anchors before aliases
    return lines
