"""The APIs a project keeps under ``specs/``: config, spec, overlay, recordings."""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator import naming, versions
from generator.build.resources import RESOURCE_MODES, ResourceMode, resource_mode
from generator.bundle import load_spec, relocate
from generator.errors import InputError, SpecgenError
from generator.load import Document, check_depth, load_document
from generator.overlay import StaleAction, apply_overlay, apply_overlay_leniently
from generator.rawspec import to_pointer
from generator.template_sets import DEFAULT_SETS

CONFIG_NAME = "specgen.yaml"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Upstream:
    """Where a vendor publishes its spec (``upstream:`` in ``specgen.yaml``, docs/config.md).

    ``headers`` maps a header name to its value, in which ``${NAME}`` stands for the
    environment variable ``NAME`` (read when fetching, never stored or printed);
    ``format`` is the document's format when the URL's path does not end in one.
    """

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    format: str | None = None  # "json" or "yaml"


@dataclass(frozen=True)
class ApiConfig:
    """One API's ``specgen.yaml`` (see docs/config.md)."""

    name: str
    package: str
    client_class: str
    spec: str
    overlay: str | None = None
    record_env: Mapping[str, str] = field(default_factory=dict)
    redact: tuple[str, ...] = ()
    # Template sets: built-in names or folders relative to the API folder (docs/templates.md).
    templates: tuple[str, ...] = DEFAULT_SETS
    # Grouping operations into resources by tag: auto, tags or flat (docs/config.md).
    resources: ResourceMode = "auto"
    # The package's own version; None: the spec's, with ``revision`` post-releases (versions.py).
    version: str | None = None
    revision: int = 0
    # Where the vendor publishes the spec, for ``specgen drift`` (None: a hand-written spec).
    upstream: Upstream | None = None


@dataclass
class Api:
    """An API with its overlay applied and its effective spec validated."""

    key: str
    folder: Path
    config: ApiConfig
    source: Document
    overlay: Document | None
    spec: dict[str, Any]
    # Overlay actions that selected nothing, passed over (only with ``allow_stale``).
    stale: tuple[StaleAction, ...] = ()

    @property
    def recordings_dir(self) -> Path:
        return self.folder / "recordings"


def list_apis(specs_dir: Path) -> list[str]:
    """Names of the API folders under ``specs_dir`` (those holding a ``specgen.yaml``)."""
    if not specs_dir.is_dir():
        raise InputError.at(specs_dir, "", "specs folder not found")
    return sorted(p.parent.name for p in specs_dir.glob(f"*/{CONFIG_NAME}"))


def api_folder(specs_dir: Path, key: str) -> Path:
    """The folder of the API ``key``; an ``InputError`` naming the known APIs when there is none."""
    folder = specs_dir / key
    if not (folder / CONFIG_NAME).is_file():
        known = ", ".join(list_apis(specs_dir)) or "none"
        raise InputError.at(folder, "", f"unknown API {key!r} (no {CONFIG_NAME}; known: {known})")
    return folder


def load_api(specs_dir: Path, key: str, *, check: bool = True) -> Api:
    """Load, overlay and (unless ``check`` is false) validate the API in ``specs_dir/key``."""
    folder = api_folder(specs_dir, key)
    config = read_config(load_document(folder / CONFIG_NAME))
    source = load_spec(folder / config.spec, folder)  # with the files it refers to, bundled
    overlay = load_document(folder / config.overlay) if config.overlay else None
    return effective_api(key, folder, config, source, overlay, check=check)


def effective_api(
    key: str,
    folder: Path,
    config: ApiConfig,
    source: Document,
    overlay: Document | None,
    *,
    check: bool = True,
    allow_stale: bool = False,
) -> Api:
    """The API with ``overlay`` applied to ``source``; stale overlay actions are an error
    unless ``allow_stale`` (then they are passed over and listed in ``Api.stale``)."""
    spec = source.data
    stale: list[StaleAction] = []
    if overlay is not None:
        if allow_stale:
            spec, stale = apply_overlay_leniently(spec, overlay)
        else:
            spec = apply_overlay(spec, overlay)
        # Each document was bounded when read; an update merged in deep can pass the bound.
        check_depth(spec, source, "with its overlay applied, the spec is")
    if check:  # strictly: every finding, even one generation would work around, is an error
        from generator.validate import validate_spec  # slow to load: only when checking

        problems = validate_spec(spec, source)
        if problems:
            errors = [dataclasses.replace(d, severity="error") for d in problems]
            raise SpecgenError(relocate(errors, source))
    return Api(key, folder, config, source, overlay, spec, tuple(stale))


