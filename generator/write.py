"""The write stage: swap a whole package into place atomically, with a manifest of hashes.

A package folder is built next to its destination and renamed into place, so a failure at any
point leaves the previous package untouched; a package that already holds exactly the files is
left as it is. The manifest (``.specgen-manifest.json``) lists
the files specgen wrote; files in the folder that are not in it (someone else's) are carried
over, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from generator.ir import IR_VERSION
from generator.paths import inside

MANIFEST = ".specgen-manifest.json"


def manifest_text(files: Mapping[str, str], sets: Sequence[Mapping[str, str]] = ()) -> str:
    """The manifest: the IR version and template sets (name, version) that made the package,
    and the hash of every file specgen wrote."""
    hashes = {
        name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(files.items())
    }
    record = {
        "generator": "specgen",
        "ir": ".".join(map(str, IR_VERSION)),
        "sets": list(sets),
        "files": hashes,
    }
    return json.dumps(record, indent=2) + "\n"


def with_manifest(
    files: Mapping[str, str], sets: Sequence[Mapping[str, str]] = ()
) -> dict[str, str]:
    return {**files, MANIFEST: manifest_text(files, sets)}


def owned_files(folder: Path) -> set[str]:
    """Files specgen wrote into ``folder`` last time (from its manifest)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return set(data["files"]) | {MANIFEST}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def write_package(folder: Path, files: Mapping[str, str]) -> None:
    """Replace the specgen-owned content of ``folder`` by ``files`` (relative paths), atomically."""
    folder = folder.resolve()
    _check_inside(folder, files)
    if _unchanged(folder, files):  # a no-op run: the package is already what it would become
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        # mkdtemp makes the folder private (0700); the package keeps the usual or previous mode.
        mode = stat.S_IMODE(folder.stat().st_mode) if folder.exists() else _default_mode()
        staging.chmod(mode)
        if folder.exists():
            _carry_over_foreign(folder, staging, owned_files(folder) | set(files))
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _swap(staging, folder)
    except BaseException:
        _remove(staging)
        raise


def _remove(folder: Path) -> None:
    """Delete ``folder`` whole even when Ctrl-C comes meanwhile (then raised once done): a
    cut-short removal would leave a hidden half folder beside the package."""
    interrupted = False
    while True:
        try:
            shutil.rmtree(folder, ignore_errors=True)
        except KeyboardInterrupt:
            interrupted = True
            continue
        break
    if interrupted:
        raise KeyboardInterrupt


def _check_inside(folder: Path, files: Mapping[str, str]) -> None:
    """``paths.inside`` for every file, its folder resolved once: a large package (GitHub's
    models, one module each) has thousands of files in a few folders. The files themselves are
    written into a new folder, so what the old one holds at their names is never followed."""
    checked: set[str] = set()
    for name in files:
        parent, _, leaf = name.rpartition("/")
        if parent not in checked or leaf in ("", ".", ".."):
            inside(folder, folder / name)
            checked.add(parent)


def _unchanged(folder: Path, files: Mapping[str, str]) -> bool:
    """Whether ``folder`` holds ``files`` already, as regular files, and no other file it
    owns (the manifest lists them)."""
    if owned_files(folder) != set(files):
        return False
    for name, text in files.items():
        path = folder / name
        try:
            if path.is_symlink() or path.read_bytes() != text.encode("utf-8"):
                return False
        except OSError:
            return False
    return True


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _carry_over_foreign(folder: Path, staging: Path, owned: set[str]) -> None:
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in owned and "__pycache__" not in path.parts:
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _swap(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    retired = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    os.rename(folder, retired)
    try:
        os.rename(staging, folder)
    except BaseException:
        os.rename(retired, folder)
        raise
    _remove(retired)
