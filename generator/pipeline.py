"""The whole pipeline for one API: effective spec -> IR -> files in memory -> (optionally) disk."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator import naming
from generator.build import Target, build_api
from generator.bundle import load_spec, relocate
from generator.errors import Report, SpecgenError
from generator.fmt import format_files
from generator.models import build_models
from generator.project import Api
from generator.render import render_package
from generator.validate import validate_spec
from generator.write import with_manifest, write_package


@dataclass
class Generation:
    """One API generated in memory: its files, and what was generated of what the spec holds."""

    files: dict[str, str]  # paths relative to the output folder, formatted
    operations: int
    operations_total: int
    models: int  # schemas generated as the spec describes them (components and inline objects)
    models_total: int = 0  # schemas, those read as any value included

    def summary(self, report: Report) -> str:
        return (
            f"{self.operations} of {self.operations_total} operations, "
            f"{self.models} of {self.models_total} schemas, {len(report.warnings)} warnings"
        )


def generate_in_memory(
    spec: Mapping[str, Any],
    source: str,
    target: Target,
    env: jinja2.Environment,
    report: Report,
) -> Generation:
    """Generate ``spec`` in memory; what had to be left out is a warning in ``report``."""
    built = build_api(spec, source, target, report)
    files = render_package(built.api, env)
    models = build_models(
        built.models_spec, built.api.model_names, source, report, built.model_pointers
    )
    files[f"{target.package}/models.py"] = models.code
    schemas = len(built.models_spec["components"]["schemas"])
    return Generation(
        with_manifest(format_files(files)),
        len(built.api.operations),
        built.operations_total,
        schemas - len(models.degraded),
        schemas,
    )


def generate_files(
    spec: Mapping[str, Any], source: str, target: Target, env: jinja2.Environment
) -> dict[str, str]:
    """Every file of the generated package, or an error for anything that had to be left out."""
    report = Report(source)
    generation = generate_in_memory(spec, source, target, env, report)
    report.raise_for(strict=True)
    return generation.files


def target_of(api: Api) -> Target:
    return Target(api.config.package, api.config.client_class, api.config.name)


def generate_api(
    api: Api, output_dir: Path, env: jinja2.Environment, report: Report, *, strict: bool
) -> tuple[Path, Generation]:
    """Generate ``api`` into ``output_dir/<package>`` unless ``report`` then holds errors
    (or, under ``strict``, warnings): then nothing is written and they are raised."""
    generation = generate_in_memory(api.spec, api.source.name, target_of(api), env, report)
    report.raise_for(strict=strict)
    folder = output_dir / api.config.package
    write_package(folder, generation.files)
    return folder, generation


def spec_file_target(
    spec_path: Path, package: str | None, client_name: str | None
) -> tuple[Any, Target]:
    """Load and validate a lone spec file and decide its package and client names."""
    source = load_spec(spec_path)  # with the files it refers to, bundled
    problems = validate_spec(source.data, source)
    if problems:
        raise SpecgenError(relocate(problems, source))
    title = str((source.data.get("info") or {}).get("title") or spec_path.stem)
    package = package or naming.package_name(title)
    client = client_name or naming.client_class(title)
    for value, what in ((package, "--package"), (client, "--client-name")):
        if not value.isidentifier() or keyword.iskeyword(value):
            raise SpecgenError(f"{what} must be a Python identifier, not {value!r}")
    if naming.shadows_module(package):
        raise SpecgenError(f"--package {package!r} would shadow the Python module of that name")
    return source, Target(package, client, title)
