"""``make bench``: GitHub's spec, specgen beside openapi-python-client in the same run.

The spec is the one the ``@octokit/openapi`` npm package ships (pinned version, checked against
the registry's sha512) and openapi-python-client is installed by the bench into a venv of its
own; both live under ``.cache/bench/`` (git-ignored), never in the project's dependencies.
Each tool generates cold ``COLD_ROUNDS`` times, the two tools in turn, then twice more, each run
in a fresh process measured by a wrapper process:

- cold: specgen with an empty cache folder (``SPECGEN_CACHE_DIR``) and an empty output folder;
  the row shows the median time and the highest peak of the tool's cold runs;
- one operation changed: the spec file rewritten with one operation's summary and description
  edited, as a user editing their spec would; specgen keeps the cache and output of its last
  cold run;
- no-op: the same spec once more.

openapi-python-client has no cache: every run is cold for it, into an empty folder. Then the
import time of both generated packages (a fresh interpreter each, median of 5 after one import
that writes the bytecode, minus the median of a bare interpreter start); then, in fresh
interpreters (median of 3), the time to make a client on a mock transport (httpx imported
for it counts there: specgen's package imports httpx and pydantic when a client is made, not
when it is imported), the first call of one operation (GET /meta), and the whole from the
package's import to the call's result.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.bench.measure import Run, measured, specgen_command

SPEC_VERSION = "23.0.2"
SPEC_URL = f"https://registry.npmjs.org/@octokit/openapi/-/openapi-{SPEC_VERSION}.tgz"
# The registry's ``dist.integrity`` for that version, in hex.
SPEC_SHA512 = (
    "a55f0cecbf46636dc0c9b36f4e6a369f28e6a669edebedac444fedaabd192d07"
    "0f4b8967c3bbb979918d9b044d9010b70fb8195db171e401f32d455105718386"
)
SPEC_MEMBER = "package/generated/api.github.com.json"
OPC_VERSION = "0.29.1"

CACHE = Path(".cache/bench")
WORK = CACHE / "github"
CHANGED_OPERATION = ("/repos/{owner}/{repo}/issues", "get")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
IMPORT_ROUNDS = 5
FIRST_CALL_ROUNDS = 3


@dataclass(frozen=True)
class Tool:
    """How to run one generator: its command, and where its package lands and is imported."""

    name: str
    python: Path
    keeps_output: bool

    def generate(self, spec: Path, out: Path, cache: Path, log: Path) -> Run:
        raise NotImplementedError

    def package(self, out: Path) -> tuple[Path, str]:
        """The folder to put on ``sys.path`` and the package name, after ``generate``."""
        raise NotImplementedError

    def first_call(self, out: Path) -> tuple[str, str, str]:
        """Python that imports the package, makes a client on ``transport`` (an
        ``httpx.MockTransport``) and calls GET /meta: three pieces, timed one by one."""
        raise NotImplementedError


class Specgen(Tool):
    def generate(self, spec: Path, out: Path, cache: Path, log: Path) -> Run:
        command = [*specgen_command(), "generate", "--spec", str(spec), "--output", str(out)]
        command += ["--package", "github", "--client-name", "GitHub"]
        return measured(command, log, env={"SPECGEN_CACHE_DIR": str(cache)})

    def package(self, out: Path) -> tuple[Path, str]:
        return out / "github", "github"

    def first_call(self, out: Path) -> tuple[str, str, str]:
        # Flat clients have meta_get; clients grouped by tag have meta.get.
        return (
            "import github\n",
            "client = github.GitHub(http_client=httpx.Client(transport=transport))\n",
            "operation = getattr(client, 'meta_get', None) or client.meta.get\noperation()\n",
        )


class OpenapiPythonClient(Tool):
    def generate(self, spec: Path, out: Path, cache: Path, log: Path) -> Run:
        out.mkdir(parents=True)
        script = self.python.with_name("openapi-python-client")
        command = [str(script), "generate", "--path", str(spec.resolve()), "--meta", "none"]
        return measured(command, log.resolve(), cwd=out)

    def package(self, out: Path) -> tuple[Path, str]:
        (package,) = (path for path in out.iterdir() if (path / "__init__.py").exists())
        return out, package.name

    def first_call(self, out: Path) -> tuple[str, str, str]:
        _, name = self.package(out)
        return (
            f"from {name} import Client\n",
            "client = Client(\n"
            "    base_url='https://api.github.com', httpx_args={'transport': transport}\n"
            ")\n",
            f"from {name}.api.meta import metaget\nmetaget.sync(client=client)\n",
        )


def main() -> None:
    spec = github_spec()
    data = json.loads(spec.read_text())
    operations = sum(1 for item in data["paths"].values() for key in item if key in METHODS)
    size = spec.stat().st_size / 1e6
    tools = (
        Specgen("specgen", Path(sys.executable), keeps_output=True),
        OpenapiPythonClient("opc", opc_python(), keeps_output=False),
    )
    rows, outs, colds = generation_runs(tools, spec.read_text(), json.dumps(changed(data)))
    print(f"\nGitHub's spec (@octokit/openapi {SPEC_VERSION}: {operations:,} operations, ", end="")
    print(f"{size:.1f} MB), specgen beside openapi-python-client {OPC_VERSION} in one run")
    print(f"{'':24}{'specgen':>18}{'openapi-python-client':>26}{'specgen / opc':>17}")
    print(
        f"{'':24}{'seconds':>9}{'peak MB':>9}{'seconds':>17}{'peak MB':>9}{'time':>9}{'memory':>8}"
    )
    for label, (ours, theirs) in rows.items():
        print(
            f"{label:24}{ours.seconds:9.1f}{ours.peak_mb:9.0f}{theirs.seconds:17.1f}"
            f"{theirs.peak_mb:9.0f}{ratio(ours.seconds, theirs.seconds):>9}"
            f"{ratio(ours.peak_mb, theirs.peak_mb):>8}",
            flush=True,
        )
    for tool in tools:
        times = ", ".join(f"{run.seconds:.1f}" for run in colds[tool.name])
        peaks = ", ".join(f"{run.peak_mb:.0f}" for run in colds[tool.name])
        print(f"  cold runs of {tool.name}, in turn with the other's: {times} s; {peaks} MB")
    print_after_generation(tools, outs)


RUNS = ("cold", "one changed operation", "no-op")
# Cold runs of the two tools, in turn, this many each (the order swapped every round): the
# machine's speed drifts by a third within the hour, so one cold run each, a minute apart, could
# compare a slow minute with a fast one. The row shows each tool's median time and its highest
# peak; every cold run is printed under the table.
COLD_ROUNDS = 3


def generation_runs(
    tools: tuple[Tool, ...], original: str, edited: str
) -> tuple[dict[str, list[Run]], list[Path], dict[str, list[Run]]]:
    """Each tool's three runs (cold, edited spec, same again), its last output folder, and
    every cold run.

    specgen keeps its cache and output folder from its last cold run to the next runs; the other
    tool starts from an empty folder each time (it has no cache to keep).
    """
    spec = WORK / "run" / "api.github.com.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    colds: dict[str, list[Run]] = {tool.name: [] for tool in tools}
    for round_ in range(COLD_ROUNDS):
        for tool in tools if round_ % 2 == 0 else reversed(tools):
            colds[tool.name].append(_run(tool, spec, original, 0, "cold", round_))
    rows: dict[str, list[Run]] = {RUNS[0]: [_median(colds[tool.name]) for tool in tools]}
    for label in RUNS[1:]:
        rows[label] = []
    outs = []
    for tool in tools:
        for run, label in enumerate(RUNS[1:], 1):
            rows[label].append(_run(tool, spec, edited, run, label, COLD_ROUNDS - 1))
        outs.append(_out(tool, len(RUNS) - 1))
    return rows, outs, colds


def _run(tool: Tool, spec: Path, text: str, run: int, label: str, round_: int) -> Run:
    """One measured run of ``tool`` on ``text``: a cold one (``run`` 0) from an empty cache and
    output folder; the others on what the last cold run left (specgen's cache and output)."""
    spec.write_text(text)
    cache, out = WORK / f"cache-{tool.name}", _out(tool, run)
    if run == 0:
        shutil.rmtree(cache, ignore_errors=True)
    if run == 0 or not tool.keeps_output:
        shutil.rmtree(out, ignore_errors=True)
    name = f"{label} {round_ + 1}/{COLD_ROUNDS}" if run == 0 else label
    print(f"  github: {tool.name} {name} ...", file=sys.stderr, flush=True)
    done = tool.generate(spec, out, cache, WORK / f"{tool.name}-{run}-{round_}.log")
    print(
        f"  github: {tool.name} {name}: {done.seconds:.1f} s, {done.peak_mb:.0f} MB",
        file=sys.stderr,
    )
    return done


def _out(tool: Tool, run: int) -> Path:
    return WORK / (f"out-{tool.name}" if tool.keeps_output else f"out-{tool.name}-{run}")


def _median(runs: list[Run]) -> Run:
    """The median time of ``runs`` and the highest peak among them."""
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs))


