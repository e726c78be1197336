"""A content-addressed cache for the expensive stages: each entry is found by the hash of its
exact inputs, so an entry is never stale, only unused.

Where: ``.cache/specgen/`` under the working folder, or ``$SPECGEN_CACHE_DIR``; the folder holds
a ``.gitignore`` of its own, so it is never committed wherever it is. Deleting it at any time is
safe (the next run recomputes). Concurrent runs are safe: an entry is written to a temporary file
and renamed into place, so a reader sees a whole entry or none, and two writers of one key write
the same bytes. Each entry carries a checksum of its content: a damaged or unreadable entry is a
miss, never an error and never wrong output.

Keys hash, besides the stage's inputs, the versions of the libraries the stage runs and a
fingerprint of specgen's own code (``toolkit_fingerprint``), so an upgrade of either misses
rather than returning an old answer.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

ENV_DIR = "SPECGEN_CACHE_DIR"
DEFAULT_DIR = Path(".cache") / "specgen"
FORMAT = 1  # bumped when the layout of entries changes
_CHECK = 32  # each entry starts with the SHA-256 of the rest: a damaged entry is a miss


def digest(*parts: bytes | str) -> str:
    """The hex SHA-256 of ``parts``, each length-prefixed (so ("ab", "c") != ("a", "bc"))."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def value_digest(value: Any) -> str:
    """The digest of a picklable value (a spec, a document). Equal values built the same way
    pickle to the same bytes; values that pickle differently only cost a miss."""
    return digest(pickle.dumps(value, protocol=5))


@cache
def versions(*distributions: str) -> str:
    """``name==version`` of each installed distribution, for keys."""
    found = []
    for name in distributions:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}==?")
    return ";".join(found)


@cache
def toolkit_fingerprint() -> str:
    """A digest of specgen's own Python sources: any change to the toolkit misses the cache."""
    root = Path(__file__).resolve().parent
    files = sorted(root.rglob("*.py"))
    return digest(*(part for path in files for part in (str(path.relative_to(root)), _read(path))))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


@dataclass
class Cache:
    """Entries by ``(stage, key)``; ``root`` None is a cache that keeps nothing (``--no-cache``)."""

    root: Path | None
    hits: int = 0
    misses: int = 0
    _ready: bool = field(default=False, repr=False)

    @classmethod
    def default(cls, enabled: bool = True) -> Cache:
        if not enabled:
            return cls(None)
        return cls(Path(os.environ.get(ENV_DIR) or DEFAULT_DIR))

    def path(self, stage: str, key: str) -> Path | None:
        if self.root is None:
            return None
        return self.root / f"v{FORMAT}" / stage / key[:2] / key[2:]

    def get(self, stage: str, key: str) -> bytes | None:
        path = self.path(stage, key)
        if path is None:
            return None
        try:
            stored = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        check, data = stored[:_CHECK], stored[_CHECK:]
        if len(check) != _CHECK or hashlib.sha256(data).digest() != check:
            self.misses += 1  # truncated or overwritten: recompute (and write it again)
            return None
        self.hits += 1
        return data

    def put(self, stage: str, key: str, data: bytes) -> None:
        """Store ``data``; a cache that cannot be written (read-only, full) is skipped silently:
        it only makes the next run slower."""
        path = self.path(stage, key)
        if path is None:
            return
        try:
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(hashlib.sha256(data).digest())
                    stream.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return

    def get_text(self, stage: str, key: str) -> str | None:
        data = self.get(stage, key)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put_text(self, stage: str, key: str, text: str) -> None:
        self.put(stage, key, text.encode("utf-8"))

    def get_object(self, stage: str, key: str) -> Any | None:
        """A value stored by ``put_object``; None when missing or unreadable. Entries are read
        only from the cache folder specgen itself writes, like black's own cache."""
        data = self.get(stage, key)
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # a truncated or foreign file: recompute
            return None

    def put_object(self, stage: str, key: str, value: Any) -> None:
        self.put(stage, key, pickle.dumps(value, protocol=5))

    def _prepare(self) -> None:
        """Create the folder with a ``.gitignore`` that ignores everything in it."""
        if self._ready or self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# specgen's cache: safe to delete, never committed\n*\n")
        self._ready = True


_active: Cache | None = None


def active() -> Cache:
    """The cache of this run, as the command line chose it (none for library use and tests,
    unless they choose one with ``use``)."""
    return _active if _active is not None else Cache(None)


def use(cache: Cache | None) -> None:
    """Make ``cache`` the run's cache (``active``) for stages called without one."""
    global _active
    _active = cache


def stage_key(stage: str, libraries: Iterable[str], *parts: bytes | str) -> str:
    """The key of one stage's entry: the stage, its libraries' versions, the toolkit, inputs."""
    return digest(stage, versions(*libraries), toolkit_fingerprint(), *parts)
