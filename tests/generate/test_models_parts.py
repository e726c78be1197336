"""A large spec's models made by the library in parts at once (``models_parts``) are the module
one run of it on the whole document writes, byte for byte; whatever the merge cannot account
for gives up, and the whole run is made instead.

Specs here are small: ``PARTS_MIN_SCHEMAS`` is lowered so that every one is cut. GitHub's
3,641 schemas were compared the same way by hand (identical); the corpus compares its large
specs (``tests/corpus``).
"""

from __future__ import annotations

import ast
import multiprocessing
import threading
from pathlib import Path

import pytest
from support.parts import cut_everything

from generator import models, models_parts
from generator.build import build_api
from generator.build.models_input import ModelsInput
from generator.bundle import report_for
from generator.errors import Report
from generator.pipeline import spec_file_target

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "real"
SPECS = sorted(
    [
        *(ROOT / "specs").glob("*/openapi.*"),
        *(FIXTURES / "models").glob("*.yaml"),
        *(FIXTURES / "corpus").glob("*.yaml"),
        FIXTURES / "lenient" / "slips.yaml",
    ]
)

NAMES = {p: p.parent.name if p.name.startswith("openapi.") else p.stem for p in SPECS}


def models_input(spec: Path) -> tuple[ModelsInput, str]:
    overlay = spec.with_name("overlay.yaml")
    source, target = spec_file_target(spec, None, None, overlay if overlay.exists() else None)
    built = build_api(source.data, source.name, target, report_for(source))
    return ModelsInput.of(built.api), source.name


@pytest.mark.parametrize("spec", SPECS, ids=[NAMES[p] for p in SPECS])
def test_made_in_parts_the_module_is_the_whole_runs(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read, source = models_input(spec)
    whole = models.build_models(read, source, Report(source))
    tried = cut_everything(monkeypatch)
    monkeypatch.setattr(models, "_parts", lambda: 2)
    assert models.build_models(read, source, Report(source)) == whole
    if models_parts.planned(read.document(), 2) is not None:
        assert tried  # cut in parts, then merged or given up for the whole run


def test_parts_started_fresh_write_what_forked_parts_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parts are forked where they can be (``_start_method``); started fresh, as on other
    systems or beside other threads, they write the same module."""
    spec = next(p for p in SPECS if NAMES[p] == "onepassword-events")
    read, source = models_input(spec)
    tried = cut_everything(monkeypatch)
    monkeypatch.setattr(models, "_parts", lambda: 2)
    assert models_parts._start_method().get_start_method() == "fork"
    forked = models.build_models(read, source, Report(source))
    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(models_parts, "_start_method", lambda: spawn)
    assert models.build_models(read, source, Report(source)) == forked
    assert len(tried) == 2 and tried[0] is not None and tried[0] == tried[1]  # merged, twice


def test_a_process_running_other_threads_starts_its_parts_fresh() -> None:
    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        assert models_parts._start_method().get_start_method() == "spawn"
    finally:
        release.set()
        waiter.join()


def test_the_merge_happens_for_most_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not every spec falls back to the whole run: most are merged."""
    monkeypatch.setattr(models_parts, "PARTS_MIN_SCHEMAS", 1)
    merged = 0
    for spec in SPECS:
        read, _ = models_input(spec)
        parts = models_parts.planned(read.document(), 2)
        if parts is None:
            continue
        try:
            codes = [models.library_code(part.text) for part in parts]
        except Exception:  # the library refuses a schema (``partial``): the whole run reports it
            continue
        names = {name for name, _, _ in read.models}
        if models_parts.merged(codes, [p.owned for p in parts], read.expected, names):
            merged += 1
    assert merged >= len(SPECS) * 2 // 3


CLASS = "class {name}({base}):\n    x: int\n"
OTHER_S = "class S(BaseModel):\n    y: str\n"  # not as the first part writes S
HEAD = '"""Models."""\n\nfrom __future__ import annotations\n\nfrom pydantic import BaseModel\n\n\n'


def module(*classes: str) -> str:
    return HEAD + "\n\n".join(classes)


def test_classes_come_in_the_librarys_order_and_imports_are_those_used() -> None:
    first = module(CLASS.format(name="B", base="A"), CLASS.format(name="A", base="BaseModel"))
    second = module(CLASS.format(name="C", base="BaseModel"), "class A(BaseModel):\n    pass\n")
    code = models_parts.merged(
        [first, second], [frozenset({"A", "B"}), frozenset({"C"})], ["A", "B", "C"], {"A", "B", "C"}
    )
    assert code is not None
    tree = ast.parse(code)
    assert [n.name for n in tree.body if isinstance(n, ast.ClassDef)] == ["A", "B", "C"]
    assert "from pydantic import BaseModel\n" in code


@pytest.mark.parametrize(
    ("second", "owns"),
    [
        (module(CLASS.format(name="C", base="BaseModel"), OTHER_S), "C"),
        (module(CLASS.format(name="C", base="BaseModel")) + "\nC.model_rebuild()\n", "C"),
        (module(CLASS.format(name="C", base="D"), CLASS.format(name="D", base="C")), "CD"),
        (module(CLASS.format(name="C", base="D"), CLASS.format(name="D", base="BaseModel")), "C"),
        (module(CLASS.format(name="X", base="BaseModel")), "C"),
        (HEAD.replace("BaseModel", "BaseModel as Base") + CLASS.format(name="C", base="Base"), "C"),
    ],
    ids=[
        "shared-class-differs",
        "other-statement",
        "base-cycle",
        "collapsed-but-named",
        "owned-missing",
        "alias",
    ],
)
def test_what_the_merge_cannot_account_for_gives_up(second: str, owns: str) -> None:
    shared = CLASS.format(name="S", base="BaseModel")  # a schema every part writes in full
    first = module(CLASS.format(name="A", base="BaseModel"), shared)
    owned = [frozenset({"A"}), frozenset(owns)]
    assert models_parts.merged([first, second], owned, ["A"], {"A", "C", "S", "D"}) is None
