"""Tests for `generator.diff`: one fixture pair per rule, no false positives, renderers.

Each directory under ``tests/fixtures/diff/<rule>/`` holds an ``old.yaml`` and a ``new.yaml``
that differ by one thing; the ``unchanged-*`` pairs differ only by moves that must not be
reported.  ``onepassword/`` holds two real vendor versions of the 1Password Events API.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diff import (
    Change,
    diff_specs,
    exit_code,
    parse_json,
    render_json,
    render_markdown,
    render_text,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diff"
BODY = "/paths/~1events/post/requestBody/content/application~1json/schema/properties"
EVENTS = "/paths/~1events/get/responses/200/content/application~1json/schema"
EVENT = f"{EVENTS}/properties/items/items/properties"
OAUTH = "/components/securitySchemes/oauth"


def load(path: Path) -> Any:
    """Load a YAML or JSON fixture (JSON is YAML, but json is stricter and faster)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def load_pair(rule: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = FIXTURES / rule
    suffix = ".json" if (folder / "old.json").exists() else ".yaml"
    return load(folder / f"old{suffix}"), load(folder / f"new{suffix}")


def breaking(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.severity == "breaking"]


# --------------------------------------------------------------------------------------------
# One fixture pair per rule

RULES = [
    # (fixture, kind, severity, flagged, a location where it is reported)
    ("operation-removed", "operation-removed", "breaking", False,
     "/paths/~1events~1{eventId}/delete"),
    ("path-removed", "path-removed", "breaking", False, "/paths/~1events~1{eventId}"),
    ("parameter-added-required", "parameter-added-required", "breaking", False,
     "/paths/~1events/get/parameters/since"),
    ("parameter-added-optional", "parameter-added-optional", "non-breaking", False,
     "/paths/~1events/get/parameters/since"),
    ("parameter-made-required", "parameter-made-required", "breaking", False,
     "/paths/~1events/get/parameters/cursor"),
    ("parameter-removed", "parameter-removed", "breaking", False,
     "/paths/~1events/get/parameters/cursor"),
    ("parameter-type-changed", "parameter-type-changed", "breaking", False,
     "/paths/~1events/get/parameters/limit/schema"),
    ("parameter-style-changed", "parameter-style-changed", "breaking", False,
     "/paths/~1events/get/parameters/tags"),
    ("parameter-explode-changed", "parameter-style-changed", "breaking", False,
     "/paths/~1events/get/parameters/tags"),
    ("request-property-made-required", "request-property-made-required", "breaking", False,
     f"{BODY}/severity"),
    ("request-property-added-required", "request-property-added-required", "breaking", False,
     f"{BODY}/source"),
    ("request-property-type-narrowed-number-to-integer", "request-property-type-narrowed",
     "breaking", False, f"{BODY}/amount"),
    ("request-property-type-narrowed-string-to-enum", "request-property-type-narrowed",
     "breaking", False, f"{BODY}/note"),
    ("request-constraint-maximum-lowered", "request-constraint-tightened", "breaking", False,
     f"{BODY}/amount"),
    ("request-constraint-minimum-raised", "request-constraint-tightened", "breaking", False,
     f"{BODY}/amount"),
    ("request-constraint-maxlength-lowered", "request-constraint-tightened", "breaking", False,
     f"{BODY}/name"),
    ("request-constraint-pattern-added", "request-constraint-tightened", "breaking", False,
     f"{BODY}/name"),
    ("request-enum-value-removed", "request-enum-value-removed", "breaking", False,
     f"{BODY}/severity"),
    ("request-constraint-loosened", "request-constraint-loosened", "non-breaking", False,
     f"{BODY}/amount"),
    ("response-property-removed", "response-property-removed", "breaking", False,
     f"{EVENT}/amount"),
    ("response-property-type-changed", "response-property-type-changed", "breaking", False,
     f"{EVENT}/amount"),
    ("response-property-made-nullable", "response-property-type-changed", "breaking", False,
     f"{EVENT}/amount"),
    ("response-property-type-narrowed", "response-property-type-narrowed", "non-breaking",
     True, f"{EVENT}/amount"),
    ("response-enum-value-added", "response-enum-value-added", "non-breaking", True,
     f"{EVENT}/severity"),
    ("success-response-removed", "success-response-removed", "breaking", False,
     "/paths/~1events~1{eventId}/delete/responses/204"),
    ("request-media-type-removed", "request-media-type-removed", "breaking", False,
     "/paths/~1events/post/requestBody/content/application~1x-www-form-urlencoded"),
    ("response-media-type-removed", "response-media-type-removed", "breaking", False,
     "/paths/~1events/get/responses/200/content/application~1x-ndjson"),
    ("security-scheme-type-changed", "security-scheme-type-changed", "breaking", False,
     "/components/securitySchemes/bearer"),
    ("security-scheme-flow-removed", "security-scheme-flow-removed", "breaking", False,
     f"{OAUTH}/flows/authorizationCode"),
    ("security-scheme-url-changed", "security-scheme-url-changed", "breaking", False,
     f"{OAUTH}/flows/clientCredentials/tokenUrl"),
    ("security-scheme-scope-removed", "security-scheme-scope-removed", "breaking", False,
     f"{OAUTH}/flows/clientCredentials/scopes/events:write"),
    ("operation-security-changed", "operation-security-changed", "breaking", False,
     "/paths/~1events/post/security"),
    ("server-removed", "server-removed", "breaking", False, "/servers/1"),
    ("operation-added", "operation-added", "non-breaking", False,
     "/paths/~1events~1{eventId}/put"),
    ("response-property-added", "response-property-added", "non-breaking", False,
     f"{EVENT}/source"),
]  # fmt: skip

UNCHANGED = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("unchanged-"))


