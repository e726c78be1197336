"""``python -m generator.bench profile``: where one cold generation of GitHub's spec goes.

specgen runs under cProfile in a fresh process, with an empty cache folder; the summary gives
the cumulative time of each pipeline stage (a stage that runs inside another is indented under
it, as the call graph shows) and the time spent in each library's own code. cProfile sees only
the main thread of that process: work handed to other threads or processes shows as the time
the stage waited for it. The profile is kept for a closer look (``python -m pstats FILE``).
Not part of the default ``make bench``: it costs one more cold generation, slowed by profiling.
"""

from __future__ import annotations

import pstats
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

from generator.bench.github import github_spec
from generator.bench.measure import measured

WORK = Path(".cache/bench/profile")
# (label, file the function is defined in, its name as a regular expression): the pipeline's
# stages in order. A stage running inside another is found in the call graph.
STAGES = (
    ("load and bundle", "generator/pipeline.py", "spec_file_target"),
    ("validation", "generator/validate.py", "check_spec"),
    ("build the IR", "generator/build/api.py", "build_api"),
    ("render the template sets", "generator/render.py", "render_sets"),
    ("models", "generator/models.py", "build_models"),
    ("format", "generator/fmt.py", "format_files"),
    ("write", "generator/write.py", "write_package"),
)
# The libraries' entry points, each shown under the stage that calls it (a compiled function's
# file is "~").
LIBRARY_CALLS = {
    "validation": [
        ("openapi-spec-validator", "openapi_spec_validator/validation/validators.py", "iter_errors")
    ],
    "models": [("datamodel-code-generator", "datamodel_code_generator/__init__.py", "generate")],
    "format": [
        ("black", "~", r"<built-in method black\.format_(str|file_contents)>"),
        ("isort", "isort/api.py", "sort_code_string"),
    ],
}
LIBRARIES = 10
OURS = "generator (specgen)"

FunctionKey = tuple[str, int, str]


def main() -> None:
    spec = github_spec()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    profile = WORK / "github.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "generator"]
    command += ["generate", "--spec", str(spec), "--output", str(WORK / "out")]
    command += ["--package", "github", "--client-name", "GitHub"]
    print("  profile: one cold generation of GitHub's spec ...", file=sys.stderr, flush=True)
    run = measured(command, WORK / "specgen.log", env={"SPECGEN_CACHE_DIR": str(WORK / "cache")})
    stats = pstats.Stats(str(profile))
    print(f"\nprofile of one cold generation of GitHub's spec ({spec})")
    print(f"wall {run.seconds:.1f} s under cProfile, peak {run.peak_mb:.0f} MB; kept in {profile}")
    print_stages(stats)
    print_libraries(stats)


def print_stages(stats: pstats.Stats) -> None:
    table = stats.stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in table.values())
    found = {label: _heaviest(table, file, name) for label, file, name in STAGES}
    print(f"\n{'stage':44}{'seconds':>9}{'share':>8}")
    for label, _, _ in STAGES:
        key = found[label]
        if key is None:
            print(f"{label:44}{'not seen':>9}")
            continue
        depth = sum(
            1 for other in found.values() if other not in (None, key) and _calls(table, other, key)
        )
        rows: list[tuple[int, str, FunctionKey | None]] = [(depth, label, key)]
        for library, file, name in LIBRARY_CALLS.get(label, []):
            rows.append((depth + 1, library, _heaviest(table, file, name)))
        for indent, shown, entry in rows:
            if entry is None:  # e.g. black, when it ran in worker processes only
                print(f"{'  ' * indent + shown:44}{'not seen':>9}")
                continue
            seconds = table[entry][3]
            print(f"{'  ' * indent + shown:44}{seconds:9.1f}{seconds / total:8.0%}")


def _heaviest(
    table: dict[FunctionKey, tuple[object, ...]], file: str, name: str
) -> FunctionKey | None:
    """The function called ``name`` (a regular expression) in ``file`` that took longest."""
    matches = [
        key
        for key in table
        if re.fullmatch(name, key[2]) and key[0].replace("\\", "/").endswith(file)
    ]
    return max(matches, key=lambda key: float(table[key][3]), default=None)  # type: ignore[arg-type]


def _calls(
    table: dict[FunctionKey, tuple[object, ...]], outer: FunctionKey, inner: FunctionKey
) -> bool:
    """Whether ``outer`` is among the callers, at any depth, of ``inner``.

    Only specgen's own functions are followed: the stages call each other through them, while a
    generic caller (``exec`` under a lazy import, say) would link every stage to every other.
    """
    seen, pending = {inner}, [inner]
    while pending:
        callers = table[pending.pop()][4]
        assert isinstance(callers, dict)
        for caller in callers:
            if caller == outer:
                return True
            if caller not in seen and caller in table and _package(caller[0]) == OURS:
                seen.add(caller)
                pending.append(caller)
    return False


def print_libraries(stats: pstats.Stats) -> None:
    """Own time summed by the package the code belongs to: which library the time is spent in."""
    own: dict[str, float] = defaultdict(float)
    for (file, _, _), entry in stats.stats.items():  # type: ignore[attr-defined]
        own[_package(file)] += entry[2]
    print(f"\n{'own time by package':44}{'seconds':>9}")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1])[:LIBRARIES]:
        print(f"{name:44}{seconds:9.1f}")


def _package(file: str) -> str:
    if file == "~":
        return "builtins and C methods"
    match = re.search(r"site-packages/([^/]+)", file)
    if match:
        return match.group(1).removesuffix(".py")
    if "/generator/" in file:
        return OURS
    return "python standard library"


if __name__ == "__main__":
    main()
