"""Parts of a spec found clean before are not checked again by the validator's own checks, and
nothing that changed (or that reads what changed) escapes them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cache as cache_module
from generator.cache import Cache
from generator.errors import Report
from generator.validate import _units, _validator_errors, check_spec

PETSTORE = Path(__file__).resolve().parent.parent / "fixtures" / "openapi" / "petstore.yaml"


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    chosen = Cache(tmp_path)
    cache_module.use(chosen)
    yield chosen
    cache_module.use(None)


def spec() -> dict[str, Any]:
    return yaml.safe_load(PETSTORE.read_text())


def messages(document: dict[str, Any]) -> list[str]:
    errors, crash = _validator_errors(document, document["openapi"])
    assert crash is None
    return sorted(e.message for e in errors)


def first_get(document: dict[str, Any]) -> dict[str, Any]:
    return next(item["get"] for item in document["paths"].values() if "get" in item)


def test_a_second_run_skips_every_part_it_found_clean(cache: Cache) -> None:
    document = spec()
    assert messages(document) == []
    parts = len(_units(document))
    cache.hits = 0
    assert messages(document) == []
    assert cache.hits == parts


def test_a_changed_path_item_is_checked_and_the_others_skipped(cache: Cache) -> None:
    document = spec()
    messages(document)
    changed = copy.deepcopy(document)
    first_get(changed).setdefault("parameters", []).append(
        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": "many"}}
    )
    cache.hits = 0
    found = messages(changed)
    assert any("'many' is not of type 'integer'" in m for m in found)
    assert cache.hits == len(_units(changed)) - 1  # all but the changed path item


def test_a_changed_component_is_checked_with_everything_that_reads_it(cache: Cache) -> None:
    document = spec()
    messages(document)
    changed = copy.deepcopy(document)
    name, schema = next(iter(changed["components"]["schemas"].items()))
    schema.setdefault("properties", {})["size"] = {"type": "integer", "default": "huge"}
    cache.hits = 0
    assert any("'huge' is not of type 'integer'" in m for m in messages(changed)), name
    assert cache.hits == 0  # every path item may read the components: none is skipped


def test_without_a_cache_nothing_is_skipped_or_written(tmp_path: Path) -> None:
    cache_module.use(None)
    document = spec()
    document["components"]["schemas"]["Extra"] = {"type": "integer", "default": "x"}
    assert any("'x' is not of type 'integer'" in m for m in messages(document))
    assert not any(tmp_path.iterdir())


def _operation_summary_not_text(document: dict[str, Any]) -> None:
    first_get(document)["summary"] = 5


def _operation_unknown_key(document: dict[str, Any]) -> None:
    first_get(document)["colour"] = "red"


def _parameter_without_in(document: dict[str, Any]) -> None:
    # The library's own checks crash on it (KeyError); the schema phase's error comes first.
    parameter = {"name": "limit", "schema": {"type": "integer"}}
    first_get(document).setdefault("parameters", []).append(parameter)


def _component_schema_bad_type(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["Odd"] = {"type": "stringy"}


def _components_unknown_key(document: dict[str, Any]) -> None:
    document["components"]["gadgets"] = {}


def _path_without_slash(document: dict[str, Any]) -> None:
    document["paths"]["pets"] = {}


def _info_without_version(document: dict[str, Any]) -> None:
    del document["info"]["version"]


def _top_level_unknown_key(document: dict[str, Any]) -> None:
    document["colour"] = "red"


OPENAPI_SCHEMA_ERRORS = [
    _operation_summary_not_text,
    _operation_unknown_key,
    _parameter_without_in,
    _component_schema_bad_type,
    _components_unknown_key,
    _path_without_slash,
    _info_without_version,
    _top_level_unknown_key,
]


def diagnostics(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    report = Report("petstore.yaml")
    check_spec(document, report)
    return [(d.severity, d.pointer, d.message) for d in report.diagnostics]


@pytest.mark.parametrize("mistake", OPENAPI_SCHEMA_ERRORS, ids=lambda f: f.__name__[1:])
def test_an_openapi_schema_error_is_reported_alike_with_parts_skipped_or_not(
    cache: Cache, mistake: Callable[[dict[str, Any]], None]
) -> None:
    """The OpenAPI schema's phase leaves the clean parts out (``_iter_errors``): what it reports
    (pointer and message) is what a whole validation without a cache reports."""
    assert diagnostics(spec()) == []  # every part clean, in the cache
    changed = spec()
    mistake(changed)
    cache.hits = 0
    found = diagnostics(changed)
    skipped = cache.hits
    cache_module.use(None)
    assert found and found == diagnostics(changed)
    if mistake in (
        _operation_summary_not_text,
        _operation_unknown_key,
        _parameter_without_in,
        _path_without_slash,
    ):
        assert skipped > 0  # the other path items were left out, the components too


def test_a_part_found_clean_is_left_out_of_the_openapi_schema_phase(cache: Cache) -> None:
    """The entry is what decides: a part marked clean (planted here) is not validated again."""
    changed = spec()
    _operation_summary_not_text(changed)
    assert any("is not of type 'string'" in m for m in messages(changed))
    for key in _units(changed).values():
        cache.put("valid-part", key, b"ok")
    assert messages(changed) == []