@pytest.mark.parametrize(("rule", "kind", "severity", "flagged", "location"), RULES)
def test_rule(rule: str, kind: str, severity: str, flagged: bool, location: str) -> None:
    changes = diff_specs(*load_pair(rule))
    found = [c for c in changes if c.kind == kind]
    assert found, f"{kind} not reported; got {[c.kind for c in changes]}"
    assert {(c.severity, c.flagged) for c in found} == {(severity, flagged)}
    assert location in {c.location for c in found}
    # Nothing breaking beyond the rule itself.
    expected_breaking = {kind} if severity == "breaking" else set()
    assert {c.kind for c in breaking(changes)} <= expected_breaking
    assert all(c.message.endswith(".") for c in changes)


def test_every_rule_fixture_is_tested() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert on_disk == {r[0] for r in RULES} | set(UNCHANGED) | {"onepassword"}


@pytest.mark.parametrize("rule", UNCHANGED)
def test_moves_that_change_nothing_are_not_reported(rule: str) -> None:
    assert diff_specs(*load_pair(rule)) == []


def test_enum_values_are_reported_one_by_one() -> None:
    old, new = load_pair("request-constraint-loosened")
    added = [c for c in diff_specs(old, new) if c.kind == "request-enum-value-added"]
    assert len(added) == 1
    assert '"critical"' in added[0].message


# --------------------------------------------------------------------------------------------
# No false positives: reordering and inlining


LIST_KEYS_TO_SHUFFLE = frozenset(
    {"parameters", "enum", "required", "oneOf", "anyOf", "servers", "tags", "security"}
)


def shuffled(node: Any, rng: random.Random, key: str = "") -> Any:
    """Return `node` with every dict's key order and every order-free list shuffled."""
    if isinstance(node, dict):
        items = list(node.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng, k) for k, v in items}
    if isinstance(node, list):
        items = [shuffled(v, rng) for v in node]
        if key in LIST_KEYS_TO_SHUFFLE:
            rng.shuffle(items)
        return items
    return node


def resolve_pointer(spec: Any, ref: str) -> Any:
    node = spec
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def inlined(spec: Any, node: Any = None, stack: tuple[str, ...] = ()) -> Any:
    """Return `spec` with every local `$ref` replaced by a copy of its target.

    A reference met again inside its own expansion (a recursive schema) is left as it is.
    """
    node = spec if node is None else node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in stack:
            return inlined(spec, copy.deepcopy(resolve_pointer(spec, ref)), (*stack, ref))
        return {k: inlined(spec, v, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [inlined(spec, v, stack) for v in node]
    return node


def contains_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(contains_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(contains_ref(v) for v in node)
    return False


REAL_SPECS = {
    "example": FIXTURES / "base.yaml",
    "onepassword-1.0.0": FIXTURES / "onepassword" / "old.json",
    "onepassword-1.2.0": FIXTURES / "onepassword" / "new.json",
}


@pytest.mark.parametrize("name", sorted(REAL_SPECS))
def test_spec_against_itself_reordered(name: str) -> None:
    spec = load(REAL_SPECS[name])
    reordered = shuffled(spec, random.Random(7))
    assert reordered != spec or list(reordered) != list(spec)
    assert diff_specs(spec, reordered) == []


@pytest.mark.parametrize("name", sorted(REAL_SPECS))
def test_spec_against_itself_with_refs_inlined(name: str) -> None:
    spec = load(REAL_SPECS[name])
    flat = inlined(spec)
    assert contains_ref(spec)
    assert not contains_ref(flat["paths"])
    assert diff_specs(spec, flat) == []
    assert diff_specs(flat, spec) == []


LOADED = {name: load(path) for name, path in REAL_SPECS.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(REAL_SPECS)), rng=st.randoms(use_true_random=False))
def test_permutations_yield_no_changes(name: str, rng: random.Random) -> None:
    spec = LOADED[name]
    assert diff_specs(spec, shuffled(spec, rng)) == []
    assert diff_specs(shuffled(inlined(spec), rng), spec) == []


# --------------------------------------------------------------------------------------------
# Semantics beyond the fixtures


def minimal(
    schema: dict[str, Any], *, openapi: str = "3.0.3", side: str = "response"
) -> dict[str, Any]:
    """A one-operation spec whose response (or request body) schema is `schema`."""
    operation: dict[str, Any] = {"responses": {"204": {"description": "ok"}}}
    media = {"application/json": {"schema": schema}}
    if side == "response":
        operation["responses"] = {"200": {"description": "ok", "content": media}}
    else:
        operation["requestBody"] = {"content": media}
    return {
        "openapi": openapi,
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": operation}},
        "components": {"schemas": {}},
    }


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind, c.severity) for c in changes]


