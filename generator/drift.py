"""``specgen drift``: has a vendor published a new version of its spec?

Each API whose ``specgen.yaml`` names an ``upstream`` gets its published document fetched
(all of them at once, one attempt each, within one overall deadline; every fetch bounded in
size as ``generator/fetch.py`` bounds it), the API's overlay applied to it and the result
compared with the committed effective spec, as ``specgen diff API FILE`` compares them:

- ``unchanged``: the same effective spec;
- ``changed``: differences, none of which breaks a client generated from the committed spec
  (also when the only differences are ones a client does not depend on, such as descriptions,
  or when the new version makes overlay actions stale);
- ``breaking``: at least one breaking change;
- ``failed``: it could not be checked (a network failure, an answer that is not a spec, a
  new version the overlay does not apply to or that does not validate, a missing variable).

Overlay actions that select nothing in the new version (a fix the vendor made upstream) are
listed with each result. Nothing is written here; ``specgen drift --write`` hands each changed
API over to ``generator.update``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from generator.diff import Change, FailOn, diff_specs, exit_code, render_markdown
from generator.diff import render_text as render_changes
from generator.errors import InputError, SpecgenError, one_line
from generator.fetch import fetch_url_async
from generator.load import Document
from generator.markdown import code, fence, inline
from generator.overlay import StaleAction
from generator.project import (
    CONFIG_NAME,
    ENV_REFERENCE,
    HEADER_VALUE,
    Api,
    Upstream,
    effective_api,
    load_api,
)
from generator.update import read_new_version

Status: TypeAlias = Literal["unchanged", "changed", "breaking", "failed"]
STATUSES: tuple[Status, ...] = ("unchanged", "changed", "breaking", "failed")

DEADLINE_SECONDS = 120.0
"""Longest a whole ``drift`` run may wait for its upstream documents (all fetched at once)."""


@dataclass
class Drift:
    """What one API's upstream document says against the committed spec."""

    api: str
    url: str
    status: Status
    changes: list[Change] = field(default_factory=list)
    stale: list[StaleAction] = field(default_factory=list)
    error: str | None = None
    old_version: str | None = None
    new_version: str | None = None
    # The upstream document as fetched and its format: what ``--write`` hands to update.
    text: str | None = field(default=None, repr=False)
    format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (the ``--format json`` entry of one API)."""
        return {
            "api": self.api,
            "upstream": self.url,
            "status": self.status,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "error": self.error,
            "changes": [change.to_dict() for change in self.changes],
            "stale_actions": [_stale_dict(action) for action in self.stale],
            "steps": steps(self),
        }


def upstream_apis(specs_dir: Path, keys: Sequence[str], named: bool) -> list[Api]:
    """The APIs to check: each of ``keys`` (which must name an upstream when ``named``)."""
    apis = []
    for key in keys:
        api = load_api(specs_dir, key, check=False)
        if api.config.upstream is not None:
            apis.append(api)
        elif named:
            raise InputError.at(
                api.folder / CONFIG_NAME,
                "",
                "no 'upstream' (where the vendor publishes the spec): nothing to compare with",
            )
    return apis


def check_drift(apis: Sequence[Api], deadline: float | None = None) -> list[Drift]:
    """Fetch every API's upstream document at once and compare each with the committed spec.

    ``deadline`` bounds the whole run (default ``DEADLINE_SECONDS``): a fetch still running
    then is abandoned and its API reported as ``failed``.
    """
    limit = DEADLINE_SECONDS if deadline is None else deadline
    answers = asyncio.run(_fetch_all(apis, limit))
    return [_compare(api, answer) for api, answer in zip(apis, answers, strict=True)]


async def _fetch_all(apis: Sequence[Api], deadline: float) -> list[str | SpecgenError]:
    async def one(upstream: Upstream) -> str:
        return await fetch_url_async(upstream.url, resolve_headers(upstream))

    tasks = [asyncio.ensure_future(one(_upstream(api))) for api in apis]
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    answers: list[str | SpecgenError] = []
    for api, task in zip(apis, tasks, strict=True):
        if task in pending:
            reason = f"no complete answer within {deadline:g} s (the deadline of the whole run)"
            answers.append(SpecgenError(f"{_upstream(api).url}: cannot fetch: {reason}"))
            continue
        error = task.exception()
        if error is None:
            answers.append(task.result())
        elif isinstance(error, SpecgenError):
            answers.append(error)
        else:
            raise error  # a bug, not an answer: not to be reported as a failed fetch
    return answers


def resolve_headers(upstream: Upstream) -> dict[str, str]:
    """The upstream's headers with every ``${NAME}`` replaced by that environment variable.

    A variable's value is a credential more often than not: a value no header can carry is
    refused naming the variable, never showing the value (the HTTP client's own error would
    quote it, or fail outright on non-ASCII text). Surrounding spaces are not part of a header
    value (RFC 9110), so they are dropped.
    """
    resolved = {}
    for name, template in upstream.headers.items():
        variables = ENV_REFERENCE.findall(template)
        missing = [v for v in variables if v not in os.environ]
        if missing:
            raise SpecgenError(
                f"{upstream.url}: cannot fetch: the header {name} needs the environment "
                f"variable {missing[0]}, which is not set"
            )
        unusable = [v for v in variables if not HEADER_VALUE.fullmatch(os.environ[v])]
        if unusable:
            raise SpecgenError(
                f"{upstream.url}: cannot fetch: the header {name}: the environment variable "
                f"{unusable[0]} holds a line break, a control character or non-ASCII text, "
                "which a header cannot carry (its value is not shown)"
            )
        value = ENV_REFERENCE.sub(lambda m: os.environ[m.group(1)], template)
        resolved[name] = value.strip(" ")
    return resolved


def _upstream(api: Api) -> Upstream:
    assert api.config.upstream is not None  # upstream_apis keeps only those
    return api.config.upstream


def _compare(api: Api, answer: str | SpecgenError) -> Drift:
    upstream = _upstream(api)
    old_version = _version(api.spec)
    if isinstance(answer, SpecgenError):
        return Drift(api.key, upstream.url, "failed", error=_first(answer), old_version=old_version)
    try:
        document, _ = read_new_version(
            api.folder / api.config.spec, answer, upstream.url, upstream.format
        )
        new = _effective(api, document)
    except SpecgenError as exc:
        return Drift(api.key, upstream.url, "failed", error=_first(exc), old_version=old_version)
    changes = diff_specs(api.spec, new.spec)
    if new.spec == api.spec and not new.stale:
        status: Status = "unchanged"
    elif exit_code(changes, "breaking"):
        status = "breaking"
    else:
        status = "changed"
    return Drift(
        api.key,
        upstream.url,
        status,
        changes,
        list(new.stale),
        old_version=old_version,
        new_version=_version(new.spec),
        text=answer,
        format=upstream.format,
    )


def _effective(api: Api, document: Document) -> Api:
    """The new version with the API's overlay applied (stale actions passed over) and
    validated strictly, as ``specgen diff`` validates: a diff of something that is not a valid
    OpenAPI document would report nothing, or nonsense."""
    return effective_api(api.key, api.folder, api.config, document, api.overlay, allow_stale=True)


def _first(exc: SpecgenError) -> str:
    """One line for an error: its first diagnostic, and how many more there are."""
    lines = [str(d) for d in exc.diagnostics] or [str(exc)]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return lines[0] + more


def _version(spec: Any) -> str | None:
    info = spec.get("info") if isinstance(spec, Mapping) else None
    version = info.get("version") if isinstance(info, Mapping) else None
    return str(version) if version is not None else None


def _stale_dict(action: StaleAction) -> dict[str, Any]:
    where = action.diagnostic
    return {
        "file": where.file,
        "line": where.line,
        "pointer": where.pointer,
        "target": action.target,
        "description": action.description,
    }


# -- the exit status -------------------------------------------------------------------------


def drift_exit_code(results: Sequence[Drift], fail_on: FailOn) -> int:
    """2 when an API could not be checked; else 1 when a result is of the ``fail_on`` kind."""
    if any(r.status == "failed" for r in results):
        return 2
    if fail_on == "any":
        return int(any(r.status != "unchanged" for r in results))
    if fail_on == "breaking":
        return int(any(r.status == "breaking" for r in results))
    return 0


# -- rendering -------------------------------------------------------------------------------

_PROSE_ONLY = "No change a client depends on (descriptions, examples, metadata).\n"


def steps(result: Drift) -> list[str]:
    """The commands that take the new version in (empty when there is nothing to take)."""
    if result.status in ("unchanged", "failed"):
        return []
    drop = " --drop-stale" if result.stale else ""
    return [f"specgen drift {result.api} --write{drop}", "make test"]


def _heading(result: Drift) -> str:
    versions = ""
    if result.new_version is not None and result.new_version != result.old_version:
        versions = f" ({result.old_version} -> {result.new_version})"
    return f"{result.api}: {result.status}{versions}"


def _summary(results: Sequence[Drift]) -> str:
    counts = ", ".join(f"{sum(r.status == s for r in results)} {s}" for s in STATUSES)
    return f"{len(results)} API{'' if len(results) == 1 else 's'} checked: {counts}"


def render_text(results: Sequence[Drift]) -> str:
    """For a terminal: per API a heading, its changes and stale actions; then a summary."""
    lines: list[str] = []
    for result in results:
        lines.append(f"{one_line(_heading(result))}  {result.url}")
        if result.error is not None:
            lines.append(f"  error: {result.error}")
        if result.status in ("changed", "breaking"):
            # diff's text writes out the control characters of the spec's text, as one_line
            body = render_changes(result.changes) if result.changes else _PROSE_ONLY
            lines += [f"  {line}" for line in body.splitlines()]
        for action in result.stale:
            lines.append(f"  stale: {action.diagnostic}")
        for step in steps(result):
            lines.append(f"  to take it: {step}")
    lines.append(_summary(results))
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[Drift]) -> str:
    """Stable JSON: a summary by status and one entry per API (``Drift.to_dict``)."""
    document = {
        "summary": {status: sum(r.status == status for r in results) for status in STATUSES},
        "apis": [result.to_dict() for result in results],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def render_markdown_report(results: Sequence[Drift]) -> str:
    """For a pull request's body: a summary, then per API its classification, the stale
    overlay actions and the steps that take the new version in."""
    lines = ["## Upstream spec drift", "", f"{_summary(results)}."]
    for result in results:
        lines += ["", f"### {code(result.api)}: {result.status}", ""]
        lines.append(f"- Upstream: {code(result.url)}")
        if result.new_version is not None and result.new_version != result.old_version:
            old = code(str(result.old_version))
            lines.append(f"- Version: {old} -> {code(result.new_version)}")
        if result.error is not None:
            lines += ["", f"Could not check: {code(result.error, cell=False)}"]
        if result.status in ("changed", "breaking"):
            body = render_markdown(result.changes) if result.changes else _PROSE_ONLY
            lines += ["", body.rstrip("\n")]
        if result.stale:
            lines += ["", "Overlay actions the new version makes stale (the vendor made the fix):"]
            lines += [f"- {_stale_markdown(action)}" for action in result.stale]
        if steps(result):
            lines += ["", "To take it:", "", fence("\n".join(steps(result)), "sh")]
    return "\n".join(lines) + "\n"


def _stale_markdown(action: StaleAction) -> str:
    """A stale action for a list item: where in code spans, the message as escaped text."""
    where = action.diagnostic
    place = where.file if where.line is None else f"{where.file}:{where.line}"
    return f"{code(place)} at {code(where.pointer)}: {inline(where.message)}"