def read_config(doc: Document) -> ApiConfig:
    data = doc.data
    if not isinstance(data, Mapping):
        raise doc.error("", "the config must be a mapping")

    def text(key: str, *, required: bool = True, identifier: bool = False) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise doc.error(f"/{key}", f"'{key}' must be a non-empty string")
        if identifier and (not _IDENTIFIER.match(value) or keyword.iskeyword(value)):
            raise doc.error(f"/{key}", f"'{key}' must be a Python identifier, not {value!r}")
        if identifier and naming.shadows_module(value):
            raise doc.error(
                f"/{key}", f"'{key}: {value}' would shadow the Python module of that name"
            )
        if identifier and hasattr(builtins, value):
            raise doc.error(
                f"/{key}", f"'{key}: {value}' would shadow the Python built-in of that name"
            )
        if key in ("spec", "overlay") and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise doc.error(f"/{key}", f"'{key}' must be a path inside the API folder")
        return value

    keys = {"name", "package", "client_class", "spec", "overlay", "record", "templates"}
    keys |= {"resources", "version", "revision", "upstream"}
    unknown = set(data) - keys
    if unknown:
        raise doc.error(f"/{sorted(unknown)[0]}", f"unknown config key {sorted(unknown)[0]!r}")
    record = data.get("record") or {}
    if not isinstance(record, Mapping):
        raise doc.error("/record", "'record' must be a mapping")
    env = record.get("env") or {}
    if not isinstance(env, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise doc.error("/record/env", "'record.env' must map argument names to variable names")
    redact = record.get("redact") or []
    if not isinstance(redact, list) or not all(isinstance(r, str) for r in redact):
        raise doc.error("/record/redact", "'record.redact' must be a list of names")
    templates = data.get("templates", list(DEFAULT_SETS))
    if (
        not isinstance(templates, list)
        or not templates
        or not all(isinstance(t, str) and t for t in templates)
    ):
        raise doc.error(
            "/templates", "'templates' must be a non-empty list of set names or folders"
        )
    version, revision = _version(doc)
    return ApiConfig(
        version=version,
        revision=revision,
        resources=_resources(doc),
        upstream=_upstream(doc),
        name=text("name") or "",
        package=text("package", identifier=True) or "",
        client_class=text("client_class", identifier=True) or "",
        spec=text("spec") or "",
        overlay=text("overlay", required=False),
        record_env=dict(env),
        redact=tuple(redact),
        templates=tuple(templates),
    )


_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token
# Printable ASCII: the HTTP client sends nothing else (non-ASCII text fails, control
# characters are refused or worse). ``re.match`` with ``$`` would let a final newline through.
HEADER_VALUE = re.compile(r"[\x20-\x7e]*")
#: ``${NAME}`` in a header value: the environment variable NAME (checked to be a name here).
ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _upstream(doc: Document) -> Upstream | None:
    """The config's ``upstream``: a URL, or a mapping with ``url``, ``headers`` and ``format``."""
    value = doc.data.get("upstream")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, Mapping):
        raise doc.error("/upstream", "'upstream' must be a URL or a mapping with 'url'")
    unknown = sorted(set(value) - {"url", "headers", "format"})
    if unknown:
        raise doc.error(f"/upstream/{unknown[0]}", f"unknown upstream key {unknown[0]!r}")
    url = value.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if (
        not isinstance(url, str)
        or parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not url.isprintable()
    ):
        raise doc.error("/upstream/url", f"'upstream.url' must be an http(s) URL, not {url!r}")
    if parts.username is not None or parts.password is not None:
        # A URL is printed in every report; a credential belongs in a header from the environment.
        raise doc.error(
            "/upstream/url", "'upstream.url' must not hold a user or password: use 'headers'"
        )
    headers = value.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise doc.error("/upstream/headers", "'upstream.headers' must map header names to values")
    for name, text in headers.items():
        where = to_pointer(("upstream", "headers", str(name)))
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise doc.error(where, f"{name!r} is not an HTTP header name")
        if not isinstance(text, str) or not HEADER_VALUE.fullmatch(text):
            raise doc.error(where, "a header value must be one line of printable ASCII text")
        for reference in ENV_REFERENCE.findall(text):
            if not _ENV_NAME.fullmatch(reference):
                raise doc.error(where, f"'${{{reference}}}' does not name an environment variable")
    if headers and parts.scheme != "https" and parts.hostname not in _LOOPBACK_HOSTS:
        # Header values are credentials more often than not: never in clear over a network.
        raise doc.error("/upstream/url", "an upstream with headers must be an https URL")
    fmt = value.get("format")
    if fmt is not None and fmt not in ("json", "yaml"):
        raise doc.error("/upstream/format", f"'upstream.format' must be json or yaml, not {fmt!r}")
    return Upstream(url, dict(headers), fmt)


def _resources(doc: Document) -> ResourceMode:
    """The config's ``resources`` rule (``auto`` when not given)."""
    value = doc.data.get("resources", "auto")
    mode = resource_mode(value)
    if mode is not None:
        return mode
    choices = ", ".join(RESOURCE_MODES)
    raise doc.error("/resources", f"'resources' must be one of {choices}, not {value!r}")


def _version(doc: Document) -> tuple[str | None, int]:
    """The config's ``version`` (a PEP 440 version) or ``revision`` (a counter), at most one."""
    version, revision = doc.data.get("version"), doc.data.get("revision", 0)
    if version is not None and not isinstance(version, str):  # YAML read 1.10 as 1.1
        raise doc.error(
            "/version", f"'version' must be quoted text such as '1.2.0', not {version!r}"
        )
    if version is not None and not versions.valid(version):
        raise doc.error(
            "/version", f"'version' must be a PEP 440 version such as '1.2.0', not {version!r}"
        )
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        raise doc.error("/revision", f"'revision' must be a whole number >= 0, not {revision!r}")
    if version is not None and "revision" in doc.data:
        raise doc.error("/revision", "give 'version' or 'revision', not both")
    return version, revision
