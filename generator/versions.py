"""The generated package's own version: from ``specgen.yaml``, or the spec's plus a counter.

An API's ``info.version`` is free text ("2024-01-01", "v1 beta", "latest"), while a package
needs a PEP 440 version; and a client can change (an overlay fix, a new specgen) while the API's
version does not. So the package's version is the spec's, read as PEP 440, with the config's
``revision`` counted on as a post-release: spec ``1.4.0`` and ``revision: 2`` give
``1.4.0.post2`` (docs/config.md, "The package version").
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_NUMBERS = re.compile(r"\d+")
# What cannot stand between the parts of a version ("v1 beta"): read as a hyphen, which PEP 440
# allows there ("v1-beta" is 1b0).
_GAPS = re.compile(r"[\s_/]+")


def valid(text: str) -> bool:
    """Whether ``text`` is a PEP 440 version a package index accepts (no local ``+label``)."""
    try:
        return Version(text).local is None
    except InvalidVersion:
        return False


def spec_release(spec_version: str) -> Version:
    """``info.version`` as a PEP 440 version: as written when it is one (normalised: ``v2.0`` is
    ``2.0``, ``2.0.0-rc.1`` is ``2.0.0rc1``), else its numbers (``2024-01-01`` is ``2024.1.1``),
    else ``0.0.0``. A local label (``+build5``) is dropped: package indexes refuse it."""
    text = spec_version.strip()
    for candidate in (text, _GAPS.sub("-", text)):
        try:
            return Version(Version(candidate).public)
        except InvalidVersion:
            continue
    numbers = [str(int(n)) for n in _NUMBERS.findall(text)]
    return Version(".".join(numbers) if numbers else "0.0.0")


def package_version(spec_version: str, revision: int = 0) -> str:
    """The spec's version with ``revision`` more post-releases: ``1.4.0`` and 2 is
    ``1.4.0.post2``; ``1.4.0.post1`` and 2 is ``1.4.0.post3``; revision 0 adds nothing."""
    version = spec_release(spec_version)
    if revision == 0:
        return str(version)
    parts = [f"{version.epoch}!" if version.epoch else "", ".".join(map(str, version.release))]
    if version.pre is not None:
        parts.append(f"{version.pre[0]}{version.pre[1]}")
    parts.append(f".post{(version.post or 0) + revision}")
    if version.dev is not None:
        parts.append(f".dev{version.dev}")
    return str(Version("".join(parts)))
