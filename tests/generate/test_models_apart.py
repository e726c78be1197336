"""A large spec's models are made in a process of their own, started as soon as the builder has
their input, while the IR is finished and the other files are rendered and formatted (with few
CPUs, once the library has run): the files, the warnings and the errors must be the ones
making them in turn gives, overlapped or waited for, and no process is left running after an
error."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import models_split, pipeline
from generator.bundle import report_for
from generator.cache import Cache
from generator.errors import SpecgenError
from generator.pipeline import generate_in_memory, spec_file_target
from generator.template_sets import TemplateSet, default_sets, load_set
from generator.write import MANIFEST

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SLIPS = FIXTURES / "real" / "lenient" / "slips.yaml"  # warnings of the models stage included

MODELS_RULE = {"stage": "models", "output": "{{ api.package }}/models.py"}


def template_set(
    folder: Path, rules: list[dict[str, str]], templates: dict[str, str]
) -> TemplateSet:
    folder.mkdir(parents=True)
    manifest = {"name": "t", "version": "1.0", "ir": 1, "formatted": True, "files": rules}
    (folder / "set.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    for name, text in templates.items():
        (folder / name).write_text(text)
    return load_set(folder)


def outcome(
    sets: list[TemplateSet], cache: Cache | None = None
) -> tuple[dict[str, str] | str, list[str]]:
    """The files generated from SLIPS (or the error's message), and every diagnostic."""
    source, target = spec_file_target(SLIPS, None, None)
    report = report_for(source)
    try:
        files: dict[str, str] | str = generate_in_memory(
            source.data, source.name, target, sets, report, cache=cache
        ).files
    except SpecgenError as exc:
        files = str(exc)
    return files, [str(d) for d in report.diagnostics]


def in_turn_and_apart(
    monkeypatch: pytest.MonkeyPatch, sets: list[TemplateSet]
) -> tuple[tuple[object, list[str]], tuple[object, list[str]]]:
    """What SLIPS gives made in turn, and made apart (the same overlapped or waited for)."""
    in_turn = outcome(sets)
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)  # every spec counts as large
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", 10**6)  # no machine overlaps
    waited = outcome(sets)
    assert multiprocessing.active_children() == []
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", 1)  # any machine overlaps
    apart = outcome(sets)
    assert multiprocessing.active_children() == []
    assert waited == apart
    return in_turn, apart


def test_the_builder_hands_over_the_models_input_the_ir_gives() -> None:
    from generator.build import build_api
    from generator.build.models_input import ModelsInput

    source, target = spec_file_target(SLIPS, None, None)
    handed: list[ModelsInput] = []
    built = build_api(
        source.data, source.name, target, report_for(source), models_ready=handed.append
    )
    assert handed == [ModelsInput.of(built.api)]
    assert len(handed[0].models) == len(built.api.models) > 0


def test_the_package_and_its_warnings_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    in_turn, apart = in_turn_and_apart(monkeypatch, default_sets())
    assert isinstance(apart[0], dict) and apart == in_turn
    assert any("models.py" in name for name in apart[0])


@pytest.mark.parametrize(
    ("rules", "templates"),
    [
        ([MODELS_RULE, {"source": "bad.j2", "output": "bad.txt"}], {"bad.j2": "{{ 1 / 0 }}"}),
        ([{"source": "bad.j2", "output": "bad.txt"}, MODELS_RULE], {"bad.j2": "{{ 1 / 0 }}"}),
        ([MODELS_RULE, {"source": "bad.py", "output": "bad.py"}], {"bad.py": "def (:\n"}),
    ],
    ids=["render-error-after-models", "render-error-before-models", "unparsable-file"],
)
def test_an_error_elsewhere_is_the_same_and_stops_the_process(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rules: list[dict[str, str]],
    templates: dict[str, str],
) -> None:
    sets = [template_set(tmp_path / "set", rules, templates)]
    in_turn, apart = in_turn_and_apart(monkeypatch, sets)
    assert isinstance(apart[0], str) and apart == in_turn


def test_a_set_without_the_models_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = [
        template_set(tmp_path / "set", [{"source": "a.txt", "output": "a.txt"}], {"a.txt": "a"})
    ]
    in_turn, apart = in_turn_and_apart(monkeypatch, sets)
    assert apart == in_turn
    assert isinstance(apart[0], dict) and sorted(apart[0]) == [MANIFEST, "a.txt"]


def test_models_made_apart_are_cached_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", 1)
    cache = Cache(tmp_path / "cache")
    first = outcome(default_sets(), cache)
    stored = list((tmp_path / "cache").rglob("models/*/*"))
    assert len(stored) == 1
    # Without the whole generation cached, the models are read back, not made again.
    for generation in (tmp_path / "cache").rglob("generation/*/*"):
        generation.unlink()
    hits = cache.hits
    assert outcome(default_sets(), cache) == first
    assert cache.hits > hits


@pytest.mark.parametrize("overlap_min_cpus", [1, 10**6], ids=["overlapped", "waited-for"])
def test_a_failure_of_the_process_surfaces_as_in_turn(
    monkeypatch: pytest.MonkeyPatch, overlap_min_cpus: int
) -> None:
    """A models stage failing with something else than a ``SpecgenError`` (its process died) is
    reported as the renderer reports a failing stage, whether it ran in turn or apart."""

    def died(*_: object) -> None:
        raise RuntimeError("the models process died")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "_models", died)
        in_turn = outcome(default_sets())
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "MODELS_APART_MIN", 1)
        patched.setattr(pipeline, "OVERLAP_MIN_CPUS", overlap_min_cpus)
        patched.setattr(pipeline._Apart, "result", died)
        apart = outcome(default_sets())
    assert multiprocessing.active_children() == []
    assert isinstance(in_turn[0], str) and "the models process died" in in_turn[0]
    assert apart == in_turn


