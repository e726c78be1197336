"""Bundle a multi-file spec: ``$ref``s to other files in the spec's folder, into one document.

A spec may be split over files (``$ref: schemas/pet.yaml``, ``common.yaml#/components/...``,
and references inside those files to further files, relative to the file that holds them).
Everything after this step sees one document whose references are all local (``#/...``):

* a schema from another file becomes a component schema of the spec, under a name of its own
  (its last pointer token, or its file's name, made unique), and references to it point there;
  a component of the spec that is only a reference to another file takes the schema's place;
* any other node from another file (parameter, response, request body, header, example, path
  item...) is copied in place of its reference, which keeps the reference's sibling keys.

The files are untrusted like the spec (README "Untrusted specs"), so only files inside the
spec's folder are read, each through ``load.load_document`` (bounded): no URL (``http:``,
``file:``...), no absolute or ``~`` path, no ``..`` leading out, no symbolic link leading out,
nothing but regular files; at most ``MAX_FILES`` files and ``MAX_TOTAL_BYTES`` together, and at
most ``MAX_COPIED_NODES`` nodes copied in. Only references where OpenAPI puts them are followed:
a ``$ref`` inside an example, a default, an enum or an ``x-`` extension is data and stays as it
is (validation then refuses it if it is not local). Inside a schema with an ``$id`` a reference
to another file is refused: the ``$id`` would change what it points to.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.errors import Diagnostic, Report, SpecgenError
from generator.load import MAX_DEPTH, Document, check_depth, load_document
from generator.rawspec import escape_token, parse_pointer, reference_pointer, resolve_pointer

MAX_FILES = 1_000
"""Most files a spec may refer to (the spec itself not counted)."""

MAX_TOTAL_BYTES = 50 * 1024 * 1024
"""Most bytes the files a spec refers to may hold together."""

MAX_COPIED_NODES = 1_000_000
"""Most nodes (mappings and lists) bundling may copy in from other files."""

SCHEMAS = "/components/schemas/"
_FILE_SUFFIXES = (".json", ".yaml", ".yml")

# Where references are followed: for each kind of OpenAPI object, the kind of each member.
# "map:K" is a mapping of names to K objects, "list:K" a list of them; "data" is never entered.
_SCHEMA_MEMBERS = {
    **dict.fromkeys(
        ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"),
        "map:schema",
    ),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), "list:schema"),
    **dict.fromkeys(
        (
            "items", "additionalProperties", "not", "if", "then", "else", "contains",
            "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
            "additionalItems",
        ),
        "schema",
    ),
}  # fmt: skip
_OPERATION = {
    "parameters": "list:parameter",
    "requestBody": "request_body",
    "responses": "map:response",
    "callbacks": "map:map:path_item",
}
_PATH_ITEM = {
    **dict.fromkeys(
        ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query"),
        "operation",
    ),
    "additionalOperations": "map:operation",
    "parameters": "list:parameter",
}
_PARAMETER = {"schema": "schema", "content": "map:media_type", "examples": "map:example"}
_GRAMMAR: dict[str, dict[str, str]] = {
    "document": {"paths": "map:path_item", "webhooks": "map:path_item", "components": "components"},
    "components": {
        "schemas": "map:schema",
        "responses": "map:response",
        "parameters": "map:parameter",
        "examples": "map:example",
        "requestBodies": "map:request_body",
        "headers": "map:header",
        "securitySchemes": "map:other",
        "links": "map:link",
        "callbacks": "map:map:path_item",
        "pathItems": "map:path_item",
        "mediaTypes": "map:media_type",
    },
    "path_item": _PATH_ITEM,
    "operation": _OPERATION,
    "parameter": _PARAMETER,
    "header": _PARAMETER,
    "request_body": {"content": "map:media_type"},
    "response": {"headers": "map:header", "content": "map:media_type", "links": "map:link"},
    "media_type": {
        "schema": "schema",
        "itemSchema": "schema",
        "examples": "map:example",
        "encoding": "map:encoding",
    },
    "encoding": {"headers": "map:header"},
    "schema": _SCHEMA_MEMBERS,
}
# Kinds whose members not named above are data; in the others they are followed as "other".
_DATA_BY_DEFAULT = {"schema", "parameter", "header", "media_type", "example", "link", "encoding"}


@dataclass(frozen=True)
class Origin:
    """A node of the bundled spec that came from another file: where it is and where it was."""

    pointer: str  # in the bundled spec
    document: Document
    source_pointer: str  # in ``document``


@dataclass
class BundledDocument(Document):
    """The spec's document with the files it refers to bundled into ``data``.

    ``text`` and line numbers stay the spec file's (a node copied from another file is placed
    at the line of the reference that brought it); ``origin_of`` tells where it came from.
    """

    origins: list[Origin] = field(default_factory=list)

    def origin_of(self, pointer: str) -> tuple[Document, str] | None:
        """The file and pointer a node of the bundled spec was copied from, if another file."""
        best: Origin | None = None
        for origin in self.origins:
            inside = pointer == origin.pointer or pointer.startswith(origin.pointer + "/")
            if inside and (best is None or len(origin.pointer) > len(best.pointer)):
                best = origin
        if best is None:
            return None
        return best.document, best.source_pointer + pointer[len(best.pointer) :]


def load_spec(path: Path, folder: Path | None = None) -> Document:
    """Read the spec at ``path`` and bundle the files it refers to, inside ``folder``.

    ``folder`` defaults to the spec's own; a spec without references to other files comes
    back as read.
    """
    return bundle(load_document(path), path.parent if folder is None else folder)


def bundle(root: Document, folder: Path) -> Document:
    """``root`` with every file it refers to (inside ``folder``) bundled in; see the module."""
    if not _refers_to_files(root.data):
        return root
    bundler = _Bundler(root, folder)
    data = bundler.run()
    result = BundledDocument(
        path=root.path, source=root.source, data=data, label=root.label, origins=bundler.origins
    )
    check_depth(data, result, "bundled with the files it refers to, the spec is")
    return result


def report_for(document: Document) -> Report:
    """A report on ``document``: diagnostics about copied nodes name the file they come from."""
    return Report(document.name, document.line_of, place=lambda d: relocate([d], document)[0])


def relocate(diagnostics: Iterable[Diagnostic], document: Document) -> list[Diagnostic]:
    """Diagnostics about nodes copied from other files, moved to those files' lines."""
    if not isinstance(document, BundledDocument):
        return list(diagnostics)
    moved = []
    for d in diagnostics:
        origin = document.origin_of(d.pointer) if d.file == document.name else None
        if origin is None:
            moved.append(d)
            continue
        source, pointer = origin
        message = f"{d.message} (bundled into {document.name} at {d.pointer})"
        moved.append(Diagnostic(source.name, pointer, message, source.line_of(pointer), d.severity))
    return moved


