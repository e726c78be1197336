"""The whole pipeline for one API: effective spec -> IR -> files in memory -> (optionally) disk."""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import naming
from generator.build import Target
from generator.bundle import load_spec
from generator.cache import Cache, digest, stage_key, value_digest
from generator.errors import Diagnostic, Report, SpecgenError
from generator.examples import Recorded, load_usable
from generator.load import Document, check_depth, load_document
from generator.overlay import apply_overlay
from generator.progress import Progress
from generator.project import Api
from generator.template_sets import Templates, TemplateSet, set_records
from generator.write import with_manifest, write_package

if TYPE_CHECKING:
    from generator import ir
    from generator.build.models_input import ModelsInput
    from generator.models import Models
    from generator.render import Rendered
    from generator.validate import Checked, Speculation

# What the stages run, for cache keys: a new version of any of them is a miss.
LIBRARIES = (
    "black",
    "isort",
    "datamodel-code-generator",
    "openapi-spec-validator",
    "jsonschema",
    "jsonschema-rs",
    "jinja2",
    "pydantic",
)


@dataclass
class Generation:
    """One API generated in memory: its files, and what was generated of what the spec holds."""

    files: dict[str, str]  # paths relative to the output folder, formatted
    operations: int
    operations_total: int  # in the spec, generated or left out (each one left out is a warning)
    models: int  # schemas generated as the spec describes them (components and inline objects)
    models_total: int  # schemas, those read as any value included

    def summary(self, report: Report) -> str:
        return (
            f"{self.operations} of {self.operations_total} operations, "
            f"{self.models} of {self.models_total} schemas, {len(report.warnings)} warnings"
        )