def print_after_generation(tools: tuple[Tool, ...], outs: list[Path]) -> None:
    """Import time, making a client and its first call, for each tool's last package."""
    print("  github: import times ...", file=sys.stderr, flush=True)
    imports = [import_ms(tool, out) for tool, out in zip(tools, outs, strict=True)]
    steps = [first_call_ms(tool, out) for tool, out in zip(tools, outs, strict=True)]
    figures = (
        ("import (ms)", imports),
        ("client made (ms)", [made for made, _, _ in steps]),
        ("first call (ms)", [call for _, call, _ in steps]),
        ("import to result (ms)", [whole for _, _, whole in steps]),
    )
    for label, (ours, theirs) in figures:
        print(f"{label:24}{ours:9.0f}{'':9}{theirs:17.0f}{'':9}{ratio(ours, theirs):>9}")


def ratio(ours: float, theirs: float) -> str:
    """``ours / theirs`` to three significant digits: 12.6x, 0.25x, 0.00194x (17,900x, not
    1.79e+04x, from a thousand up); ``-`` when ``theirs`` is 0 (too quick for the clock)."""
    if theirs == 0:
        return "-"
    value = ours / theirs
    return f"{value:.3g}x" if value < 1000 else f"{value:,.0f}x"


def github_spec() -> Path:
    """GitHub's spec from the npm registry, checked against the pinned hash; cached."""
    archive = CACHE / f"octokit-openapi-{SPEC_VERSION}.tgz"
    if not archive.exists():
        print(f"  github: downloading {SPEC_URL} ...", file=sys.stderr, flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = archive.with_suffix(".part")
        with urllib.request.urlopen(SPEC_URL, timeout=120) as response:
            partial.write_bytes(response.read())
        partial.replace(archive)
    digest = hashlib.sha512(archive.read_bytes()).hexdigest()
    if digest != SPEC_SHA512:
        archive.unlink()
        raise SystemExit(f"{archive}: sha512 {digest} is not the pinned {SPEC_SHA512}; removed")
    spec = WORK / "api.github.com.json"
    if not spec.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            member = tar.extractfile(SPEC_MEMBER)
            if member is None:
                raise SystemExit(f"{archive}: no {SPEC_MEMBER} in the archive")
            spec.write_bytes(member.read())
    return spec


def opc_python() -> Path:
    """The interpreter of a venv under .cache/bench holding openapi-python-client (pinned)."""
    venv = CACHE.absolute() / f"openapi-python-client-{OPC_VERSION}"  # runs in another folder
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if not stamp.exists():
        print(f"  github: installing openapi-python-client {OPC_VERSION} ...", file=sys.stderr)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = ["-m", "pip", "install", "--quiet", f"openapi-python-client=={OPC_VERSION}"]
        subprocess.run([str(python), *install], check=True)
        stamp.touch()
    return python


def changed(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` with one operation's summary and description edited."""
    path, method = CHANGED_OPERATION
    operation = dict(spec["paths"][path][method])
    operation["summary"] = f"{operation.get('summary', '')} (edited)"
    operation["description"] = f"{operation.get('description', '')}\n\nEdited for the benchmark."
    paths = {**spec["paths"], path: {**spec["paths"][path], method: operation}}
    return {**spec, "paths": paths}


def _fresh_python_ms(python: Path, code: str, rounds: int) -> float:
    """Median wall milliseconds of ``python -I -c code``, each in a fresh interpreter."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([str(python), "-I", "-c", code], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def import_ms(tool: Tool, out: Path) -> float:
    """Import time of the generated package, less the bare interpreter's start."""
    folder, name = tool.package(out)
    code = f"import sys; sys.path.insert(0, {str(folder.resolve())!r}); import {name}"
    _fresh_python_ms(tool.python, code, 1)  # writes the bytecode the timed imports read
    bare = _fresh_python_ms(tool.python, "import sys", IMPORT_ROUNDS)
    return _fresh_python_ms(tool.python, code, IMPORT_ROUNDS) - bare


def first_call_ms(tool: Tool, out: Path) -> tuple[float, float, float]:
    """Medians over fresh interpreters of making a client (httpx imported for its mock
    transport, which a package that imports httpx has done already), its first GET /meta, and
    the whole from the package's import to the call's result, in milliseconds."""
    folder, _ = tool.package(out)
    imported, made, called = tool.first_call(out)
    code = (
        f"import sys, time\nsys.path.insert(0, {str(folder.resolve())!r})\n"
        "start = time.perf_counter()\n"
        f"{imported}"
        "imported = time.perf_counter()\n"
        "import httpx\n"
        "body = {'verifiable_password_authentication': True}\n"
        "transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))\n"
        f"{made}"
        "made = time.perf_counter()\n"
        f"{called}"
        "called = time.perf_counter()\n"
        "print((made - imported) * 1000, (called - made) * 1000, (called - start) * 1000)\n"
    )
    rounds = []
    for _ in range(FIRST_CALL_ROUNDS):
        done = subprocess.run(
            [str(tool.python), "-I", "-c", code], check=False, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool.name}: the first call failed:\n{done.stderr[-2000:]}")
        rounds.append([float(figure) for figure in done.stdout.split()[-3:]])
    made_ms, call_ms, whole_ms = (statistics.median(column) for column in zip(*rounds, strict=True))
    return made_ms, call_ms, whole_ms


if __name__ == "__main__":
    main()
