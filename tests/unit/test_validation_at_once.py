"""The validator's quick checks (jsonschema-rs) agree with jsonschema's: of a spec against the
OpenAPI schema (``_valid_at_once``), and of a 3.0 Schema Object against JSON Schema draft 4
(``_meta_valid_at_once``). What a quick check passes holds nothing jsonschema would report, and
what jsonschema passes is passed (or else it is only checked more slowly). Specs are the
fixtures and the four APIs, edited at random places by hypothesis."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator.validation.validators import SpecValidator

from generator import validate
from generator.errors import Diagnostic, Report
from generator.patterns_validation import _FORMATS_30
from generator.validate import (
    _meta_valid_at_once,
    _Spec30Validator,
    _Spec31Validator,
    _Spec32Validator,
    _valid_at_once,
    check_spec,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "tests" / "fixtures" / "openapi" / "petstore.yaml",
    ROOT / "tests" / "fixtures" / "openapi" / "oddities.json",
    ROOT / "specs" / "apiture-events" / "openapi.yaml",
    ROOT / "specs" / "onegini-events" / "openapi.yaml",
    ROOT / "specs" / "onepassword-events" / "openapi.json",
    ROOT / "specs" / "truelayer-tracking" / "openapi.json",
]
CLASSES = {"3.0.": _Spec30Validator, "3.1.": _Spec31Validator, "3.2.": _Spec32Validator}


def _load(path: Path) -> dict[str, Any]:
    loaded = (
        json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    )
    assert isinstance(loaded, dict)
    return loaded


BASES = [_load(path) for path in SOURCES]
# 3.2 is read as 3.1 is, but against its own schema: each 3.1 spec once more as 3.2.
BASES += [{**base, "openapi": "3.2.0"} for base in BASES if base["openapi"].startswith("3.1.")]

# Keys the OpenAPI schemas have rules for, so that edits reach those rules.
KEYS = st.sampled_from(
    [
        "type",
        "properties",
        "items",
        "$ref",
        "nullable",
        "required",
        "enum",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "schema",
        "in",
        "name",
        "description",
        "content",
        "responses",
        "parameters",
        "200",
        "2XX",
        "default",
        "x-note",
        "format",
        "style",
        "additionalProperties",
        "maxLength",
        "minimum",
        "exclusiveMinimum",
        "openapi",
        "info",
        "paths",
        "/things",
        "get",
        "components",
        "schemas",
        "servers",
        "url",
        "variables",
        "security",
        "tags",
        "externalDocs",
        "discriminator",
        "propertyName",
        "example",
        "examples",
        "explode",
        "requestBody",
        "headers",
        "callbacks",
        "links",
        "webhooks",
        "jsonSchemaDialect",
        "$schema",
        "const",
        "pattern",
        "readOnly",
        "minItems",
        "uniqueItems",
        "multipleOf",
        "exclusiveMaximum",
        "dependencies",
        "patternProperties",
        "definitions",
        "title",
    ]
) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["string", "object", "array", "integer", "query", "header", "#/x", ""])
    | st.sampled_from(["[", "(a", "\\p{L}+", "^x-[a-z]{2,}$", "(?<n>a)"])  # patterns
    | st.text(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a dict or list inside ``node`` (the places an edit can be made)."""
    found = [path]
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in children:
        if isinstance(child, (dict, list)):
            found.extend(_places(child, (*path, key)))
    return found


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _edit(draw: st.DrawFn, tree: Any) -> None:
    """One to three edits inside ``tree``: a value set, a key added or one removed."""
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        holder = _at(tree, draw(st.sampled_from(_places(tree))))
        if isinstance(holder, dict):
            key = draw(st.sampled_from(sorted(holder)) | KEYS) if holder else draw(KEYS)
            if key in holder and draw(st.booleans()):
                del holder[key]
            else:
                holder[key] = draw(VALUES)
        elif holder:
            holder[draw(st.integers(min_value=0, max_value=len(holder) - 1))] = draw(VALUES)
        else:
            holder.append(draw(VALUES))


@st.composite
def edited_specs(draw: st.DrawFn) -> tuple[type[SpecValidator], dict[str, Any]]:
    """One of the bases, edited, and the validator of the base's version (the edits may
    change the version)."""
    spec = copy.deepcopy(draw(st.sampled_from(BASES)))
    validator_class = CLASSES[spec["openapi"][:4]]
    _edit(draw, spec)
    return validator_class, spec


# The Schema Objects of the OpenAPI 3.0 bases, each checked against JSON Schema draft 4.
SCHEMAS_30 = [
    schema
    for base in BASES
    if base["openapi"].startswith("3.0.")
    for schema in base.get("components", {}).get("schemas", {}).values()
]


