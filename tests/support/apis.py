"""The APIs under ``specs/`` as the tests see them: one ``Case`` per API folder.

A ``Case`` holds what every layer of tests needs about one API: its project (config,
effective spec, recordings folder), the IR ``generator.build`` makes of it, the committed
generated package, the recorded exchanges, and the spec's schemas converted to JSON Schema
2020-12 with local ``$ref``s inlined (recursion bounded), so that hypothesis-jsonschema and
jsonschema both see plain self-contained schemas. Everything is derived from the API folders: a
new API under ``specs/`` needs no code here.
"""

from __future__ import annotations

import copy
import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from generator import ir, recordings
from generator.build import Built, Target, build_api
from generator.dialect import to_2020_12
from generator.errors import parse_pointer
from generator.extensions import operation_parameters
from generator.project import Api, list_apis, load_api
from generator.schemas import is_object_like

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"

# Credentials per security scheme kind: the client keyword arguments that enable it.
CREDENTIALS: dict[str, dict[str, str]] = {
    "bearer": {"token": "test-token"},
    "basic": {"username": "test-user", "password": "test-password"},
    "api_key": {"api_key": "test-api-key"},
    "oauth2_client_credentials": {"client_id": "test-client", "client_secret": "test-secret"},
}

_ANNOTATIONS = {
    "description", "title", "example", "examples", "default", "deprecated", "readOnly",
    "writeOnly", "xml", "externalDocs", "discriminator", "$comment",
}  # fmt: skip
MAX_REF_DEPTH = 2  # a schema may be entered this many times on one path before it is cut off


# -- recordings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording(recordings.Recording):
    """One recorded exchange of ``specs/<api>/recordings/`` (``generator.recordings``, checked
    against its schema when read), knowing its API."""

    api_key: str = ""

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def id(self) -> str:
        return f"{self.api_key}/{self.name}"

    @property
    def operation_id(self) -> str:
        return self.operation


# -- the APIs ----------------------------------------------------------------------------------


@dataclass
class Case:
    """One API: its project, IR, generated package, recordings and spec-derived schemas. The
    IR is built and the package imported on first use."""

    key: str
    project: Api
    recordings: list[Recording] = field(default_factory=list)

    # - the IR -

    @cached_property
    def built(self) -> Built:
        config = self.project.config
        target = Target(config.package, config.client_class, config.name)
        return build_api(self.project.spec, str(self.project.source.path), target)

    @property
    def ir(self) -> ir.Api:
        return self.built.api

    def operation(self, operation_id: str) -> ir.Operation:
        for op in self.ir.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(f"{self.key}: no operation {operation_id!r}")

    @property
    def base_url(self) -> str:
        return self.ir.servers[0].url.rstrip("/")

    @property
    def kinds(self) -> frozenset[str]:
        return self.ir.auth_kinds

    @property
    def oauth(self) -> ir.SecurityScheme | None:
        for scheme in self.ir.security_schemes:
            if scheme.kind == "oauth2_client_credentials":
                return scheme
        return None

    def credentials(self) -> dict[str, str]:
        """Client keyword arguments that enable every security scheme the API has."""
        kwargs: dict[str, str] = {}
        for kind in sorted(self.kinds):
            kwargs.update(CREDENTIALS.get(kind, {}))
        return kwargs

    def token_urls(self) -> set[str]:
        urls: set[str] = set()
        for scheme in self.ir.security_schemes:
            if scheme.token_url:
                urls.add(scheme.token_url)
            urls.update(url for _, url in scheme.token_urls)
        return urls

    # - the generated package (generated/<package>/, on sys.path through tests/conftest.py) -

    @property
    def package_name(self) -> str:
        return self.project.config.package

    def module(self, name: str = "") -> ModuleType:
        """The generated package, or its submodule ``name``."""
        package = self.package_name
        return importlib.import_module(f"{package}.{name}" if name else package)

    @property
    def package(self) -> ModuleType:
        return self.module()

    @property
    def models(self) -> ModuleType:
        return self.module("models")

    @property
    def errors(self) -> ModuleType:
        return self.module("errors")

    @property
    def auth_module(self) -> ModuleType:
        return self.module("_auth")

    def client_class(self, *, asynchronous: bool = False) -> type[Any]:
        name = self.project.config.client_class
        return getattr(self.package, f"Async{name}" if asynchronous else name)  # type: ignore[no-any-return]

    @property
    def sync_class(self) -> type[Any]:
        return self.client_class()

    @property
    def async_class(self) -> type[Any]:
        return self.client_class(asynchronous=True)

    def op_spec(self, op: ir.Operation) -> Any:
        """The ``OperationSpec`` constant of ``op`` in the generated ``_operations`` module."""
        return getattr(self.module("_operations"), op.method_name.upper())

    # - recordings -

    def sequences(self) -> dict[tuple[str, str], list[Recording]]:
        """Recorded page walks: (operation id, sequence name) -> its recordings, in step order."""
        walks: dict[tuple[str, str], list[Recording]] = {}
        for rec in self.recordings:
            if rec.sequence is not None:
                walks.setdefault((rec.operation_id, rec.sequence[0]), []).append(rec)
        for steps in walks.values():
            steps.sort(key=lambda r: r.sequence[1] if r.sequence else 0)
        return walks

    # - the spec's schemas, self-contained -

    @cached_property
    def spec20(self) -> dict[str, Any]:
        """The effective spec with its schemas converted to JSON Schema 2020-12."""
        return to_2020_12(self.project.spec)

    @cached_property
    def class_names(self) -> dict[str, str]:
        """Component schema name -> model class name, as the builder named them (read back from
        ``ir.Api.models``, so the tests never restate the naming rule)."""
        names = {}
        for model in self.ir.models:
            tokens = parse_pointer(model.pointer)
            if len(tokens) == 3 and tokens[:2] == ["components", "schemas"]:
                names[tokens[2]] = model.name
        return names

    def model_components(self) -> list[str]:
        """Component schemas that become model classes (those in ``Api.model_names``)."""
        schemas = (self.project.spec.get("components") or {}).get("schemas") or {}
        return [
            name
            for name, schema in schemas.items()
            if is_object_like(self.project.spec, schema)
            and self.class_names.get(name) in self.ir.model_names
        ]

    def raw(self, op: ir.Operation) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """(path item, operation object) of ``op`` in the 2020-12 spec."""
        item = self.spec20["paths"][op.path]
        return item, item[op.http_method.lower()]

    def inline(self, node: Any) -> Any:
        return inline(self.spec20, node)

    def component_schema(self, name: str) -> Any:
        return self.inline(
            {"$ref": "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")}
        )

    def param_schemas(self, op: ir.Operation) -> dict[str, dict[str, Any]]:
        """Wire name -> (raw parameter object with an inlined ``schema``)."""
        item, raw = self.raw(op)
        result = {}
        for param in operation_parameters(self.spec20, item, raw):
            p = dict(param)
            p["schema"] = self.inline(p.get("schema", {}))
            result[str(p["name"])] = p
        return result

    def body_schema(self, op: ir.Operation) -> Any:
        if op.body is None:
            return None
        _, raw = self.raw(op)
        body = resolve_ref(self.spec20, raw["requestBody"])
        return self.inline((body["content"][op.body.media_type] or {}).get("schema", {}))

    def response_schema(self, op: ir.Operation, status: str) -> Any:
        _, raw = self.raw(op)
        responses = raw.get("responses") or {}
        key = next(k for k in responses if str(k).upper() == status.upper())
        response = resolve_ref(self.spec20, responses[key])
        media = next(r.media_type for r in op.responses if r.status == status)
        return self.inline((response.get("content") or {})[media].get("schema", {}))


