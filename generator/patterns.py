"""Regular expressions (``pattern``, ``patternProperties``) as the generated code compiles them.

Generated models and argument checks hand every pattern to pydantic, which compiles it with
pydantic-core's engine (Rust ``regex``: ``\\p{L}`` and ``\\z`` work, look-around and
back-references do not). So that engine, not Python's ``re``, decides what a spec's pattern
means: a pattern it cannot compile is dropped from the constraints with a warning, instead of
a package that fails at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic_core import SchemaError, SchemaValidator, ValidationError, core_schema

from generator.rawspec import SCALARS, copy_tree, escape_token, parse_pointer

# Keywords whose values are data or vendor extensions, never schemas: a ``pattern`` key inside
# them is not a regular expression of the spec.
_DATA_KEYWORDS = frozenset({"example", "examples", "default", "enum", "const"})


@functools.lru_cache(maxsize=4096)
def _validator(pattern: str) -> SchemaValidator | str:
    """A validator of strings matching ``pattern``, or why the engine refuses the pattern."""
    try:
        return SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError as exc:
        # The engine's message ends with its one-line reason ("error: unclosed character class").
        reason = str(exc).strip().splitlines()[-1].strip()
        return reason.removeprefix("error: ")


def compile_error(pattern: str) -> str | None:
    """Why the generated code could not compile ``pattern``, or None when it can."""
    found = _validator(pattern)
    return found if isinstance(found, str) else None


def matches(pattern: str, text: str) -> bool | None:
    """Whether ``text`` matches ``pattern`` as generated code checks it; None if it cannot."""
    found = _validator(pattern)
    if isinstance(found, str):
        return None
    try:
        found.validate_python(text)
    except ValidationError:
        return False
    return True


def bad_patterns(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """``(pointer, reason)`` for every pattern in ``node`` the engine cannot compile.

    The pointer is that of the ``pattern`` keyword, or of the ``patternProperties`` entry.
    """
    if isinstance(node, Mapping):
        if isinstance(node.get("pattern"), str):
            reason = compile_error(node["pattern"])
            if reason is not None:
                yield f"{pointer}/pattern", reason
        extra = node.get("patternProperties")
        if isinstance(extra, Mapping):
            for key in extra:
                reason = compile_error(key) if isinstance(key, str) else None
                if reason is not None:
                    yield f"{pointer}/patternProperties/{escape_token(key)}", reason
        for key, value in node.items():
            if isinstance(value, SCALARS) or key in _DATA_KEYWORDS:
                continue  # nothing inside, or data: no pattern to check
            if not (isinstance(key, str) and key.startswith("x-")):
                yield from bad_patterns(value, f"{pointer}/{escape_token(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if not isinstance(value, SCALARS):
                yield from bad_patterns(value, f"{pointer}/{index}")


def without_bad_patterns(spec: Mapping[str, Any], warn: Callable[[str, str], None]) -> Any:
    """``spec`` itself when the engine compiles every pattern in it; else a copy without the
    ones it cannot compile, ``warn`` called with the pointer and message of each (which may
    raise instead, to refuse the spec). ``spec`` is never changed."""
    found = list(bad_patterns(spec))
    if not found:
        return spec
    copy = copy_tree(dict(spec))
    for pointer, reason in found:
        warn(pointer, f"pattern dropped from the constraints, it cannot be compiled: {reason}")
        *parents, last = parse_pointer(pointer)
        holder = copy
        for token in parents:
            holder = holder[int(token)] if isinstance(holder, list) else holder[token]
        del holder[last]
    return copy