def test_a_grouped_apis_models_package_is_the_same_made_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API grouped into resources renders its models as a package (``models_package``):
    made apart, its files take the place of one placeholder once the process's module arrives."""
    from generator.build import Target
    from generator.errors import Report
    from tests.generate.test_resources import shop_spec

    target = Target("shop", "Shop", resources="tags")
    sets = default_sets()

    def generate(cache: Cache | None) -> tuple[dict[str, str], list[str]]:
        report = Report("shop.json")
        files = generate_in_memory(shop_spec(), "shop.json", target, sets, report, cache=cache)
        return files.files, [str(d) for d in report.diagnostics]

    in_turn = generate(None)
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", 1)
    split_here: list[str] = []  # the models process splits the module; this one does not
    split_models = models_split.split_models

    def spied(code: str) -> dict[str, str]:
        split_here.append(code)
        return split_models(code)

    monkeypatch.setattr(models_split, "split_models", spied)
    apart = generate(None)
    assert multiprocessing.active_children() == []
    assert apart == in_turn
    assert split_here == []
    package = [name for name in apart[0] if "/models/" in name]
    assert any(name.endswith("models/__init__.py") for name in package) and len(package) > 2
    assert not any(pipeline._pending(text) for text in apart[0].values())
    assert generate(Cache(tmp_path)) == in_turn  # made apart, then cached
    # Its modules' formatted texts are one entry of the cache, not one each.
    assert len([p for p in tmp_path.rglob("format-group/*/*") if p.is_file()]) == 1
    assert generate(Cache(tmp_path)) == in_turn  # read back from the cache


def test_a_build_error_after_the_models_started_stops_their_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from generator.build import api as build
    from generator.build.models_input import ModelsInput

    def broken(spec: object) -> None:
        raise SpecgenError.at("slips.yaml", "/servers", "no server can be read")

    processes: list[object] = []  # the process each start made (None: none)
    start = pipeline._ModelsStage.start_early

    def started(stage: pipeline._ModelsStage, read: ModelsInput) -> None:
        start(stage, read)
        processes.append(stage._apart)

    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)
    monkeypatch.setattr(pipeline._ModelsStage, "start_early", started)
    monkeypatch.setattr(build, "servers", broken)  # built after the models' input
    files, _ = outcome(default_sets())
    assert len(processes) == 1 and processes[0] is not None
    assert isinstance(files, str) and "no server can be read" in files
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("overlap_min_cpus", [1, 10**6], ids=["overlapped", "waited-for"])
def test_the_models_process_ends_as_soon_as_its_module_arrives(
    monkeypatch: pytest.MonkeyPatch, overlap_min_cpus: int
) -> None:
    """Its memory (most of a large spec's peak) is given back before the models are formatted,
    not when the whole generation ends."""
    from generator import fmt

    running: list[int] = []  # processes alive as each formatting starts
    format_files = fmt.format_files

    def counted(*args: Any, **kwargs: Any) -> dict[str, str]:
        running.append(len(multiprocessing.active_children()))
        return format_files(*args, **kwargs)

    monkeypatch.setattr(fmt, "format_files", counted)
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", overlap_min_cpus)
    files, _ = outcome(default_sets())
    assert isinstance(files, dict)
    assert running and running[-1] == 0


def test_with_few_cpus_the_other_files_wait_for_the_library_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With fewer CPUs than ``OVERLAP_MIN_CPUS`` the library has them all (in parts), so the
    other files are formatted once it has run, while the models process finishes the module;
    the models are formatted when it arrives. Both by the same worker processes."""
    from generator import fmt

    started: list[pipeline._Apart] = []
    init = pipeline._Apart.__init__

    def recorded(self: pipeline._Apart, *args: Any) -> None:
        init(self, *args)
        started.append(self)

    calls: list[tuple[bool, bool, object]] = []  # library run, module arrived, workers
    format_files = fmt.format_files

    def spied(files: dict[str, str], *args: Any, **kwargs: Any) -> dict[str, str]:
        (apart,) = started
        arrived = apart._future.done()
        calls.append((apart._library_done.is_set(), arrived, kwargs.get("workers")))
        return format_files(files, *args, **kwargs)

    monkeypatch.setattr(pipeline._Apart, "__init__", recorded)
    monkeypatch.setattr(fmt, "format_files", spied)
    monkeypatch.setattr(pipeline, "MODELS_APART_MIN", 1)
    monkeypatch.setattr(pipeline, "OVERLAP_MIN_CPUS", 10**6)
    files, _ = outcome(default_sets())
    assert isinstance(files, dict)
    assert len(calls) == 2  # the other files, then the models
    (others_library, _, others_workers), (models_library, models_arrived, models_workers) = calls
    assert others_library and models_library and models_arrived
    assert isinstance(others_workers, fmt.Workers) and others_workers is models_workers
    assert multiprocessing.active_children() == []


def test_the_library_is_reported_done_once_before_the_passes() -> None:
    from generator.build import build_api
    from generator.models import build_models

    source, target = spec_file_target(SLIPS, None, None)
    api = build_api(source.data, source.name, target, report_for(source)).api
    done: list[None] = []
    models = build_models(
        api, source.name, report_for(source), library_done=lambda: done.append(None)
    )
    assert done == [None] and "class " in models.code