def generate_in_memory(
    spec: Mapping[str, Any],
    source: str,
    target: Target,
    sets: Sequence[TemplateSet],
    report: Report,
    *,
    recorded: Recorded | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> Generation:
    """Check and generate ``spec`` in memory; what had to be left out is a warning in ``report``.

    The one rule set: ``validate``, ``generate``, ``check`` and ``update`` all come here. A spec
    that cannot be used at all raises; everything local is repaired or skipped with a warning.
    ``recorded`` (an API's recordings, see ``recorded_of``) gives the IR its examples.

    With a ``cache``, a generation whose inputs were all seen before (the spec, the sets' files,
    the recordings, specgen and its libraries) is read back with its warnings; otherwise each
    expensive stage still reuses what it can (see ``generator.cache``).
    """
    cache = cache if cache is not None else Cache(None)
    progress = progress if progress is not None else Progress()
    key = None
    if cache.root is not None:
        key = stage_key(
            "generation",
            LIBRARIES,
            value_digest(spec),
            source,
            repr(target),
            _sets_digest(sets),
            value_digest(recorded),
        )
        found = cache.get_object("generation", key)
        if isinstance(found, _Cached):
            report.extend(_replayed(found.diagnostics, report))
            return found.generation
    first = len(report.diagnostics)
    job = _Job(source, target, sets, recorded, cache, progress)
    generation = _generate(spec, job, report)
    if key is not None and not report.errors:
        kept = _kept(report.diagnostics[first:], report)
        cache.put_object("generation", key, _Cached(generation, kept))
    return generation


@dataclass(frozen=True)
class _Cached:
    """A generation as stored, with the diagnostics it reported (lines left to recompute)."""

    generation: Generation
    diagnostics: tuple[Diagnostic, ...]


def _kept(diagnostics: Sequence[Diagnostic], report: Report) -> tuple[Diagnostic, ...]:
    """``diagnostics`` as cached: without the lines of the report's own file, which depend on
    how the file is laid out (not part of any key); they are looked up again when replayed."""
    return tuple(
        dataclasses.replace(d, line=None) if d.file == report.file else d for d in diagnostics
    )


def _replayed(diagnostics: Sequence[Diagnostic], report: Report) -> list[Diagnostic]:
    return [dataclasses.replace(d, file=report.file) if not d.file else d for d in diagnostics]


def _sets_digest(sets: Sequence[TemplateSet]) -> str:
    """What the sets would render from: every file of each set's folder and overrides."""
    parts: list[str | bytes] = []
    for template_set in sets:
        parts += [template_set.name, template_set.version, str(template_set.formatted)]
        for folder in (template_set.folder, template_set.overrides):
            if folder is None:
                continue
            files = (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            for path in sorted(files):
                parts += [str(path.relative_to(folder)), path.read_bytes()]
    return digest(*parts)


@dataclass(frozen=True)
class _Job:
    """What one generation reads besides the checked spec, and where it reports."""

    source: str
    target: Target
    sets: Sequence[TemplateSet]
    recorded: Recorded | None
    cache: Cache
    progress: Progress


def _generate(spec: Mapping[str, Any], job: _Job, report: Report) -> Generation:
    """Generation on a cache miss: a large spec's validator runs beside the other stages."""
    job.progress.stage("validating")
    speculation = _speculation(spec, report, job.cache)
    try:
        generation = _from_checked(speculation.checked, job, speculation.report)
    except SpecgenError:
        if not _stands(speculation, spec, job, report):
            return _in_order(spec, job, report)
        report.extend(speculation.report.diagnostics)
        raise
    if not _stands(speculation, spec, job, report):  # the validator found something to repair
        return _in_order(spec, job, report)
    report.extend(speculation.report.diagnostics)
    return generation


def _in_order(spec: Mapping[str, Any], job: _Job, report: Report) -> Generation:
    """Generation with the spec checked (and repaired) first, then everything else."""
    from generator.validate import check_spec

    job.progress.stage("validating")
    first = len(report.diagnostics)
    checked = check_spec(spec, report)
    if checked.spec is not None:
        _remember_check(job.cache, spec, checked, _kept(report.diagnostics[first:], report))
    return _from_checked(checked, job, report)


def _from_checked(checked: Checked, job: _Job, report: Report) -> Generation:
    # The stages are imported here, on a cache miss only: they load slowly (black, the
    # validator, datamodel-code-generator, Jinja), and a no-op ``check`` needs none of them.
    from generator.build import build_api
    from generator.examples import examples_for
    from generator.render import render_sets

    if checked.spec is None:  # unusable: report holds the errors saying why
        raise SpecgenError(report.diagnostics)
    progress = job.progress
    progress.stage("building")
    models = _ModelsStage(job, report)
    try:
        built = build_api(
            checked.spec, job.source, job.target, report, cache=job.cache,
            models_ready=models.start_early,
        )  # fmt: skip
        naming.forget()  # names are made while building; rendering asks for none
        api = built.api
        if job.recorded is not None:
            api = dataclasses.replace(api, examples=examples_for(api, job.recorded))
        models.built(built.api)
        progress.stage("rendering")
        try:
            stages: dict[str, Callable[[], str | Mapping[str, str]]] = {
                "models": models.render,
                "models_package": models.render_package,
            }
            rendered = render_sets(api, job.sets, stages)
        except Exception:
            models.settle()  # as when the models were made when asked: their error comes first
            raise
        progress.stage("formatting")
        files = _formatted(rendered, job, models)
    finally:
        models.close()
    schemas = len(built.api.models)
    return Generation(
        with_manifest(files, set_records(job.sets)),
        len(built.api.operations),
        built.operations_total + checked.operations_removed,
        schemas - len(models.degraded),
        schemas,
    )


def _formatted(rendered: Rendered, job: _Job, models: _ModelsStage) -> dict[str, str]:
    """The rendered files formatted; a models module (or package) still being made is formatted
    when it arrives, after the other files (which its process does not wait for; with few
    CPUs, they wait for the library to have run)."""
    from generator.fmt import Workers, format_files

    waiting = [name for name, text in rendered.files.items() if _pending(text)]
    # With fewer CPUs, the other files are formatted once the models process has only its
    # own passes left, by processes kept to format the models when they arrive.
    shared = Workers(_cpus()) if waiting and not _overlaps() else None

    def formatted(
        files: dict[str, str],
        python: Collection[str],
        jobs: int | None = None,
        stable: Collection[str] = rendered.stable,
        split: Collection[str] = (),
    ) -> dict[str, str]:
        return format_files(
            files,
            python,
            stable=stable,
            cache=job.cache,
            jobs=jobs,
            progress=lambda done, total: job.progress.bar("formatting", done, total),
            volatile=models.api.spec_hash,
            workers=shared,
            split=split,
        )

    if not waiting:
        return formatted(rendered.files, rendered.python, split=rendered.split)
    others = {name: text for name, text in rendered.files.items() if not _pending(text)}
    with shared if shared is not None else nullcontext():
        if shared is not None:
            job.progress.stage("models")
            models.wait_for_library()
            job.progress.stage("formatting")
        try:
            # With enough CPUs, one is left to the models process: it is the longer of the
            # two, and fewer formatting workers beside it keep the peak memory lower too.
            done = formatted(others, rendered.python - set(waiting), _cpus() - 1 or 1)
        except SpecgenError:
            # Formatted together with the models, as before: an error of theirs comes first,
            # then the same file's error as when every file was formatted at once.
            whole = models.filled(rendered)
            formatted(whole.files, whole.python, stable=whole.stable, split=whole.split)
            raise
        job.progress.stage("models")
        models.settle()
        job.progress.stage("formatting")
        whole = models.filled(rendered)
        arrived = {name: text for name, text in whole.files.items() if name not in done}
        done.update(
            formatted(arrived, whole.python & set(arrived), stable=whole.stable, split=whole.split)
        )
    return {name: done[name] for name in whole.files}


# What the models stages give the renderer while the models are still being made apart: a text
# no template renders (``text is _PENDING`` tells it apart), replaced before formatting; for the
# ``models_package`` stage, a folder of one such file, replaced by the package's files.
_PENDING = "\0 models pending \0"
_PENDING_PACKAGE = "\0 models package pending \0"
_PACKAGE_PLACEHOLDER = "__init__.py"


def _pending(text: str) -> bool:
    return text is _PENDING or text is _PENDING_PACKAGE


class _ModelsStage:
    """The models module of one generation, and the schemas it reads as any value.

    Read from the cache, or made when a set renders it (``render``); on a large spec, in a
    process of its own started as soon as the builder has its input (``start_early``), before
    the rest of the IR is built: it is the longest stage of a large spec. The other files are
    rendered while it runs (``_PENDING``), and formatted: at once with enough CPUs
    (``OVERLAP_MIN_CPUS``), else once the library has run.
    Its diagnostics are reported when the module is rendered or, made apart, when it arrives:
    nothing else is reported between the two, so the report reads as when it was made in turn.
    """

    def __init__(self, job: _Job, report: Report) -> None:
        self.job = job
        self.report = report
        self.degraded: tuple[str, ...] = ()
        self._api: ir.Api | None = None
        self._key: tuple[str | None] | None = None  # computed once, when needed
        self._apart: _Apart | None = None
        self._asked = self._settled = False
        self._code: str | None = None
        self._package: dict[str, str] | None = None  # the package, split in the models process

    @property
    def api(self) -> ir.Api:
        assert self._api is not None, "the IR is not built yet"
        return self._api

    @property
    def key(self) -> str | None:
        if self._key is None:
            self._key = (_models_key(_models_input(self.api), self.job.source, self.job.cache),)
        return self._key[0]

    def start_early(self, read: ModelsInput) -> None:
        """The builder's ``models_ready``: start the module's own process now when the spec is
        large, a set will render the module, and it is not cached."""
        if len(read.models) < MODELS_APART_MIN or not _renders_models(self.job.sets):
            return
        key = _models_key(read, self.job.source, self.job.cache)
        path = self.job.cache.path("models", key) if key is not None else None
        if path is not None and path.exists():
            return  # read back when rendered, as before
        self._key = (key,)
        package = any(rule.stage == "models_package" for s in self.job.sets for rule in s.files)
        self._apart = _Apart(read, self.job.source, package)

    def built(self, api: ir.Api) -> None:
        """The IR is built: the models are those of ``api.models`` (what ``start_early`` had)."""
        self._api = api

    def render(self) -> str:
        """The module's text for the renderer (``_PENDING`` while it is made apart, when the
        other files are rendered meanwhile)."""
        self._asked = True
        if self._apart is not None:
            return _PENDING
        self.job.progress.stage("models")
        code = self.settle()
        self.job.progress.stage("rendering")
        return code

    def render_package(self) -> Mapping[str, str]:
        """The files of the models package (``models_split``) for the renderer; while the
        module is made apart, one placeholder file (``_PENDING_PACKAGE``)."""
        code = self.render()
        if code is _PENDING:
            return {_PACKAGE_PLACEHOLDER: _PENDING_PACKAGE}
        return _models_package(code, self.job.cache)

    def wait_for_library(self) -> None:
        """Until the models process has run the library (what is left of its work takes one
        CPU), or has ended; at once when it is not made apart."""
        if self._apart is not None:
            self._apart.wait_for_library()

    def settle(self) -> str:
        """The module, once asked for: waited for (its process's error raised), reported and
        cached; nothing when no set asked for it."""
        if not self._asked or self._settled:
            return self._code or ""
        self._settled = True  # once: a failure is not made again
        if self._apart is None:
            read = _models_input(self.api)
            models = _models(read, self.job.source, self.report, self.job.cache, self.key)
        else:
            try:
                result, diagnostics, self._package = self._apart_result()
            finally:  # ended now, not with the generation: its memory is given back at once
                self._apart.close()
            first = len(self.report.diagnostics)
            self.report.extend(diagnostics)
            _remember_models(self.job.cache, self.key, result, self.report, first)
            models = result
        self.degraded = models.degraded
        self._code = models.code
        return models.code

    def _apart_result(self) -> tuple[Models, list[Diagnostic], dict[str, str] | None]:
        """The process's result; a failure other than a ``SpecgenError`` (the process died)
        is reported as the renderer reports it when the stage runs as the set asks for it."""
        from generator.render import _reporting

        assert self._apart is not None
        template_set, rule = next(
            (s, r) for s in self.job.sets for r in s.files if r.stage in _MODELS_STAGES
        )
        with _reporting(template_set, rule, self.api, {}):
            return self._apart.result()

    def filled(self, rendered: Rendered) -> Rendered:
        """``rendered`` with the module where it is pending, and the package's files in place
        of its placeholder (Python, and in black's style, as the placeholder was)."""
        from generator.render import Rendered

        code = self.settle()
        whole = Rendered(
            python=set(rendered.python),
            stable=set(rendered.stable),
            split=set(rendered.split),
        )
        for name, text in rendered.files.items():
            if text is _PENDING:
                whole.files[name] = code
            elif text is _PENDING_PACKAGE:
                folder = name.removesuffix(_PACKAGE_PLACEHOLDER)
                package = _models_package(code, self.job.cache, self._package)
                for part, part_text in package.items():
                    whole.files[folder + part] = part_text
                    for kind in (whole.python, whole.stable):
                        if name in kind and part.endswith(".py"):
                            kind.add(folder + part)
                    if name in whole.stable and part.endswith(".py"):
                        # Cut from the module at its statements (``models_split``): each parses.
                        whole.split.add(folder + part)
            else:
                whole.files[name] = text
        return whole

    def close(self) -> None:
        if self._apart is not None:
            self._apart.close()


def _overlaps() -> bool:
    """Whether the models process runs beside the formatting as an equal (``OVERLAP_MIN_CPUS``)."""
    return _cpus() >= OVERLAP_MIN_CPUS


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_MODELS_STAGES = ("models", "models_package")


def _renders_models(sets: Sequence[TemplateSet]) -> bool:
    return any(rule.stage in _MODELS_STAGES for s in sets for rule in s.files)


def _models_input(api: ir.Api) -> ModelsInput:
    from generator.build.models_input import ModelsInput

    return ModelsInput.of(api)


class _Apart:
    """``_models_apart`` running in a fresh process (see ``MODELS_APART_MIN``)."""

    def __init__(self, read: ModelsInput, source: str, package: bool) -> None:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        # spawn, not fork: a forked child would start with (and count) all this process's memory.
        context = get_context("spawn")
        self._library_done = context.Event()
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=_models_process,
            initargs=(self._library_done,),
        )
        self._future = self._pool.submit(_models_apart, read, source, package)

    def wait_for_library(self) -> None:
        """Until the process has set its event (``_models_apart``) or ended (an error, or
        models made without the event: a schema the library refuses)."""
        while not self._library_done.wait(_POLL_SECONDS) and not self._future.done():
            pass

    def result(self) -> tuple[Models, list[Diagnostic], dict[str, str] | None]:
        return self._future.result()

    def close(self) -> None:
        """End the process; one still running is stopped (its result is no longer wanted)."""
        if not self._future.done():
            # concurrent.futures has no public way to stop a running call before Python 3.14.
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _speculation(spec: Mapping[str, Any], report: Report, cache: Cache) -> Speculation:
    """The spec's check: from the cache (already confirmed), or started
    (``validate.check_spec_speculatively``)."""
    from generator.validate import Speculation, check_spec_speculatively

    key = _check_key(cache, spec)
    if key is not None:
        found = cache.get_object("validation", key)
        if isinstance(found, tuple) and len(found) == 2:
            checked, diagnostics = found
            replayed = Report(report.file, report.line_of)
            replayed.extend(_replayed(diagnostics, report))
            return Speculation(checked, replayed, from_cache=True)
    return check_spec_speculatively(spec, report)


def _stands(speculation: Speculation, spec: Mapping[str, Any], job: _Job, report: Report) -> bool:
    """Whether the speculation stands (``Speculation.confirm``); one that does is cached with
    the diagnostics of its check."""
    if not speculation.confirm():
        return False
    if speculation.checked.spec is not None and not speculation.from_cache:
        _remember_check(
            job.cache, spec, speculation.checked, _kept(speculation.diagnostics, report)
        )
    return True


def _check_key(cache: Cache, spec: Mapping[str, Any]) -> str | None:
    if cache.root is None:
        return None
    return stage_key("validation", LIBRARIES, value_digest(spec))


def _remember_check(
    cache: Cache, spec: Mapping[str, Any], checked: Checked, diagnostics: Sequence[Diagnostic]
) -> None:
    key = _check_key(cache, spec)
    if key is not None:
        cache.put_object("validation", key, (checked, tuple(diagnostics)))


def _models_key(read: ModelsInput, source: str, cache: Cache) -> str | None:
    """The cache key of the models of ``read``: every schema's text (canonical JSON), name and
    place, the classes expected and the OpenAPI version: all the library and the checks read."""
    import json

    if cache.root is None:
        return None
    return stage_key(
        "models", LIBRARIES, json.dumps([read.models, read.expected, read.openapi]), source
    )


def _models(
    read: ModelsInput, source: str, report: Report, cache: Cache, key: str | None
) -> Models:
    """``models.build_models``, cached under ``key`` (``_models_key``)."""
    from generator.models import Models, build_models

    if key is not None:
        found = cache.get_object("models", key)
        if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], Models):
            models, diagnostics = found
            report.extend(_replayed(diagnostics, report))
            return models  # type: ignore[no-any-return]
    first = len(report.diagnostics)
    if len(read.models) >= MODELS_APART_MIN:
        models, diagnostics = _models_in_a_process(read, source)
        report.extend(diagnostics)
    else:
        models = build_models(read, source, report)
    _remember_models(cache, key, models, report, first)
    return models


