"""OpenAPI Overlay 1.0 as ``generator.overlay.apply_overlay`` implements it (in memory)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecgenError
from generator.load import Document, load_document, parse_document
from generator.overlay import apply_overlay, apply_overlay_leniently

HEADER = "overlay: 1.0.0\ninfo: {title: Fixes, version: 1.0.0}\n"
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Events", "version": "1"},
    "tags": [{"name": "a"}, {"name": "b"}, {"name": "a"}, {"name": "c"}, {"name": "a"}],
    "components": {
        "schemas": {
            "Event": {
                "type": "object",
                "properties": {"kind": {"type": "string", "enum": ["x", "y"]}},
                "additionalProperties": False,
            },
            "Other": {"type": "object", "properties": {"id": {"type": "string"}}},
        }
    },
}


def overlay(actions: str, name: str = "overlay.yaml") -> Document:
    return parse_document(Path(name), HEADER + "actions:\n" + actions)


def apply(actions: str) -> Any:
    return apply_overlay(copy.deepcopy(SPEC), overlay(actions))


def error_of(document: Document, spec: Any = None) -> tuple[str, str, int | None]:
    with pytest.raises(SpecgenError) as caught:
        apply_overlay(copy.deepcopy(SPEC) if spec is None else spec, document)
    [problem] = caught.value.diagnostics
    assert problem.file == document.name
    return problem.pointer, problem.message, problem.line


def test_update_merges_recursively_into_an_object() -> None:
    result = apply(
        """\
  - target: $.components.schemas.Event
    update:
      description: An event.
      properties:
        kind: {description: What happened.}
        at: {type: string, format: date-time}
"""
    )
    event = result["components"]["schemas"]["Event"]
    assert event["description"] == "An event."
    assert event["properties"]["kind"] == {
        "type": "string",
        "enum": ["x", "y"],
        "description": "What happened.",
    }
    assert event["properties"]["at"] == {"type": "string", "format": "date-time"}
    assert event["additionalProperties"] is False


def test_update_replaces_scalars_and_lists_inside_an_object() -> None:
    result = apply(
        """\
  - target: $.components.schemas.Event.properties.kind
    update: {type: integer, enum: [1]}
"""
    )
    assert result["components"]["schemas"]["Event"]["properties"]["kind"] == {
        "type": "integer",
        "enum": [1],
    }


def test_update_on_an_array_appends() -> None:
    result = apply(
        """\
  - target: $.components.schemas.Event.properties.kind.enum
    update: z
  - target: $.tags
    update: {name: d}
"""
    )
    assert result["components"]["schemas"]["Event"]["properties"]["kind"]["enum"] == [
        "x",
        "y",
        "z",
    ]
    assert result["tags"][-1] == {"name": "d"}
    assert len(result["tags"]) == len(SPEC["tags"]) + 1


def test_update_applies_to_every_match() -> None:
    result = apply(
        """\
  - target: $.components.schemas.*
    update: {x-seen: true}
"""
    )
    assert all(s["x-seen"] is True for s in result["components"]["schemas"].values())
    # Each match gets its own copy of the update.
    schemas = result["components"]["schemas"]
    schemas["Event"]["x-seen"] = False
    assert schemas["Other"]["x-seen"] is True


def test_remove_deletes_a_key() -> None:
    result = apply(
        """\
  - target: $.components.schemas.Event.additionalProperties
    remove: true
"""
    )
    assert "additionalProperties" not in result["components"]["schemas"]["Event"]
    assert result["components"]["schemas"]["Event"]["type"] == "object"


def test_remove_deletes_several_matches_in_one_list() -> None:
    result = apply(
        """\
  - target: $.tags[?@.name == 'a']
    remove: true
"""
    )
    assert result["tags"] == [{"name": "b"}, {"name": "c"}]


def test_remove_deletes_matches_in_nested_lists() -> None:
    spec = {"openapi": "3.0.3", "l": [[1, 2, 1], [1], [3, 1, 1]]}
    document = overlay("  - target: $.l[*][?@ == 1]\n    remove: true\n")
    assert apply_overlay(spec, document)["l"] == [[2], [], [3]]


def test_actions_apply_in_order() -> None:
    result = apply(
        """\
  - target: $.components.schemas.Event.properties.kind.enum
    remove: true
  - target: $.components.schemas.Event.properties.kind
    update: {enum: [only]}
  - target: $.components.schemas.Event.properties.kind.enum
    update: also
