"""Template sets: folders of templates with a manifest (``set.yaml``) saying what they render.

A set renders files into an API's package folder: once per API, per operation, per tag or per
model, each output path itself a template (see docs/templates.md). The Python client is the
built-in set ``python``; ``reference`` (Markdown) and ``cli`` (a command-line tool) are others.
An API's ``specgen.yaml`` chooses its sets; ``--templates DIR`` adds a user's set or overrides
single files of the chosen ones.

Sets are untrusted input: a manifest is validated against a JSON Schema (errors name the file,
pointer and line), templates run in Jinja's sandbox, and every output path is checked before
anything is written. Only a set's ``filters`` module runs as Python: a set with one is code.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema

from generator import ir
from generator.errors import SpecgenError
from generator.load import Document, load_document
from generator.paths import safe_filename
from generator.rawspec import to_pointer

MANIFEST_NAME = "set.yaml"
DEFAULT_SETS = ("python",)

BUILTIN_ROOT = Path(__file__).resolve().parent.parent / "templates"
if not BUILTIN_ROOT.is_dir():  # installed without the repository: templates ship inside
    BUILTIN_ROOT = Path(__file__).resolve().parent / "templates"

Each = Literal["api", "operation", "tag", "model", "resource"]
Kind = Literal["python", "text"]
STAGES = ("models", "models_package")
_NAME = r"^[a-z][a-z0-9_-]*$"

# The manifest's own schema: what ``set.yaml`` may hold (docs/templates.md explains each key).
MANIFEST_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "version", "ir", "files"],
    "properties": {
        "name": {"type": "string", "pattern": _NAME},
        "version": {"type": "string", "minLength": 1, "maxLength": 40},
        "ir": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "formatted": {"type": "boolean"},
        "filters": {"type": "string", "pattern": r"^[A-Za-z0-9_]+\.py$"},
        "files": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["output"],
                "oneOf": [{"required": ["source"]}, {"required": ["stage"]}],
                "properties": {
                    "source": {"type": "string", "minLength": 1},
                    "stage": {"enum": list(STAGES)},
                    "output": {"type": "string", "minLength": 1},
                    "each": {"enum": ["api", "operation", "tag", "model", "resource"]},
                    "when": {"type": "string", "minLength": 1},
                    "kind": {"enum": ["python", "text"]},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class FileRule:
    """One entry of a manifest's ``files``: what to render, where to, and how often."""

    output: str  # a Jinja template giving the path, relative to the package folder
    source: str | None = None  # in the set's folder: ``*.j2`` is rendered, anything else copied
    stage: str | None = None  # a built-in stage's output instead (``models``, ``models_package``)
    each: Each = "api"
    when: str | None = None  # a Jinja expression; the file is skipped when it is false
    kind: Kind | None = None  # None: python for ``.py``/``.pyi`` outputs, text otherwise
    pointer: str = ""  # where the rule is in ``set.yaml``, for errors

    def kind_of(self, output: str) -> Kind:
        if self.kind is not None:
            return self.kind
        return "python" if output.endswith((".py", ".pyi")) else "text"


@dataclass(frozen=True)
class TemplateSet:
    """A set ready to render: its manifest, folder and, if any, a folder of overriding files."""

    name: str
    version: str
    ir: int
    description: str
    folder: Path
    files: tuple[FileRule, ...]
    filters: str | None = None
    # The set's Python is written in black's style already: only chunks with a line over the
    # line length go through black (``fmt.format_files``); tests check the rest is stable.
    formatted: bool = False
    overrides: Path | None = None  # files here win over the set's own (same relative path)
    builtin: bool = False

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST_NAME

    def source_path(self, relative: str) -> Path:
        """The file a rule's ``source`` names: the override if there is one."""
        if self.overrides is not None and (self.overrides / relative).is_file():
            return self.overrides / relative
        return self.folder / relative

    def load_filters(self) -> dict[str, Callable[..., Any]]:
        """The set's own filters (its ``filters`` module's ``FILTERS`` mapping)."""
        if self.filters is None:
            return {}
        path = self.folder / self.filters
        spec = importlib.util.spec_from_file_location(f"specgen_set_{self.name}_filters", path)
        if spec is None or spec.loader is None:
            raise SpecgenError.at(path, "", "cannot load the set's filters module")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the module is the set author's code: any failure is theirs
            raise SpecgenError.at(path, "", f"filters module failed: {exc!r}") from None
        filters = getattr(module, "FILTERS", None)
        if not isinstance(filters, Mapping) or not all(
            isinstance(k, str) and callable(v) for k, v in filters.items()
        ):
            raise SpecgenError.at(path, "", "FILTERS must map filter names to callables")
        return dict(filters)


def default_sets() -> list[TemplateSet]:
    """The sets an API renders when nothing chooses others: the Python client."""
    return Templates().for_api(DEFAULT_SETS)


def builtin_names() -> list[str]:
    return sorted(p.parent.name for p in BUILTIN_ROOT.glob(f"*/{MANIFEST_NAME}"))


