"""Resources: a large API's operations grouped by tag (``client.repos.get(...)``).

The rule is decided here once: with ``auto`` (the default) an API is grouped when its operations
carry at least two tags and it has at least ``RESOURCE_THRESHOLD`` operations; ``tags`` groups
any API whose operations carry a tag; ``flat`` never groups. An operation goes to the resource of
its first tag; untagged ones stay on the client. Inside a resource, a method drops the tag's
words where its operationId starts with them (``repos/get`` -> ``client.repos.get``).
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Literal

from generator import naming
from generator.build.operations import CLIENT_ATTRIBUTES
from generator.ir import Operation, Resource, Tag

ResourceMode = Literal["auto", "tags", "flat"]
_MODES: dict[str, ResourceMode] = {"auto": "auto", "tags": "tags", "flat": "flat"}
RESOURCE_MODES = tuple(_MODES)
# The fewest operations an API has for ``auto`` to group it: below, one class reads better.
RESOURCE_THRESHOLD = 100
# The classes a resource module imports by name (its own are named apart from them).
_BASES = {"SyncResource", "AsyncResource", "SyncPager", "AsyncPager", "CallOptions"}
# Names the client and resource modules bind that annotations and decorators use
# (``list[...]``, ``models.Pet``, ``httpx.Timeout``): a method or resource attribute of the same
# name would hide them inside its class, so it takes a trailing underscore.
_SHADOWING = {
    "list", "dict", "set", "tuple", "str", "int", "float", "bool", "bytes", "type", "object",
    "datetime", "httpx", "models", "forms", "cached_property",
}  # fmt: skip


def resource_mode(value: object) -> ResourceMode | None:
    """The rule ``value`` names, None when it names none."""
    return _MODES.get(value) if isinstance(value, str) else None


def grouped(mode: ResourceMode, operations: Sequence[Operation]) -> bool:
    """Whether an API of ``operations`` is grouped into resources under ``mode``."""
    first_tags = {op.tags[0] for op in operations if op.tags}
    if mode == "flat" or not first_tags:
        return False
    return mode == "tags" or (len(first_tags) >= 2 and len(operations) >= RESOURCE_THRESHOLD)


def build_resources(
    mode: ResourceMode,
    operations: Sequence[Operation],
    tags: Sequence[Tag],
    client_classes: Collection[str] = (),
) -> tuple[tuple[Operation, ...], tuple[Resource, ...]]:
    """The operations (renamed within their resource) and the resources, in the tags' order.

    Resource classes are named apart from ``client_classes``, which the client module binds
    beside them."""
    if not grouped(mode, operations):
        return tuple(_on_client(op) for op in operations), ()
    on_client = [op for op in operations if not op.tags]
    taken = CLIENT_ATTRIBUTES | {op.method_name for op in on_client}
    taken |= {op.pager_name for op in on_client if op.pager_name}
    used = [t for t in tags if any(op.tags and op.tags[0] == t.name for op in operations)]
    attributes = naming.unique([_attribute(t.name) for t in used], taken)
    classes = _class_names(attributes, client_classes)
    renamed: dict[str, Operation] = {}
    resources = []
    for tag, attribute, class_name in zip(used, attributes, classes, strict=True):
        of_tag = [op for op in operations if op.tags[:1] == (tag.name,)]
        members = _members(attribute, tag.name, of_tag)
        renamed.update((id_of(op), op) for op in members)
        resources.append(
            Resource(
                tag=tag.name,
                attribute=attribute,
                class_name=class_name,
                async_class_name="Async" + class_name,
                module=attribute,
                description=tag.description,
                operations=tuple(members),
            )
        )
    return tuple(renamed.get(id_of(op)) or _on_client(op) for op in operations), tuple(resources)


def _on_client(op: Operation) -> Operation:
    """An operation that stays a method of the client: called by its own name."""
    return replace(op, call=op.method_name, pager_call=op.pager_name)


def id_of(op: Operation) -> str:
    """What tells operations apart: their place (operationIds may repeat in a lenient build)."""
    return f"{op.http_method} {op.path}"


def _attribute(tag: str) -> str:
    """The client attribute of a tag's resource: snake case, never a builtin's name nor one the
    client module's annotations use."""
    name = naming.snake(tag)
    return name + "_" if hasattr(builtins, name) or name in _SHADOWING else name


def _class_names(attributes: Sequence[str], client_classes: Collection[str]) -> list[str]:
    """``ReposResource`` per attribute: its ``Async`` twin too distinct from every other class
    name, from the bases the resource modules import and from the client classes."""
    seen = {*_BASES, *client_classes}
    names = []
    for attribute in attributes:
        base, n = naming.pascal(attribute) + "Resource", 2
        name = base
        while name in seen or "Async" + name in seen:
            name, n = f"{base}{n}", n + 1
        seen |= {name, "Async" + name}
        names.append(name)
    return names


# Names a resource class binds itself: an operation with one of them gets a suffix.
RESOURCE_ATTRIBUTES = frozenset({"with_raw_response"})


def _members(attribute: str, tag: str, operations: list[Operation]) -> list[Operation]:
    """The operations of one resource with their names within it: the tag's words dropped from
    the front of the operationId, unique in the resource (pagers and constants too)."""
    short = [_short_name(op.operation_id, tag) for op in operations]
    names = naming.unique(short, RESOURCE_ATTRIBUTES)
    paged = [name for name, op in zip(names, operations, strict=True) if op.pagination]
    pagers = iter(naming.unique([f"iter_{n}" for n in paged], set(names)))
    constants = naming.unique([n.upper() for n in names])
    result = []
    for op, name, constant in zip(operations, names, constants, strict=True):
        pager = next(pagers) if op.pagination is not None else ""
        result.append(
            replace(
                op,
                method_name=name,
                pager_name=pager,
                constant=constant,
                resource=attribute,
                call=f"{attribute}.{name}",
                pager_call=f"{attribute}.{pager}" if pager else "",
            )
        )
    return result


def _short_name(operation_id: str, tag: str) -> str:
    """``repos/get`` under ``repos`` -> ``get``; an operationId not starting with the tag's
    words (or being nothing else) keeps all of them."""
    words, prefix = naming.words(operation_id), naming.words(tag)
    lowered = [w.lower() for w in words]
    if len(words) > len(prefix) and lowered[: len(prefix)] == [w.lower() for w in prefix]:
        words = words[len(prefix) :]
    name = naming.snake(" ".join(words))
    return name + "_" if name in _SHADOWING else name
