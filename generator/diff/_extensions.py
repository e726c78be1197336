"""Changes to specgen's own extensions (docs/extensions.md), which shape the generated client.

The rule for each, from the side of a client generated from the old spec:

* ``x-pagination``: added is non-breaking (a new ``iter_`` method); removed is breaking (the
  ``iter_`` method goes); any other change is breaking (the pager sends other parameters or
  reads other fields, so the old client walks the pages wrongly).
* ``x-require-any-of``: a group the old groups do not already imply refuses calls that used to
  be sent, so it is breaking; dropping or widening groups is non-breaking.
* ``x-idempotent``: only the effective retry behaviour counts (the default comes from the HTTP
  method); a change is non-breaking but flagged, as retries start or stop.
* ``x-token-urls`` and ``x-token-request-format`` (on an OAuth2 ``clientCredentials`` flow): a
  change to the token URL used for a server, or to the effective request format, is breaking:
  the old client asks the wrong server, or in the wrong form.

Only well-formed values are compared (``check_extensions`` reports malformed ones); a value of
the wrong shape counts as absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from generator.diff._model import Change, breaking, join, safe

_IDEMPOTENT_METHODS = frozenset({"get", "head", "options", "put", "delete", "trace"})


def diff_operation_extensions(
    label: str, method: str, old_at: str, new_at: str,
    old: Mapping[str, Any], new: Mapping[str, Any],
) -> Iterator[Change]:  # fmt: skip
    """Compare the operation-level extensions of one operation present in both specs."""
    yield from _diff_pagination(label, old_at, new_at, old.get("x-pagination"),
                                new.get("x-pagination"))  # fmt: skip
    yield from _diff_require_any_of(label, new_at, old.get("x-require-any-of"),
                                    new.get("x-require-any-of"))  # fmt: skip
    yield from _diff_idempotent(label, method, new_at, old, new)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _diff_pagination(label: str, old_at: str, new_at: str, old: Any, new: Any) -> Iterator[Change]:
    old = old if isinstance(old, Mapping) else None
    new = new if isinstance(new, Mapping) else None
    if old is None and new is not None:
        message = f"{label}: x-pagination was added; the new client gets an iter_ method."
        yield safe("pagination-added", join(new_at, "x-pagination"), message)
    elif old is not None and new is None:
        message = f"{label}: x-pagination was removed; the client's iter_ method goes away."
        yield breaking("pagination-removed", join(old_at, "x-pagination"), message)
    elif old is not None and new is not None and _text(old) != _text(new):
        keys = sorted(k for k in {*old, *new} if _text(old.get(k)) != _text(new.get(k)))
        message = (
            f"{label}: x-pagination changed ({', '.join(keys)}); the old client's iter_ method "
            "pages the old way."
        )
        yield breaking("pagination-changed", join(new_at, "x-pagination"), message)


def _groups(value: Any) -> set[frozenset[str]]:
    if not isinstance(value, list):
        return set()
    return {frozenset(map(str, g)) for g in value if isinstance(g, list) and g}


def _diff_require_any_of(label: str, new_at: str, old: Any, new: Any) -> Iterator[Change]:
    old_groups, new_groups = _groups(old), _groups(new)
    # A new group is implied when some old group is a subset of it: whatever satisfied the old
    # group satisfies the new one.
    added = [g for g in new_groups if not any(o <= g for o in old_groups)]
    location = join(new_at, "x-require-any-of")
    if added:
        shown = "; ".join(", ".join(sorted(g)) for g in sorted(added, key=sorted))
        message = f"{label}: x-require-any-of now demands one of ({shown}); calls without fail."
        yield breaking("require-any-of-tightened", location, message)
    elif old_groups != new_groups:
        message = f"{label}: x-require-any-of was relaxed; every call that was sent still is."
        yield safe("require-any-of-relaxed", location, message)


def _retried(method: str, operation: Mapping[str, Any]) -> bool:
    value = operation.get("x-idempotent")
    return value if isinstance(value, bool) else method in _IDEMPOTENT_METHODS


def _diff_idempotent(
    label: str, method: str, new_at: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    was, now = _retried(method, old), _retried(method, new)
    if was == now:
        return
    location = join(new_at, "x-idempotent")
    if now:
        message = f"{label}: x-idempotent makes it safe to repeat; the new client retries it."
        yield safe("retries-enabled", location, message, flagged=True)
    else:
        message = f"{label}: no longer safe to repeat; the old client still retries it."
        yield safe("retries-disabled", location, message, flagged=True)


def diff_flow_extensions(
    scheme: str, old: Mapping[str, Any], new: Mapping[str, Any], location: str
) -> Iterator[Change]:
    """Compare ``x-token-urls`` and ``x-token-request-format`` of one OAuth2 flow."""
    old_urls, new_urls = _token_urls(old), _token_urls(new)
    for server in sorted(old_urls.keys() | new_urls.keys()):
        # A server without an entry uses the flow's tokenUrl (its change is reported apart).
        before = old_urls.get(server, old.get("tokenUrl"))
        after = new_urls.get(server, new.get("tokenUrl"))
        if before != after:
            message = (
                f"Security scheme {scheme}: the token URL for {server} changed from {before} "
                f"to {after} (x-token-urls): the old client fetches tokens from the old one."
            )
            yield breaking("token-url-changed", join(location, "x-token-urls", server), message)
    before, after = _token_format(old), _token_format(new)
    if before != after:
        message = (
            f"Security scheme {scheme}: x-token-request-format changed from {before} to {after}:"
            " the old client sends token requests the old way."
        )
        where = join(location, "x-token-request-format")
        yield breaking("token-request-format-changed", where, message)


def _token_urls(flow: Mapping[str, Any]) -> dict[str, Any]:
    value = flow.get("x-token-urls")
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _token_format(flow: Mapping[str, Any]) -> str:
    value = flow.get("x-token-request-format")
    return value if value in ("form", "json") else "form"