def load_set(folder: Path, *, builtin: bool = False) -> TemplateSet:
    """Read and check the manifest of the set in ``folder``."""
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        raise SpecgenError.at(folder, "", f"not a template set (no {MANIFEST_NAME})")
    doc = load_document(manifest)
    _check_manifest(doc)
    data = doc.data
    if data["ir"] != ir.IR_VERSION[0]:
        provided = ".".join(map(str, ir.IR_VERSION))
        raise doc.error(
            "/ir", f"the set needs IR version {data['ir']}; this specgen provides {provided}"
        )
    rules = tuple(_rule(doc, folder, n, entry) for n, entry in enumerate(data["files"]))
    if data.get("filters") is not None and not (folder / data["filters"]).is_file():
        raise doc.error("/filters", f"filters module {data['filters']!r} not found in the set")
    return TemplateSet(
        name=data["name"],
        version=data["version"],
        ir=data["ir"],
        description=data.get("description", ""),
        folder=folder,
        files=rules,
        filters=data.get("filters"),
        formatted=data.get("formatted", False),
        builtin=builtin,
    )


def _check_manifest(doc: Document) -> None:
    validator = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)
    errors = sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise doc.error(to_pointer(error.absolute_path), f"invalid set manifest: {error.message}")


def _rule(doc: Document, folder: Path, index: int, entry: Mapping[str, Any]) -> FileRule:
    pointer = f"/files/{index}"
    source = entry.get("source")
    if source is not None:
        relative = Path(source)
        if relative.is_absolute() or ".." in relative.parts or "\\" in source:
            raise doc.error(f"{pointer}/source", "a source must be a path inside the set")
        if not (folder / relative).is_file():
            raise doc.error(f"{pointer}/source", f"template {source!r} not found in the set")
    return FileRule(
        output=entry["output"],
        source=source,
        stage=entry.get("stage"),
        each=entry.get("each", "api"),
        when=entry.get("when"),
        kind=entry.get("kind"),
        pointer=pointer,
    )


@dataclass(frozen=True)
class Templates:
    """What ``--templates`` gave (if anything), to apply to whichever sets an API chooses."""

    user_set: TemplateSet | None = None
    overrides: Path | None = None  # a folder of ``<set name>/<relative path>`` overrides

    def for_api(self, names: Sequence[str], api_folder: Path | None = None) -> list[TemplateSet]:
        """The sets an API renders: those it names (built-in names or folders relative to
        ``api_folder``), each with its overrides, then the ``--templates`` set if any."""
        chosen: list[TemplateSet] = []
        for name in names:
            found = _named_set(name, api_folder)
            if self.overrides is not None and (self.overrides / found.name).is_dir():
                found = dataclasses.replace(found, overrides=self.overrides / found.name)
            chosen = [s for s in chosen if s.name != found.name] + [found]
        if self.user_set is not None:
            chosen = [s for s in chosen if s.name != self.user_set.name] + [self.user_set]
        return chosen


def _named_set(name: str, api_folder: Path | None) -> TemplateSet:
    if re.match(_NAME, name):
        folder = BUILTIN_ROOT / name
        if not (folder / MANIFEST_NAME).is_file():
            known = ", ".join(builtin_names())
            raise SpecgenError(f"unknown template set {name!r} (built-in: {known})")
        return load_set(folder, builtin=True)
    base = api_folder if api_folder is not None else Path.cwd()
    return load_set(base / name)


def templates_option(folder: Path | None) -> Templates:
    """Read ``--templates DIR``: a set of its own (it has a ``set.yaml``) or overrides of
    built-in sets (subfolders named after them, holding files at the sets' relative paths)."""
    if folder is None:
        return Templates()
    if not folder.is_dir():
        raise SpecgenError.at(folder, "", "--templates must be a folder")
    if (folder / MANIFEST_NAME).is_file():
        return Templates(user_set=load_set(folder))
    names = builtin_names()
    if not any((folder / name).is_dir() for name in names):
        raise SpecgenError.at(
            folder,
            "",
            f"--templates folder is neither a template set (no {MANIFEST_NAME}) nor overrides "
            f"of a built-in set (a subfolder named {' or '.join(names)}, holding files at the "
            "set's relative paths, e.g. python/project/README.md.j2)",
        )
    return Templates(overrides=folder)


def check_output_path(path: str) -> str | None:
    """Why a rendered output path is refused, or None: it must be relative, portable and stay
    inside the package folder (templates are untrusted; ``|filename`` makes any text safe)."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return "must be a relative path using /"
    if re.match(r"^[A-Za-z]:", path):
        return "must be a relative path, not a drive"
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return "must not have empty, '.' or '..' parts"
        if safe_filename(part) != part:
            return f"part {part!r} is not a portable file name (use the filename filter)"
    return None


def set_records(sets: Iterable[TemplateSet]) -> list[dict[str, str]]:
    """What a package manifest records of the sets that made it."""
    return [
        {"name": s.name, "version": s.version, "origin": "built-in" if s.builtin else "custom"}
        for s in sets
    ]