@functools.cache
def api_keys() -> tuple[str, ...]:
    """Every API folder under ``specs/``."""
    return tuple(list_apis(SPECS))


@functools.cache
def load_case(key: str) -> Case:
    """The API ``key``, loaded once per session."""
    project = load_api(SPECS, key)
    found = [
        Recording(r.path, r.data, api_key=key)
        for r in recordings.load_recordings(project.recordings_dir)
    ]
    return Case(key, project, found)


def all_cases() -> list[Case]:
    return [load_case(key) for key in api_keys()]


# -- schemas -----------------------------------------------------------------------------------


def resolve_ref(spec: Mapping[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while (
        isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen
    ):
        seen.add(node["$ref"])
        target: Any = spec
        for token in parse_pointer(node["$ref"][1:]):
            target = target[int(token)] if isinstance(target, list) else target[token]
        node = target
    return node


def ecma_pattern(pattern: str) -> str:
    """JSON Schema patterns are ECMA-262: a final ``$`` does not match before a trailing newline
    (Python's does). ``\\Z`` says the same thing to Python's ``re``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


def inline(spec: Mapping[str, Any], node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (a schema entered more than
    ``MAX_REF_DEPTH`` times on one path becomes ``False``: recursion is bounded, not dropped)."""
    if isinstance(node, list):
        return [inline(spec, n, stack) for n in node]
    if not isinstance(node, Mapping):
        return node
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if stack.count(ref) >= MAX_REF_DEPTH:
            return False
        target = inline(spec, resolve_ref(spec, {"$ref": ref}), (*stack, ref))
        siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
        if not siblings:
            return target
        return {"allOf": [target, inline(spec, siblings, stack)]}
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs", "dependentSchemas") and isinstance(
            value, Mapping
        ):
            result[key] = {k: inline(spec, v, stack) for k, v in value.items()}
        elif key in ("example", "examples", "default", "const", "enum"):
            result[key] = copy.deepcopy(value)
        elif key == "pattern" and isinstance(value, str):
            result[key] = ecma_pattern(value)
        else:
            result[key] = inline(spec, value, stack)
    if "properties" in result and "type" not in result:
        # OpenAPI's reading (and the models'): a schema with properties describes an object,
        # where plain JSON Schema would also accept any non-object.
        result["type"] = "object"
    return result
