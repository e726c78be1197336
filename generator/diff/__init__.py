"""Classify the differences between two OpenAPI documents for a generated client.

`specgen diff OLD NEW` answers one question: will a client generated from OLD still work, and
still type-check, against the API described by NEW?  Every difference that matters to such a
client becomes a `Change` with a stable `kind`, a severity and a JSON pointer.

The comparison works on *resolved* schemas, so that moves which change nothing are not
reported: a `$ref` replaced by the equal inline schema, reordered keys, parameters, enum values
or `oneOf` members, edited descriptions and examples, OpenAPI 3.0 `nullable: true` written as
3.1 `type: [x, "null"]`, and `allOf` fragments written as one flat object.

Requests and responses follow opposite rules.  What the client *sends* (parameters, request
bodies) may be widened safely but not narrowed: a new required property, a lower `maximum` or a
removed enum value rejects requests that used to be valid.  What the client *receives* may be
narrowed safely but not widened: a removed property, a changed type or a response that is now
nullable breaks code reading it.  A new response enum value is the one widening reported as
non-breaking, with `flagged=True`: event APIs grow their enums, and clients must keep values
they do not know yet.

Locations are JSON pointers rooted at the operation, walked through resolved references (as if
every `$ref` were inlined): ``/paths/~1events/post/requestBody/content/application~1json/schema
/properties/limit``.  Parameters are named by their name (``.../parameters/limit``), as arrays
of parameters are order-free.  A location points into NEW, or into OLD for what was removed.

Usage::

    changes = diff_specs(old_spec, new_spec)
    print(render_text(changes))
    raise SystemExit(exit_code(changes, fail_on="breaking"))
"""

from __future__ import annotations

from generator.diff._model import Change, FailOn, Severity
from generator.diff._render import (
    exit_code,
    parse_json,
    render_json,
    render_markdown,
    render_text,
)
from generator.diff._spec import diff_specs

__all__ = [
    "Change",
    "FailOn",
    "Severity",
    "diff_specs",
    "exit_code",
    "parse_json",
    "render_json",
    "render_markdown",
    "render_text",
]
