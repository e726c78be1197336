"""``python -m generator.bench client``: the generated clients at run time.

Prints how a 10,000-item page parses through the client against pydantic's own
``TypeAdapter.validate_json`` on the same bytes, the peak memory of iterating a million items
served in pages, each generated package's import time, and the time to make a client and of
its first call (in a fresh interpreter, as a program meets them). Figures are printed, never
asserted.

GitHub's client is too big to keep in ``generated/``; to include it (and openapi-python-client's
for comparison) in the import and first-call lines, set ``SPECGEN_BENCH_GITHUB`` to the project
folder ``specgen generate --spec api.github.com.json --package github`` wrote,
``SPECGEN_BENCH_GITHUB_SPEC`` to that spec (its examples are the first call's response) and
``SPECGEN_BENCH_OPC`` to openapi-python-client's package folder.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pydantic

from generator.bench.generation import timed

ROUNDS = 5
PAGE_ITEMS = 10_000  # the page of the parse ratio
WALK_PAGE = 1_000  # items per page of the memory walk
WALK_MARKS = (10_000, 100_000, 1_000_000)
IMPORT_ROUNDS = 5
RECORDING = "onepassword-events/recordings/getSignInAttempts--walk-1-reset-cursor.json"


def _onepassword(generated: Path) -> ModuleType:
    if str(generated / "onepassword_events") not in sys.path:
        sys.path.insert(0, str(generated / "onepassword_events"))
    return importlib.import_module("onepassword_events")


def _sample_items(specs: Path) -> list[Any]:
    recording = json.loads((specs / RECORDING).read_text())
    return list(recording["response"]["body"]["items"])


def _items_json(sample: list[Any], count: int) -> bytes:
    return json.dumps([sample[i % len(sample)] for i in range(count)]).encode()


def _mock_client(package: ModuleType, handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    transport = httpx.MockTransport(handler)
    return package.OnePasswordEvents(token="t", http_client=httpx.Client(transport=transport))


def bench_parse(generated: Path, specs: Path) -> None:
    """One page of ``PAGE_ITEMS`` sign-in attempts: through the client, and straight through
    ``TypeAdapter(<page model>).validate_json``."""
    package = _onepassword(generated)
    payload = b'{"items":%s,"cursor":"c","has_more":false}' % _items_json(
        _sample_items(specs), PAGE_ITEMS
    )
    headers = {"content-type": "application/json"}
    client = _mock_client(package, lambda r: httpx.Response(200, content=payload, headers=headers))
    adapter = pydantic.TypeAdapter(package.models.SignInAttemptItems)
    adapter.validate_json(payload)  # both sides built before timing
    client.get_sign_in_attempts(body={"limit": 1000})
    # Rounds alternate, so that a shared machine's load weighs on both sides alike.
    pydantic_times, client_times, decoded_times = [], [], []
    for _ in range(ROUNDS):
        pydantic_times.append(timed(lambda: adapter.validate_json(payload), 1)[0])
        client_times.append(timed(lambda: client.get_sign_in_attempts(body={"limit": 1000}), 1)[0])
        decoded_times.append(timed(lambda: adapter.validate_python(json.loads(payload)), 1)[0])
    pydantic_ms, client_ms = statistics.median(pydantic_times), statistics.median(client_times)
    decoded_ms = statistics.median(decoded_times)
    size = len(payload) / 2**20
    print(f"client: one page of {PAGE_ITEMS:,} 1Password sign-in attempts ({size:.1f} MB of JSON)")
    print(f"  TypeAdapter.validate_json {pydantic_ms:8.1f} ms")
    print(
        f"  client.get_sign_in_attempts {client_ms:6.1f} ms   ratio {client_ms / pydantic_ms:.2f}x"
    )
    before = decoded_ms / pydantic_ms
    print(
        f"  json.loads + validate_python {decoded_ms:5.1f} ms   ratio {before:.2f}x (the old way)"
    )
    small = b'{"items":[],"cursor":"c","has_more":false}'
    client = _mock_client(package, lambda r: httpx.Response(200, content=small, headers=headers))
    calls = 500
    loop_ms, _ = timed(
        lambda: [client.get_sign_in_attempts(body={"cursor": "c"}) for _ in range(calls)], 1
    )
    print(f"  overhead per call (mock transport, empty page): {loop_ms / calls * 1000:,.0f} us")


class PagedServer:
    """A fake transport's handler serving ``total`` sign-in attempts, ``WALK_PAGE`` a page."""

    def __init__(self, sample: list[Any], total: int) -> None:
        self.items = _items_json(sample, WALK_PAGE)
        self.total = total
        self.served = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.served += WALK_PAGE
        more = b"true" if self.served < self.total else b"false"
        body = b'{"items":%s,"cursor":"c%d","has_more":%s}' % (self.items, self.served, more)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def bench_pager_memory(generated: Path, specs: Path) -> None:
    """Iterate ``iter_get_sign_in_attempts`` over a million items, noting the peak of traced
    memory after 10k, 100k and 1M of them: it must stay flat (about one page)."""
    package = _onepassword(generated)
    server = PagedServer(_sample_items(specs), WALK_MARKS[-1])
    pager = _mock_client(package, server).iter_get_sign_in_attempts(body={"limit": WALK_PAGE})
    print(f"\npager: iter_get_sign_in_attempts, {WALK_PAGE:,} items a page (traced memory)")
    marks = iter(WALK_MARKS)
    mark = next(marks)
    start = time.perf_counter()
    tracemalloc.start()
    try:
        for count, _ in enumerate(pager, 1):
            if count == mark:
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                seconds = time.perf_counter() - start
                print(f"  {count:>9,} items: peak {peak:6.1f} MB   ({seconds:5.1f} s)")
                mark = next(marks, 0)
    finally:
        tracemalloc.stop()


