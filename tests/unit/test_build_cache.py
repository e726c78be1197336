"""The builder's models read back from the cache (``build.models_cache``): exactly what a build
without a cache gives, and a new entry whenever anything they are read from changes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.build import Target, build_api
from generator.build.models_cache import models_key
from generator.cache import Cache
from generator.errors import Report
from generator.rawspec import parse_pointer

SOURCE = "shop.yaml"
TARGET = Target("shop", "Shop")
RESPONSE = "/paths/~1pets/get/responses/200/content/application~1json/schema"


def spec() -> dict[str, Any]:
    """Component schemas, one of them read through a reference outside the components, and an
    operation whose response is an inline object (hoisted into the models)."""
    pet = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "kind": {"$ref": "#/components/schemas/Kind"}},
    }
    listing = {
        "type": "object",
        "description": "A page of pets.",
        "properties": {
            "pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
            "next": {"type": "object", "properties": {"cursor": {"type": "string"}}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1"},
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "list_pets",
                    "summary": "List pets.",
                    "responses": {
                        "200": {
                            "description": "The pets.",
                            "content": {"application/json": {"schema": listing}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Pet": pet, "Kind": {"$ref": "#/x-shared/Kind"}}},
        "x-shared": {"Kind": {"type": "string", "enum": ["cat", "dog"]}},
    }


def _set(document: dict[str, Any], pointer: str, value: Any) -> None:
    parts = parse_pointer(pointer)
    holder = document
    for part in parts[:-1]:
        holder = holder[part]
    holder[parts[-1]] = value


# Edits of what the models are read from: each changes the models.
READ = {
    "a component's property": ("/components/schemas/Pet/properties/name", {"type": "integer"}),
    "a component's description": ("/components/schemas/Pet/description", "A pet."),
    "what a reference outside the components reaches": ("/x-shared/Kind/enum", ["cat", "cow"]),
    "an inline object's property": (f"{RESPONSE}/properties/next/properties/cursor", False),
    "an inline object's description": (f"{RESPONSE}/description", "Pets, a page of them."),
    "a component added": ("/components/schemas/Toy", {"type": "object", "properties": {}}),
}
# Edits of what they are not read from: the models are read back.
NOT_READ = {
    "an operation's summary": ("/paths/~1pets/get/summary", "List the pets."),
    "a response's description": ("/paths/~1pets/get/responses/200/description", "Pets."),
    "the title": ("/info/title", "Pet shop"),
}


def models(document: dict[str, Any], cache: Cache | None) -> Any:
    report = Report(SOURCE)
    api = build_api(document, SOURCE, TARGET, report, cache=cache).api
    return api.models, api.model_names


@pytest.mark.parametrize("name", sorted(READ))
def test_an_edit_of_what_the_models_read_is_a_new_entry(tmp_path: Path, name: str) -> None:
    cache = Cache(tmp_path)
    before = models(spec(), cache)
    document = spec()
    _set(document, *READ[name])
    after = models(document, cache)
    assert after != before
    assert after == models(document, None)  # byte for byte what no cache gives


@pytest.mark.parametrize("name", sorted(NOT_READ))
def test_an_edit_elsewhere_reads_the_models_back(tmp_path: Path, name: str) -> None:
    cache = Cache(tmp_path)
    before = models(spec(), cache)
    document = spec()
    _set(document, *NOT_READ[name])
    hits = cache.hits
    after = models(document, cache)
    assert cache.hits == hits + 1
    assert after == before == models(document, None)


def key_of(document: dict[str, Any]) -> str | None:
    return models_key(document, SOURCE, {}, {}, {}, set(), set())


def test_a_node_met_twice_is_keyed_apart_from_two_equal_nodes() -> None:
    """The builder tells nodes apart by identity (YAML anchors share one): sharing is keyed."""
    shared, copied = spec(), spec()
    properties = shared["components"]["schemas"]["Pet"]["properties"]
    shared["x-shared"]["Again"] = properties
    copied["x-shared"]["Again"] = dict(properties)
    shared["components"]["schemas"]["Again"] = {"$ref": "#/x-shared/Again"}
    copied["components"]["schemas"]["Again"] = {"$ref": "#/x-shared/Again"}
    assert shared == copied
    assert key_of(shared) != key_of(copied)
    assert key_of(copy.deepcopy(shared)) == key_of(shared)
    assert key_of(copy.deepcopy(copied)) == key_of(copied)


def test_a_node_that_contains_itself_is_not_keyed() -> None:
    document = spec()
    pet = document["components"]["schemas"]["Pet"]
    pet["properties"]["again"] = pet
    assert key_of(document) is None