TREE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    },
}


def tree_spec(node: dict[str, Any]) -> dict[str, Any]:
    spec = minimal({"$ref": "#/components/schemas/Node"})
    spec["components"]["schemas"]["Node"] = node
    return spec


def test_recursive_schema_terminates_and_compares() -> None:
    spec = tree_spec(copy.deepcopy(TREE))
    assert diff_specs(spec, spec) == []
    assert diff_specs(spec, inlined(spec)) == []
    grown = copy.deepcopy(TREE)
    grown["properties"]["size"] = {"type": "integer"}
    assert kinds(diff_specs(spec, tree_spec(grown))) == [
        ("response-property-added", "non-breaking")
    ]


def test_recursion_into_another_schema_is_flagged_not_breaking() -> None:
    def spec(b_points_to: str) -> dict[str, Any]:
        result = minimal({"$ref": "#/components/schemas/A"})
        result["components"]["schemas"] = {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {
                "type": "object",
                "properties": {"next": {"$ref": f"#/components/schemas/{b_points_to}"}},
            },
        }
        return result

    changes = diff_specs(spec("A"), spec("B"))
    assert [(c.kind, c.severity, c.flagged) for c in changes] == [
        ("response-recursive-ref-changed", "non-breaking", True)
    ]
    assert changes[0].location.endswith("/schema/properties/b/properties/next")


def test_reference_loops_do_not_hang() -> None:
    spec = minimal({"$ref": "#/components/schemas/Loop"})
    spec["components"]["schemas"]["Loop"] = {"$ref": "#/components/schemas/Loop"}
    spec["components"]["parameters"] = {"P": {"$ref": "#/components/parameters/P"}}
    spec["paths"]["/things"]["post"]["parameters"] = [{"$ref": "#/components/parameters/P"}]
    assert diff_specs(spec, spec) == []


def test_nullable_spellings_are_equal() -> None:
    old = minimal({"type": "string", "nullable": True, "enum": ["a", "b"]})
    for new_schema in (
        {"type": ["string", "null"], "enum": ["b", "a", None]},
        {"oneOf": [{"type": "null"}, {"type": "string", "enum": ["a", "b"]}]},
    ):
        assert diff_specs(old, minimal(new_schema, openapi="3.1.0")) == []


def test_exclusive_bounds_spellings_are_equal() -> None:
    old = minimal({"type": "integer", "maximum": 10, "exclusiveMaximum": True}, side="request")
    new = minimal({"type": "integer", "exclusiveMaximum": 10}, openapi="3.1.0", side="request")
    assert diff_specs(old, new) == []


def test_oneof_members_reordered_or_inlined_are_equal() -> None:
    a, b = {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}
    old = minimal({"oneOf": [a, b]}, side="request")
    schemas = {
        "A": {"type": "object", "properties": {"a": {"type": "string"}}},
        "B": {"type": "object", "properties": {"b": {"type": "integer"}}},
    }
    old["components"]["schemas"] = schemas
    new = minimal({"oneOf": [schemas["B"], a]}, side="request")
    new["components"]["schemas"] = copy.deepcopy(schemas)
    assert diff_specs(old, new) == []


def test_oneof_member_removed_from_request_is_breaking() -> None:
    old = minimal({"oneOf": [{"type": "string"}, {"type": "integer"}]}, side="request")
    new = minimal({"oneOf": [{"type": "string"}]}, side="request")
    assert ("request-variant-removed", "breaking") in kinds(diff_specs(old, new))


