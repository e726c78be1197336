"""``make bench``: client throughput (generation figures are in ``apis``).

Figures are printed, never asserted: timing belongs in a benchmark, not in a test that flakes.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
ROUNDS = 3


def timed(action: Callable[[], T], rounds: int = ROUNDS) -> tuple[float, T]:
    """Median wall time in milliseconds over ``rounds`` runs, and the last result."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result  # type: ignore[return-value]


def peak_memory_mb(action: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bench_client(generated: Path, specs: Path, items: int = 10_000) -> None:
    """Read a page of ``items`` 1Password sign-in attempts and iterate it, through the client."""
    sys.path.insert(0, str(generated / "onepassword_events"))
    package = importlib.import_module("onepassword_events")
    recording = json.loads(
        (
            specs / "onepassword-events/recordings/getSignInAttempts--walk-1-reset-cursor.json"
        ).read_text()
    )
    sample = recording["response"]["body"]["items"]
    page = {
        "items": [sample[i % len(sample)] for i in range(items)],
        "cursor": "c",
        "has_more": False,
    }
    payload = json.dumps(page).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload, headers={"content-type": "application/json"})

    client = package.OnePasswordEvents(
        token="t", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    call_ms, _ = timed(lambda: client.get_sign_in_attempts(body={"limit": 1000}))
    iter_ms, count = timed(
        lambda: sum(1 for _ in client.iter_get_sign_in_attempts(body={"limit": 1000}))
    )
    peak = peak_memory_mb(lambda: client.get_sign_in_attempts(body={"limit": 1000}))
    print(
        f"\nclient: one page of {items:,} sign-in attempts ({len(payload) / 2**20:.1f} MB of JSON)"
    )
    rate = items / call_ms * 1000
    print(f"  get_sign_in_attempts: {call_ms:8.1f} ms ({rate:,.0f} items/s), peak {peak:.1f} MB")
    print(f"  iter_get_sign_in_attempts: {iter_ms:8.1f} ms for {count:,} items")

    small = json.dumps({"items": [], "cursor": "c", "has_more": False}).encode()
    client = package.OnePasswordEvents(
        token="t",
        http_client=httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    200, content=small, headers={"content-type": "application/json"}
                )
            )
        ),
    )
    calls = 500
    loop_ms, _ = timed(
        lambda: [client.get_sign_in_attempts(body={"cursor": "c"}) for _ in range(calls)], 1
    )
    print(f"  overhead per call (mock transport): {loop_ms / calls * 1000:,.0f} us")


def main() -> None:
    specs, generated = Path("specs"), Path("generated")
    bench_client(generated, specs)


if __name__ == "__main__":
    main()
