"""The ``specgen`` command line."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from generator import __version__, exits, versions
from generator.build.resources import RESOURCE_MODES, resource_mode
from generator.bundle import load_spec, report_for
from generator.cache import Cache, use
from generator.check import run_check
from generator.errors import InputError, Report, SpecgenError
from generator.overlay import StaleAction
from generator.pipeline import Generation, api_in_memory, generate_in_memory, spec_file_target
from generator.progress import Progress
from generator.project import CONFIG_NAME, api_folder, effective_api, list_apis, load_api
from generator.template_sets import DEFAULT_SETS, Templates
from generator.template_sets import templates_option as read_templates
from generator.write import write_package

if TYPE_CHECKING:
    from generator.drift import Drift

F = TypeVar("F", bound=Callable[..., Any])

specs_option = click.option(
    "--specs",
    "specs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("specs"),
    show_default=True,
    help="Folder holding one sub-folder per API.",
)


output_option = click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("generated"),
    show_default=True,
    help="Folder holding one generated package per API.",
)
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings (an operation or schema left out, a value ignored) as errors.",
)
templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help=(
        "A template set of your own (a folder with a set.yaml), rendered for every API, or a "
        "folder overriding single files of the built-in sets (DIR/<set>/<relative path>)."
    ),
)


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)


def fail_on_option(default: str, help_text: str) -> Callable[[F], F]:
    """``--fail-on breaking|any|never``: which changes make the exit status 1 (or refuse)."""
    return click.option(
        "--fail-on",
        type=click.Choice(["breaking", "any", "never"]),
        default=default,
        show_default=True,
        help=help_text,
    )


def run_options(command: F) -> F:
    """``--quiet``, ``--progress`` and ``--no-cache``, for the commands that generate."""
    command = click.option(
        "--no-cache",
        is_flag=True,
        help="Neither read nor write the cache (.cache/specgen, or $SPECGEN_CACHE_DIR).",
    )(command)
    command = click.option(
        "--progress",
        "show_progress",
        is_flag=True,
        help="Show progress on stderr even when it is not a terminal.",
    )(command)
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No progress and no per-API lines; warnings, errors and the summary still show.",
    )(command)


def run_context(quiet: bool, show_progress: bool, no_cache: bool) -> tuple[Cache, Progress]:
    """The run's cache (also made the one documents are parsed with) and progress display."""
    cache = Cache.default(enabled=not no_cache)
    use(cache)
    # For the command only: a program (or a test) calling the CLI in its own process goes on
    # without a cache, as library calls do.
    click.get_current_context().call_on_close(lambda: use(None))
    return cache, Progress.choose(quiet=quiet, forced=show_progress)


@contextmanager
def reported_errors(status: int = exits.BAD_INPUT) -> Iterator[None]:
    """Turn specgen's errors into clear messages and exit ``status``, never a traceback.

    What the command line names but is not there (``InputError``) is bad usage whatever the
    command: exit 2.
    """
    try:
        yield
    except InputError as exc:
        echo_diagnostics(exc)
        sys.exit(exits.BAD_INPUT)
    except SpecgenError as exc:
        echo_diagnostics(exc)
        sys.exit(status)


def echo_diagnostics(exc: SpecgenError) -> None:
    for diagnostic in exc.diagnostics:
        click.echo(f"{diagnostic.severity}: {diagnostic}", err=True)


