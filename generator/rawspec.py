"""Reading a raw spec: JSON pointers, local ``$ref``s, paths x methods, media types.

The one home of these readings, so every stage (validate, repair, extensions, build, recordings,
record, diff) agrees on them: a path item given by reference (``paths: {/b: {$ref: ...}}``,
OpenAPI 3.1), an operation under ``query`` or ``additionalOperations`` (OpenAPI 3.2), a
percent-encoded pointer or a ``+json`` media type is read the same way everywhere.
Nothing here reads a file or the network: only references inside the document are followed.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

# -- JSON pointers (RFC 6901) --------------------------------------------------------------------

#: What ``node_at`` gives for a pointer that leads nowhere (None may be a node's value).
MISSING: Any = object()


T = TypeVar("T")


def copy_tree(value: T) -> T:
    """A deep copy of a spec's data (dicts, lists, scalars, dates): what ``copy.deepcopy``
    gives, shared parts shared alike, several times faster on a large spec."""
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))  # type: ignore[no-any-return]


def escape_token(token: str | int) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def to_pointer(parts: Iterable[str | int]) -> str:
    """Build a JSON pointer from path parts: ``("paths", "/a")`` -> ``/paths/~1a``."""
    return "".join("/" + escape_token(part) for part in parts)


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped reference tokens."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def resolve_pointer(root: Any, pointer: str) -> Any:
    """The node at the JSON ``pointer`` in ``root``; raises ``LookupError`` when there is none."""
    node = root
    for token in parse_pointer(pointer):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise LookupError(pointer)
    return node


def node_at(root: Any, pointer: str) -> Any:
    """The node at ``pointer`` in ``root``, or ``MISSING`` (also for a malformed pointer)."""
    try:
        return resolve_pointer(root, pointer)
    except (LookupError, ValueError):
        return MISSING


# -- references ----------------------------------------------------------------------------------


def is_local_reference(ref: str) -> bool:
    """Whether ``ref`` points inside the spec's own file (``#...``).

    The one rule for what a reference may reach: validation refuses every other reference, and
    the models' input keeps no other. Nothing else is ever read, neither a file nor a URL.
    """
    return ref.startswith("#")


def reference_pointer(fragment: str) -> str:
    """The JSON pointer a reference's fragment (the part after ``#``) spells.

    In a URI a pointer may be percent-encoded (RFC 6901, section 6: ``/~1a~1%7Bid%7D`` for the
    path ``/a/{id}``), so it is decoded before its tokens are split; every place that follows a
    ``$ref`` goes through here. Raises ``ValueError`` when the fragment is no pointer.
    """
    pointer = unquote(fragment, errors="strict")
    if pointer and not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {fragment!r}")
    return pointer


def parse_reference(ref: str) -> list[str]:
    """The unescaped tokens of a local reference ``#/...`` (percent-decoded, see above)."""
    if not is_local_reference(ref):
        raise ValueError(f"not a local reference: {ref!r}")
    return parse_pointer(reference_pointer(ref[1:]))


def canonical_reference(ref: str) -> str:
    """A local reference spelled without percent-encoding (``#/a%7Bb%7D`` -> ``#/a{b}``).

    The models stage and the renaming of components compare references as text.
    """
    try:
        return "#" + to_pointer(parse_reference(ref))
    except ValueError:
        return ref


def target_of(spec: Any, ref: str) -> Any:
    """The node the local reference ``ref`` reaches in ``spec``, or ``MISSING``."""
    try:
        return node_at(spec, reference_pointer(ref[1:])) if is_local_reference(ref) else MISSING
    except ValueError:
        return MISSING


#: Keywords whose value is a URI reference to another schema.
REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_RAISE: Any = object()


def resolve(spec: Any, node: Any, default: Any = _RAISE) -> Any:
    """Follow ``node``'s local ``$ref``s (a chain of them) to the first node without one.

    Without ``default``, a reference that reaches nothing raises ``LookupError`` and a cycle
    stops at the node where it repeats; with one, both give ``default``.
    """
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            return node if default is _RAISE else default
        seen.add(ref)
        target = target_of(spec, ref)
        if target is MISSING:
            if default is _RAISE:
                raise LookupError(ref)
            return default
        node = target
    return node


