"""`specgen diff` reports changes to specgen's extensions, classified as docs/extensions.md says."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diff import Change, diff_specs

OP = "/paths/~1events/get"
FLOW = "/components/securitySchemes/oauth/flows/clientCredentials"
PAGINATION = {
    "style": "offset", "offsetParam": "offset", "limitParam": "limit",
    "items": "/items", "total": "/total",
}  # fmt: skip


def spec(method: str = "get", **extensions: Any) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": "listEvents",
        "parameters": [
            {"name": name, "in": "query", "schema": {"type": "integer"}}
            for name in ("offset", "limit", "actor", "user", "team")
        ],
        "responses": {"204": {"description": "ok"}},
        **extensions,
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/events": {method: operation}},
    }


def oauth(**flow_extensions: Any) -> dict[str, Any]:
    document = spec()
    flow = {"tokenUrl": "https://auth.example.com/token", "scopes": {}, **flow_extensions}
    document["components"] = {
        "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": flow}}}
    }
    return document


def only(changes: list[Change]) -> tuple[str, str, bool, str]:
    assert len(changes) == 1, changes
    change = changes[0]
    assert change.message.endswith(".")
    return change.kind, change.severity, change.flagged, change.location


def test_pagination_added_removed_changed() -> None:
    plain, paged = spec(), spec(**{"x-pagination": PAGINATION})
    where = f"{OP}/x-pagination"
    assert only(diff_specs(plain, paged)) == ("pagination-added", "non-breaking", False, where)
    assert only(diff_specs(paged, plain)) == ("pagination-removed", "breaking", False, where)
    other = spec(**{"x-pagination": {**PAGINATION, "items": "/data"}})
    change = diff_specs(paged, other)
    assert only(change) == ("pagination-changed", "breaking", False, where)
    assert "(items)" in change[0].message


@pytest.mark.parametrize(
    ("old", "new", "kind", "severity"),
    [
        (None, [["actor", "user"]], "require-any-of-tightened", "breaking"),
        ([["actor", "user"]], None, "require-any-of-relaxed", "non-breaking"),
        ([["actor", "user"]], [["actor", "user", "team"]],
         "require-any-of-relaxed", "non-breaking"),
        ([["actor", "user", "team"]], [["actor", "user"]], "require-any-of-tightened", "breaking"),
        ([["actor", "user"]], [["actor", "user"], ["team", "limit"]],
         "require-any-of-tightened", "breaking"),
    ],
)  # fmt: skip
def test_require_any_of(old: Any, new: Any, kind: str, severity: str) -> None:
    def with_groups(groups: Any) -> dict[str, Any]:
        return spec() if groups is None else spec(**{"x-require-any-of": groups})

    found = only(diff_specs(with_groups(old), with_groups(new)))
    assert found == (kind, severity, False, f"{OP}/x-require-any-of")


def test_require_any_of_reordered_is_no_change() -> None:
    old = spec(**{"x-require-any-of": [["actor", "user"], ["team", "limit"]]})
    new = spec(**{"x-require-any-of": [["limit", "team"], ["user", "actor"]]})
    assert diff_specs(old, new) == []


def test_idempotent_counts_only_the_effective_retry_behaviour() -> None:
    # A GET is retried anyway: saying so changes nothing.
    assert diff_specs(spec("get"), spec("get", **{"x-idempotent": True})) == []
    post, retried = spec("post"), spec("post", **{"x-idempotent": True})
    where = "/paths/~1events/post/x-idempotent"
    assert only(diff_specs(post, retried)) == ("retries-enabled", "non-breaking", True, where)
    assert only(diff_specs(retried, post)) == ("retries-disabled", "non-breaking", True, where)
    not_get = spec("get", **{"x-idempotent": False})
    assert only(diff_specs(spec("get"), not_get))[0] == "retries-disabled"


def test_token_urls() -> None:
    sandbox = "https://sandbox.example.com"
    old = oauth(**{"x-token-urls": {sandbox: "https://auth.sandbox.example.com/token"}})
    moved = oauth(**{"x-token-urls": {sandbox: "https://login.sandbox.example.com/token"}})
    where = f"{FLOW}/x-token-urls/{sandbox.replace('/', '~1')}"
    assert only(diff_specs(old, moved)) == ("token-url-changed", "breaking", False, where)
    # Removing the entry sends the sandbox to the flow's tokenUrl: also a change.
    assert only(diff_specs(old, oauth()))[0] == "token-url-changed"
    # An entry naming the flow's own tokenUrl changes nothing.
    same = oauth(**{"x-token-urls": {sandbox: "https://auth.example.com/token"}})
    assert diff_specs(oauth(), same) == []


def test_token_request_format_default_is_form() -> None:
    assert diff_specs(oauth(), oauth(**{"x-token-request-format": "form"})) == []
    found = only(diff_specs(oauth(), oauth(**{"x-token-request-format": "json"})))
    where = f"{FLOW}/x-token-request-format"
    assert found == ("token-request-format-changed", "breaking", False, where)


EXTENSIONS = st.fixed_dictionaries(
    {},
    optional={
        "x-pagination": st.just(PAGINATION),
        "x-idempotent": st.booleans(),
        "x-require-any-of": st.lists(
            st.lists(st.sampled_from(["actor", "user", "team"]), min_size=2, max_size=3,
                     unique=True), min_size=1, max_size=2),
    },
)  # fmt: skip


# Timing varies with machine load; correctness does not.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["get", "post"]), first=EXTENSIONS, second=EXTENSIONS)
def test_extension_changes_are_symmetric_and_nothing_for_equal(
    method: str, first: dict[str, Any], second: dict[str, Any]
) -> None:
    old, new = spec(method, **first), spec(method, **second)
    assert diff_specs(old, copy.deepcopy(old)) == []
    forward, backward = diff_specs(old, new), diff_specs(new, old)
    # Whatever changed one way changed the other way too.
    assert bool(forward) == bool(backward)
    # Pagination: exactly one of adding/removing it breaks.
    if ("x-pagination" in first) != ("x-pagination" in second):
        kinds = {c.kind for c in forward + backward}
        assert {"pagination-added", "pagination-removed"} <= kinds