"""
    )
    assert result["components"]["schemas"]["Event"]["properties"]["kind"]["enum"] == [
        "only",
        "also",
    ]


def test_a_later_action_sees_what_an_earlier_one_removed() -> None:
    pointer, message, _ = error_of(
        overlay(
            """\
  - target: $.components.schemas.Other
    remove: true
  - target: $.components.schemas.Other
    description: Too late.
    update: {description: x}
"""
        )
    )
    assert pointer == "/actions/1"
    assert "action 1" in message and "matches nothing" in message


def test_the_input_spec_is_not_mutated() -> None:
    spec = copy.deepcopy(SPEC)
    document = overlay(
        """\
  - target: $.components.schemas.Event
    update: {properties: {kind: {description: d}}}
  - target: $.components.schemas.Event.properties.kind.enum
    update: z
  - target: $.tags[?@.name == 'a']
    remove: true
"""
    )
    before = copy.deepcopy(document.data)
    result = apply_overlay(spec, document)
    assert spec == SPEC
    assert document.data == before
    result["components"]["schemas"]["Event"]["properties"]["kind"]["description"] = "changed"
    assert spec == SPEC


def test_a_target_matching_nothing_names_the_action() -> None:
    document = overlay(
        """\
  - target: $.components.schemas.Event
    update: {description: fine}
  - target: $.components.schemas.Gone
    description: >-
      Fix the Gone schema,
      which the vendor got wrong.
    update: {type: object}
"""
    )
    pointer, message, line = error_of(document)
    assert pointer == "/actions/1"
    assert line == 6
    assert "action 1" in message
    assert "$.components.schemas.Gone" in message
    assert "Fix the Gone schema, which the vendor got wrong." in message
    assert "matches nothing" in message


def test_an_invalid_jsonpath_is_reported_at_the_target() -> None:
    pointer, message, line = error_of(
        overlay("  - target: $.components[\n    update: {x: 1}\n", name="fix.yaml")
    )
    assert pointer == "/actions/0/target"
    assert line == 4
    assert "invalid JSONPath" in message and "action 0" in message


def test_an_invalid_jsonpath_error_is_one_line() -> None:
    _, message, _ = error_of(overlay("  - target: $.components[\n    update: {x: 1}\n"))
    assert "\n" not in message


def test_update_of_a_scalar_is_an_error() -> None:
    pointer, message, _ = error_of(
        overlay("  - target: $.components.schemas.Event.type\n    update: {x: 1}\n")
    )
    assert pointer == "/actions/0/target"
    assert "/components/schemas/Event/type" in message


def test_update_of_an_object_with_a_scalar_is_an_error() -> None:
    pointer, _, _ = error_of(overlay("  - target: $.components.schemas.Event\n    update: 3\n"))
    assert pointer == "/actions/0/update"


def test_removing_the_root_is_an_error() -> None:
    pointer, message, _ = error_of(overlay("  - target: $\n    remove: true\n"))
    assert pointer == "/actions/0/target"
    assert "root" in message


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ("overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, update: {}}]\n",
         "/overlay"),
        ("overlay: 1.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, update: {}}]\n",
         "/overlay"),
        ("info: {title: t, version: '1'}\nactions: [{target: $, update: {}}]\n", "/overlay"),
        ("overlay: 1.0.0\nactions: [{target: $, update: {}}]\n", "/info"),
        ("overlay: 1.0.0\ninfo: {title: t}\nactions: [{target: $, update: {}}]\n", "/info"),
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n", "/actions"),
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\n", "/actions"),
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: {a: 1}\n", "/actions"),
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [3]\n", "/actions/0"),
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{update: {}}]\n",
         "/actions/0/target"),
        (HEADER + "actions:\n  - target: $.info\n    update: {x: 1}\n    remove: true\n",
         "/actions/0"),
        (HEADER + "actions:\n  - target: $.info\n    remove: false\n", "/actions/0"),
        (HEADER + "actions:\n  - target: $.info\n    description: nothing to do\n",
         "/actions/0"),
        (HEADER + "actions:\n  - target: $.info\n    update: {}\n  - target: $.info\n"
         "    remove: 'yes'\n", "/actions/1/remove"),
        ("- just a list\n", ""),
    ],
)  # fmt: skip
def test_malformed_overlay_is_reported_at_its_pointer(text: str, pointer: str) -> None:
    document = parse_document(Path("overlay.yaml"), text)
    got, message, line = error_of(document)
    assert got == pointer
    assert message
    assert line is not None and 1 <= line <= len(text.splitlines())


def test_overlay_as_json_document() -> None:
    text = json.dumps(
        {
            "overlay": "1.0.0",
            "info": {"title": "t", "version": "1"},
            "actions": [{"target": "$.info", "update": {"x-fixed": True}}],
        }
    )
    result = apply_overlay(SPEC, parse_document(Path("overlay.json"), text))
    assert result["info"] == {"title": "Events", "version": "1", "x-fixed": True}


def test_the_real_overlays_apply_to_their_vendor_documents() -> None:
    specs = Path(__file__).resolve().parents[2] / "specs"
    applied = 0
    for config in sorted(specs.glob("*/specgen.yaml")):
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        if not settings.get("overlay"):
            continue
        folder = config.parent
        source = load_document(folder / settings["spec"]).data
        document = load_document(folder / settings["overlay"])
        before = copy.deepcopy(source)
        result = apply_overlay(source, document)
        assert source == before
        assert result != source
        for action in document.data["actions"]:
            assert isinstance(action.get("description"), str), "every fix says why"
        applied += 1
    assert applied >= 2


STALE_ACTIONS = """\
  - target: $.components.schemas.Gone
    description: Fix Gone.
    update: {type: object}
  - target: $.components.schemas.Event
    update: {description: still applies}
  -
    description: >-
      Description first,
      target second.
    target: $.components.schemas.Missing.properties
    remove: true
