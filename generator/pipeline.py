"""The whole pipeline for one API: effective spec -> IR -> files in memory -> (optionally) disk."""

from __future__ import annotations

import builtins
import dataclasses
import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import naming
from generator.build import Target, build_api
from generator.bundle import load_spec
from generator.errors import Report, SpecgenError
from generator.examples import Recorded, examples_for, load_usable
from generator.fmt import format_files
from generator.load import Document, check_depth, load_document
from generator.models import build_models
from generator.overlay import apply_overlay
from generator.project import Api
from generator.render import render_sets
from generator.template_sets import Templates, TemplateSet, set_records
from generator.validate import check_spec, unusable
from generator.write import with_manifest, write_package


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
) -> Generation:
    """Check and generate ``spec`` in memory; what had to be left out is a warning in ``report``.

    The one rule set: ``validate``, ``generate``, ``check`` and ``update`` all come here. A spec
    that cannot be used at all raises; everything local is repaired or skipped with a warning.
    ``recorded`` (an API's recordings, see ``recorded_of``) gives the IR its examples.
    """
    checked = check_spec(spec, report)
    if checked.spec is None:  # unusable: report holds the errors saying why
        raise SpecgenError(report.diagnostics)
    built = build_api(checked.spec, source, target, report)
    api = built.api
    if recorded is not None:
        api = dataclasses.replace(api, examples=examples_for(api, recorded))
    degraded: list[str] = []

    def models_stage() -> str:  # run only when a set renders the models module
        models = build_models(built.api, source, report)
        degraded.extend(models.degraded)
        return models.code

    rendered = render_sets(api, sets, {"models": models_stage})
    files = format_files(rendered.files, rendered.python)
    schemas = len(built.api.models)
    return Generation(
        with_manifest(files, set_records(sets)),
        len(built.api.operations),
        built.operations_total + checked.operations_removed,
        schemas - len(degraded),
        schemas,
    )


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


def target_of(api: Api) -> Target:
    return Target(
        api.config.package, api.config.client_class, api.config.name, api.config.resources
    )


def recorded_of(api: Api) -> Recorded:
    """The recordings of a ``specs/`` API, for the examples of its docs."""
    return load_usable(api.recordings_dir, api.config.redact)


def sets_of(api: Api, templates: Templates) -> list[TemplateSet]:
    """The template sets ``api`` renders: those its ``specgen.yaml`` chooses, with ``templates``
    (the ``--templates`` option) applied."""
    return templates.for_api(api.config.templates, api.folder)


def generate_api(
    api: Api, output_dir: Path, templates: Templates, report: Report, *, strict: bool
) -> tuple[Path, Generation]:
    """Generate ``api`` into ``output_dir/<package>`` unless ``report`` then holds errors
    (or, under ``strict``, warnings): then nothing is written and they are raised."""
    sets = sets_of(api, templates)
    generation = generate_in_memory(
        api.spec, api.source.name, target_of(api), sets, report, recorded=recorded_of(api)
    )
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
