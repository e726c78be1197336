"""The names of resources and of their methods (``generator.build.resources``), on any tags
and operationIds: Python identifiers, safe, unique where they must be."""

from __future__ import annotations

import builtins
import keyword

from hypothesis import example, given
from hypothesis import strategies as st

from generator.build.operations import CLIENT_ATTRIBUTES
from generator.build.resources import build_resources
from generator.ir import Operation, Pagination, Tag, TypeRef
from generator.naming import snake

_PAGED = Pagination(style="page", items="/items", item_type=TypeRef("any"))
# Tags whose classes or attributes would meet names the modules bind.
_CLASS_TAGS = ["sync", "async", "async foo", "foo", "models", "httpx"]
_ANNOTATION_NAMES = {"list", "dict", "str", "int", "bool", "datetime", "models", "forms", "httpx"}

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
specs = st.lists(
    st.tuples(names, st.lists(names, max_size=2), st.booleans()), min_size=1, max_size=12
)


def operations_of(spec: list[tuple[str, list[str], bool]]) -> tuple[list[Operation], list[Tag]]:
    ops = [
        Operation(
            operation_id=op_id,
            method_name=snake(op_id) + f"_{i}",  # unique, as the builder makes them
            http_method="GET",
            path=f"/p/{i}",
            summary="",
            description="",
            parameters=(),
            body=None,
            responses=(),
            success=None,
            security=(),
            accept="application/json",
            tags=tuple(tags),
            pagination=_PAGED if paged else None,
            pager_name=f"iter_{snake(op_id)}_{i}" if paged else "",
        )
        for i, (op_id, tags, paged) in enumerate(spec)
    ]
    used = list(dict.fromkeys(t for op in ops for t in op.tags))
    return ops, [Tag(t, snake(t), "", ()) for t in used]


@given(specs)
@example([("repos/get", ["repos"], False), ("list", ["close"], True), ("x", [], False)])
@example([("type/list", ["type"], True), ("type/list-2", ["type"], False)])
@example([(op_id, [tag], False) for op_id, tag in zip("abcdef", _CLASS_TAGS, strict=True)])
def test_resource_names_are_safe_and_unique(spec: list[tuple[str, list[str], bool]]) -> None:
    ops, tags = operations_of(spec)
    grouped, resources = build_resources("tags", ops, tags, ("ShopResource", "AsyncShopResource"))
    classes = [c for r in resources for c in (r.class_name, r.async_class_name)]
    assert len(set(classes)) == len(classes)
    assert not set(classes) & {"SyncResource", "AsyncResource", "ShopResource", "AsyncShopResource"}
    assert all(c.isidentifier() for c in classes)
    on_client = [op for op in grouped if not op.resource]
    client_names = {op.method_name for op in on_client} | {op.pager_name for op in on_client}
    attributes = [r.attribute for r in resources]
    assert len(set(attributes)) == len(attributes)
    for attribute in attributes:
        assert attribute.isidentifier() and not keyword.iskeyword(attribute)
        assert not hasattr(builtins, attribute)
        assert attribute not in CLIENT_ATTRIBUTES | client_names | _ANNOTATION_NAMES
    for resource in resources:
        members = [*(op.method_name for op in resource.operations)]
        members += [op.pager_name for op in resource.operations if op.pager_name]
        assert len(set(members)) == len(members)
        for name in members:
            assert name.isidentifier() and not keyword.iskeyword(name)
            assert name not in _ANNOTATION_NAMES
        constants = [op.constant for op in resource.operations]
        assert len(set(constants)) == len(constants)
        for op in resource.operations:  # each in the resource of its first tag
            assert op.tags[0] == resource.tag and op.resource == resource.attribute
            assert op.call == f"{resource.attribute}.{op.method_name}"
    assert sum(len(r.operations) for r in resources) == sum(1 for op in ops if op.tags)
    assert [op.operation_id for op in grouped] == [op.operation_id for op in ops]


def test_method_names_drop_the_tags_words() -> None:
    ops, tags = operations_of(
        [
            ("actions/list-workflow-runs", ["actions"], False),
            ("code-scanning/list-alerts-for-org", ["code-scanning"], True),
            ("getPetById", ["pet"], False),
            ("actions", ["actions"], False),
        ]
    )
    grouped, _ = build_resources("tags", ops, tags)
    assert [op.call for op in grouped] == [
        "actions.list_workflow_runs",
        "code_scanning.list_alerts_for_org",
        "pet.get_pet_by_id",
        "actions.actions",
    ]
    assert grouped[1].pager_call == "code_scanning.iter_list_alerts_for_org"
