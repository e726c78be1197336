"""Apply OpenAPI Overlay 1.0 documents: declared fixes to vendor specs, without editing them.

Semantics, in order of the ``actions`` list:

* ``remove: true`` deletes every node the JSONPath ``target`` selects.
* ``update`` is merged into every selected node: into an object recursively (objects merge,
  anything else replaces), onto an array by appending the value.
* An action whose target selects nothing is stale: an error naming the action (every stale
  action is listed, with its file and line). That is how a fix that no longer applies to a newer
  vendor version gets noticed; ``apply_overlay_leniently`` passes over stale actions and returns
  them, for ``specgen diff`` and ``specgen update --drop-stale``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonpath

from generator.errors import Diagnostic, SpecgenError
from generator.load import Document
from generator.rawspec import to_pointer


@dataclass(frozen=True)
class StaleAction:
    """An action whose target selects nothing, or that would only append to arrays a value they
    already hold: a fix the vendor's spec no longer needs (or a target that no longer fits it).
    ``diagnostic`` names the overlay file and the action's line.
    """

    index: int
    target: str
    description: str | None
    diagnostic: Diagnostic


def apply_overlay(spec: Any, overlay: Document) -> Any:
    """Return a copy of ``spec`` with every action of ``overlay`` applied.

    Stale actions are an error listing every one of them, not only the first.
    """
    result, stale = apply_overlay_leniently(spec, overlay)
    if stale:
        raise SpecgenError([s.diagnostic for s in stale])
    return result


def apply_overlay_leniently(spec: Any, overlay: Document) -> tuple[Any, list[StaleAction]]:
    """Apply ``overlay`` to a copy of ``spec``, passing over stale actions: the result and them.

    A stale action changes nothing, so the result is what the overlay without those actions
    gives. Every other problem with the overlay is still an error.
    """
    actions = _check_overlay(overlay)
    result = copy.deepcopy(spec)
    stale: list[StaleAction] = []
    for index, action in enumerate(actions):
        reason = _stale_reason(result, action)
        if reason is not None:
            stale.append(_stale(action, index, overlay, reason))
            continue
        result = _apply_action(result, action, index, overlay)
    return result, stale


def _stale_reason(spec: Any, action: Mapping[str, Any]) -> str | None:
    """Why ``action`` is stale in ``spec`` (None: it is not).

    It is when its target selects nothing, or when it appends to arrays that each already
    hold its value: a fix the vendor made upstream (an enum value the new version lists),
    which applied again would only write the value twice.
    """
    try:
        matches = list(jsonpath.finditer(action["target"], spec))
    except jsonpath.JSONPathError:
        return None  # _apply_action names the invalid JSONPath
    if not matches:
        return "matches nothing in the spec"
    if "update" in action and all(
        isinstance(m.obj, list) and action["update"] in m.obj for m in matches
    ):
        where = to_pointer(matches[0].parts) or "/"
        return f"adds nothing: the array at {where} already holds its value"
    return None


def _stale(action: Mapping[str, Any], index: int, overlay: Document, reason: str) -> StaleAction:
    where = f"/actions/{index}"
    message = f"{_describe(action, index)} {reason}"
    description = action.get("description")
    return StaleAction(
        index,
        action["target"],
        description if isinstance(description, str) else None,
        Diagnostic(overlay.name, where, message, overlay.line_of(where)),
    )


def _check_overlay(overlay: Document) -> list[Mapping[str, Any]]:
    data = overlay.data
    if not isinstance(data, Mapping):
        raise overlay.error("", "an overlay must be a mapping with 'overlay', 'info' and 'actions'")
    version = data.get("overlay")
    if not isinstance(version, str) or not version.startswith("1.0."):
        raise overlay.error("/overlay", f"unsupported overlay version {version!r} (expected 1.0.x)")
    info = data.get("info")
    if not isinstance(info, Mapping) or not {"title", "version"} <= info.keys():
        raise overlay.error("/info", "'info' must have 'title' and 'version'")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise overlay.error("/actions", "'actions' must be a non-empty list")
    for index, action in enumerate(actions):
        where = f"/actions/{index}"
        if not isinstance(action, Mapping):
            raise overlay.error(where, "an action must be a mapping")
        if not isinstance(action.get("target"), str):
            raise overlay.error(where + "/target", "an action needs a JSONPath 'target' string")
        has_update = "update" in action
        removes = action.get("remove", False)
        if not isinstance(removes, bool):
            raise overlay.error(where + "/remove", "'remove' must be true or false")
        if has_update == removes:
            raise overlay.error(where, "an action needs exactly one of 'update' or 'remove: true'")
    return actions


def _describe(action: Mapping[str, Any], index: int) -> str:
    text = f"action {index} (target {action['target']}"
    if isinstance(action.get("description"), str):
        text += f": {action['description'].strip().splitlines()[0]}"
    return text + ")"


def _apply_action(spec: Any, action: Mapping[str, Any], index: int, overlay: Document) -> Any:
    where = f"/actions/{index}/target"
    try:
        matches = list(jsonpath.finditer(action["target"], spec))
    except jsonpath.JSONPathError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise overlay.error(
            where, f"invalid JSONPath in {_describe(action, index)}: {reason}"
        ) from None
    if not matches:
        raise overlay.error(where, f"{_describe(action, index)} matches nothing in the spec")
    if action.get("remove", False):
        # Delete deepest, highest-index nodes first so earlier deletions do not shift later ones.
        for parts in sorted((m.parts for m in matches), key=_sort_key, reverse=True):
            if not parts:
                raise overlay.error(where, f"{_describe(action, index)} cannot remove the root")
            parent = _resolve(spec, parts[:-1])
            del parent[parts[-1]]
        return spec
    update = action["update"]
    for match in matches:
        node = match.obj
        if isinstance(node, dict):
            if not isinstance(update, Mapping):
                raise overlay.error(
                    f"/actions/{index}/update",
                    f"{_describe(action, index)} selects an object at {to_pointer(match.parts)}, "
                    "so 'update' must be a mapping",
                )
            _merge(node, update)
        elif isinstance(node, list):
            node.append(copy.deepcopy(update))
        else:
            raise overlay.error(
                where,
                f"{_describe(action, index)} selects a {type(node).__name__} at "
                f"{to_pointer(match.parts)}; only objects and arrays can be updated",
            )
    return spec


def _sort_key(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in parts)


def _resolve(root: Any, parts: tuple[Any, ...]) -> Any:
    node = root
    for part in parts:
        node = node[part]
    return node


def _merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