def _remember_models(
    cache: Cache, key: str | None, models: Models, report: Report, first: int
) -> None:
    """Store ``models`` with the diagnostics ``report`` holds from ``first`` on."""
    if key is not None:
        cache.put_object("models", key, (models, _kept(report.diagnostics[first:], report)))


def _models_package(code: str, cache: Cache, made: dict[str, str] | None = None) -> dict[str, str]:
    """``models_split.split_models`` of the models module ``code``, cached by that code; ``made``
    is that split when the models process made it already."""
    from generator.models_split import split_models

    key = stage_key("models_package", (), code) if cache.root is not None else None
    found = cache.get_object("models_package", key) if key is not None and made is None else None
    if isinstance(found, dict):
        return found
    files = made if made is not None else split_models(code)
    if key is not None:
        cache.put_object("models_package", key, files)
    return files


# The models process overlaps the formatting only with this many CPUs. With fewer, the
# library's processes (two parts at once, ``models_parts``) need every CPU, and a formatting
# beside them slowed them as much as it saved (a cold generation of GitHub's spec took 61 s
# overlapped against 37 s in turn, 27 November 2026, this repository's 2-core machine). There
# the other files are formatted once the library has run, while the models process finishes
# the module alone (``_Apart.wait_for_library``): a median of 21.1 against 22.5 s formatting
# everything after the models, eleven cold runs of each in turn (28 November).
OVERLAP_MIN_CPUS = 4


