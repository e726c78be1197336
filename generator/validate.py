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

from generator.bundle import in_data
from generator.errors import Diagnostic, escape_token, parse_pointer, reference_pointer, to_pointer
from generator.extensions import check_extensions
from generator.load import Document
from generator.operations import iter_operations
from generator.patterns_validation import engine_patterns
from generator.schemas import COMPONENT_NAME, REFERENCE_KEYWORDS, is_local_reference

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
    if problems:  # the structural validator cannot run over dangling or outside references
        return problems
    validator_class = _Spec31Validator if version.startswith("3.1.") else _Spec30Validator
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


class _RetrievalRefused(Exception):
    """openapi-spec-validator asked for a document other than the spec."""


def _refuse(uri: str) -> Any:
    raise _RetrievalRefused(
        f"{uri!r} is outside this file (an $id changes where references point); "
        "specgen reads no other file and nothing from the network"
    )


class _NoRetrieval(Mapping[str, Any]):
    """Resolver handlers that answer every URI scheme with a refusal.

    openapi-spec-validator's default handlers read files and URLs while checking ``default``
    values against their schemas (following ``$ref``s resolved against any ``$id``), and a scheme
    without a handler falls back to ``urlopen``: so every scheme gets one, and it refuses.
    """

    def __getitem__(self, scheme: str) -> Any:
        return _refuse

    def __contains__(self, scheme: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class _Spec30Validator(OpenAPIV30SpecValidator):
    resolver_handlers = _NoRetrieval()  # type: ignore[assignment]
    keyword_validators = engine_patterns(OpenAPIV30SpecValidator.keyword_validators, "3.0")


class _Spec31Validator(OpenAPIV31SpecValidator):
    resolver_handlers = _NoRetrieval()  # type: ignore[assignment]
    keyword_validators = engine_patterns(OpenAPIV31SpecValidator.keyword_validators, "3.1")


def _explain(error: jsonschema.ValidationError) -> tuple[str, str]:
    """The most specific pointer and message for a validator error."""
    deepest = best_match(error.context) if error.context else None
    if deepest is not None:
        return to_pointer(deepest.absolute_path), deepest.message
    return to_pointer(error.absolute_path), error.message


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
            yield from iter_references(value, f"{pointer}/{escape_token(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_references(value, f"{pointer}/{index}")


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
    components = (spec.get("components") or {}).get("schemas") or {}
    for pointer, keyword, ref in iter_references(spec):
        where = f"{pointer}/{keyword}"
        if keyword.startswith("mapping/") and COMPONENT_NAME.fullmatch(ref):
            if ref not in components:  # a discriminator may name a component schema
                yield where, f"discriminator mapping {ref!r} names no schema in components"
            continue
        if not is_local_reference(ref):
            yield where, _outside_message(ref)
        elif keyword != "$ref" and not (ref == "#" or ref.startswith("#/")):
            continue  # "#name" names an anchor; specgen reads such values as any JSON (README)
        elif keyword == "$ref" and in_data(spec, pointer):
            continue  # a local "$ref" inside an example or a default is data, never followed
        elif (problem := _local_target_problem(spec, ref)) is not None:
            yield where, problem


def _outside_message(ref: str) -> str:
    return (
        f"only local references ('#/...', inside this file) are supported, not {ref!r}: "
        "specgen reads no other file and nothing from the network"
    )


def _local_target_problem(spec: Mapping[str, Any], ref: str) -> str | None:
    """Why the local reference ``ref`` leads nowhere, or None when it reaches a node.

    A chain of nodes that are only references (``$ref`` to a ``$ref``...) must end: a cycle of
    them describes nothing, and tools following it recurse until they crash.
    """
    chain = [ref]
    pointers: list[str] = []  # decoded, so that two spellings of one pointer are one
    while True:
        try:
            pointers.append(reference_pointer(chain[-1][1:]))
            target = resolve_pointer(spec, pointers[-1])
        except (LookupError, ValueError):
            if len(chain) == 1:
                return f"reference {ref!r} points to nothing"
            return None  # reported where the dangling reference itself is
        following = target.get("$ref") if isinstance(target, Mapping) else None
        if not isinstance(following, str) or not is_local_reference(following):
            return None
        try:
            repeated = reference_pointer(following[1:]) in pointers
        except ValueError:
            return None  # reported where that reference is
        if repeated:
            return f"reference cycle: {' -> '.join([*chain, following])} never reaches a value"
        chain.append(following)


def _operation_id_problems(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for found in iter_operations(spec):
        pointer = f"{found.pointer}/operationId"
        if "operationId" not in found.operation or pointer in seen.values():
            continue  # a path item referenced from two paths holds each operation once
        op_id = found.operation["operationId"]
        if op_id in seen:
            yield pointer, f"operationId {op_id!r} is also used at {seen[op_id]}"
        seen[op_id] = pointer