"""


def test_every_stale_action_is_listed_with_its_line() -> None:
    document = overlay(STALE_ACTIONS)
    with pytest.raises(SpecgenError) as caught:
        apply_overlay(copy.deepcopy(SPEC), document)
    problems = caught.value.diagnostics
    assert [(p.file, p.pointer, p.line) for p in problems] == [
        ("overlay.yaml", "/actions/0", 4),
        ("overlay.yaml", "/actions/2", 10),  # where the action starts, not its target (13)
    ]
    assert "Fix Gone." in problems[0].message
    assert "Description first, target second." in problems[1].message


def test_leniently_stale_actions_are_passed_over_and_returned() -> None:
    document = overlay(STALE_ACTIONS)
    result, stale = apply_overlay_leniently(copy.deepcopy(SPEC), document)
    assert [(s.index, s.target, s.description) for s in stale] == [
        (0, "$.components.schemas.Gone", "Fix Gone."),
        (2, "$.components.schemas.Missing.properties", "Description first, target second."),
    ]
    only_live = overlay(
        "  - target: $.components.schemas.Event\n    update: {description: still applies}\n"
    )
    assert result == apply_overlay(copy.deepcopy(SPEC), only_live)


def test_leniently_other_problems_are_still_errors() -> None:
    with pytest.raises(SpecgenError, match="invalid JSONPath"):
        apply_overlay_leniently(SPEC, overlay("  - target: $[\n    remove: true\n"))


def test_leniently_an_append_every_selected_array_already_holds_is_stale() -> None:
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    schemas["Other"]["properties"]["kind"] = {"type": "string", "enum": ["x", "z"]}
    appends = overlay(
        "  - target: $.components.schemas.*.properties.kind.enum\n"
        "    description: Both list x already.\n    update: x\n"
        "  - target: $.components.schemas.*.properties.kind.enum\n"
        "    description: Only Other lacks y.\n    update: y\n"
        "  - target: $.tags\n    description: A tag the list has.\n    update: {name: b}\n"
    )
    result, stale = apply_overlay_leniently(spec, appends)
    assert [(s.index, s.diagnostic.pointer, s.diagnostic.line) for s in stale] == [
        (0, "/actions/0", 4),
        (2, "/actions/2", 10),
    ]
    assert "Both list x already.) adds nothing: the array at " in stale[0].diagnostic.message
    assert "/components/schemas/Event/properties/kind/enum already holds" in str(
        stale[0].diagnostic
    )
    # Passed over, not applied: no array holds a value twice because of them.
    assert result["tags"] == SPEC["tags"]
    assert result["components"]["schemas"]["Event"]["properties"]["kind"]["enum"].count("x") == 1
    # The append one selected array lacks is applied, as Overlay applies an action: to each.
    assert result["components"]["schemas"]["Other"]["properties"]["kind"]["enum"] == ["x", "z", "y"]
    live = overlay("  - target: $.components.schemas.*.properties.kind.enum\n    update: y\n")
    assert result == apply_overlay(spec, live)
    with pytest.raises(SpecgenError) as caught:
        apply_overlay(spec, appends)
    assert [d.pointer for d in caught.value.diagnostics] == ["/actions/0", "/actions/2"]
