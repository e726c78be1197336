"""A large spec's models made by the library in parts at once, merged into the module one run
of it writes.

datamodel-code-generator runs in one thread, and on a large spec it is most of a cold
generation (GitHub's 3,641 schemas: about 16 of 28 seconds). What it writes for one class
depends on the class's own schema, on the names of the classes it names, and on the schemas it
is combined from; so each part's document holds every schema's name, and in full:

- the object schemas the part owns (the plain ones, those with properties and no allOf, anyOf
  or oneOf, dealt out in turn);
- every other schema (root models, unions, compositions: they collapse into the types that
  name them, or make classes of their own out of their members);
- every schema a member of an allOf, anyOf or oneOf names, anywhere (a class made from it
  inherits its fields, and their being required);

and any other schema as a stand-in: an object without properties, a class of the same name.

The merge takes each plain class from the part that owns it, and each other class only when
every part writes it the same (a root model some part's classes name is collapsed there, and so
in the whole run); orders the classes as the library does (by name, each after the classes its
bases name); and keeps the imports the classes use. The specgen passes then read the merged
module as the library's own. Whatever the merge cannot account for gives up, and the library
runs once on the whole document instead: a discriminator anywhere (it rewrites the classes it
names), statements other than imports and classes, an import the parts alias differently, a
class two parts write differently, a cycle among bases, an expected class missing.
"""

from __future__ import annotations

import ast
import heapq
import json
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import partial
from multiprocessing.context import BaseContext
from typing import Any

from generator.pyast import names_in

# From this many schemas the library runs in parts, one process each (fewer: one run). Two
# runs on the whole of GitHub's schemas at once took 22.4 and 22.8 s against 19.6 s alone on
# this repository's 2-core machine, so halves at once take about 60 % of one whole run.
PARTS_MIN_SCHEMAS = 1000
MAX_PARTS = 2  # what was measured; more parts repeat more of the shared schemas each

# What a part's document holds for a schema it neither owns nor needs: a class of that name.
_STAND_IN: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": True}
_COMPOSITIONS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class Part:
    """One part: the plain object schemas it owns, and its document as the library reads it."""

    owned: frozenset[str]
    text: str  # canonical JSON


def planned(document: Mapping[str, Any], count: int) -> list[Part] | None:
    """``document`` (the models' input) in ``count`` parts, or None when it is not to be cut."""
    schemas: Mapping[str, Any] = document["components"]["schemas"]
    if count < 2 or len(schemas) < PARTS_MIN_SCHEMAS or '"discriminator"' in json.dumps(schemas):
        return None
    plain = [name for name, schema in schemas.items() if _plain(schema)]
    shared = set(schemas) - set(plain)
    parts = []
    for index in range(count):
        owned = frozenset(plain[index::count])
        full = _with_members(schemas, owned | shared)
        part = {name: schema if name in full else _STAND_IN for name, schema in schemas.items()}
        text = json.dumps({**document, "components": {"schemas": part}}, sort_keys=True)
        parts.append(Part(owned, text))
    return parts


def _plain(schema: Any) -> bool:
    return (
        isinstance(schema, Mapping)
        and "properties" in schema
        and not any(key in schema for key in _COMPOSITIONS)
    )


def _with_members(schemas: Mapping[str, Any], names: Set[str]) -> set[str]:
    """``names`` and every schema a composition member of theirs names, transitively."""
    found, pending = set(names), list(names)
    while pending:
        for name in _members(schemas.get(pending.pop()), set()):
            if name in schemas and name not in found:
                found.add(name)
                pending.append(name)
    return found


def _members(node: Any, out: set[str]) -> set[str]:
    """The schemas named as a member of an allOf, anyOf or oneOf anywhere in ``node``."""
    if isinstance(node, Mapping):
        for key in _COMPOSITIONS:
            members = node.get(key)
            for member in members if isinstance(members, list) else ():
                ref = member.get("$ref") if isinstance(member, Mapping) else None
                if isinstance(ref, str):
                    out.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _members(value, out)
    elif isinstance(node, list):
        for value in node:
            _members(value, out)
    return out


def run_in_parts(
    parts: Sequence[Part],
    run: Callable[[str], str],
    expected: Sequence[str],
    schemas: Set[str],
    warm: Callable[[], None] | None = None,
) -> str | None:
    """The library (``run``, importable by a fresh process) over each part at once, one process
    each, the results merged; None when a part fails or the merge gives up. ``warm`` loads the
    library (``models.warm_library``): where the parts are forked, it runs here first, once."""
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from generator.pipeline import MODELS_GC_THRESHOLDS

    context = _start_method()
    forked = context.get_start_method() == "fork"
    if forked:
        if warm is not None:
            warm()
        # Every object made so far is left out of this process's collections, and of the
        # parts' (which inherit it): a collection writes into each object it scans, and a page
        # written is copied into the process that wrote it.
        gc.freeze()
    try:
        # Each process collects garbage as rarely as the models process does, for the same
        # reason (``MODELS_GC_THRESHOLDS``).
        with ProcessPoolExecutor(
            len(parts),
            mp_context=context,
            initializer=gc.set_threshold,
            initargs=MODELS_GC_THRESHOLDS,
        ) as pool:
            try:
                # Each part reads its own module too: parsing it costs about half a second, in
                # the parts at once rather than here in turn.
                texts = [part.text for part in parts]
                written = list(pool.map(partial(_run_and_read, run), texts))
            except Exception:  # any failure is made again, and reported, by the whole run
                return None
    finally:
        if forked:
            gc.unfreeze()
    return _merged(written, [part.owned for part in parts], expected, schemas)


