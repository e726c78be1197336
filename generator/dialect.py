"""OpenAPI schema dialects as plain JSON Schema 2020-12, so one validator serves 3.0 and 3.1."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import referencing
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:specgen:spec"


def to_2020_12(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` whose schemas mean the same under JSON Schema 2020-12.

    OpenAPI 3.1 schemas already are 2020-12. OpenAPI 3.0 ones differ in ``nullable`` (a type
    list in 2020-12) and boolean ``exclusiveMinimum``/``exclusiveMaximum`` (numbers in 2020-12).
    """
    result = copy.deepcopy(dict(spec))
    if str(result.get("openapi", "")).startswith("3.0"):
        _convert(result)
    return result


def _convert(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _convert(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _convert(value)
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), bool) and node.pop(bound) and limit in node:
            node[bound] = node.pop(limit)
    if node.pop("nullable", False) is True:
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        elif kind is None:
            inner = {k: node.pop(k) for k in list(node) if k not in ("description", "title")}
            node["anyOf"] = [inner, {"type": "null"}]


class SchemaValidators:
    """Validators for schemas at JSON pointers of one spec, with ``$ref``s resolved inside it."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.document = to_2020_12(spec)
        resource = DRAFT202012.create_resource(self.document)
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource(
            SPEC_URI, resource
        )
        self._cache: dict[str, Draft202012Validator] = {}

    def at(self, pointer: str) -> Draft202012Validator:
        """The validator for the schema at ``pointer`` in the spec."""
        if pointer not in self._cache:
            # A fragment is percent-decoded when followed: "%" in a key must be spelled %25.
            schema = {"$ref": f"{SPEC_URI}#{quote(pointer, safe='/~')}"}
            self._cache[pointer] = Draft202012Validator(
                schema,
                registry=self._registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._cache[pointer]