def test_response_property_made_optional_is_breaking() -> None:
    props = {"id": {"type": "string"}}
    old = minimal({"type": "object", "required": ["id"], "properties": props})
    new = minimal({"type": "object", "properties": props})
    assert kinds(diff_specs(old, new)) == [("response-property-made-optional", "breaking")]
    assert kinds(diff_specs(new, old)) == [("response-property-made-required", "non-breaking")]


def test_read_only_properties_are_not_part_of_requests() -> None:
    old = minimal({"type": "object", "properties": {"a": {"type": "string"}}}, side="request")
    new = copy.deepcopy(old)
    schema = new["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]
    schema["schema"]["properties"]["id"] = {"type": "string", "readOnly": True}
    schema["schema"]["required"] = ["id"]
    assert breaking(diff_specs(old, new)) == []


def test_parameters_move_between_path_and_operation_level() -> None:
    old, _ = load_pair("unchanged-reordered")
    new = copy.deepcopy(old)
    item = new["paths"]["/events/{eventId}"]
    item["get"]["parameters"] = item.pop("parameters")
    item["delete"]["parameters"] = copy.deepcopy(item["get"]["parameters"])
    assert diff_specs(old, new) == []


def test_header_parameter_names_are_case_insensitive() -> None:
    old = minimal({"type": "object"})
    new = copy.deepcopy(old)
    header = {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
    old["paths"]["/things"]["post"]["parameters"] = [header]
    new["paths"]["/things"]["post"]["parameters"] = [{**header, "name": "x-trace"}]
    assert diff_specs(old, new) == []


def test_security_alternative_added_is_not_breaking() -> None:
    old, new = load_pair("unchanged-reordered")
    new["paths"]["/events"]["post"]["security"].append({"bearer": []})
    assert kinds(diff_specs(old, new)) == [("operation-security-alternative-added", "non-breaking")]
    del new["paths"]["/events"]["post"]["security"]
    assert ("operation-security-changed", "breaking") in kinds(diff_specs(old, new))


def test_response_widening_is_breaking_and_request_widening_is_not() -> None:
    assert kinds(diff_specs(minimal({"type": "integer"}), minimal({"type": "number"}))) == [
        ("response-property-type-changed", "breaking")
    ]
    old, new = (
        minimal({"type": "integer"}, side="request"),
        minimal({"type": "number"}, side="request"),
    )
    assert kinds(diff_specs(old, new)) == [("request-property-type-widened", "non-breaking")]


# --------------------------------------------------------------------------------------------
# A real vendor upgrade: 1Password Events API 1.0.0 -> 1.2.0

OP_ITEMS = "/responses/200/content/application~1json/schema/properties/items/items/properties"
ITEM_USAGES = "/paths/~1api~1v1~1itemusages/post"
SIGN_INS = "/paths/~1api~1v1~1signinattempts/post"
INTROSPECT = "/paths/~1api~1auth~1introspect/get"


def test_onepassword_1_0_to_1_2_is_classified() -> None:
    old, new = load_pair("onepassword")
    assert (old["info"]["version"], new["info"]["version"]) == ("1.0.0", "1.2.0")
    changes = diff_specs(old, new)
    found = {(c.kind, c.severity, c.flagged, c.location) for c in changes}
    added_values = {
        c.message.split("enum value ")[1].split(":")[0]: c.location
        for c in changes
        if c.kind == "response-enum-value-added"
    }
    assert added_values == {
        '"sso_failed"': f"{SIGN_INS}{OP_ITEMS}/category",
        '"service_account_sso_denied"': f"{SIGN_INS}{OP_ITEMS}/type",
        '"non_sso_user"': f"{SIGN_INS}{OP_ITEMS}/type",
        '"sso_user_mismatch"': f"{SIGN_INS}{OP_ITEMS}/type",
    }
    assert found - {f for f in found if f[0] == "response-enum-value-added"} == {
        # New endpoints are additions.
        ("operation-added", "non-breaking", False, "/paths/~1api~1v1~1auditevents/post"),
        ("operation-added", "non-breaking", False, "/paths/~1api~1v2~1auth~1introspect/get"),
        # The v1 introspection endpoint is now deprecated.
        ("operation-deprecated", "non-breaking", True, f"{INTROSPECT}/deprecated"),
        # ItemUsage.action went from an untyped `{}` to a string enum: narrower, so safe.
        ("response-property-type-narrowed", "non-breaking", True,
         f"{ITEM_USAGES}{OP_ITEMS}/action"),
        # A `location` object on item usages and sign-in attempts.
        ("response-property-added", "non-breaking", False, f"{ITEM_USAGES}{OP_ITEMS}/location"),
        ("response-property-added", "non-breaking", False, f"{SIGN_INS}{OP_ITEMS}/location"),
        # 500 responses documented on the three existing operations.
        ("response-status-added", "non-breaking", False, f"{INTROSPECT}/responses/500"),
        ("response-status-added", "non-breaking", False, f"{ITEM_USAGES}/responses/500"),
        ("response-status-added", "non-breaking", False, f"{SIGN_INS}/responses/500"),
    }  # fmt: skip
    # The request bodies moved from ItemUsagesRequest/SignInAttemptsRequest to the
    # CursorRequest they aliased, and summaries and examples were edited: not changes.
    assert breaking(changes) == []
    assert exit_code(changes, "breaking") == 0


def test_onepassword_downgrade_is_breaking() -> None:
    old, new = load_pair("onepassword")
    changes = diff_specs(new, old)
    assert {(c.kind, c.location) for c in breaking(changes)} == {
        ("path-removed", "/paths/~1api~1v1~1auditevents"),
        ("path-removed", "/paths/~1api~1v2~1auth~1introspect"),
        ("response-property-removed", f"{ITEM_USAGES}{OP_ITEMS}/location"),
        ("response-property-removed", f"{SIGN_INS}{OP_ITEMS}/location"),
        ("response-property-type-changed", f"{ITEM_USAGES}{OP_ITEMS}/action"),
    }


# --------------------------------------------------------------------------------------------
# Renderers and exit codes

SAMPLE = [
    Change("response-property-added", "non-breaking", "/paths/~1a/get", "Added a | b."),
    Change("parameter-removed", "breaking", "/paths/~1a/get/parameters/q", "Removed q."),
    Change("response-enum-value-added", "non-breaking", "/paths/~1a/get/x", "New value.", True),
]


def test_render_json_is_stable_and_parses_back() -> None:
    text = render_json(SAMPLE)
    assert text == render_json(list(reversed(SAMPLE)))
    assert text.startswith('{\n  "')
    document = json.loads(text)
    assert document["summary"] == {"breaking": 1, "non_breaking": 2, "flagged": 1}
    assert [c["kind"] for c in document["changes"]] == [
        "parameter-removed",
        "response-enum-value-added",
        "response-property-added",
    ]
    assert sorted(parse_json(text), key=lambda c: c.kind) == sorted(SAMPLE, key=lambda c: c.kind)


def test_render_markdown_has_summary_and_tables() -> None:
    text = render_markdown(SAMPLE)
    lines = text.splitlines()
    assert lines[0].startswith("**API diff:** 3 changes: 1 breaking")
    assert "| | Kind | Location | What changed |" in lines
    assert "|---|---|---|---|" in lines
    assert text.index("#### Breaking changes") < text.index("#### Non-breaking changes")
    assert "Added a \\| b." in text
    assert render_markdown([]) == "**API diff:** no changes.\n"


def test_render_text_lists_breaking_first() -> None:
    lines = render_text(SAMPLE).splitlines()
    assert lines[0] == "3 changes: 1 breaking, 2 non-breaking (1 flagged)"
    labels = [line.split()[0] for line in lines[1::2]]
    assert labels == ["BREAKING", "FLAGGED", "ok"]
    assert render_text([]) == "No changes.\n"


@pytest.mark.parametrize(
    ("changes", "fail_on", "expected"),
    [
        (SAMPLE, "breaking", 1),
        (SAMPLE[::2], "breaking", 0),
        ([], "breaking", 0),
        (SAMPLE, "any", 1),
        (SAMPLE[::2], "any", 1),
        ([], "any", 0),
        (SAMPLE, "never", 0),
        ([], "never", 0),
    ],
)
def test_exit_code(changes: list[Change], fail_on: Any, expected: int) -> None:
    assert exit_code(changes, fail_on) == expected


def test_text_output_shows_control_characters_from_the_specs_written_out() -> None:
    """A name with a line break or an escape sequence must not forge a line (`error: ...`) in
    a CI log or act on a terminal."""
    change = Change(
        "response-enum-value-added",
        "non-breaking",
        "/paths/~1events/get/x\nerror: forged",
        "value `a\x1b[31mred` was added\r\nerror: forged too",
        flagged=True,
    )
    text = render_text([change])
    assert not any(line.startswith("error:") for line in text.splitlines())
    assert "\x1b" not in text and "\r" not in text
    assert "x\\nerror: forged" in text and "a\\x1b[31mred" in text
    assert len(text.splitlines()) == 3  # the summary and the change's two lines