@st.composite
def edited_schemas(draw: st.DrawFn) -> Any:
    """A Schema Object of a 3.0 base, edited; or any value at all."""
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(VALUES)
    schema = copy.deepcopy(draw(st.sampled_from(SCHEMAS_30)))
    _edit(draw, schema)
    return schema


def _python_finds_nothing(validator_class: type[SpecValidator], spec: Any) -> bool:
    validator = validator_class.schema_validator
    return next(iter(validator.iter_errors(spec)), None) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_specs())
def test_the_quick_check_passes_exactly_what_jsonschema_passes(
    edited: tuple[type[SpecValidator], dict[str, Any]],
) -> None:
    validator_class, spec = edited
    expected = _python_finds_nothing(validator_class, spec)
    event("valid" if expected else "invalid")
    assert _valid_at_once(validator_class, spec) == expected


@pytest.mark.parametrize("base", BASES, ids=lambda b: f"{b['info']['title']} {b['openapi']}")
def test_the_unedited_specs_pass_the_quick_check(base: dict[str, Any]) -> None:
    assert _valid_at_once(CLASSES[base["openapi"][:4]], base)


@pytest.mark.parametrize(
    "value",
    [{"a"}, b"bytes", float("nan"), float("inf")],
    ids=["a set", "bytes", "NaN", "infinity"],
)
def test_a_value_json_cannot_hold_is_passed_only_where_nothing_reads_it(value: Any) -> None:
    """A value the quick check cannot read, or reads otherwise (NaN), is passed where the
    schema allows anything (an extension), and left to jsonschema where it has a rule."""
    spec = copy.deepcopy(BASES[0])
    spec["info"]["x-odd"] = value
    assert _valid_at_once(_Spec30Validator, spec)
    assert _python_finds_nothing(_Spec30Validator, spec)
    spec["info"]["title"] = value
    assert not _valid_at_once(_Spec30Validator, spec)
    assert not _python_finds_nothing(_Spec30Validator, spec)


def test_a_key_that_is_not_a_string_is_left_to_jsonschema() -> None:
    spec = copy.deepcopy(BASES[0])
    first = next(iter(spec["paths"].values()))
    next(iter(first.values()))["responses"][200] = {"description": "an integer key"}
    assert not _valid_at_once(_Spec30Validator, spec)


def _outcome(spec: dict[str, Any]) -> tuple[list[Diagnostic], str]:
    """What checking ``spec`` reports, and the error it raises if any."""
    report = Report("spec.yaml")
    try:
        check_spec(copy.deepcopy(spec), report)
    except Exception as exc:  # compared, not expected
        return report.diagnostics, f"{type(exc).__name__}: {exc}"
    return report.diagnostics, ""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_specs())
def test_the_check_reports_what_it_reports_without_the_quick_check(
    edited: tuple[type[SpecValidator], dict[str, Any]],
) -> None:
    _, spec = edited
    with_quick = _outcome(spec)
    with (
        mock.patch.object(validate, "_valid_at_once", lambda *_: False),
        mock.patch.object(validate, "_meta_valid_at_once", lambda *_: False),
    ):
        without = _outcome(spec)
    assert with_quick == without


def _draft4_finds_nothing(schema: Any) -> bool:
    """The library's check of a 3.0 Schema Object, as specgen makes it (``regex`` unchecked)."""
    try:
        OAS30Validator.check_schema(schema, format_checker=_FORMATS_30)
    except jsonschema.SchemaError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_schemas())
def test_the_quick_schema_check_passes_exactly_what_jsonschema_passes(schema: Any) -> None:
    expected = _draft4_finds_nothing(schema)
    event("valid" if expected else "invalid")
    assert _meta_valid_at_once(schema) == expected


def test_a_schema_the_quick_check_cannot_read_is_left_to_jsonschema() -> None:
    """A value it cannot read where draft 4 has a rule, or reads otherwise (NaN)."""
    assert not _meta_valid_at_once({"type": "string", "maximum": {"a set"}})
    assert not _meta_valid_at_once({"type": "number", "maximum": float("nan")})
    assert _draft4_finds_nothing({"type": "number", "maximum": float("nan")})


@pytest.mark.parametrize("pattern", ["[", "(?<n>a)", "\\p{L}+", "a{2"])
def test_a_pattern_is_not_checked_by_either(pattern: str) -> None:
    """Patterns are the models engine's to judge (``patterns_validation``): a pattern neither
    ECMA nor Python reads passes both checks, nested or not."""
    for schema in ({"pattern": pattern}, {"properties": {"a": {"pattern": pattern}}}):
        assert _draft4_finds_nothing(schema)
        assert _meta_valid_at_once(schema)