# From this many schemas the models stage runs in a fresh process of its own: the library
# holds hundreds of megabytes on a large spec (GitHub's: ~500 MB), which a process gives back
# when it ends, so the peak of any one process stays far lower.
MODELS_APART_MIN = 300


# The models process's garbage collector thresholds. datamodel-code-generator makes millions of
# objects that live until it ends; at Python's default thresholds (700, 10, 10) the collector
# scans them again and again, a quarter of the stage's time on GitHub's spec (25 s against 18 s
# of CPU, 27 November 2026) for the same peak memory. Only this process, which ends with the
# stage, collects less often.
MODELS_GC_THRESHOLDS = (100_000, 50, 100)


def _models_in_a_process(read: ModelsInput, source: str) -> tuple[Models, list[Diagnostic]]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    # spawn, not fork: a forked child would start with (and count) all this process's memory.
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        models, diagnostics, _ = pool.submit(_models_apart, read, source).result()
    return models, diagnostics


def _models_apart(
    read: ModelsInput, source: str, package: bool = False
) -> tuple[Models, list[Diagnostic], dict[str, str] | None]:
    """In the models process: the models and the diagnostics (lines are added by the caller,
    whose report knows the source document); with ``package``, their package's files too
    (``models_split``), split here while the main process formats the other files."""
    import gc

    from generator.models import build_models
    from generator.models_split import split_models

    gc.set_threshold(*MODELS_GC_THRESHOLDS)

    report = Report(source)
    done = _LIBRARY_DONE.set if _LIBRARY_DONE is not None else None
    models = build_models(read, source, report, library_done=done)
    return models, report.diagnostics, split_models(models.code) if package else None


