"""The content-addressed cache: what goes in comes out, and nothing it holds can break a run."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cache import Cache, digest, stage_key, value_digest


def test_an_entry_comes_back_and_a_missing_one_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    assert cache.get("black", "ab" * 32) is None
    cache.put("black", "ab" * 32, b"formatted")
    assert cache.get("black", "ab" * 32) == b"formatted"
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_folder_ignores_itself_and_keeps_no_temporary_files(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    for n in range(20):
        cache.put_text("black", digest(str(n)), f"text {n}")
    assert (tmp_path / "c" / ".gitignore").read_text().splitlines()[-1] == "*"
    leftovers = [p for p in (tmp_path / "c").rglob(".tmp-*")]
    assert leftovers == []


def test_a_corrupt_entry_is_a_miss_not_an_error(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    key = digest("x")
    cache.put_object("generation", key, {"files": 1})
    path = cache.path("generation", key)
    assert path is not None
    path.write_bytes(b"\x80\x05 not a pickle")
    assert cache.get_object("generation", key) is None
    path.write_bytes(b"\xff\xfe")
    assert cache.get_text("generation", key) is None


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        Cache(folder).put("black", digest("k"), b"v")  # no exception
        assert Cache(folder).get("black", digest("k")) is None
    finally:
        folder.chmod(stat.S_IRWXU)


def test_no_cache_keeps_nothing(tmp_path: Path) -> None:
    cache = Cache(None)
    cache.put("black", digest("k"), b"v")
    assert cache.get("black", digest("k")) is None
    assert Cache.default(enabled=False).root is None


def test_the_environment_chooses_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPECGEN_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert Cache.default().root == tmp_path / "elsewhere"
    monkeypatch.delenv("SPECGEN_CACHE_DIR")
    assert Cache.default().root == Path(".cache") / "specgen"


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=8), max_size=4), st.lists(st.binary(max_size=8), max_size=4))
def test_keys_tell_parts_apart(a: list[bytes], b: list[bytes]) -> None:
    """Concatenations that agree (("ab", "c") and ("a", "bc")) must not share a key."""
    assert (digest(*a) == digest(*b)) == (a == b)


def test_stage_keys_differ_by_stage_and_by_library() -> None:
    assert stage_key("models", ("black",), "x") != stage_key("black", ("black",), "x")
    assert stage_key("models", ("black",), "x") != stage_key("models", ("isort",), "x")
    assert value_digest({"a": [1, 2]}) == value_digest({"a": [1, 2]})
    assert value_digest({"a": [1, 2]}) != value_digest({"a": [2, 1]})
