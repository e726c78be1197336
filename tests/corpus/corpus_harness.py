"""Run one spec through specgen the way a new user would, and check what came out.

For a spec: ``specgen generate --spec`` (lenient) into a temporary folder; the operations of
the source spec counted here (paths x methods, path items behind a ``$ref`` followed) against
the generated ones and the warnings naming the rest; the package imported by a Python that has
only httpx and pydantic (a venv made once in the cache); ``mypy --strict`` on it, with that
venv's site-packages as the only third-party code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from corpus_sources import CACHE, ROOT

BIN = Path(sys.executable).parent
SPECGEN = BIN / "specgen"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MYPY_MAX_OPERATIONS = 300
# SPECGEN_CORPUS_BLACK=1: the black-stability check too (a second rendering of the spec and black
# over all of it, so about the generation's cost again: off by default, to keep the time budget).
BLACK_CHECK = os.environ.get("SPECGEN_CORPUS_BLACK") == "1"
BLACK_MAX_OPERATIONS = 300
GENERATE_TIMEOUT = 600
SUMMARY = re.compile(r"^generated (?P<dir>.+): (?P<done>\d+) of (?P<total>\d+) operations, ")
WARNING = re.compile(r"^warning: (?P<where>.*?)(?: at (?P<pointer>/\S*))?: (?P<message>.*)$")


# -- the operations of a source spec ------------------------------------------------------------


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def load_any(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def resolve(ref: str, base: Path, document: Any) -> tuple[Any, Path, Any]:
    """The node a ``$ref`` points to, with the file and document it is in."""
    location, _, fragment = ref.partition("#")
    if location:
        base = (base.parent / unquote(location)).resolve()
        document = load_any(base)
    node = document
    for token in unquote(fragment).split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node, base, document


def spec_operations(path: Path) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in the spec at ``path``, counted here
    independently of specgen: path items behind ``$ref``s (local, percent-encoded or in another
    file of the spec's folder) are followed; OpenAPI 3.2's ``query`` method and
    ``additionalOperations`` count too."""
    document = load_any(path)
    version = str(document.get("openapi", ""))
    methods = (*METHODS, "query") if version.startswith("3.2") else METHODS
    found = []
    for template, item in (document.get("paths") or {}).items():
        base, doc, seen = path, document, 0
        while isinstance(item, Mapping) and isinstance(item.get("$ref"), str) and seen < 20:
            try:
                item, base, doc = resolve(item["$ref"], base, doc)
            except (KeyError, IndexError, ValueError, OSError):
                item = {}
            seen += 1
        if not isinstance(item, Mapping):
            continue
        found += [(m.upper(), template) for m in methods if isinstance(item.get(m), Mapping)]
        extra = item.get("additionalOperations")
        if isinstance(extra, Mapping):
            found += [(str(m).upper(), template) for m in extra]
    return found


# -- the runtime venv: httpx and pydantic only ---------------------------------------------------


def runtime_python(cache: Path = CACHE) -> Path:
    """A venv with only httpx and pydantic (the versions specgen itself is tested with)."""
    pins = [f"{name}=={metadata.version(name)}" for name in ("httpx", "pydantic")]
    venv = cache / "runtime"
    python = venv / "bin" / "python"
    stamp = venv / ".pins"
    if stamp.exists() and stamp.read_text() == " ".join(pins):
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
        check=True,
    )
    stamp.write_text(" ".join(pins))
    return python