def selected_apis(specs_dir: Path, names: tuple[str, ...]) -> list[str]:
    """The APIs named (each must exist: a typo stops the command before anything runs), or all."""
    for name in names:
        api_folder(specs_dir, name)
    return list(names) if names else list_apis(specs_dir)


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the file (both, for a rename) and the reason."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return f"error: {reason}"
    where = str(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {exc.filename2}"
    return f"error: {where}: {reason}"


def write_to(folder: Path, files: dict[str, str]) -> None:
    """``write_package``, with a refusal of the operating system said in one line."""
    try:
        write_package(folder, files)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SpecgenError.at(folder, "", f"cannot write the package: {reason}") from None


class _Commands(click.Group):
    """The command group: the last resort that keeps every failure to one line and its status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecursionError:
            # Reading refuses documents nested beyond the documented limit, so this should not
            # happen; if some input still gets here, one line beats a thousand-line traceback.
            click.echo("error: the input is nested too deeply to process", err=True)
            sys.exit(exits.BAD_INPUT)
        except BrokenPipeError:
            # The reader of stdout went away (``| head``): nothing to say, and no one to say it to
            # on stdout; point it at devnull so the interpreter's last flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(exits.BROKEN_PIPE)
        except OSError as exc:  # a folder that cannot be written, a file that cannot be read
            click.echo(os_error_line(exc), err=True)
            sys.exit(exits.BAD_INPUT)
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1. Every write is atomic (a package, a spec,
            # a cache entry), so whatever was interrupted left the old files in place.
            start = "\r\x1b[K" if sys.stderr.isatty() else ""  # over a progress line and ^C
            click.echo(f"{start}{exits.INTERRUPTED_LINE}", err=True)
            sys.exit(exits.INTERRUPTED)


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=exits.EPILOG,
)
@click.version_option(__version__, "--version", "-V", prog_name="specgen")
def main() -> None:
    """specgen: typed Python clients from validated, overlaid OpenAPI specs."""


@main.command(epilog=exits.epilog("a spec is invalid (with --strict: or has a warning)"))
@specs_option
@templates_option
@strict_option
@run_options
@click.argument("apis", nargs=-1)
def validate(
    specs_dir: Path,
    templates_dir: Path | None,
    strict: bool,
    quiet: bool,
    show_progress: bool,
    no_cache: bool,
    apis: tuple[str, ...],
) -> None:
    """Check each API's spec as generate does, writing nothing (all APIs when none are named).

    The overlay is applied, the spec validated, and the client and models built in memory:
    what generate would refuse or leave out is reported here, warnings included.
    """
    failed = 0
    cache, progress = run_context(quiet, show_progress, no_cache)
    with reported_errors():
        templates = read_templates(templates_dir)
        names = selected_apis(specs_dir, apis)  # before any API is checked: a typo is usage
    for name in names:
        progress.api = name
        try:
            api = load_api(specs_dir, name, check=False)
            report = report_for(api.source)
            generation = api_in_memory(api, templates, report, cache=cache, progress=progress)
            progress.clear()
            finish(report, strict)
        except SpecgenError as exc:
            progress.clear()
            failed += 1
            echo_diagnostics(exc)
            continue
        if not quiet or report.warnings:
            summary = f" ({generation.summary(report)})" if report.warnings else ""
            click.echo(f"ok: {name}{summary}")
    if failed:
        click.echo(f"{failed} of {len(names)} specs invalid", err=True)
        sys.exit(exits.FOUND)


@main.command(epilog=exits.epilog())
@specs_option
@click.argument("api")
def bundle(specs_dir: Path, api: str) -> None:
    """Print the effective (overlaid, validated) spec of API as JSON."""
    with reported_errors():
        loaded = load_api(specs_dir, api)
    click.echo(json.dumps(loaded.spec, indent=2, ensure_ascii=False, default=str))


@main.command(epilog=exits.epilog())
@specs_option
@output_option
@templates_option
@click.option(
    "--spec",
    "spec_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Generate from this one OpenAPI file instead of the APIs in --specs.",
)
@click.option(
    "--overlay",
    "overlay_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="An OpenAPI Overlay applied to --spec first (fixes to a vendor spec).",
)
@click.option("--package", default=None, help="Package name for --spec (default: from the title).")
@strict_option
@click.option(
    "--client-name", default=None, help="Client class for --spec (default: from the title)."
)
@click.option(
    "--resources",
    type=click.Choice(RESOURCE_MODES),
    default=None,
    help="For --spec: group operations into resources by tag (default: auto, see docs/config.md).",
)
@click.option(
    "--package-version",
    default=None,
    help="For --spec: the package's PEP 440 version (default: the spec's info.version as PEP 440).",
)
@run_options
@click.argument("apis", nargs=-1)
def generate(
    specs_dir: Path,
    output_dir: Path,
    templates_dir: Path | None,
    spec_file: Path | None,
    overlay_file: Path | None,
    package: str | None,
    client_name: str | None,
    strict: bool,
    resources: str | None,
    package_version: str | None,
    quiet: bool,
    show_progress: bool,
    no_cache: bool,
    apis: tuple[str, ...],
) -> None:
    """Generate a typed client package per API into --output (all APIs when none are named).

    What cannot be generated (one operation, one schema) is left out with a warning naming its
    place; --strict makes every warning an error, and then nothing is written.
    """
    cache, progress = run_context(quiet, show_progress, no_cache)
    with reported_errors():
        templates = read_templates(templates_dir)
        given = (overlay_file, package, client_name, resources, package_version)
        if spec_file is None and any(value is not None for value in given):
            raise SpecgenError(
                "--overlay, --package, --client-name, --resources and --package-version go with"
                " --spec"
            )
        if package_version is not None and not versions.valid(package_version):
            raise SpecgenError(
                f"--package-version must be a PEP 440 version (1.2.0), not {package_version!r}"
            )
        if spec_file is not None:
            if apis:
                raise SpecgenError("give either --spec or API names, not both")
            progress.stage("reading the spec")
            source, target = spec_file_target(spec_file, package, client_name, overlay_file)
            target = dataclasses.replace(
                target, resources=resource_mode(resources) or "auto", version=package_version
            )
            progress.api = target.package
            report = report_for(source)
            sets = templates.for_api(DEFAULT_SETS)
            generation = generate_in_memory(
                source.data, source.name, target, sets, report, cache=cache, progress=progress
            )
            progress.stage("writing")
            progress.clear()
            finish(report, strict)
            write_to(output_dir / target.package, generation.files)
            if not quiet:
                click.echo(f"generated {output_dir / target.package}: {generation.summary(report)}")
            return
        names = selected_apis(specs_dir, apis)
        for index, name in enumerate(names, 1):
            progress.api = name
            folder, done, report = _generate_api(
                specs_dir, name, output_dir, templates, strict, cache, progress
            )
            if not quiet:
                click.echo(f"[{index}/{len(names)}] {name}: wrote {folder}: {done.summary(report)}")


def _generate_api(
    specs_dir: Path,
    name: str,
    output_dir: Path,
    templates: Templates,
    strict: bool,
    cache: Cache,
    progress: Progress,
) -> tuple[Path, Generation, Report]:
    progress.stage("reading the spec")
    api = load_api(specs_dir, name, check=False)  # checked as generation goes, leniently or not
    report = report_for(api.source)
    try:
        generation = api_in_memory(api, templates, report, cache=cache, progress=progress)
    finally:
        progress.clear()
    finish(report, strict)
    folder = output_dir / api.config.package
    write_to(folder, generation.files)
    return folder, generation, report


def finish(report: Report, strict: bool) -> None:
    """Print the warnings; raise when there are errors (warnings count under ``strict``)."""
    if not (report.errors or strict):
        for diagnostic in report.warnings:
            click.echo(f"warning: {diagnostic}", err=True)
    report.raise_for(strict=strict)


@main.command(epilog=exits.epilog("a spec is invalid, a package stale or a recording unfit"))
@specs_option
@output_option
@templates_option
@strict_option
@run_options
@click.argument("apis", nargs=-1)
def check(
    specs_dir: Path,
    output_dir: Path,
    templates_dir: Path | None,
    strict: bool,
    quiet: bool,
    show_progress: bool,
    no_cache: bool,
    apis: tuple[str, ...],
) -> None:
    """The CI drift check: specs valid, generated/ current, recordings fit (writes nothing)."""
    cache, progress = run_context(quiet, show_progress, no_cache)
    with reported_errors():  # a bad --templates folder or API name: the check cannot run
        templates = read_templates(templates_dir)
        names = selected_apis(specs_dir, apis)
    with reported_errors(exits.FOUND):
        report = run_check(
            specs_dir,
            output_dir,
            templates,
            names,
            click.echo,
            strict=strict,
            cache=cache,
            progress=progress,
            quiet=quiet,
        )
    sys.exit(exits.OK if report.ok else exits.FOUND)


def _spec_for_diff(specs_dir: Path, argument: str, overlay_from: str | None) -> Any:
    """An API name gives its effective spec; a file is read as is or with an API's overlay.

    Either way the spec is validated as ``validate`` does: a diff of something that is not an
    OpenAPI document would report nothing, or crash.
    """
    path = Path(argument)
    if not path.is_file():
        _refuse_missing_file(specs_dir, path)
        return load_api(specs_dir, argument).spec
    source = load_spec(path)  # with the files it refers to in its folder, bundled
    if overlay_from is None:
        from generator.validate import validate_spec

        problems = validate_spec(source.data, source)
        if problems:  # strictly: a diff of a repaired copy would show changes nobody made
            raise SpecgenError([dataclasses.replace(d, severity="error") for d in problems])
        return source.data
    api = load_api(specs_dir, overlay_from, check=False)
    # Stale actions (fixes the new spec already has) are passed over and listed, so the diff
    # still shows what changed for the client.
    new = effective_api(api.key, api.folder, api.config, source, api.overlay, allow_stale=True)
    echo_stale(new.stale, dropped=False)
    return new.spec


def echo_stale(stale: Sequence[StaleAction], *, dropped: bool) -> None:
    """One line on stderr per stale overlay action: file, line and the action's description."""
    for action in stale:
        click.echo(f"{'dropped' if dropped else 'stale'}: {action.diagnostic}", err=True)


def _refuse_missing_file(specs_dir: Path, path: Path) -> None:
    """Say a file is missing when ``path`` names a file (a folder or a spec suffix in it) and
    no API: ``diff /missing.json X`` is a typo in a path, not an unknown API."""
    if (specs_dir / str(path) / CONFIG_NAME).is_file():
        return
    if path.is_dir():
        raise InputError.at(path, "", "a folder, not a spec file (nor an API)")
    named_file = len(path.parts) > 1 or path.suffix.lower() in (".json", ".yaml", ".yml")
    if named_file:
        raise InputError.at(path, "", "file not found")


@main.command(epilog=exits.epilog("a change of the --fail-on kind (by default a breaking one)"))
@specs_option
@format_option
@fail_on_option("breaking", "Which changes make the exit code 1.")
@click.argument("old")
@click.argument("new")
def diff(specs_dir: Path, output_format: str, fail_on: str, old: str, new: str) -> None:
    """Classify the changes from OLD to NEW as breaking or not for a client.

    OLD and NEW are spec files or API names (an API's effective spec). When OLD is an API and
    NEW a file, NEW gets that API's overlay too, so declared fixes do not show up as changes.
    """
    with reported_errors():
        old_is_api = not Path(old).is_file()
        old_spec = _spec_for_diff(specs_dir, old, None)
        new_spec = _spec_for_diff(specs_dir, new, old if old_is_api else None)
    from generator.diff import diff_specs, exit_code, render_json, render_markdown, render_text

    changes = diff_specs(old_spec, new_spec)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[output_format]
    click.echo(render(changes).rstrip("\n"))
    sys.exit(exit_code(changes, fail_on))  # type: ignore[arg-type]


@main.command("record", epilog=exits.epilog())
@specs_option
@output_option
@click.option("--param", "params", multiple=True, help="NAME=VALUE; repeat for each parameter.")
@click.option("--body", "body_file", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--name", default=None, help="Recording name (default: a timestamp).")
@click.argument("api")
@click.argument("operation")
def record_command(
    specs_dir: Path,
    output_dir: Path,
    params: tuple[str, ...],
    body_file: Path | None,
    name: str | None,
    api: str,
    operation: str,
) -> None:
    """Call OPERATION of API live, with credentials from the environment, and record it.

    The exchange is written to specs/<api>/recordings/ with secrets replaced by <redacted>.
    """
    from generator.record import record  # the commands below load what they need when run

    with reported_errors():
        path = record(load_api(specs_dir, api), operation, params, body_file, output_dir, name)
    click.echo(f"recorded {path}")


@main.command(epilog=exits.epilog("the new version fails a check (overlay, spec, recordings...)"))
@specs_option
@output_option
@click.option("--from", "source", required=True, help="The new spec: a file, or an http(s) URL.")
@fail_on_option("never", "Refuse the update when the diff has changes of this kind.")
@click.option(
    "--drop-stale",
    is_flag=True,
    help="Remove overlay actions that match nothing in the new version from the overlay file.",
)
@templates_option
@strict_option
@click.argument("api")
def update(
    specs_dir: Path,
    output_dir: Path,
    source: str,
    fail_on: str,
    drop_stale: bool,
    templates_dir: Path | None,
    strict: bool,
    api: str,
) -> None:
    """Replace API's spec by a new version: overlay, diff, regenerate, check recordings.

    Nothing is changed unless every step succeeds.
    """
    from generator.diff import exit_code, render_text
    from generator.update import apply_update, plan_update

    with reported_errors():
        templates = read_templates(templates_dir)
    with reported_errors(exits.FOUND):  # the new version fails a check: 1; no new version: 2
        plan = plan_update(specs_dir, api, source, templates, strict=strict, drop_stale=drop_stale)
    echo_stale(plan.stale, dropped=drop_stale)
    for diagnostic in plan.warnings:
        click.echo(f"warning: {diagnostic}", err=True)
    click.echo(render_text(plan.changes).rstrip("\n"))
    if plan.blocked_by_stale:
        click.echo(
            f"error: {len(plan.stale)} overlay action(s) match nothing in the new version "
            "(the vendor made the fix, or the target moved): fix them, or rerun with "
            "--drop-stale to remove them from the overlay; nothing changed",
            err=True,
        )
        sys.exit(exits.FOUND)
    if exit_code(plan.changes, fail_on):  # type: ignore[arg-type]
        click.echo(f"error: update refused (--fail-on {fail_on}); nothing changed", err=True)
        sys.exit(exits.FOUND)
    with reported_errors():
        package = load_api(specs_dir, api, check=False).config.package
        apply_update(plan, output_dir / package)
    overlay = f", {plan.overlay_path}" if plan.overlay_path is not None else ""
    click.echo(f"updated {plan.spec_path}{overlay} and {output_dir / package}")


@main.command(
    epilog=exits.epilog(
        "an upstream spec changed (a change of the --fail-on kind: by default any)",
        "an API could not be checked (or, with --write, could not be updated)",
    )
)
@specs_option
@output_option
@format_option
@fail_on_option("any", "Which upstream changes make the exit code 1.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds the whole run may wait for the upstream documents (default 120; each "
    "document at most 60).",
)
@click.option(
    "--write",
    is_flag=True,
    help="Hand every changed API over to `specgen update` (spec, overlay, package; each all "
    "or nothing).",
)
@click.option(
    "--drop-stale",
    is_flag=True,
    help="With --write: remove overlay actions the new version makes stale (as update does).",
)
@templates_option
@strict_option
@run_options
@click.argument("apis", nargs=-1)
def drift(
    specs_dir: Path,
    output_dir: Path,
    output_format: str,
    fail_on: str,
    timeout: float | None,
    write: bool,
    drop_stale: bool,
    templates_dir: Path | None,
    strict: bool,
    quiet: bool,
    show_progress: bool,
    no_cache: bool,
    apis: tuple[str, ...],
) -> None:
    """Compare the spec each vendor publishes (``upstream`` in specgen.yaml) with the
    committed one: unchanged, changed, or breaking for the client, with the overlay actions
    the new version makes stale.

    All APIs with an upstream are checked, or those named. Nothing is written unless --write.
    """
    from generator import drift as drifting

    if drop_stale and not write:
        raise click.UsageError("--drop-stale goes with --write")
    _, progress = run_context(quiet, show_progress, no_cache)
    with reported_errors():
        targets = drifting.upstream_apis(specs_dir, selected_apis(specs_dir, apis), bool(apis))
        templates = read_templates(templates_dir) if write else None
    results = []
    if targets:
        progress.stage(f"fetching {len(targets)} upstream document(s)")
        results = drifting.check_drift(targets, timeout)
        progress.clear()
    else:  # still a report (an empty one): a tool reading the JSON gets JSON
        click.echo("no API names an upstream in its specgen.yaml: nothing to check", err=True)
    render = {
        "text": drifting.render_text,
        "json": drifting.render_json,
        "markdown": drifting.render_markdown_report,
    }[output_format]
    click.echo(render(results).rstrip("\n"))
    status = drifting.drift_exit_code(results, fail_on)  # type: ignore[arg-type]
    if write and templates is not None:
        changed = [r for r in results if r.status in ("changed", "breaking")]
        # Every changed API is tried, even after one fails: each update is all or nothing.
        taken = [
            _take_upstream(specs_dir, output_dir, r, templates, strict, drop_stale) for r in changed
        ]
        if not all(taken):
            status = exits.BAD_INPUT
    sys.exit(status)


def _take_upstream(
    specs_dir: Path,
    output_dir: Path,
    result: Drift,
    templates: Templates,
    strict: bool,
    drop_stale: bool,
) -> bool:
    """``specgen update`` with the upstream document ``drift`` fetched: True when written.

    Messages go to stderr, so that stdout stays the report (JSON or Markdown for a tool).
    """
    from generator.update import apply_update, plan_update

    try:
        plan = plan_update(
            specs_dir, result.api, result.url, templates,
            text=result.text, fmt=result.format, strict=strict, drop_stale=drop_stale,
        )  # fmt: skip
        echo_stale(plan.stale, dropped=drop_stale)
        if plan.blocked_by_stale:
            click.echo(
                f"error: {result.api}: not updated: {len(plan.stale)} overlay action(s) match "
                "nothing in the new version: fix them, or rerun with --drop-stale",
                err=True,
            )
            return False
        package = load_api(specs_dir, result.api, check=False).config.package
        apply_update(plan, output_dir / package)
    except SpecgenError as exc:
        echo_diagnostics(exc)
        click.echo(f"error: {result.api}: not updated; nothing changed for it", err=True)
        return False
    overlay = f", {plan.overlay_path}" if plan.overlay_path is not None else ""
    click.echo(f"updated {plan.spec_path}{overlay} and {output_dir / package}", err=True)
    return True
