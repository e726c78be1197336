"""Recorded exchanges (docs/recordings.md): reading them and checking them against a spec."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from generator.cache import active, stage_key
from generator.dialect import SchemaValidators
from generator.errors import Diagnostic, SpecgenError
from generator.load import load_document
from generator.rawspec import (
    escape_token,
    is_json,
    iter_operations,
    media_base,
    reference_pointer,
    resolve,
    to_pointer,
)

REDACTED = "<redacted>"

_HEADERS = {"type": "object", "additionalProperties": {"type": "string"}}
RECORDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["operation", "source", "synthetic", "request", "response"],
    "additionalProperties": False,
    "properties": {
        "operation": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "source": {"type": "string", "minLength": 1},
        "synthetic": {"type": "boolean"},
        "sequence": {
            "type": "object",
            "required": ["name", "step"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "step": {"type": "integer", "minimum": 1}},
        },
        "request": {
            "type": "object",
            "required": ["method", "path", "query", "headers", "body"],
            "additionalProperties": False,
            "properties": {
                "method": {"type": "string"},
                "path": {"type": "string", "pattern": "^/"},
                "query": {"type": "string"},
                "headers": _HEADERS,
                "body": True,
            },
        },
        "response": {
            "type": "object",
            "required": ["status", "headers", "body"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "headers": _HEADERS,
                "body": True,
            },
        },
    },
}


@dataclass(frozen=True)
class Recording:
    path: Path
    data: dict[str, Any]

    @property
    def operation(self) -> str:
        return str(self.data["operation"])

    @property
    def request(self) -> dict[str, Any]:
        return dict(self.data["request"])

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.data["response"])

    @property
    def status(self) -> int:
        return int(self.data["response"]["status"])

    @property
    def content_type(self) -> str:
        return str(self.data["response"]["headers"].get("content-type", ""))

    @property
    def sequence(self) -> tuple[str, int] | None:
        seq = self.data.get("sequence")
        return (str(seq["name"]), int(seq["step"])) if seq else None


def load_recording(path: Path) -> Recording:
    """Read and structurally check one recording file."""
    doc = load_document(path)
    cache = active()
    key = stage_key("recording", ("jsonschema",), doc.text) if cache.root is not None else ""
    if key and cache.get("recording", key) == b"ok":  # this exact text passed before
        return Recording(path, doc.data)
    error = best_match(jsonschema.Draft202012Validator(RECORDING_SCHEMA).iter_errors(doc.data))
    if error is not None:
        raise doc.error(to_pointer(error.absolute_path), f"not a recording: {error.message}")
    if key:
        cache.put("recording", key, b"ok")
    return Recording(path, doc.data)


def load_recordings(folder: Path) -> list[Recording]:
    """Every recording in ``folder`` (sorted by file name); all problems reported together."""
    recordings, problems = [], []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            recordings.append(load_recording(path))
        except SpecgenError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecgenError(problems)
    return recordings


def find_operation(
    spec: Mapping[str, Any], operation_id: str
) -> tuple[str, str, Mapping[str, Any]] | None:
    """(pointer, HTTP method, operation) of the operation with ``operation_id``."""
    for found in iter_operations(spec):
        if found.operation.get("operationId") == operation_id:
            return found.pointer, found.method, found.operation
    return None


def response_schema_pointer(
    spec: Mapping[str, Any],
    operation_pointer: str,
    operation: Mapping[str, Any],
    status: int,
    content_type: str,
) -> tuple[str | None, str | None]:
    """(pointer of the response's schema or None, problem) for a status and content type."""
    responses = operation.get("responses") or {}
    keys = {str(k).upper(): k for k in responses}
    key = next((keys[k] for k in (str(status), f"{status // 100}XX", "DEFAULT") if k in keys), None)
    if key is None:
        return None, f"status {status} is not documented for this operation"
    pointer = f"{operation_pointer}/responses/{escape_token(str(key))}"
    response = responses[key]
    if isinstance(response, Mapping) and isinstance(response.get("$ref"), str):
        pointer = reference_pointer(response["$ref"][1:])
        response = resolve(spec, response)
    content = response.get("content") or {}
    media = media_base(content_type)
    if not content:
        return None, None
    match = (
        media
        if media in content
        else next((m for m in content if m.endswith("/*") and media.startswith(m[:-1])), None)
        or ("*/*" if "*/*" in content else None)
    )
    if match is None:
        return (
            None,
            f"content type {media or 'none'!r} is not documented for status {key} "
            f"(documented: {sorted(content)})",
        )
    if "schema" not in (content[match] or {}):
        return None, None
    return f"{pointer}/content/{escape_token(match)}/schema", None


def check_recordings(spec: Mapping[str, Any], recordings: list[Recording]) -> Iterator[Diagnostic]:
    """Every way the recordings disagree with ``spec``: one diagnostic per offending value."""
    validators = SchemaValidators(spec)
    for recording in recordings:
        name = str(recording.path)
        found = find_operation(spec, recording.operation)
        if found is None:
            yield Diagnostic(
                name, "/operation", f"no operation {recording.operation!r} in the spec"
            )
            continue
        op_pointer, method, operation = found
        if recording.request["method"].upper() != method.upper():
            yield Diagnostic(
                name,
                "/request/method",
                f"{recording.operation} is {method}, not {recording.request['method']}",
            )
        schema_pointer, problem = response_schema_pointer(
            spec, op_pointer, operation, recording.status, recording.content_type
        )
        if problem:
            yield Diagnostic(name, "/response", problem)
            continue
        if schema_pointer is None:
            continue
        body = recording.response["body"]
        if not isinstance(body, str) and not is_json(recording.content_type):
            yield Diagnostic(name, "/response/body", "a non-JSON body must be recorded as text")
            continue
        for error in validators.at(schema_pointer).iter_errors(body):
            where = to_pointer(["response", "body", *error.absolute_path])
            yield Diagnostic(
                name, where, f"{error.message} (rule: {error.validator} at {schema_pointer})"
            )


def dump_recording(data: Mapping[str, Any]) -> str:
    """The canonical text of a recording file."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