# The values a parsed document holds that hold nothing else (a walk need not visit them).
SCALARS = (str, int, float, bool, type(None))


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` string in ``node`` with the pointer of the object that holds it."""
    for where, keyword, ref in iter_references(node, pointer):
        if keyword == "$ref":
            yield where, ref


def iter_references(node: Any, pointer: str = "") -> Iterator[tuple[str, str, str]]:
    """Every reference in ``node``: ``(pointer of its holder, keyword, reference)``.

    References are the values of ``$ref``, ``$dynamicRef`` and ``$recursiveRef``, and of a
    discriminator's ``mapping`` (keyword ``mapping/<key>``). The whole tree is searched, data
    included, so that nothing shaped like a reference reaches a tool that might follow it.
    """
    if isinstance(node, Mapping):
        for keyword in REFERENCE_KEYWORDS:
            if isinstance(node.get(keyword), str):
                yield pointer, keyword, node[keyword]
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, Mapping) else None
        if isinstance(mapping, Mapping):
            for key, ref in mapping.items():
                if isinstance(ref, str):
                    yield f"{pointer}/discriminator", f"mapping/{escape_token(key)}", ref
        for key, value in node.items():
            if not isinstance(value, SCALARS):  # most values: nothing inside to search
                yield from iter_references(value, f"{pointer}/{escape_token(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if not isinstance(value, SCALARS):
                yield from iter_references(value, f"{pointer}/{index}")


# -- paths x methods -----------------------------------------------------------------------------

#: The operation fields of an OpenAPI 3.0/3.1 path item.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: The fixed fields of a path item that hold an operation: 3.0/3.1's eight, and 3.2's ``query``
#: (the QUERY method: a safe request with a body).
FIXED_METHODS = (*HTTP_METHODS, "query")
# How far a chain of path items by reference is followed before it is taken for a loop.
_MAX_REF_CHAIN = 32


@dataclass(frozen=True)
class FoundOperation:
    """One operation of a spec, where its path item (and the operation) really are."""

    path: str  # the key under ``paths``
    method: str  # as sent on the wire: ``GET``, or a custom method such as ``COPY``
    path_item: Mapping[str, Any]  # with a ``$ref`` resolved (and its sibling keys kept)
    operation: Mapping[str, Any]
    pointer: str  # of the operation object itself (inside the referenced path item if any)


def iter_operations(spec: Mapping[str, Any]) -> Iterator[FoundOperation]:
    """Every operation of ``spec`` in document order: path by path, the fixed methods first,
    then a path item's ``additionalOperations`` (OpenAPI 3.2).

    Every stage that looks at operations goes through here, so none of them can drop the
    operations of a path item given by reference while another stage sees them.
    """
    paths = spec.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, raw in paths.items():
        found = resolve_path_item(spec, raw, to_pointer(["paths", path]))
        if found is None:
            continue
        item, base = found
        for method in FIXED_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield FoundOperation(str(path), method.upper(), item, operation, f"{base}/{method}")
        extra = item.get("additionalOperations")
        if isinstance(extra, Mapping):
            for method, operation in extra.items():
                if isinstance(operation, Mapping) and isinstance(method, str) and method:
                    pointer = f"{base}/additionalOperations/{escape_token(method)}"
                    yield FoundOperation(str(path), method, item, operation, pointer)


def resolve_path_item(
    spec: Mapping[str, Any], raw: Any, pointer: str
) -> tuple[Mapping[str, Any], str] | None:
    """The path item ``raw`` stands for and the pointer where its operations are, following
    local ``$ref``s; None for something that is no path item (or a reference to nothing).

    Keys beside a ``$ref`` (``summary``, ``parameters``...) are kept over the target's.
    """
    item: Any = raw
    siblings: dict[str, Any] = {}
    for _ in range(_MAX_REF_CHAIN):
        if not isinstance(item, Mapping):
            return None
        ref = item.get("$ref")
        if not isinstance(ref, str):
            return {**item, **siblings}, pointer
        siblings = {**{k: v for k, v in item.items() if k != "$ref"}, **siblings}
        if not ref.startswith("#"):
            return None  # validation refuses every reference outside the document
        pointer = ref[1:]
        item = _lenient_node_at(spec, pointer)
    return None


def _lenient_node_at(spec: Mapping[str, Any], pointer: str) -> Any:
    # A path item's ``$ref`` is read as written (not percent-decoded), as it always was.
    node = node_at(spec, pointer)
    return None if node is MISSING else node


def operation_parameters(
    spec: Mapping[str, Any], path_item: Mapping[str, Any], operation: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """Path-level and operation-level parameters, the operation's winning on (name, in)."""
    merged: dict[tuple[Any, Any], Mapping[str, Any]] = {}
    for raw in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = resolve(spec, raw)
        if isinstance(param, Mapping):
            merged[(param.get("name"), param.get("in"))] = param
    return list(merged.values())


# -- media types ---------------------------------------------------------------------------------

#: Media types whose body is a sequence of items (``itemSchema``, OpenAPI 3.2).
SEQUENTIAL_MEDIA_TYPES = frozenset(
    {
        "application/jsonl",
        "application/x-ndjson",
        "application/x-jsonlines",
        "application/json-seq",
        "text/event-stream",
    }
)
#: Media types outside ``text/`` whose content is text.
TEXTUAL_MEDIA_TYPES = (
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "application/javascript",
)


def media_base(media: str) -> str:
    """A media type (or a ``Content-Type`` header) without its parameters, lower-cased."""
    return media.split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    """JSON: ``application/json`` or a ``+json`` structured syntax suffix."""
    base = media_base(media)
    return base == "application/json" or base.endswith("+json")


def is_form(media: str) -> bool:
    """A URL-encoded form."""
    return media_base(media) == "application/x-www-form-urlencoded"


def is_multipart(media: str) -> bool:
    return media_base(media).startswith("multipart/")


def is_sequential(media: str) -> bool:
    """A sequence of items (JSON Lines, JSON text sequences, server-sent events)."""
    return media_base(media) in SEQUENTIAL_MEDIA_TYPES


def is_textual(media: str) -> bool:
    """Text read as ``str``: ``text/*``, XML, YAML or JavaScript."""
    base = media_base(media)
    return base.startswith("text/") or base in TEXTUAL_MEDIA_TYPES or base.endswith("+xml")
