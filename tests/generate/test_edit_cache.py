"""After an edit of one operation, a generation that reuses the stages' caches (the builder's
models, whole formatted files) gives byte for byte what a generation without a cache gives: on
the four APIs and on an API grouped into resources."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from generator.build import Target
from generator.cache import Cache
from generator.errors import Report
from generator.pipeline import api_in_memory, generate_in_memory
from generator.project import list_apis, load_api
from generator.rawspec import copy_tree, iter_operations
from generator.template_sets import Templates
from tests.generate.test_resources import shop_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


def edited(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with its first operation's summary and description edited (as the bench does)."""
    copy = copy_tree(spec)
    found = next(iter_operations(copy))
    operation = found.operation
    operation["summary"] = f"{operation.get('summary', '')} (edited)"
    operation["description"] = f"{operation.get('description', '')}\n\nEdited."
    return copy


def stage_entries(cache: Cache, stage: str) -> int:
    assert cache.root is not None
    return sum(1 for p in cache.root.glob(f"v*/{stage}/*/*") if p.is_file())


@pytest.mark.parametrize("key", list_apis(SPECS))
def test_an_edited_api_from_the_cache_equals_it_without(tmp_path: Path, key: str) -> None:
    api = load_api(SPECS, key)
    cache, templates = Cache(tmp_path), Templates()
    api_in_memory(api, templates, Report(api.source.name), cache=cache)
    models, files = stage_entries(cache, "build-models"), stage_entries(cache, "format-file")
    change = dataclasses.replace(api, spec=edited(api.spec))
    hits = cache.hits
    cached = api_in_memory(change, templates, Report(api.source.name), cache=cache)
    assert cache.hits > hits
    # The models were read back; of the files, only the edited operation's are new.
    assert stage_entries(cache, "build-models") == models
    assert 0 < stage_entries(cache, "format-file") - files < files
    plain = api_in_memory(change, templates, Report(api.source.name))
    assert cached.files == plain.files


def test_an_edited_api_grouped_into_resources_from_the_cache_equals_it_without(
    tmp_path: Path,
) -> None:
    target = Target("shop", "Shop", resources="tags")
    sets = Templates().for_api(("python", "reference", "cli"))
    cache = Cache(tmp_path)

    def generate(spec: dict[str, Any], cache: Cache | None) -> dict[str, str]:
        report = Report("shop.json")
        return generate_in_memory(spec, "shop.json", target, sets, report, cache=cache).files

    generate(shop_spec(), cache)
    files = stage_entries(cache, "format-file")
    cached = generate(edited(shop_spec()), cache)
    assert 0 < stage_entries(cache, "format-file") - files < files
    assert cached == generate(edited(shop_spec()), None)
    assert any("(edited)" in text for text in cached.values())