def _start_method() -> BaseContext:
    """How the parts' processes start: forked from this one on Linux when it runs no other
    thread, else fresh (spawn).

    A fork starts at once, with the library loaded (``warm``), where a fresh process first
    imports it (a third of a second of each part's CPU); and it shares this process's pages
    until either writes them (this process only waits meanwhile, but a part soon writes most
    pages it reads: reading a Python object writes its reference count). On GitHub's spec:
    about 25 MB less at the peak (three cold runs of each in turn, 28 November 2026). A
    process with other threads could be forked while one of them holds a lock the part then
    waits for forever; other systems lack fork or advise against it.
    """
    import multiprocessing
    import sys
    import threading

    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class _Class:
    """One class statement of a part's module: its text, every name it reads, and the names
    in its bases and keywords."""

    text: str
    names: frozenset[str]
    bases: frozenset[str]


@dataclass(frozen=True)
class _Written:
    """One part's module: its docstring, imports ((module, name, alias) each), and classes."""

    docstring: str
    imports: tuple[tuple[str | None, str, str | None], ...]
    classes: dict[str, _Class]


def merged(
    codes: Sequence[str],
    owned: Sequence[frozenset[str]],
    expected: Sequence[str],
    schemas: Set[str],
) -> str | None:
    """The module the library writes for the whole document (its schemas named ``schemas``),
    from what it wrote for each part (``codes``, in the order of ``owned``); None when that
    cannot be told (see the module)."""
    return _merged([_read(code) for code in codes], owned, expected, schemas)


def _merged(
    written: Sequence[_Written | None],
    owned: Sequence[frozenset[str]],
    expected: Sequence[str],
    schemas: Set[str],
) -> str | None:
    """``merged``, of the parts' modules read (``_read``)."""
    if any(part is None for part in written):
        return None
    parts = [part for part in written if part is not None]
    aliases: dict[tuple[str | None, str], str | None] = {}
    for part in parts:
        for module, name, asname in part.imports:
            if aliases.setdefault((module, name), asname) != asname:
                return None
    chosen: dict[str, _Class] = {}
    for part, mine in zip(parts, owned, strict=True):
        for name in mine:
            if name not in part.classes:
                return None
            chosen[name] = part.classes[name]
    everyone = set().union(*owned)
    for name in sorted({name for part in parts for name in part.classes} - everyone):
        versions = [part.classes[name] for part in parts if name in part.classes]
        if name in schemas and len(versions) < len(parts):
            continue  # a root model some part's classes collapse: the whole run collapses it too
        if len({klass.text for klass in versions}) != 1:
            return None
        chosen[name] = versions[0]
    if not set(expected) <= set(chosen):
        return None
    used = {name for klass in chosen.values() for name in klass.names}
    made = {name for part in parts for name in part.classes}
    if (used & made) - set(chosen):
        return None  # a class left out (collapsed) that one kept names
    order = _in_library_order({name: klass.bases for name, klass in chosen.items()})
    if order is None:
        return None
    imports: dict[str, list[str]] = {}
    for (module, name), asname in aliases.items():
        if module is not None and (module == "__future__" or (asname or name) in used):
            imports.setdefault(module, []).append(name if asname is None else f"{name} as {asname}")
    head = "".join(
        f"from {module} import {', '.join(names)}\n" for module, names in imports.items()
    )
    body = "\n\n\n".join(chosen[name].text for name in order)
    return f"{parts[0].docstring}\n{head}\n\n{body}\n"


def _run_and_read(run: Callable[[str], str], text: str) -> _Written | None:
    """In a part's process: the library's module for ``text``, read."""
    return _read(run(text))


def _read(code: str) -> _Written | None:
    """One part's module in pieces; None when it holds more than a docstring, imports and
    classes (the merge would not know where the rest goes)."""
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)
    docstring = ""
    imports: list[tuple[str | None, str, str | None]] = []
    classes: dict[str, _Class] = {}
    for index, node in enumerate(tree.body):
        segment = "".join(lines[node.lineno - 1 : node.end_lineno])
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstring = segment
        elif isinstance(node, ast.ImportFrom) and not node.level:
            imports.extend((node.module, alias.name, alias.asname) for alias in node.names)
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            bases = [*node.bases, *(keyword.value for keyword in node.keywords)]
            classes[node.name] = _Class(
                segment.rstrip("\n"),
                frozenset(names_in(node)),
                frozenset(name for base in bases for name in names_in(base)),
            )
        else:
            return None
    return _Written(docstring, tuple(imports), classes)


def _in_library_order(classes: Mapping[str, frozenset[str]]) -> list[str] | None:
    """The classes (each with the names in its bases) in the library's order
    (``--keep-model-order``): by name, each moved after the classes its bases name; None for a
    cycle (the library orders those its own way)."""
    waiting = {
        name: {found for found in bases if found in classes and found != name}
        for name, bases in classes.items()
    }
    users: dict[str, list[str]] = {}
    for name, needs in waiting.items():
        for need in needs:
            users.setdefault(need, []).append(name)
    ready = sorted(name for name, needs in waiting.items() if not needs)
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for user in users.get(name, ()):
            waiting[user].discard(name)
            if not waiting[user]:
                heapq.heappush(ready, user)
    return order if len(order) == len(classes) else None
