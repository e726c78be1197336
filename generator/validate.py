"""Validate an effective spec: OpenAPI structure, local references, and specgen's extensions.

Problems come back as a list of diagnostics (all of them, not just the first), each naming the
file and a JSON pointer, plus a line where the source document has the node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator.errors import Diagnostic, escape_token, parse_pointer, to_pointer
from generator.extensions import check_extensions
from generator.load import Document

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def validate_spec(spec: Any, source: Document) -> list[Diagnostic]:
    """Every problem in ``spec`` (the effective spec built from ``source``)."""

    def diag(pointer: str, message: str) -> Diagnostic:
        return Diagnostic(source.name, pointer, message, source.line_of(pointer))

    if not isinstance(spec, Mapping):
        return [diag("", "an OpenAPI document must be a mapping")]
    version = spec.get("openapi")
    if not isinstance(version, str) or not version.startswith(("3.0.", "3.1.")):
        return [diag("/openapi", f"unsupported OpenAPI version {version!r} (3.0.x or 3.1.x)")]
    problems = [diag(p, m) for p, m in _reference_problems(spec)]
    if problems:  # the structural validator cannot run over dangling references
        return problems
    validator_class = (
        OpenAPIV31SpecValidator if version.startswith("3.1.") else OpenAPIV30SpecValidator
    )
    problems.extend(diag(p, m) for p, m in _operation_id_problems(spec))
    try:
        for error in validator_class(spec).iter_errors():
            if problems and "is not unique" in error.message:
                continue  # already reported above, with the operationId's pointer
            problems.append(diag(*_explain(error)))
    except Exception as exc:  # the validator itself failed on this input
        if not problems:  # after real findings a crash adds nothing but noise
            problems.append(diag("", f"OpenAPI validation could not complete: {exc}"))
    if problems:
        return problems
    problems.extend(diag(p, m) for p, m in check_extensions(spec))
    return problems


def _explain(error: jsonschema.ValidationError) -> tuple[str, str]:
    """The most specific pointer and message for a validator error."""
    deepest = best_match(error.context) if error.context else None
    if deepest is not None:
        return to_pointer(deepest.absolute_path), deepest.message
    return to_pointer(error.absolute_path), error.message


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` string in ``node`` with the pointer of the object that holds it."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            yield from iter_refs(value, f"{pointer}/{escape_token(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, f"{pointer}/{index}")


def resolve_pointer(root: Any, pointer: str) -> Any:
    """The node at ``pointer``; raises ``LookupError`` when there is none."""
    node = root
    for token in parse_pointer(pointer):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise LookupError(pointer)
    return node


def _reference_problems(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for pointer, ref in iter_refs(spec):
        where = pointer + "/$ref"
        if not ref.startswith("#"):
            yield where, f"only local references are supported, not {ref!r}"
            continue
        try:
            resolve_pointer(spec, ref[1:])
        except (LookupError, ValueError):
            yield where, f"reference {ref!r} points to nothing"


def _operation_id_problems(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, Mapping) else None
            if not isinstance(operation, Mapping) or "operationId" not in operation:
                continue
            pointer = to_pointer(["paths", path, method, "operationId"])
            op_id = operation["operationId"]
            if op_id in seen:
                yield pointer, f"operationId {op_id!r} is also used at {seen[op_id]}"
            seen[op_id] = pointer
