"""Comparing JSON values the way a round trip through the models may change them.

Date-times are compared as instants truncated to microseconds (a Python datetime holds no more,
and the offset may be rewritten, e.g. ``+00:00`` as ``Z``); everything else must be equal, and a
bool is never equal to a number.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_RFC3339 = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)$"
)


def parse_instant(text: str) -> dt.datetime | None:
    """An RFC 3339 date-time as an aware datetime truncated to microseconds, else None."""
    match = _RFC3339.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        tz = dt.UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        return dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:
        return None


def difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Where ``actual`` differs from ``expected`` (JSON values; date-times compared as instants
    truncated to microseconds; bool never equal to a number), or None when they agree."""
    where = path or "/"
    if isinstance(expected, bool) or isinstance(actual, bool):
        ok = type(expected) is type(actual) and expected == actual
        return None if ok else f"{where}: {expected!r} != {actual!r}"
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return None if expected == actual else f"{where}: {expected!r} != {actual!r}"
    if isinstance(expected, str) and isinstance(actual, str):
        if expected == actual:
            return None
        a, b = parse_instant(expected), parse_instant(actual)
        if a is not None and b is not None and a == b:
            return None
        return f"{where}: {expected!r} != {actual!r}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            missing = sorted(set(expected) - set(actual))
            added = sorted(set(actual) - set(expected))
            return f"{where}: keys missing {missing}, unexpected {added}"
        for key in expected:
            found = difference(expected[key], actual[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{where}: {len(expected)} items != {len(actual)} items"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = difference(e, a, f"{path}/{i}")
            if found:
                return found
        return None
    if expected is None and actual is None:
        return None
    return f"{where}: {expected!r} != {actual!r}"