def import_targets(generated: Path) -> Iterator[tuple[str, Path, str]]:
    """(label, folder to put on the path, module) of every package whose import is timed."""
    for project in sorted(p for p in generated.iterdir() if (p / p.name).is_dir()):
        yield project.name, project, project.name
    github = os.environ.get("SPECGEN_BENCH_GITHUB")
    if github:
        yield "GitHub (specgen)", Path(github), "github"
    opc = os.environ.get("SPECGEN_BENCH_OPC")
    if opc:
        yield "GitHub (openapi-python-client)", Path(opc).parent, Path(opc).name
        # Its package imports no model; any of its operation modules imports them all.
        yield "  ... with its models", Path(opc).parent, Path(opc).name + ".models"


IMPORT = (
    "import time\nstart = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - start)"
)


def fresh_env(folder: Path) -> dict[str, str]:
    """The environment of a fresh interpreter importing from ``folder``, bytecode caches written
    and read as after an installation (``PYTHONDONTWRITEBYTECODE`` would compile every time)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(folder)}


def import_ms(folder: Path, module: str) -> float:
    """Median time of ``import module`` in a fresh interpreter (after one run that writes the
    bytecode caches, which a program finds in place after installation)."""
    times = []
    for _ in range(IMPORT_ROUNDS + 1):
        done = subprocess.run(
            [sys.executable, "-c", IMPORT.format(module=module)],
            env=fresh_env(folder),
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout) * 1000)
    return statistics.median(times[1:])


def bench_imports(generated: Path) -> None:
    print(f"\nimport time (fresh interpreter, median of {IMPORT_ROUNDS}, ms)")
    base = import_ms(Path("."), "httpx, pydantic")
    print(f"  {'httpx and pydantic alone':32}{base:8.0f}")
    for label, folder, module in import_targets(generated):
        print(f"  {label:32}{import_ms(folder, module):8.0f}")


FIRST_CALL = """
import json, sys, time
import httpx
start = time.perf_counter()
import {module} as package
imported = time.perf_counter()
body = json.loads(sys.stdin.read())
handler = lambda request: httpx.Response(200, json=body)
http_client = httpx.Client(transport=httpx.MockTransport(handler))
client = package.{client}(http_client=http_client, **{init})
before = time.perf_counter()
client.{method}(**{kwargs})
first = time.perf_counter()
client.{method}(**{kwargs})
second = time.perf_counter()
print(json.dumps([imported - start, before - imported, first - before, second - first]))
"""


def first_call(folder: Path, module: str, call: dict[str, Any], body: Any) -> list[float]:
    """Import, client-made (pydantic and the runtime's modules; httpx was imported before),
    first-call and second-call times (ms) of one call in a fresh interpreter."""
    script = FIRST_CALL.format(module=module, **{k: v for k, v in call.items()})
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=fresh_env(folder),
        input=json.dumps(body),
        capture_output=True,
        text=True,
        check=True,
    )
    return [seconds * 1000 for seconds in json.loads(done.stdout)]


def first_calls(
    generated: Path, specs: Path
) -> Iterator[tuple[str, Path, str, dict[str, Any], Any]]:
    recording = json.loads((specs / RECORDING).read_text())
    yield (
        "onepassword_events get_sign_in_attempts",
        generated / "onepassword_events",
        "onepassword_events",
        {
            "client": "OnePasswordEvents",
            "init": "{'token': 't'}",
            "method": "get_sign_in_attempts",
            "kwargs": "{'body': {'limit': 10}}",
        },
        recording["response"]["body"],
    )
    github = os.environ.get("SPECGEN_BENCH_GITHUB")
    spec = os.environ.get("SPECGEN_BENCH_GITHUB_SPEC")
    if github and spec:
        examples = json.loads(Path(spec).read_text())["components"]["examples"]
        yield (
            "GitHub repos_get_release",
            Path(github),
            "github",
            {
                "client": "GitHub",
                "init": "{}",
                "method": "repos_get_release",
                "kwargs": "{'owner': 'o', 'repo': 'r', 'release_id': 1}",
            },
            examples["release"]["value"],
        )


def bench_first_calls(generated: Path, specs: Path) -> None:
    print("\nfirst call (fresh interpreter, mock transport, ms)")
    print(f"  {'call':40}{'import':>8}{'client':>8}{'first':>8}{'second':>8}")
    for label, folder, module, call, body in first_calls(generated, specs):
        figures = first_call(folder, module, call, body)
        print(f"  {label:40}" + "".join(f"{f:8.1f}" for f in figures))


def main() -> None:
    specs, generated = Path("specs"), Path("generated")
    bench_parse(generated, specs)
    bench_pager_memory(generated, specs)
    bench_imports(generated)
    bench_first_calls(generated, specs)


if __name__ == "__main__":
    main()