def _refers_to_files(node: Any) -> bool:
    """Whether any ``$ref`` in ``node`` is not a local one (a file's name or a URL)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@dataclass(frozen=True)
class _At:
    """Where the walk is: in the bundled spec, and in the file the node comes from."""

    pointer: str
    document: Document
    source_pointer: str
    depth: int = 0
    in_id: bool = False  # under a schema with an ``$id``

    def child(self, key: str | int) -> _At:
        token = escape_token(key)
        return _At(
            f"{self.pointer}/{token}",
            self.document,
            f"{self.source_pointer}/{token}",
            self.depth + 1,
            self.in_id,
        )


class _Refused(Exception):
    """A reference that is not followed; the message says why."""


@dataclass
class _Pending:
    name: str
    document: Document
    pointer: str


class _Bundler:
    def __init__(self, root: Document, folder: Path) -> None:
        self.root = root
        self.folder = Path(os.path.abspath(folder))
        self.real_folder = self.folder.resolve()
        self.documents: dict[Path, Document] = {root.path.resolve(): root}
        self.total_bytes = 0
        self.copied = 0
        self.errors: list[Diagnostic] = []
        self.origins: list[Origin] = []
        schemas = ((root.data.get("components") or {}) if isinstance(root.data, dict) else {}).get(
            "schemas"
        )
        self.own_schemas: dict[str, Any] = schemas if isinstance(schemas, dict) else {}
        self.taken = {_name_key(name) for name in self.own_schemas}
        self.names: dict[tuple[int, str], str] = {}  # (id of document, pointer) -> component
        self.pending: list[_Pending] = []
        self.added: dict[str, Any] = {}
        self.inlining: list[tuple[int, str]] = []

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> Any:
        self._claim_own_components()
        data = self._walk(self.root.data, _At("", self.root, ""), "document")
        while self.pending:  # iterative, so that a long chain of files cannot exhaust the stack
            item = self.pending.pop(0)
            at = _At(SCHEMAS + item.name, item.document, item.pointer, 3)
            node = _node_at(item.document, item.pointer)
            self.added[item.name] = self._walk(node, at, "schema")
            self.origins.append(Origin(at.pointer, item.document, item.pointer))
        if self.errors:
            raise SpecgenError(self.errors)
        if self.added and isinstance(data, dict):
            components = data.setdefault("components", {})
            if isinstance(components, dict):
                schemas = components.setdefault("schemas", {})
                if isinstance(schemas, dict):
                    schemas.update(self.added)
        return data

    def _walk(self, node: Any, at: _At, kind: str) -> Any:
        if not isinstance(node, dict | list):
            return node  # scalars are not shared mutable state
        if kind == "data" and at.document is self.root:
            return copy.deepcopy(node)  # the spec's own data is in the spec already: no count
        if at.depth > MAX_DEPTH:
            raise self._error(at, f"bundled, the spec is nested deeper than {MAX_DEPTH} levels")
        if at.document is not self.root:
            self.copied += 1
            if self.copied > MAX_COPIED_NODES:
                raise self._error(
                    at, f"bundling copies more than {MAX_COPIED_NODES:,} nodes (the limit)"
                )
        if isinstance(node, list):
            item = kind[5:] if kind.startswith("list:") else kind
            return [self._walk(value, at.child(i), item) for i, value in enumerate(node)]
        if kind == "data":  # data from another file: copied, and counted, node by node
            return {key: self._walk(value, at.child(key), kind) for key, value in node.items()}
        if isinstance(node.get("$ref"), str) and kind != "map:schema":
            return self._reference(node, at, kind)
        return self._members(node, at, kind)

    def _members(self, node: dict[str, Any], at: _At, kind: str) -> dict[str, Any]:
        if kind == "schema" and isinstance(node.get("$id"), str) and node["$id"][:1] != "#":
            at = _At(at.pointer, at.document, at.source_pointer, at.depth, in_id=True)
        result: dict[str, Any] = {}
        for key, value in node.items():
            child = at.child(key)
            if kind == "schema" and key == "discriminator" and isinstance(value, dict):
                result[key] = self._discriminator(value, child)
            else:
                result[key] = self._walk(value, child, _member_kind(kind, key))
        return result

    # -- references ----------------------------------------------------------------------------

    def _reference(self, node: dict[str, Any], at: _At, kind: str) -> Any:
        ref: str = node["$ref"]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if at.document is self.root and ref.startswith("#"):
            return {"$ref": ref, **self._members(siblings, at, kind)}
        where = at.child("$ref")
        try:
            if at.in_id and not ref.startswith("#"):
                raise _Refused(
                    _outside(ref, "inside a schema with an $id, which would change where it points")
                )
            document, pointer = self._locate(ref, at.document)
        except _Refused as refused:
            self.errors.append(self._diagnostic(where, str(refused)))
            return {"$ref": ref, **copy.deepcopy(siblings)}
        if kind == "schema":
            return self._schema_reference(document, pointer, siblings, at)
        if document is self.root:
            return {"$ref": _local(pointer), **self._members(siblings, at, kind)}
        return self._inline(document, pointer, siblings, at, kind, where)

    def _schema_reference(
        self, document: Document, pointer: str, siblings: dict[str, Any], at: _At
    ) -> dict[str, Any]:
        """A reference to a schema: to a component, or the component itself (see the module)."""
        members = self._members(siblings, at, "schema")
        if document is self.root:
            return {"$ref": _local(pointer), **members}
        name = self._component(document, pointer)
        if at.document is self.root and at.pointer == SCHEMAS + escape_token(name):
            self.origins.append(Origin(at.pointer, document, pointer))
            target = self._walk(
                _node_at(document, pointer), _At(at.pointer, document, pointer, at.depth), "schema"
            )
            return {**target, **members} if isinstance(target, dict) else target
        return {"$ref": "#" + SCHEMAS + name, **members}

    def _inline(
        self,
        document: Document,
        pointer: str,
        siblings: dict[str, Any],
        at: _At,
        kind: str,
        where: _At,
    ) -> Any:
        key = (id(document), pointer)
        if key in self.inlining or len(self.inlining) >= MAX_DEPTH:
            self.errors.append(
                self._diagnostic(
                    where,
                    f"reference cycle (or chain over {MAX_DEPTH} references) through "
                    f"{document.name}#{pointer}",
                )
            )
            return {}
        self.inlining.append(key)
        try:
            self.origins.append(Origin(at.pointer, document, pointer))
            target = self._walk(
                _node_at(document, pointer), _At(at.pointer, document, pointer, at.depth), kind
            )
        finally:
            self.inlining.pop()
        if isinstance(target, dict):  # the reference's own keys (summary, description) win
            return {**target, **self._members(siblings, at, kind)}
        return target

    def _discriminator(self, node: dict[str, Any], at: _At) -> dict[str, Any]:
        result = copy.deepcopy(node)
        mapping = node.get("mapping")
        if not isinstance(mapping, dict):
            return result
        for key, ref in mapping.items():
            if not isinstance(ref, str) or not _mapping_is_reference(ref, self.own_schemas):
                continue
            if at.document is self.root and ref.startswith("#"):
                continue
            where = at.child("mapping").child(key)
            try:
                document, pointer = self._locate(ref, at.document)
            except _Refused as refused:
                self.errors.append(self._diagnostic(where, str(refused)))
                continue
            local = (
                pointer if document is self.root else SCHEMAS + self._component(document, pointer)
            )
            result["mapping"][key] = _local(local)
        return result

    def _component(self, document: Document, pointer: str) -> str:
        """The component name of the schema at ``pointer`` in ``document`` (queued if new)."""
        key = (id(document), pointer)
        if key not in self.names:
            name = self._unique(_base_name(document, pointer))
            self.names[key] = name
            self.pending.append(_Pending(name, document, pointer))
        return self.names[key]

    def _claim_own_components(self) -> None:
        """Components of the spec that only refer to a schema in another file take its place."""
        for name, node in self.own_schemas.items():
            if not (isinstance(node, dict) and set(node) == {"$ref"}):
                continue
            ref = node["$ref"]
            if not isinstance(ref, str) or ref.startswith("#"):
                continue
            try:
                document, pointer = self._locate(ref, self.root)
            except _Refused:
                continue  # reported when the walk gets there
            self.names.setdefault((id(document), pointer), name)

    def _unique(self, base: str) -> str:
        name, number = base, 1
        while _name_key(name) in self.taken:
            number += 1
            name = f"{base}{number}"
        self.taken.add(_name_key(name))
        return name

    # -- files ---------------------------------------------------------------------------------

    def _locate(self, ref: str, document: Document) -> tuple[Document, str]:
        """The document and pointer ``ref`` (written in ``document``) leads to."""
        base, _, fragment = ref.partition("#")
        target = self._file(base, document) if base else document
        try:
            pointer = reference_pointer(fragment)
        except ValueError:
            raise _Refused(
                f"{ref!r}: only JSON pointers (#/...) may follow a file name, not an anchor"
            ) from None
        try:
            _node_at(target, pointer)
        except LookupError:
            raise _Refused(f"reference {ref!r} points to nothing in {target.name}") from None
        return target, pointer

    def _file(self, base: str, document: Document) -> Document:
        parts = urlsplit(base)
        if parts.scheme or parts.netloc:
            raise _Refused(_outside(base, "a URL; specgen reads nothing from the network"))
        if parts.query:
            raise _Refused(_outside(base, "a file name with a query"))
        try:
            relative = unquote(parts.path, errors="strict")
        except UnicodeDecodeError:
            raise _Refused(_outside(base, "not a valid file name")) from None
        if relative.startswith(("/", "\\", "~")) or "\\" in relative or "\0" in relative:
            raise _Refused(_outside(base, "an absolute or home path"))
        path = Path(os.path.normpath(Path(os.path.abspath(document.path)).parent / relative))
        if not path.is_relative_to(self.folder):
            raise _Refused(_outside(base, f"outside the spec's folder {self.folder}"))
        try:
            real = path.resolve()
            if not real.is_relative_to(self.real_folder):
                raise _Refused(_outside(base, "a symbolic link leading outside the spec's folder"))
            if real in self.documents:
                return self.documents[real]
            if not real.is_file():
                raise _Refused(f"file {relative!r} not found (or not a regular file)")
            return self._read(path, real, base)
        except OSError as exc:
            raise _Refused(f"cannot read {relative!r}: {exc.strerror or exc}") from None

    def _read(self, path: Path, real: Path, base: str) -> Document:
        if len(self.documents) > MAX_FILES:
            raise _Refused(
                f"{base!r}: the spec refers to more than {MAX_FILES:,} files (the limit)"
            )
        self.total_bytes += real.stat().st_size
        if self.total_bytes > MAX_TOTAL_BYTES:
            raise _Refused(
                f"{base!r}: the files the spec refers to hold more than "
                f"{MAX_TOTAL_BYTES:,} bytes together (the limit)"
            )
        # Named as the spec is (relative or absolute), so that diagnostics read alike.
        shown = path if self.root.path.is_absolute() else Path(os.path.relpath(path))
        document = load_document(shown)  # bounded: depth, aliases, duplicate keys
        self.documents[real] = document
        return document

    # -- diagnostics ---------------------------------------------------------------------------

    def _diagnostic(self, at: _At, message: str) -> Diagnostic:
        document = at.document
        return Diagnostic(
            document.name, at.source_pointer, message, document.line_of(at.source_pointer)
        )

    def _error(self, at: _At, message: str) -> SpecgenError:
        return SpecgenError([*self.errors, self._diagnostic(at, message)])


def _member_kind(kind: str, key: Any) -> str:
    """The kind of the member ``key`` of a mapping of kind ``kind``."""
    extension = isinstance(key, str) and key.startswith("x-")
    if kind.startswith("map:"):
        return "data" if extension and kind != "map:schema" else kind[4:]
    if extension:
        return "data"
    default = "data" if kind in _DATA_BY_DEFAULT else "other"
    return _GRAMMAR.get(kind, {}).get(str(key), default)


def in_data(spec: Any, pointer: str) -> bool:
    """Whether the node at ``pointer`` of an OpenAPI document is data (an example, a default,
    an extension...), where a ``$ref`` is a value like any other and is never followed."""
    node, kind = spec, "document"
    for token in parse_pointer(pointer):
        if kind == "data":
            return True
        if isinstance(node, list):
            kind = kind[5:] if kind.startswith("list:") else kind
            node = node[int(token)] if token.isdigit() and int(token) < len(node) else None
        elif isinstance(node, Mapping):
            kind = _member_kind(kind, token)
            node = node.get(token)
        else:
            return False
    return kind == "data"


def _node_at(document: Document, pointer: str) -> Any:
    return resolve_pointer(document.data, pointer)


def _local(pointer: str) -> str:
    """A local reference to ``pointer``, percent-encoding only ``%`` (read back decoded)."""
    return "#" + pointer.replace("%", "%25")


def _outside(ref: str, why: str) -> str:
    return (
        f"only local references ('#/...') and references to files inside the spec's folder are "
        f"followed, not {ref!r}: {why}"
    )


def _mapping_is_reference(ref: str, own: Mapping[str, Any]) -> bool:
    """Whether a discriminator mapping value is a reference rather than a component's name."""
    if "#" in ref or "/" in ref:
        return True
    return ref not in own and ref.lower().endswith(_FILE_SUFFIXES)


def _base_name(document: Document, pointer: str) -> str:
    tokens = parse_pointer(pointer)
    stem = Path(document.path).stem
    last = tokens[-1] if tokens else stem
    if last.isdigit() or not last:
        last = f"{stem}{last}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", last).strip("._-") or "Schema"


def _name_key(name: str) -> str:
    """Names that may become the same class name compare equal here."""
    return re.sub(r"[^a-z0-9]", "", name.lower())
