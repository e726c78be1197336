"""``make bench``: cold generation time against spec size, on synthetic specs.

The specs are made here, deterministically, and look like a real REST API: resources of five
operations (list, create, get, update, delete) grouped under several tags, path and query
parameters, JSON request bodies, schemas with nested objects, enums and arrays, and paging
(``x-pagination``) on every list. Each size is generated cold (an empty cache) in a fresh
process; time per operation must stay flat as the spec grows.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from generator.bench.measure import measured, specgen_command

SIZES = (50, 100, 500, 1000, 2000, 5000)
BUDGET_SECONDS = 180.0  # a step projected to take longer is skipped, so make bench stays short
RESOURCES_PER_TAG = 8
WORK = Path(".cache/bench/curve")

KINDS = ("list", "create", "get", "update", "delete")
STATES = ["active", "paused", "archived"]
MODES = ["manual", "scheduled", "on_event"]


def synthetic_spec(operations: int) -> dict[str, Any]:
    """An OpenAPI 3.1 spec with exactly ``operations`` operations; the same for the same count."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _error_schema()}
    tags: list[dict[str, str]] = []
    for index in range((operations + len(KINDS) - 1) // len(KINDS)):
        kinds = KINDS[: min(len(KINDS), operations - index * len(KINDS))]
        tag = f"area{index // RESOURCES_PER_TAG}"
        if not tags or tags[-1]["name"] != tag:
            tags.append({"name": tag, "description": f"Resources of area {tag[4:]}."})
        name = f"widget{index}"
        schemas.update(_resource_schemas(name))
        for path, methods in _resource_paths(name, tag, kinds).items():
            paths.setdefault(path, {}).update(methods)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Synthetic", "version": "1.0.0", "description": "A benchmark API."},
        "servers": [{"url": "https://api.example.com/v1"}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _title(name: str) -> str:
    return name[0].upper() + name[1:]


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
    }


def _resource_schemas(name: str) -> dict[str, Any]:
    title = _title(name)
    settings = {
        "type": "object",
        "description": f"How a {name} behaves.",
        "properties": {
            "enabled": {"type": "boolean"},
            "mode": {"type": "string", "enum": MODES},
            "limits": {
                "type": "object",
                "properties": {
                    "max_items": {"type": "integer", "minimum": 0},
                    "window_seconds": {"type": "integer"},
                },
            },
        },
    }
    fields = {
        "name": {"type": "string", "maxLength": 100, "description": f"The {name}'s name."},
        "state": {"type": "string", "enum": STATES},
        "labels": {"type": "array", "items": {"type": "string"}},
        "settings": settings,
    }
    return {
        title: {
            "type": "object",
            "description": f"A {name}.",
            "required": ["id", "name", "state", "created_at"],
            "properties": {
                "id": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "owner": {"type": ["string", "null"]},
                **fields,
            },
        },
        f"{title}Input": {
            "type": "object",
            "description": f"The writable fields of a {name}.",
            "required": ["name"],
            "properties": fields,
        },
        f"{title}Page": {
            "type": "object",
            "required": ["items", "total"],
            "properties": {
                "items": {"type": "array", "items": _ref(title)},
                "total": {"type": "integer"},
            },
        },
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _resource_paths(name: str, tag: str, kinds: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    title = _title(name)
    errors = {"default": _json(_ref("Error"), "An error.")}
    item_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    all_operations: dict[str, tuple[str, str, dict[str, Any]]] = {
        "list": (
            "get",
            f"/{name}s",
            {
                "summary": f"List {name}s",
                "parameters": [
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": STATES}},
                ],
                "responses": {"200": _json(_ref(f"{title}Page"), "A page."), **errors},
                "x-pagination": {
                    "style": "offset",
                    "offsetParam": "offset",
                    "limitParam": "limit",
                    "items": "/items",
                    "total": "/total",
                },
            },
        ),
        "create": (
            "post",
            f"/{name}s",
            {
                "summary": f"Create a {name}",
                "requestBody": {"required": True, **_json(_ref(f"{title}Input"), "The new one.")},
                "responses": {"201": _json(_ref(title), "Created."), **errors},
            },
        ),
        "get": (
            "get",
            f"/{name}s/{{id}}",
            {
                "summary": f"Get a {name}",
                "parameters": [item_id],
                "responses": {"200": _json(_ref(title), "Found."), **errors},
            },
        ),
        "update": (
            "patch",
            f"/{name}s/{{id}}",
            {
                "summary": f"Update a {name}",
                "parameters": [item_id],
                "requestBody": {"required": True, **_json(_ref(f"{title}Input"), "The changes.")},
                "responses": {"200": _json(_ref(title), "Updated."), **errors},
            },
        ),
        "delete": (
            "delete",
            f"/{name}s/{{id}}",
            {
                "summary": f"Delete a {name}",
                "parameters": [item_id],
                "responses": {"204": {"description": "Deleted."}, **errors},
            },
        ),
    }
    paths: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        method, path, operation = all_operations[kind]
        operation = {"operationId": f"{kind}{title}", "tags": [tag], **operation}
        paths.setdefault(path, {})[method] = operation
    return paths


def main() -> None:
    print("\ngeneration time against size (synthetic specs, cold, one process each)")
    print("(ms/op: the whole run per operation; step ms/op: what each operation more cost")
    print("since the previous size, without the fixed start-up cost; it must stay flat)")
    print(
        f"{'operations':>10}{'seconds':>9}{'ms/op':>8}{'step ms/op':>12}{'peak MB':>9}", flush=True
    )
    done: list[tuple[int, float]] = []
    for size in SIZES:
        projected = projected_seconds(done, size)
        if projected > BUDGET_SECONDS:
            print(f"{size:>10,}  skipped: projected {projected:.0f} s > {BUDGET_SECONDS:.0f} s")
            continue
        seconds, peak = generate_cold(size)
        step = f"{marginal(done, size, seconds) * 1000:12.1f}" if done else f"{'':12}"
        done.append((size, seconds))
        print(f"{size:>10,}{seconds:9.1f}{seconds / size * 1000:8.1f}{step}{peak:9.0f}", flush=True)


def marginal(done: list[tuple[int, float]], size: int, seconds: float) -> float:
    """Seconds per operation between the last size measured and ``size``."""
    last_size, last_seconds = done[-1]
    return (seconds - last_seconds) / (size - last_size)


def projected_seconds(done: list[tuple[int, float]], size: int) -> float:
    """What ``size`` operations should take, from the sizes measured so far (linear)."""
    if not done:
        return 0.0
    last_size, last_seconds = done[-1]
    if len(done) == 1:
        return last_seconds / last_size * size
    slope = max(marginal(done[:-1], last_size, last_seconds), 0.0)
    return last_seconds + slope * (size - last_size)


def generate_cold(size: int) -> tuple[float, float]:
    """Write the spec of ``size`` operations, generate it with an empty cache: seconds, MB."""
    folder = WORK / str(size)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    spec = folder / "synthetic.json"
    spec.write_text(json.dumps(synthetic_spec(size)))
    print(f"  generating {size:,} operations ...", file=sys.stderr, flush=True)
    run = measured(
        [*specgen_command(), "generate", "--spec", str(spec), "--output", str(folder / "out")],
        folder / "specgen.log",
        env={"SPECGEN_CACHE_DIR": str(folder / "cache")},
    )
    return run.seconds, run.peak_mb


if __name__ == "__main__":
    main()