# In the models process started by ``_Apart``: the event it sets once the library has run.
_LIBRARY_DONE: Any = None
_POLL_SECONDS = 0.05  # how often a wait for that event looks whether the process has ended


def _models_process(library_done: Any) -> None:
    """The models process's initializer: keeps the event ``_models_apart`` sets."""
    global _LIBRARY_DONE
    _LIBRARY_DONE = library_done
    # The library loaded now, while the input is still on its way: the parts, forked from this
    # process, start with it (``models_parts``).
    from generator.models import warm_library

    warm_library()


def generate_files(
    spec: Mapping[str, Any],
    source: str,
    target: Target,
    sets: Sequence[TemplateSet],
    line_of: Callable[[str], int | None] | None = None,
    *,
    recorded: Recorded | None = None,
) -> dict[str, str]:
    """Every file of the generated package, or an error for anything that had to be left out."""
    report = Report(source, line_of) if line_of is not None else Report(source)
    generation = generate_in_memory(spec, source, target, sets, report, recorded=recorded)
    report.raise_for(strict=True)
    return generation.files


def api_in_memory(
    api: Api,
    templates: Templates,
    report: Report,
    *,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> Generation:
    """``generate_in_memory`` for an API of ``specs/``: its spec, names, chosen template sets
    (with ``templates`` applied) and recordings."""
    return generate_in_memory(
        api.spec,
        api.source.name,
        target_of(api),
        sets_of(api, templates),
        report,
        recorded=recorded_of(api),
        cache=cache,
        progress=progress,
    )


def target_of(api: Api) -> Target:
    config = api.config
    return Target(
        config.package,
        config.client_class,
        config.name,
        config.resources,
        version=config.version,
        revision=config.revision,
    )


def recorded_of(api: Api) -> Recorded:
    """The recordings of a ``specs/`` API, for the examples of its docs."""
    return load_usable(api.recordings_dir, api.config.redact)


def sets_of(api: Api, templates: Templates) -> list[TemplateSet]:
    """The template sets ``api`` renders: those its ``specgen.yaml`` chooses, with ``templates``
    (the ``--templates`` option) applied."""
    return templates.for_api(api.config.templates, api.folder)


def generate_api(
    api: Api,
    output_dir: Path,
    templates: Templates,
    report: Report,
    *,
    strict: bool,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> tuple[Path, Generation]:
    """Generate ``api`` into ``output_dir/<package>`` unless ``report`` then holds errors
    (or, under ``strict``, warnings): then nothing is written and they are raised."""
    generation = api_in_memory(api, templates, report, cache=cache, progress=progress)
    report.raise_for(strict=strict)
    folder = output_dir / api.config.package
    write_package(folder, generation.files)
    return folder, generation


def spec_file_target(
    spec_path: Path,
    package: str | None,
    client_name: str | None,
    overlay_path: Path | None = None,
) -> tuple[Document, Target]:
    """Load a lone spec file (with ``overlay_path`` applied) and decide its package and client.

    Only a document that is not OpenAPI at all is refused here; everything else is checked
    (leniently or not) when generating.
    """
    source = load_spec(spec_path)  # with the files it refers to in its folder, bundled
    if overlay_path is not None:
        data = apply_overlay(source.data, load_document(overlay_path))
        check_depth(data, source, "with its overlay applied, the spec is")
        source = dataclasses.replace(source, data=data)
    from generator.validate import unusable

    refusal = unusable(source.data)
    if refusal is not None:
        raise source.error(*refusal)
    info = source.data.get("info")
    title = info.get("title") if isinstance(info, Mapping) else None
    title = title if isinstance(title, str) and title.strip() else spec_path.stem
    package = package or naming.package_name(title)
    client = client_name or naming.client_class(title)
    for value, what in ((package, "--package"), (client, "--client-name")):
        check_name(value, what)
    return source, Target(package, client, title)


def check_name(value: str, what: str) -> None:
    """Refuse a package or client name that is no identifier or would hide a needed name."""
    if not value.isidentifier() or keyword.iskeyword(value):
        raise SpecgenError(f"{what} must be a Python identifier, not {value!r}")
    if naming.shadows_module(value):
        raise SpecgenError(f"{what} {value!r} would shadow the Python module of that name")
    if hasattr(builtins, value):
        raise SpecgenError(f"{what} {value!r} would shadow the Python built-in of that name")
