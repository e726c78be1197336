"""``strict_responses`` on the four generated clients (issue 12): off, a response that fits
reads exactly as it does when strict, silently; one that does not is returned anyway, with a
warning on the package's logger; strict (the default) still raises."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from support.apis import Case, Recording, all_cases
from support.replay import MODES, Driver, Server, call_kwargs, dump, success_recordings

CASES = all_cases()


def _success(case: Case) -> Recording:
    for rec in success_recordings(case):
        op = case.operation(rec.operation_id)
        if op.success is not None and op.success.kind == "json" and op.success.type.kind == "model":
            return rec
    pytest.skip(f"{case.key} has no recorded success answering a JSON object")


def _call(driver: Driver, rec: Recording) -> Any:
    op = driver.case.operation(rec.operation_id)
    target = driver.client
    for part in op.call.split("."):
        target = getattr(target, part)
    result = target(**call_kwargs(op, rec.request))
    return asyncio.run(result) if driver.mode == "async" else result


PARAMS = [pytest.param(c, m, id=f"{c.key}-{m}") for c in CASES for m in MODES]


@pytest.mark.parametrize(("case", "mode"), PARAMS)
def test_a_fitting_response_reads_the_same_and_warns_nothing(
    case: Case, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = _success(case)
    strict = _call(Driver(case, mode, Server(case, rec)), rec)
    with caplog.at_level(logging.WARNING, logger=case.package.__name__):
        lenient = _call(Driver(case, mode, Server(case, rec), strict_responses=False), rec)
    assert type(lenient) is type(strict)
    assert dump(lenient) == dump(strict)
    assert [r for r in caplog.records if r.name == case.package.__name__] == []


@pytest.mark.parametrize(("case", "mode"), PARAMS)
def test_a_response_that_does_not_fit_is_kept_and_logged(
    case: Case, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = _success(case)
    odd = httpx.Response(200, json=["not", "an", "object"])
    strict = Driver(case, mode, Server(case, lambda request: odd))
    with pytest.raises(case.errors.ResponseValidationError):
        _call(strict, rec)

    lenient = Driver(case, mode, Server(case, lambda request: odd), strict_responses=False)
    with caplog.at_level(logging.WARNING, logger=case.package.__name__):
        assert _call(lenient, rec) == ["not", "an", "object"]
    [record] = [r for r in caplog.records if r.name == case.package.__name__]
    assert record.levelno == logging.WARNING
    assert f"{rec.operation_id}: response does not match the spec" in record.getMessage()
