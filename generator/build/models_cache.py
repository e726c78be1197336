"""The cache key of the builder's models (``api._models``): everything they are read from.

The models are read from the component schemas, the inline objects the operations hoisted (and
the spec's nodes they were hoisted from), and whatever a ``$ref`` in those reaches. An edit
elsewhere (an operation's description, a parameter) leaves the key, and so the models, as they
were: on a large spec they are most of the build's time.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping, Set
from typing import Any

from generator.cache import stage_key
from generator.rawspec import (
    MISSING,
    REFERENCE_KEYWORDS,
    SCALARS,
    is_local_reference,
    node_at,
    target_of,
)

_COMPONENTS = "#/components/"


def models_key(
    spec: Mapping[str, Any],
    source: str,
    class_names: Mapping[str, str],
    hoisted: Mapping[str, Any],
    hoisted_at: Mapping[str, str],
    object_names: Set[str],
    roots: Set[str],
) -> str | None:
    """The key of the models built from these inputs of ``spec``; None when they cannot be
    keyed (a node that contains itself, which YAML can write)."""
    read: list[Any] = [
        spec.get("openapi"),
        spec.get("components"),
        dict(hoisted),
        [(name, node_at(spec, pointer)) for name, pointer in hoisted_at.items()],
    ]
    shape = _Shape()
    shape.walk(read)
    read.append(_outside_targets(spec, shape))
    inputs = (dict(class_names), sorted(object_names), sorted(roots), read)
    try:
        content = _content(inputs)
    except (ValueError, RecursionError):
        return None
    return stage_key("build-models", (), source, content, repr(shape.shared))


def _content(value: Any) -> bytes:
    """``value`` pickled without its memo: equal values give equal bytes however their strings
    happen to be shared (which says nothing); the sharing of nodes is keyed apart (``_Shape``)."""
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.fast = True  # no memo: a shared node is written each time (a cycle raises)
    pickler.dump(value)
    return stream.getvalue()


class _Shape:
    """A walk of nodes (mappings and lists): the references in them, and which nodes are one
    node met again (YAML anchors), by their order in the walk. The builder tells nodes apart by
    identity, so the sharing is part of the key."""

    def __init__(self) -> None:
        self.references: list[str] = []
        self.shared: list[tuple[int, int]] = []  # (first visit, visit again) of one node
        self._first: dict[int, int] = {}
        self._visits = 0

    def walk(self, node: Any) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, SCALARS) or not isinstance(current, (Mapping, list)):
                continue  # (the scalars first: most values are, and the check is cheaper)
            visit, self._visits = self._visits, self._visits + 1
            first = self._first.setdefault(id(current), visit)
            if first != visit:
                self.shared.append((first, visit))
                continue
            if isinstance(current, Mapping):
                self._note_references(current)
                stack.extend(current.values())
            else:
                stack.extend(current)

    def _note_references(self, node: Mapping[str, Any]) -> None:
        for keyword in REFERENCE_KEYWORDS:
            value = node.get(keyword)
            if isinstance(value, str):
                self.references.append(value)
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, Mapping) else None
        if isinstance(mapping, Mapping):  # a mapping's values may be references too
            self.references.extend(ref for ref in mapping.values() if isinstance(ref, str))


def _outside_targets(spec: Mapping[str, Any], shape: _Shape) -> list[tuple[str, Any]]:
    """What the local references met by ``shape`` reach outside the components (a chain of
    them followed to its end), by reference: the components are part of the key already. The
    targets are walked by ``shape`` too."""
    found: dict[str, Any] = {}
    while shape.references:
        ref = shape.references.pop()
        if ref in found or ref.startswith(_COMPONENTS) or not is_local_reference(ref):
            continue
        target = target_of(spec, ref)
        found[ref] = None if target is MISSING else target
        if target is not MISSING:
            shape.walk(target)
    return sorted(found.items(), key=lambda item: item[0])
