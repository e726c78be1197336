"""The corpus's large specs: their models made in parts at once (``models_parts``) are the
module one run of the library on the whole document writes, byte for byte, or the merge gives
up and the whole run is made. Each spec's models are made twice, so only specs with at least
``MIN_SCHEMAS`` component schemas take part (runs with ``make corpus``, ``SPECGEN_CORPUS=1``).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from corpus_sources import Entry, entries, materialize
from support.parts import cut_everything

from generator import models
from generator.build import build_api
from generator.build.models_input import ModelsInput
from generator.bundle import report_for
from generator.errors import SpecgenError
from generator.pipeline import MODELS_GC_THRESHOLDS, spec_file_target

if os.environ.get("SPECGEN_CORPUS") != "1":
    pytest.skip("the corpus runs with SPECGEN_CORPUS=1 (make corpus)", allow_module_level=True)

MIN_SCHEMAS = 150
MIN_BYTES = 150_000  # smaller files hold fewer schemas: not even read
ENTRIES = entries()


def _large(entry: Entry, path: Path) -> bool:
    if path.stat().st_size < MIN_BYTES:
        return False
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    schemas = ((data or {}).get("components") or {}).get("schemas") or {}
    return isinstance(schemas, dict) and len(schemas) >= MIN_SCHEMAS


LARGE = [(e, p) for e in ENTRIES if _large(e, p := materialize(ENTRIES)[e.id])]


@pytest.fixture(autouse=True)
def rare_collection() -> Iterator[None]:
    """Collect garbage as the models process does: the library's runs take a third less."""
    before = gc.get_threshold()
    gc.set_threshold(*MODELS_GC_THRESHOLDS)
    yield
    gc.set_threshold(*before)


def _outcome(read: ModelsInput, source: str, parts: int) -> str:
    try:
        return models._generate_checked(read.document(), read.expected, source, parts=parts)
    except SpecgenError as exc:
        return f"error: {exc}"


def test_the_corpus_has_large_specs() -> None:
    assert len(LARGE) >= 5, [e.id for e, _ in LARGE]


@pytest.mark.parametrize(("entry", "path"), LARGE, ids=[e.id for e, _ in LARGE])
def test_made_in_parts_as_in_one_run(
    entry: Entry, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        source, target = spec_file_target(path, None, None)
        built = build_api(source.data, source.name, target, report_for(source))
    except SpecgenError:
        pytest.skip("refused by specgen (the corpus's own test says so)")
    read = ModelsInput.of(built.api)
    whole = _outcome(read, source.name, 1)
    tried = cut_everything(monkeypatch)
    assert _outcome(read, source.name, 2) == whole
    print(f"{entry.id}: {'merged' if any(tried) else 'one run'} ({len(read.models)} models)")