# Run by the runtime venv's Python in isolated mode (-I: no PYTHONPATH, no user site, no cwd):
# import the package, then list its operations and check both clients call each of them.
IMPORT_PROBE = r"""
import importlib, inspect, json, pkgutil, site, sys
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
name = sys.argv[2]
package = importlib.import_module(name)
client = importlib.import_module(name + "._client")
from_spec = importlib.import_module(name + "._spec")
# Where operations are: the client's own (a flat package, or untagged ones), and each resource
# (a large API grouped by tag): descriptors in an _operations module beside the calling classes.
places = []
try:
    places.append((importlib.import_module(name + "._operations"), client, True))
except ModuleNotFoundError:
    pass
try:
    resources = importlib.import_module(name + ".resources")
except ModuleNotFoundError:
    resources = None
for found in pkgutil.iter_modules(resources.__path__) if resources else ():
    module = importlib.import_module(f"{name}.resources.{found.name}")
    places.append((importlib.import_module(module.__name__ + "._operations"), module, False))
specs, uncalled = {}, []
for ops, module, is_client in places:
    own = {n: v for n, v in vars(ops).items() if isinstance(v, from_spec.OperationSpec)}
    specs.update({f"{ops.__name__}.{n}": v for n, v in own.items()})
    # The classes that call descriptors (sync and async); the raw-response views beside them
    # call through those, so they name no descriptor.
    callers = [
        inspect.getsource(c) for c in vars(module).values()
        if inspect.isclass(c) and c.__module__ == module.__name__
        and (not is_client or "def __init__" in inspect.getsource(c))
        and "_ops." in inspect.getsource(c)
    ]
    uncalled += [n for n in own if not callers or any(f"_ops.{n}," not in s for s in callers)]
classes = [
    c for c in vars(package).values() if inspect.isclass(c) and c.__module__ == client.__name__
]
sources = [inspect.getsource(c) for c in classes if "def __init__" in inspect.getsource(c)]
roots = tuple(site.getsitepackages())
third = sorted({
    n.split(".")[0] for n in set(sys.modules) - before
    if (getattr(sys.modules[n], "__file__", None) or "").startswith(roots)
})
print(json.dumps({
    "operations": sorted([s.method, s.path] for s in specs.values()),
    "clients": len(sources), "uncalled": uncalled, "third_party": third,
}))
"""
ALLOWED_THIRD_PARTY = {
    "httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi",
    "pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection",
}  # fmt: skip


# -- one spec ------------------------------------------------------------------------------------


@dataclass
class Result:
    """What happened to one spec; ``stage`` is the first check that failed (None: all passed)."""

    id: str
    operations: int = 0  # in the spec, counted here
    generated: int = 0
    warnings: list[str] = field(default_factory=list)
    mypy_errors: int | None = None  # None: not run
    seconds: float = 0.0
    stage: str | None = None
    message: str = ""
    unnamed: list[str] = field(default_factory=list)  # left out without a warning naming it
    imported: bool = False  # with only httpx and pydantic, both clients calling every operation
    errors: list[str] = field(default_factory=list)  # specgen's error lines, or mypy's

    def fail(self, stage: str, message: str) -> Result:
        if self.stage is None:
            self.stage, self.message = stage, message
        return self


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_spec(
    spec_id: str,
    spec: Path,
    *,
    mypy: bool = True,
    mypy_cache: Path | None = None,
    runtime: Path | None = None,
) -> Result:
    """Generate, count, import and type-check one spec; never raises for a bad spec."""
    result = Result(spec_id)
    start = time.monotonic()
    try:
        result.operations = len(spec_operations(spec))
    except Exception as exc:  # an unreadable spec is specgen's to refuse, counted as zero here
        result.message = f"not counted: {exc!r}"
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        try:
            _check(result, spec, Path(tmp), mypy, mypy_cache, runtime or runtime_python())
        except subprocess.TimeoutExpired as exc:
            stage = "generate" if "generate" in exc.cmd else "import" if "-I" in exc.cmd else "mypy"
            result.fail(stage, f"timed out after {exc.timeout} s")
    result.seconds = time.monotonic() - start
    return result


