"""The one walk over a spec's operations, path items by ``$ref`` and OpenAPI 3.2 methods included.

Every stage that looks at operations goes through ``iter_operations``, so none of them can drop
the operations of a path item given by reference (``paths: {/b: {$ref: ...}}``, OpenAPI 3.1), or
those under ``query`` and ``additionalOperations`` (OpenAPI 3.2), while another stage sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.errors import parse_pointer, to_pointer

# The fixed fields of a path item that hold an operation: OpenAPI 3.0/3.1's eight, and 3.2's
# ``query`` (the QUERY method: a safe request with a body).
FIXED_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
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
    then a path item's ``additionalOperations`` (OpenAPI 3.2)."""
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
                    pointer = f"{base}/additionalOperations/{to_pointer([method])[1:]}"
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
        item = _at(spec, pointer)
    return None


def _at(spec: Mapping[str, Any], pointer: str) -> Any:
    node: Any = spec
    try:
        for token in parse_pointer(pointer):
            node = node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return node
