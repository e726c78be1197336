"""The corpus harness's own logic (tests/corpus/), offline: operation counting, safe extraction
from a pinned archive, the list and the known-failure updater. The corpus itself runs with
``make corpus``."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))

import corpus_sources
import xfails
from corpus_harness import spec_operations, table
from corpus_sources import Archive, entries, extract, safe_relative


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_operations_are_counted_through_path_item_refs(tmp_path: Path) -> None:
    """Path items behind local, percent-encoded and other-file $refs count; webhooks do not."""
    write(tmp_path / "other.json", {"E": {"put": {}, "delete": {}}})
    spec = write(
        tmp_path / "spec.json",
        {
            "openapi": "3.1.0",
            "paths": {
                "/a": {"get": {}, "post": {}, "parameters": [], "summary": "not an operation"},
                "/b": {"$ref": "#/components/pathItems/B"},
                "/c/{id}": {"patch": {}},
                "/d": {"$ref": "#/paths/~1c~1%7Bid%7D"},
                "/e": {"$ref": "other.json#/E"},
                "/f": {"$ref": "#/nowhere"},
            },
            "webhooks": {"hook": {"post": {}}},
            "components": {"pathItems": {"B": {"get": {}}}},
        },
    )
    assert sorted(spec_operations(spec)) == [
        ("DELETE", "/e"),
        ("GET", "/a"),
        ("GET", "/b"),
        ("PATCH", "/c/{id}"),
        ("PATCH", "/d"),
        ("POST", "/a"),
        ("PUT", "/e"),
    ]


def test_openapi_32_methods_count(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "spec.json",
        {
            "openapi": "3.2.0",
            "paths": {"/a": {"query": {}, "additionalOperations": {"LINK": {}}}},
        },
    )
    assert sorted(spec_operations(spec)) == [("LINK", "/a"), ("QUERY", "/a")]


def _tarball(path: Path, members: list[tuple[str, bytes | None]]) -> Archive:
    """A .tar.gz at ``path``: (name, content) files, or (name, None) symlinks to /etc/passwd."""
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Archive(path.name, "https://invalid.example/", "sha256", digest, "pkg/api/")


def test_extract_takes_only_listed_regular_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "downloads").mkdir(parents=True)
    archive = _tarball(
        cache / "downloads" / "a.tgz",
        [
            ("pkg/api/wanted.json", b"{}"),
            ("pkg/api/other.json", b"{}"),
            ("pkg/api/link.json", None),
            ("pkg/elsewhere.json", b"{}"),
        ],
    )
    folder = extract(archive, ["wanted.json", "link.json"], cache, folder_name="out")
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == [".extracted.json", "wanted.json"]
    assert not (folder / "link.json").exists() and not (folder / "link.json").is_symlink()


def test_extract_refuses_a_member_leaving_the_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "downloads").mkdir(parents=True)
    archive = _tarball(cache / "downloads" / "b.tgz", [("pkg/api/../../evil.json", b"{}")])
    with pytest.raises(ValueError, match="unsafe member name"):
        extract(archive, [""], cache, folder_name="out")  # "" asks for everything
    assert not (tmp_path / "evil.json").exists() and not (cache / "evil.json").exists()


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "a/../../x", "..", ""])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        safe_relative(name)


def test_extract_refuses_an_archive_with_another_digest(tmp_path: Path) -> None:
    """A cached download whose digest is not the pinned one is fetched again, not used: here
    the fetch fails (no such host), so nothing is extracted."""
    cache = tmp_path / "cache"
    (cache / "downloads").mkdir(parents=True)
    archive = _tarball(cache / "downloads" / "c.tgz", [("pkg/api/x.json", b"{}")])
    tampered = Archive(
        archive.name, "https://invalid.invalid/c.tgz", "sha256", "0" * 64, "pkg/api/"
    )
    with pytest.raises(Exception):  # noqa: B017 -- whatever the network says, not a result
        extract(tampered, ["x.json"], cache, folder_name="out")
    assert not (cache / "out" / "x.json").exists()


def test_the_list_is_a_proof() -> None:
    """At least 40 specs from the collection, of every style the issue names; peers' cases."""
    listed = entries()
    directory = [e for e in listed if e.source == "directory"]
    assert len(directory) >= 40
    assert any(e.as_yaml for e in directory) and any(not e.mypy for e in directory)
    assert any(e.source == "dcg" for e in listed) and any(e.source == "local" for e in listed)
    for entry in listed:
        if entry.source == "local":
            assert (corpus_sources.LOCAL / entry.path).is_file()
        if entry.xfail:
            assert entry.xfail["stage"] in {"generate", "operations", "import", "mypy"}
            assert entry.xfail["reason"]


def test_xfails_follow_the_last_run() -> None:
    """A passing spec loses its xfail, a failing one gets one for its stage, others stay."""
    listed = entries()
    results = {e.id: {"id": e.id, "stage": e.xfail.get("stage"), "errors": []} for e in listed}
    text = corpus_sources.LIST.read_text(encoding="utf-8")
    assert xfails.updated(text, results) == (text, [])
    failing = next(e for e in listed if e.xfail)
    passing = next(e for e in listed if not e.xfail)
    results[failing.id]["stage"] = None
    results[passing.id].update(stage="mypy", errors=["pkg/models.py:3: error: bad [misc]"])
    new, changes = xfails.updated(text, results)
    assert sorted(changes) == sorted(
        [
            f"{failing.id}: passes now, xfail removed",
            f"{passing.id}: fails at mypy now, xfail added",
        ]
    )
    assert new.count("xfail:") == text.count("xfail:")
    assert 'reason: "pkg/models.py:3: error: bad [misc]"' in new


def test_xfails_of_specs_the_run_did_not_cover_stay() -> None:
    """A run of a few specs (``-k``) leaves every other spec's known failure as written."""
    listed = entries()
    failing = [e for e in listed if e.xfail]
    text = corpus_sources.LIST.read_text(encoding="utf-8")
    only = failing[0]
    results = {only.id: {"id": only.id, "stage": only.xfail["stage"], "errors": []}}
    assert xfails.updated(text, results) == (text, [])
    assert xfails.updated(text, {}) == (text, [])


def test_table_has_a_row_per_spec_and_totals() -> None:
    from corpus_harness import Result

    rows = [
        Result("a", operations=3, generated=3, mypy_errors=0, seconds=1.0),
        Result("b", operations=2, stage="generate", message="error: nope"),
    ]
    lines = table(rows).splitlines()
    assert lines[0].split()[:6] == ["spec", "ops", "gen", "warn", "mypy", "sec"]
    assert lines[1].split()[:6] == ["a", "3", "3", "0", "0", "1.0"] and lines[1].endswith("ok")
    assert "skip" in lines[2] and "generate: error: nope" in lines[2]
    assert lines[3].startswith("1 of 2 specs pass; 3 of 5 operations generated")