def _check(
    result: Result, spec: Path, out: Path, mypy: bool, cache: Path | None, runtime: Path
) -> None:
    done = subprocess.run(
        [str(SPECGEN), "generate", "--spec", str(spec), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT,
        cwd=out,
    )
    # The spec's place in the cache says nothing: messages name it by its file name.
    stderr = done.stderr.replace(str(spec), spec.name)
    result.warnings = [line for line in stderr.splitlines() if line.startswith("warning: ")]
    summary = next(filter(None, map(SUMMARY.match, done.stdout.splitlines())), None)
    if done.returncode != 0 or summary is None:
        result.errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        first = result.errors[0] if result.errors else stderr.strip()[-500:] or "no output"
        result.fail("generate", one_line(f"{len(result.errors)} errors, first: {first}"))
        return
    package_dir = Path(summary["dir"])
    package = package_dir.name
    result.generated = int(summary["done"])
    probe = subprocess.run(
        [str(runtime), "-I", "-c", IMPORT_PROBE, str(package_dir), package],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=out,
    )
    imported = json.loads(probe.stdout) if probe.returncode == 0 else None
    _check_operations(result, spec, int(summary["total"]), imported)
    if imported is None:
        result.fail("import", one_line((probe.stderr.strip().splitlines() or ["?"])[-1]))
    elif imported["uncalled"] or imported["clients"] != 2:
        result.fail("import", f"clients {imported['clients']}, uncalled {imported['uncalled']}")
    elif set(imported["third_party"]) - ALLOWED_THIRD_PARTY:
        result.fail("import", f"imports {imported['third_party']}")
    else:
        result.imported = True
    if mypy and result.operations <= MYPY_MAX_OPERATIONS:
        _mypy(result, package_dir, out, cache, runtime)
    if BLACK_CHECK and result.operations <= BLACK_MAX_OPERATIONS:
        _black_stable(result, spec)


def _black_stable(result: Result, spec: Path) -> None:
    """The python and cli sets and the models stage write black's style for this spec: black
    (after isort) changes no chunk without a line over 100 characters (``support.black_stable``,
    as ``tests/generate/test_black_stable.py`` checks the fixtures)."""
    from support.black_stable import render_raw, unstable

    from generator.pipeline import spec_file_target
    from generator.template_sets import Templates

    try:
        document, target = spec_file_target(spec, None, None)
        rendered = render_raw(
            document.data, spec.name, target, Templates().for_api(["python", "cli"])
        )
    except Exception:  # a spec specgen refuses is the generate stage's to report
        return
    found = [
        f"{name}: {item}"
        for name in sorted(rendered.python)
        for item in unstable(rendered.files[name])
    ]
    if found:
        result.errors = found
        result.fail("black", f"black changes {len(found)} chunks, first: {one_line(found[0])}")


def _check_operations(
    result: Result, spec: Path, total: int, imported: dict[str, Any] | None
) -> None:
    """Every operation of the spec generated or named by a warning (its pointer or below, or its
    path item's)."""
    if total != result.operations:
        result.fail(
            "operations", f"specgen counts {total} operations, the spec has {result.operations}"
        )
    if imported is None:
        return
    generated = {(m, p) for m, p in imported["operations"]}
    if len(generated) != result.generated:
        result.fail("operations", f"summary says {result.generated}, package has {len(generated)}")
    pointers = [m["pointer"] or "" for m in map(WARNING.match, result.warnings) if m]
    texts = "\n".join(result.warnings)
    for method, template in spec_operations(spec):
        if (method, template) in generated:
            continue
        item = f"/paths/{escape(template)}"
        where = f"{item}/{method.lower()}"
        # A warning on the operation (or below it) names it; so does one on its whole path item
        # (a path read differently, or skipped with its operations counted).
        named = any(p in (where, item) or p.startswith(where + "/") for p in pointers)
        if not named and where not in texts:
            result.unnamed.append(where)
    if result.unnamed:
        result.fail(
            "operations",
            f"{len(result.unnamed)} operations left out without a warning naming them, "
            f"e.g. {result.unnamed[0]}",
        )


def _mypy(result: Result, package_dir: Path, out: Path, cache: Path | None, runtime: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    done = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
            "--python-executable", str(runtime),
            "--cache-dir", str(cache or out / ".mypy_cache"),
            package_dir.name,
        ],
        capture_output=True, text=True, timeout=900, cwd=package_dir, env=env,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    result.mypy_errors = len(errors)
    result.errors = errors
    if done.returncode != 0:
        first = errors[0] if errors else (done.stderr or done.stdout).strip()[-300:]
        result.fail("mypy", f"{len(errors)} errors, first: {one_line(first)}")


# -- a pool of mypy caches, one per worker thread -----------------------------------------------


@contextmanager
def mypy_caches(count: int, cache: Path = CACHE) -> Iterator[list[Path]]:
    """``count`` mypy cache folders that survive between runs (one per concurrent worker)."""
    folders = [cache / "mypy" / str(i) for i in range(count)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    yield folders


# -- the table -----------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    """The corpus table: spec, operations, generated, warnings, mypy errors, seconds, outcome."""
    width = max([len(r.id) for r in results] + [4])
    lines = [
        f"{'spec':<{width}}  {'ops':>5}  {'gen':>5}  {'warn':>5}  {'mypy':>5}  {'sec':>6}  result",
    ]
    for r in results:
        mypy = "skip" if r.mypy_errors is None else str(r.mypy_errors)
        outcome = "ok" if r.stage is None else f"{r.stage}: {r.message}"
        lines.append(
            f"{r.id:<{width}}  {r.operations:>5}  {r.generated:>5}  {len(r.warnings):>5}  "
            f"{mypy:>5}  {r.seconds:>6.1f}  {one_line(outcome, 160)}"
        )
    ok = sum(r.stage is None for r in results)
    ops = sum(r.operations for r in results)
    gen = sum(r.generated for r in results)
    lines.append(
        f"{ok} of {len(results)} specs pass; {gen} of {ops} operations generated; "
        f"{sum(len(r.warnings) for r in results)} warnings; "
        f"{sum(r.seconds for r in results):.0f} s of work"
    )
    return "\n".join(lines)


def save(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")


__all__ = ["ROOT", "Result", "mypy_caches", "run_spec", "runtime_python", "save", "table"]
