"""The generated clients against the recorded exchanges of every API under ``specs/``.

Every test is parametrized from the API folders and their recordings (``support/apis.py``,
replayed by ``support/replay.py``), for the sync and the async client, so a new API is covered
without new test code.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import inspect
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pydantic
import pytest
from support.apis import Case, Recording, all_cases
from support.compare import difference
from support.replay import (
    MODES,
    RETRYABLE,
    Driver,
    Server,
    call_kwargs,
    dump,
    is_json,
    pointer,
    query_value,
    recorded_response,
    refusal,
    request_body,
    sequence_responder,
    success_recordings,
)

from generator import ir
from generator.naming import snake

CASES = all_cases()
ERROR_CLASSES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}


def _params(items: list[tuple[Any, ...]], ids: list[str]) -> list[Any]:
    return [
        pytest.param(*item, mode, id=f"{name}-{mode}")
        for item, name in zip(items, ids, strict=True)
        for mode in MODES
    ]


def _recording_params(select: Any) -> list[Any]:
    chosen = [(case, rec) for case in CASES for rec in case.recordings if select(case, rec)]
    return _params(chosen, [rec.id for _, rec in chosen])


def _api_params(select: Any = lambda case: True) -> list[Any]:
    chosen = [(case,) for case in CASES if select(case)]
    return _params(chosen, [case.key for (case,) in chosen])


def _walks() -> list[tuple[Case, str, list[Recording]]]:
    return [
        (case, f"{op_id}:{name}", steps)
        for case in CASES
        for (op_id, name), steps in sorted(case.sequences().items())
        if case.operation(op_id).pagination is not None
    ]


WALK_PARAMS = _params(
    [(case, steps) for case, _, steps in _walks()],
    [f"{case.key}/{name}" for case, name, _ in _walks()],
)


def _refused(case: Case, rec: Recording) -> bool:
    op = case.operation(rec.operation_id)
    return refusal(op, call_kwargs(op, rec.request)) is not None


def _retryable(status: int) -> bool:
    return status in RETRYABLE or status >= 500


def _base_path(case: Case) -> str:
    return urlsplit(case.base_url).path.rstrip("/")


def _error_class(case: Case, status: int) -> type[Exception]:
    if status >= 500:
        return case.errors.InternalServerError  # type: ignore[no-any-return]
    return getattr(case.errors, ERROR_CLASSES.get(status, "APIStatusError"))  # type: ignore[no-any-return]


def _response_for(op: ir.Operation, status: int) -> ir.Response | None:
    by_status = {r.status: r for r in op.responses}
    return (
        by_status.get(str(status))
        or by_status.get(f"{status // 100}XX")
        or by_status.get("default")
    )


def _base_recording(case: Case) -> Recording:
    found = success_recordings(case)
    if not found:
        pytest.skip(f"{case.key} has no successful recording the client accepts")
    return found[0]


def _assert_same(actual: Any, expected: Any) -> None:
    problem = difference(expected, actual)
    assert problem is None, problem


def _assert_request(case: Case, sent: httpx.Request, rec: Recording) -> None:
    """The request sent is the recorded one: method, path, exact query, body, auth, headers."""
    recorded = rec.request
    assert sent.method == str(recorded["method"]).upper()
    raw_path = sent.url.raw_path.decode().split("?")[0]
    assert raw_path == _base_path(case) + recorded["path"]
    assert sent.url.query.decode() == (recorded.get("query") or "")
    assert request_body(sent) == recorded.get("body")
    headers = {k.lower(): v for k, v in (recorded.get("headers") or {}).items()}
    for name in ("accept", "content-type"):
        if name in headers:
            assert sent.headers.get(name, "").split(";")[0] == headers[name].split(";")[0], name
    _assert_auth(case, sent)


def _assert_auth(case: Case, sent: httpx.Request) -> None:
    header = sent.headers.get("authorization")
    kinds = case.kinds
    if "bearer" in kinds:
        assert header == "Bearer test-token"
    elif "oauth2_client_credentials" in kinds:
        assert header is not None
        assert header.startswith("Bearer token-")
    elif "basic" in kinds:
        assert header is not None
        scheme, _, encoded = header.partition(" ")
        assert scheme == "Basic"
        assert base64.b64decode(encoded).decode() == "test-user:test-password"


def _assert_result(case: Case, op: ir.Operation, result: Any, body: Any) -> None:
    success = op.success
    if success is None or success.kind == "empty":
        assert result is None
        return
    if success.type.kind == "model":
        assert isinstance(result, getattr(case.models, success.type.name))
    if success.kind in ("text", "binary"):
        assert result == body
        return
    _assert_same(dump(result), body)


def _assert_error_body(case: Case, op: ir.Operation, rec: Recording, error: Any) -> None:
    spec = _response_for(op, rec.status)
    body = rec.response.get("body")
    if spec is not None and spec.kind == "json" and spec.type.kind == "model":
        assert isinstance(error.body, getattr(case.models, spec.type.name)), error.body
        _assert_same(dump(error.body), body)
    elif (
        spec is not None
        and spec.kind == "json"
        and body is not None
        and is_json((rec.response.get("headers") or {}).get("content-type"))
    ):
        _assert_same(error.body, body)
    else:
        assert error.body == recorded_response(rec.response).text


def _backoff_ok(delay: float, attempt: int) -> bool:
    full = min(0.5 * 2**attempt, 8.0)
    return 0.75 * full - 1e-9 <= delay <= full + 1e-9


# -- 1 and 2: successful exchanges, and the request they need ------------------------------------


@pytest.mark.parametrize(("case", "rec", "mode"), _recording_params(lambda c, r: r.status < 400))
def test_success_recording(case: Case, rec: Recording, mode: str) -> None:
    op = case.operation(rec.operation_id)
    kwargs = call_kwargs(op, rec.request)
    assert refusal(op, kwargs) is None, "a successful exchange breaks the spec's constraints"
    server = Server(case, rec)
    driver = Driver(case, mode, server)

    result = driver.call(rec.operation_id, **kwargs)

    _assert_result(case, op, result, rec.response.get("body"))
    assert len(server.requests) == 1
    _assert_request(case, server.requests[0], rec)
    assert driver.sleeps == []


def test_every_recording_names_a_known_operation() -> None:
    for case in CASES:
        assert case.recordings, f"{case.key} has no recordings"
        for rec in case.recordings:
            op = case.operation(rec.operation_id)
            assert snake(rec.operation_id) == op.method_name
            assert callable(getattr(case.sync_class, op.method_name, None)), rec.id
            assert callable(getattr(case.async_class, op.method_name, None)), rec.id


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_timeouts_and_extra_headers_and_query(case: Case, mode: str) -> None:
    rec, server, driver, kwargs = _retry_setup(
        case, mode, [], timeout=7.0, headers={"X-Client": "default"}
    )

    driver.call(rec.operation_id, **kwargs)
    driver.call(
        rec.operation_id,
        timeout=3.0,
        extra_headers={"X-Trace": "abc"},
        extra_query={"trace": "1"},
        **kwargs,
    )

    first, second = server.requests
    assert first.extensions["timeout"] == dict.fromkeys(("connect", "read", "write", "pool"), 7.0)
    assert second.extensions["timeout"] == dict.fromkeys(("connect", "read", "write", "pool"), 3.0)
    assert first.headers["x-client"] == second.headers["x-client"] == "default"
    assert "x-trace" not in first.headers
    assert second.headers["x-trace"] == "abc"
    assert first.url.query.decode() == (rec.request.get("query") or "")
    assert parse_qsl(second.url.query.decode())[-1] == ("trace", "1")


RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _timestamps(value: Any, path: str = "") -> dict[str, str]:
    """JSON pointer -> text of every RFC 3339 date-time string in a JSON value."""
    if isinstance(value, dict):
        pairs = value.items()
    elif isinstance(value, list):
        pairs = enumerate(value)  # type: ignore[assignment]
    else:
        return {path: value} if isinstance(value, str) and RFC3339.fullmatch(value) else {}
    found: dict[str, str] = {}
    for key, item in pairs:
        found.update(_timestamps(item, f"{path}/{key}"))
    return found


def _datetimes(value: Any) -> list[Any]:
    """Every datetime attribute inside a parsed result."""
    if isinstance(value, dt.datetime):
        return [value]
    if isinstance(value, list):
        return [d for item in value for d in _datetimes(item)]
    if isinstance(value, pydantic.BaseModel):
        return [d for name in type(value).model_fields for d in _datetimes(getattr(value, name))]
    return []


TIMESTAMP_RECORDINGS = _recording_params(
    lambda c, r: r.status < 400 and bool(_timestamps(r.response.get("body"))) and not _refused(c, r)
)


@pytest.mark.parametrize(("case", "rec", "mode"), TIMESTAMP_RECORDINGS)
def test_timestamps_are_written_back_exactly(case: Case, rec: Recording, mode: str) -> None:
    """Read through the client and dumped (``mode="json", by_alias=True``), every timestamp is
    the recorded text exactly: 1Password's 9 fractional digits, TrueLayer's 7, a ``Z`` or an
    offset as sent; the attributes are datetimes all the same."""
    op = case.operation(rec.operation_id)
    driver = Driver(case, mode, Server(case, rec))

    result = driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    dumped = result.model_dump(mode="json", by_alias=True)
    sent = _timestamps(rec.response.get("body"))
    assert {where: pointer(dumped, where) for where in sent} == sent
    values = _datetimes(result)
    assert values, "no datetime attribute in the result"
    assert all(isinstance(value, dt.datetime) for value in values)


# -- 3: error exchanges --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "rec", "mode"),
    _recording_params(lambda c, r: r.status >= 400 and not _refused(c, r)),
)
def test_error_recording(case: Case, rec: Recording, mode: str) -> None:
    op = case.operation(rec.operation_id)
    server = Server(case, rec)
    driver = Driver(case, mode, server, max_retries=0)

    with pytest.raises(case.errors.APIStatusError) as caught:
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    error = caught.value
    assert type(error) is _error_class(case, rec.status)
    assert error.status_code == rec.status
    _assert_error_body(case, op, rec, error)
    # A 401 makes an OAuth2 client renew its token and try once more.
    oauth_retry = rec.status == 401 and case.oauth is not None
    assert len(server.requests) == (2 if oauth_retry else 1)
    for sent in server.requests:
        _assert_request(case, sent, rec)
    assert driver.sleeps == []


@pytest.mark.parametrize(
    ("case", "rec", "mode"),
    _recording_params(lambda c, r: _retryable(r.status) and not _refused(c, r)),
)
def test_retryable_error_recording_is_retried(case: Case, rec: Recording, mode: str) -> None:
    op = case.operation(rec.operation_id)
    server = Server(case, rec)
    driver = Driver(case, mode, server)
    retries = driver.client.max_retries
    assert retries >= 1

    with pytest.raises(_error_class(case, rec.status)):
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    assert len(server.requests) == retries + 1
    assert len(driver.sleeps) == retries
    after = (rec.response.get("headers") or {}).get("retry-after")
    if after is not None and after.isdigit() and int(after) <= 60:
        assert driver.sleeps == [float(after)] * retries
    else:
        assert all(_backoff_ok(d, i) for i, d in enumerate(driver.sleeps)), driver.sleeps


@pytest.mark.parametrize(("case", "rec", "mode"), _recording_params(_refused))
def test_refused_request_is_never_sent(case: Case, rec: Recording, mode: str) -> None:
    assert rec.status >= 400, "the client refuses a call the service answered successfully"
    op = case.operation(rec.operation_id)
    server = Server(case, rec)
    driver = Driver(case, mode, server)

    with pytest.raises(case.errors.RequestValidationError):
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    assert server.requests == []
    assert server.token_requests == []

    # The recorded error itself still comes out typed when a valid call meets it.
    valid = success_recordings(case, rec.operation_id)
    if not valid:
        pytest.skip("no valid call of this operation is recorded")
    with pytest.raises(case.errors.APIStatusError) as caught:
        driver.call(rec.operation_id, max_retries=0, **call_kwargs(op, valid[0].request))
    assert type(caught.value) is _error_class(case, rec.status)
    assert caught.value.status_code == rec.status
    _assert_error_body(case, op, rec, caught.value)
    assert len(server.requests) == 1


# -- 4: retries ----------------------------------------------------------------------------------


def _retry_setup(case: Case, mode: str, script: list[Any], **client_kwargs: Any) -> Any:
    rec = _base_recording(case)
    server = Server(case, rec, script)
    driver = Driver(case, mode, server, **client_kwargs)
    kwargs = call_kwargs(case.operation(rec.operation_id), rec.request)
    return rec, server, driver, kwargs


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_after_429(case: Case, mode: str) -> None:
    script = [httpx.Response(429, headers={"Retry-After": "2"}, text="slow down")]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    result = driver.call(rec.operation_id, **kwargs)

    _assert_result(case, case.operation(rec.operation_id), result, rec.response.get("body"))
    assert driver.sleeps == [2.0]
    assert len(server.requests) == 2
    for sent in server.requests:
        _assert_request(case, sent, rec)


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_after_http_date(case: Case, mode: str) -> None:
    now = 1_700_000_000.0
    when = email.utils.formatdate(now + 5, usegmt=True)
    script = [httpx.Response(429, headers={"Retry-After": when})]
    rec, _server, driver, kwargs = _retry_setup(case, mode, script)
    driver.client._clock = lambda: now

    driver.call(rec.operation_id, **kwargs)

    assert driver.sleeps == [pytest.approx(5.0)]


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_after_too_long_falls_back_to_backoff(case: Case, mode: str) -> None:
    script = [httpx.Response(429, headers={"Retry-After": "3600"})]
    rec, _server, driver, kwargs = _retry_setup(case, mode, script)

    driver.call(rec.operation_id, **kwargs)

    assert len(driver.sleeps) == 1
    assert _backoff_ok(driver.sleeps[0], 0), driver.sleeps


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_503_backs_off_exponentially(case: Case, mode: str) -> None:
    script = [httpx.Response(503), httpx.Response(503)]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    result = driver.call(rec.operation_id, **kwargs)

    _assert_result(case, case.operation(rec.operation_id), result, rec.response.get("body"))
    assert len(server.requests) == 3
    assert len(driver.sleeps) == 2
    assert driver.sleeps[1] > driver.sleeps[0]
    assert all(_backoff_ok(d, i) for i, d in enumerate(driver.sleeps)), driver.sleeps


@pytest.mark.parametrize(("case", "mode"), _api_params())
@pytest.mark.parametrize(("draw", "factor"), [(0.0, 1.0), (1.0, 0.75)])
def test_retry_jitter_bounds(case: Case, mode: str, draw: float, factor: float) -> None:
    script = [httpx.Response(503), httpx.Response(502), httpx.Response(500)]
    rec, _server, driver, kwargs = _retry_setup(case, mode, script, max_retries=3)
    driver.client._random = lambda: draw

    driver.call(rec.operation_id, **kwargs)

    assert driver.sleeps == [pytest.approx(0.5 * 2**i * factor) for i in range(3)]


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_connection_error(case: Case, mode: str) -> None:
    script = [httpx.ConnectError("connection refused")]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    result = driver.call(rec.operation_id, **kwargs)

    _assert_result(case, case.operation(rec.operation_id), result, rec.response.get("body"))
    assert len(server.requests) == 2
    assert len(driver.sleeps) == 1
    assert _backoff_ok(driver.sleeps[0], 0)


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_connection_error_without_retries(case: Case, mode: str) -> None:
    script = [httpx.ConnectError("connection refused")]
    rec, server, driver, kwargs = _retry_setup(case, mode, script, max_retries=0)

    with pytest.raises(case.errors.APIConnectionError) as caught:
        driver.call(rec.operation_id, **kwargs)

    assert not isinstance(caught.value, case.errors.APITimeoutError)
    assert len(server.requests) == 1


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_timeout_on_every_attempt(case: Case, mode: str) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    rec = _base_recording(case)
    server = Server(case, timeout)
    driver = Driver(case, mode, server, max_retries=3)

    with pytest.raises(case.errors.APITimeoutError) as caught:
        driver.call(rec.operation_id, **call_kwargs(case.operation(rec.operation_id), rec.request))

    assert isinstance(caught.value, case.errors.APIConnectionError)
    assert caught.value.request is not None
    assert len(server.requests) == 4
    assert len(driver.sleeps) == 3
    assert all(_backoff_ok(d, i) for i, d in enumerate(driver.sleeps)), driver.sleeps


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_per_call_max_retries_zero(case: Case, mode: str) -> None:
    script = [httpx.Response(503)]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    with pytest.raises(case.errors.InternalServerError) as caught:
        driver.call(rec.operation_id, max_retries=0, **kwargs)

    assert caught.value.status_code == 503
    assert len(server.requests) == 1
    assert driver.sleeps == []
    # The next call still uses the client's own retries.
    server.script = [httpx.Response(503)]
    driver.call(rec.operation_id, **kwargs)
    assert len(driver.sleeps) == 1


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_400_is_not_retried(case: Case, mode: str) -> None:
    script = [httpx.Response(400, text="bad"), httpx.Response(400, text="bad")]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    with pytest.raises(case.errors.BadRequestError) as caught:
        driver.call(rec.operation_id, **kwargs)

    assert caught.value.status_code == 400
    assert len(server.requests) == 1
    assert driver.sleeps == []


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_x_should_retry_false_is_respected(case: Case, mode: str) -> None:
    script = [httpx.Response(503, headers={"x-should-retry": "false"})]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    with pytest.raises(case.errors.InternalServerError):
        driver.call(rec.operation_id, **kwargs)

    assert len(server.requests) == 1


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_invalid_success_body_raises_response_validation_error(case: Case, mode: str) -> None:
    rec = _base_recording(case)
    if case.operation(rec.operation_id).success.kind != "json":  # type: ignore[union-attr]
        pytest.skip("success response is not JSON")
    script = [httpx.Response(200, headers={"content-type": "application/json"}, text="{not json")]
    _rec, _server, driver, kwargs = _retry_setup(case, mode, script)

    with pytest.raises(case.errors.ResponseValidationError) as caught:
        driver.call(rec.operation_id, **kwargs)

    assert caught.value.status_code == 200
    assert caught.value.body == "{not json"


def _fake_time(driver: Driver, mode: str, start: float = 1_700_000_000.0) -> list[float]:
    """A fake clock for the client: sleeps advance it instead of waiting. Returns [now]."""
    now = [start]
    driver.client._clock = lambda: now[0]

    def advance(seconds: float) -> None:
        driver.sleeps.append(seconds)
        now[0] += seconds

    if mode == "sync":
        driver.client._sleep = advance
    else:

        async def sleep(seconds: float) -> None:
            advance(seconds)

        driver.client._sleep = sleep
    return now


def _slow(now: list[float], seconds: float, response: httpx.Response) -> Any:
    """A scripted answer that takes ``seconds`` of fake time to arrive."""

    def answer(request: httpx.Request) -> httpx.Response:
        now[0] += seconds
        return response

    return answer


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_deadline_across_retries_raises_timeout(case: Case, mode: str) -> None:
    """Attempts of 4 s, 503 each, backoff 0.5 s then 1 s: the third attempt starts at 9.5 s and
    its 2 s backoff would end past the 10 s deadline, so the call ends there."""
    rec, server, driver, kwargs = _retry_setup(case, mode, [], max_retries=5)
    now = _fake_time(driver, mode)
    driver.client._random = lambda: 0.0
    server.script = [_slow(now, 4.0, httpx.Response(503)) for _ in range(6)]

    with pytest.raises(case.errors.APITimeoutError) as caught:
        driver.call(rec.operation_id, deadline=10.0, **kwargs)

    assert "deadline of 10 s" in str(caught.value)
    assert len(server.requests) == 3
    assert driver.sleeps == [0.5, 1.0]
    # Each attempt's waits are cut to the time left: 10, 5.5, then 0.5 s.
    reads = [r.extensions["timeout"]["read"] for r in server.requests]
    assert reads == [pytest.approx(10.0), pytest.approx(5.5), pytest.approx(0.5)]


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_deadline_set_on_the_client(case: Case, mode: str) -> None:
    """A client-wide deadline of 3 s: attempts of 2 s, one 0.5 s backoff, then no time left."""
    rec, server, driver, kwargs = _retry_setup(case, mode, [], deadline=3.0, max_retries=5)
    now = _fake_time(driver, mode)
    driver.client._random = lambda: 0.0
    server.script = [_slow(now, 2.0, httpx.Response(502)) for _ in range(6)]

    with pytest.raises(case.errors.APITimeoutError):
        driver.call(rec.operation_id, **kwargs)

    assert len(server.requests) == 2
    assert driver.sleeps == [0.5]


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_retry_after_past_the_deadline_is_not_slept(case: Case, mode: str) -> None:
    script = [httpx.Response(429, headers={"Retry-After": "30"})]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)
    _fake_time(driver, mode)

    with pytest.raises(case.errors.APITimeoutError) as caught:
        driver.call(rec.operation_id, deadline=5.0, **kwargs)

    assert "429" in str(caught.value)
    assert driver.sleeps == []
    assert len(server.requests) == 1


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_deadline_leaves_a_call_that_fits_alone(case: Case, mode: str) -> None:
    script = [httpx.Response(503)]
    rec, server, driver, kwargs = _retry_setup(case, mode, script, timeout=7.0)
    _fake_time(driver, mode)

    result = driver.call(rec.operation_id, deadline=30.0, **kwargs)

    _assert_result(case, case.operation(rec.operation_id), result, rec.response.get("body"))
    assert len(server.requests) == 2
    assert server.requests[1].extensions["timeout"]["read"] == 7.0  # less than the time left


@pytest.mark.parametrize(("case", "mode"), _api_params())
@pytest.mark.parametrize("deadline", [0, -1.0])
def test_deadline_must_be_positive(case: Case, mode: str, deadline: float) -> None:
    with pytest.raises(ValueError, match="deadline"):
        case.sync_class(base_url=case.base_url, deadline=deadline)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(("case", "mode"), _api_params())
@pytest.mark.parametrize("status", [200, 400])
def test_deeply_nested_response_is_a_validation_error(case: Case, mode: str, status: int) -> None:
    """A body nested 100,000 deep is refused as unreadable, never a bare RecursionError."""
    rec = _base_recording(case)
    op = case.operation(rec.operation_id)
    if op.success is None or op.success.kind != "json":
        pytest.skip("success response is not JSON")
    deep = httpx.Response(status, headers={"content-type": "application/json"}, text=DEEP)
    _rec, _server, driver, kwargs = _retry_setup(case, mode, [deep])

    if status == 200:
        with pytest.raises(case.errors.ResponseValidationError) as caught:
            driver.call(rec.operation_id, **kwargs)
        assert "nested too deeply" in str(caught.value)
    else:
        with pytest.raises(case.errors.BadRequestError) as status_error:
            driver.call(rec.operation_id, **kwargs)
        assert status_error.value.body == DEEP


@pytest.mark.parametrize(("case", "steps", "mode"), WALK_PARAMS)
def test_deeply_nested_page_is_a_validation_error(
    case: Case, steps: list[Recording], mode: str
) -> None:
    op = case.operation(steps[0].operation_id)
    deep = httpx.Response(200, headers={"content-type": "application/json"}, text=DEEP)
    server = Server(case, sequence_responder(steps), [deep])
    driver = Driver(case, mode, server)

    with pytest.raises(case.errors.ResponseValidationError):
        driver.walk(driver.pager(op.operation_id, **call_kwargs(op, steps[0].request)))


# -- 5: OAuth2 client credentials ----------------------------------------------------------------

OAUTH = _api_params(lambda case: case.oauth is not None)


def _token_fields(request: httpx.Request, scheme: ir.SecurityScheme) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if scheme.token_request_format == "json":
        assert content_type.startswith("application/json")
        return json.loads(request.content)  # type: ignore[no-any-return]
    assert content_type.startswith("application/x-www-form-urlencoded")
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_token_fetched_once_and_reused(case: Case, mode: str) -> None:
    rec, server, driver, kwargs = _retry_setup(case, mode, [])

    for _ in range(3):
        driver.call(rec.operation_id, **kwargs)

    assert len(server.token_requests) == 1
    assert len(server.requests) == 3
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer token-1"}


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_token_request(case: Case, mode: str) -> None:
    scheme = case.oauth
    assert scheme is not None
    rec, server, driver, kwargs = _retry_setup(case, mode, [])

    driver.call(rec.operation_id, **kwargs)

    (token_request,) = server.token_requests
    expected_url = dict(scheme.token_urls).get(case.base_url, scheme.token_url)
    assert token_request.method == "POST"
    assert str(token_request.url) == expected_url
    expected = {
        "grant_type": "client_credentials",
        "client_id": "test-client",
        "client_secret": "test-secret",
    }
    if scheme.scopes:
        expected["scope"] = " ".join(scheme.scopes)
    assert _token_fields(token_request, scheme) == expected


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_401_refreshes_token_once(case: Case, mode: str) -> None:
    script = [httpx.Response(401, json={"error": "invalid_token"})]
    rec, server, driver, kwargs = _retry_setup(case, mode, script)

    result = driver.call(rec.operation_id, **kwargs)

    _assert_result(case, case.operation(rec.operation_id), result, rec.response.get("body"))
    assert len(server.token_requests) == 2
    assert [r.headers["authorization"] for r in server.requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert driver.sleeps == []


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_token_failure_is_an_authentication_error(case: Case, mode: str) -> None:
    rec, server, driver, kwargs = _retry_setup(case, mode, [])
    server.token_status = 401

    with pytest.raises(case.errors.AuthenticationError):
        driver.call(rec.operation_id, **kwargs)

    assert len(server.token_requests) == 1
    assert server.requests == []


@pytest.mark.parametrize(("case", "mode"), OAUTH)
@pytest.mark.parametrize("patch", ["construct", "patch-clock"])
def test_oauth_expired_token_is_renewed_before_the_call(case: Case, mode: str, patch: str) -> None:
    scheme = case.oauth
    assert scheme is not None
    now = [1000.0]
    client_kwargs: dict[str, Any] = {}
    if patch == "construct":
        auth = case.auth_module.ClientCredentialsAuth(
            scheme.token_url,
            "test-client",
            "test-secret",
            scheme.scopes,
            request_format=scheme.token_request_format,
            clock=lambda: now[0],
        )
        client_kwargs = {"auth": auth, "base_url": case.base_url}
    rec, server, driver, kwargs = _retry_setup(case, mode, [], **client_kwargs)
    if patch == "patch-clock":
        driver.client.auth._clock = lambda: now[0]

    driver.call(rec.operation_id, **kwargs)
    now[0] += 600  # still fresh
    driver.call(rec.operation_id, **kwargs)
    assert len(server.token_requests) == 1
    now[0] += 3600  # expired (3600 s lifetime)
    driver.call(rec.operation_id, **kwargs)

    assert len(server.token_requests) == 2
    assert [r.headers["authorization"] for r in server.requests] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


def _server_token_urls() -> list[Any]:
    params = []
    for case in CASES:
        scheme = case.oauth
        if scheme is None:
            continue
        mapped = dict(scheme.token_urls)
        urls = [s.url.rstrip("/") for s in case.ir.servers] + list(mapped)
        for url in dict.fromkeys(urls):
            expected = mapped.get(url, scheme.token_url)
            for mode in MODES:
                params.append(
                    pytest.param(case, url, expected, mode, id=f"{case.key}-{url}-{mode}")
                )
    return params


@pytest.mark.parametrize(("case", "base_url", "token_url", "mode"), _server_token_urls())
def test_oauth_token_url_follows_base_url(
    case: Case, base_url: str, token_url: str, mode: str
) -> None:
    rec, server, driver, kwargs = _retry_setup(case, mode, [], base_url=base_url)

    driver.call(rec.operation_id, **kwargs)

    assert [str(r.url) for r in server.token_requests] == [token_url]
    assert str(server.requests[0].url).startswith(base_url + "/")


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_explicit_token_url_wins(case: Case, mode: str) -> None:
    if "token_url" not in inspect.signature(case.sync_class).parameters:
        pytest.skip("client takes no token_url")
    custom = "https://auth.example.test/token"
    rec = _base_recording(case)
    server = Server(case, rec)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == custom:
            seen.append(custom)
            return httpx.Response(200, json={"access_token": "custom", "expires_in": 60})
        return server(request)

    kwargs = {"base_url": case.base_url, **case.credentials(), "token_url": custom}
    if mode == "sync":
        client = case.sync_class(
            http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs
        )
        getattr(client, snake(rec.operation_id))(
            **call_kwargs(case.operation(rec.operation_id), rec.request)
        )
    else:
        client = case.async_class(
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **kwargs
        )
        asyncio.run(
            getattr(client, snake(rec.operation_id))(
                **call_kwargs(case.operation(rec.operation_id), rec.request)
            )
        )

    assert seen == [custom]
    assert server.token_requests == []
    assert server.requests[0].headers["authorization"] == "Bearer custom"


# -- 5b: OAuth2 token responses in either encoding, and one token request at a time -------------

TOKEN_FORMATS = ["json", "form", "json-unlabelled", "form-unlabelled"]


@pytest.mark.parametrize(("case", "mode"), OAUTH)
@pytest.mark.parametrize("token_format", TOKEN_FORMATS)
def test_oauth_token_response_in_json_or_form(case: Case, mode: str, token_format: str) -> None:
    """``access_token=...&expires_in=3600&token_type=bearer`` works like the JSON answer."""
    rec, server, driver, kwargs = _retry_setup(case, mode, [])
    server.token_format = token_format

    driver.call(rec.operation_id, **kwargs)
    driver.call(rec.operation_id, **kwargs)

    assert len(server.token_requests) == 1  # expires_in (text in a form) was read: reused
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer token-1"] * 2


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_form_token_without_access_token_is_an_authentication_error(
    case: Case, mode: str
) -> None:
    rec = _base_recording(case)
    server = Server(case, rec)
    form = httpx.Response(
        200,
        content=b"error=invalid_scope&token_type=bearer",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    server.token_response = lambda: form  # type: ignore[method-assign]
    driver = Driver(case, mode, server)

    with pytest.raises(case.errors.AuthenticationError, match="no access_token"):
        driver.call(rec.operation_id, **call_kwargs(case.operation(rec.operation_id), rec.request))
    assert server.requests == []


def _concurrently(case: Case, mode: str, server: Server, calls: int, **kwargs: Any) -> Any:
    """A client whose token endpoint answers after 50 ms, called ``calls`` times at once (threads
    for sync, tasks for async); returns the client."""
    rec = _base_recording(case)
    call = call_kwargs(case.operation(rec.operation_id), rec.request)
    method = snake(rec.operation_id)
    options = {"base_url": case.base_url, **case.credentials(), **kwargs}
    if mode == "sync":

        def handler(request: httpx.Request) -> httpx.Response:
            if server.is_token_request(request):
                time.sleep(0.05)
            return server(request)

        client = case.sync_class(
            http_client=httpx.Client(transport=httpx.MockTransport(handler)), **options
        )
        barrier = threading.Barrier(calls)

        def one(_: int) -> Any:
            barrier.wait()
            return getattr(client, method)(**call)

        with ThreadPoolExecutor(calls) as pool:
            list(pool.map(one, range(calls)))
        return client

    async def async_handler(request: httpx.Request) -> httpx.Response:
        if server.is_token_request(request):
            await asyncio.sleep(0.05)
        return server(request)

    async_client = case.async_class(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(async_handler)), **options
    )

    async def run() -> None:
        await asyncio.gather(*(getattr(async_client, method)(**call) for _ in range(calls)))

    asyncio.run(run())
    return async_client


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_concurrent_calls_make_one_token_request(case: Case, mode: str) -> None:
    """20 threads on a sync client, 100 tasks on an async one: one token request, shared."""
    calls = 20 if mode == "sync" else 100
    server = Server(case, _base_recording(case))

    _concurrently(case, mode, server, calls)

    assert len(server.token_requests) == 1
    assert len(server.requests) == calls
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer token-1"}


@pytest.mark.parametrize(("case", "mode"), OAUTH)
def test_oauth_concurrent_401s_refresh_once(case: Case, mode: str) -> None:
    """Every call sent with the first token gets a 401: one of them renews it, the others use
    the renewed token instead of each fetching their own."""
    calls = 20 if mode == "sync" else 100
    rec = _base_recording(case)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == "Bearer token-1":
            return httpx.Response(401, json={"error": "invalid_token"})
        return recorded_response(rec.response)

    server = Server(case, answer)

    _concurrently(case, mode, server, calls)

    assert len(server.token_requests) == 2
    # Each call ends with one request carrying the renewed token (some were late enough to
    # start with it).
    renewed = [r for r in server.requests if r.headers["authorization"] == "Bearer token-2"]
    assert len(renewed) == calls


# -- 6: pagination -------------------------------------------------------------------------------


def _page_items(op: ir.Operation, rec: Recording) -> list[Any]:
    assert op.pagination is not None
    items = pointer(rec.response.get("body"), op.pagination.items)
    return list(items or [])


def _position_wire(op: ir.Operation) -> str | None:
    pag = op.pagination
    assert pag is not None
    for param in op.parameters:
        if param.python_name == pag.position_param:
            return param.name
    return None


def _expected_positions(op: ir.Operation, steps: list[Recording]) -> tuple[Any, list[Any]]:
    """The position before the walk and after each page, read from the recordings alone."""
    pag = op.pagination
    assert pag is not None
    wire = _position_wire(op)
    first = steps[0].request
    if pag.style == "cursor":
        body = first.get("body")
        position = body.get(pag.cursor_field) if isinstance(body, dict) else None
    else:
        text = query_value(str(first.get("query") or ""), wire or "")
        position = int(text) if text is not None and pag.style == "offset" else text
    initial = position
    after = []
    for rec in steps:
        body = rec.response.get("body")
        if pag.style == "offset":
            start = query_value(str(rec.request.get("query") or ""), wire or "")
            position = int(start or 0) + len(_page_items(op, rec))
        elif pag.style == "page":
            next_url = pointer(body, pag.next_position)
            if isinstance(next_url, str):
                position = query_value(next_url, wire or "")
        else:
            token = pointer(body, pag.next_position)
            if token is not None:
                position = token
        after.append(position)
    return initial, after


def _recorded_requests(case: Case, steps: list[Recording]) -> list[tuple[Any, ...]]:
    return [
        (
            str(r.request["method"]).upper(),
            _base_path(case) + r.request["path"],
            r.request.get("query") or "",
            r.request.get("body"),
        )
        for r in steps
    ]


def _sent_requests(server: Server) -> list[tuple[Any, ...]]:
    return [
        (
            r.method,
            r.url.raw_path.decode().split("?")[0],
            r.url.query.decode(),
            request_body(r),
        )
        for r in server.requests
    ]


def _walk_driver(case: Case, mode: str, steps: list[Recording]) -> tuple[Server, Driver]:
    server = Server(case, sequence_responder(steps))
    return server, Driver(case, mode, server)


def _assert_items(case: Case, op: ir.Operation, items: list[Any], pages: list[Recording]) -> None:
    assert op.pagination is not None
    item_type = op.pagination.item_type
    if item_type.kind == "model":
        cls = getattr(case.models, item_type.name)
        assert all(isinstance(item, cls) for item in items)
    _assert_same(dump(items), [item for rec in pages for item in _page_items(op, rec)])


def test_every_paginated_operation_has_a_recorded_walk() -> None:
    for case in CASES:
        walked = {op_id for op_id, _ in case.sequences()}
        for op in case.ir.operations:
            if op.pagination is not None:
                assert op.operation_id in walked, f"{case.key}: {op.operation_id} has no sequence"


@pytest.mark.parametrize(("case", "steps", "mode"), WALK_PARAMS)
def test_pagination_walk(case: Case, steps: list[Recording], mode: str) -> None:
    op = case.operation(steps[0].operation_id)
    server, driver = _walk_driver(case, mode, steps)
    initial, after = _expected_positions(op, steps)

    pager = driver.pager(op.operation_id, **call_kwargs(op, steps[0].request))
    assert pager.position == initial
    items, positions = driver.walk(pager)

    _assert_items(case, op, items, steps)
    assert _sent_requests(server) == _recorded_requests(case, steps)
    assert pager.position == after[-1]
    assert pager.finished
    # The position moves on when the last item of a page is handed out, not before.
    expected_positions = []
    before = initial
    for rec, position in zip(steps, after, strict=True):
        count = len(_page_items(op, rec))
        expected_positions += [before] * (count - 1) + [position] * min(count, 1)
        before = position
    assert positions == expected_positions


@pytest.mark.parametrize(("case", "steps", "mode"), WALK_PARAMS)
def test_pagination_pages(case: Case, steps: list[Recording], mode: str) -> None:
    op = case.operation(steps[0].operation_id)
    server, driver = _walk_driver(case, mode, steps)
    _, after = _expected_positions(op, steps)

    pager = driver.pager(op.operation_id, **call_kwargs(op, steps[0].request))
    pages = driver.pages(pager)

    assert len(pages) == len(steps)
    for index, (page, rec) in enumerate(zip(pages, steps, strict=True)):
        _assert_items(case, op, page.items, [rec])
        assert page.position == after[index]
        assert page.has_next is (index < len(steps) - 1)
        _assert_result(case, op, page.result, rec.response.get("body"))
    assert _sent_requests(server) == _recorded_requests(case, steps)
    assert pager.position == after[-1]


@pytest.mark.parametrize(("case", "steps", "mode"), WALK_PARAMS)
def test_pagination_resume_from_position(case: Case, steps: list[Recording], mode: str) -> None:
    if len(steps) < 2:
        pytest.skip("a one-page walk has nothing to resume")
    op = case.operation(steps[0].operation_id)
    pag = op.pagination
    assert pag is not None
    _, after = _expected_positions(op, steps)
    server, driver = _walk_driver(case, mode, steps)

    kwargs = call_kwargs(op, steps[0].request)
    if pag.style == "cursor":
        kwargs["body"] = {pag.cursor_field: after[0]}
    else:
        kwargs[pag.position_param or ""] = after[0]
    pager = driver.pager(op.operation_id, **kwargs)
    assert pager.position == after[0]
    items, _ = driver.walk(pager)

    _assert_items(case, op, items, steps[1:])
    assert _sent_requests(server) == _recorded_requests(case, steps[1:])
    assert pager.position == after[-1]


# -- 7: context managers -------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_context_manager_with_given_http_client(case: Case, mode: str) -> None:
    rec = _base_recording(case)
    server = Server(case, rec)
    kwargs = {"base_url": case.base_url, **case.credentials()}
    call = call_kwargs(case.operation(rec.operation_id), rec.request)
    method = snake(rec.operation_id)
    transport = httpx.MockTransport(server)
    if mode == "sync":
        http = httpx.Client(transport=transport)
        with case.sync_class(http_client=http, **kwargs) as client:
            assert isinstance(client, case.sync_class)
            getattr(client, method)(**call)
        assert not http.is_closed  # the caller's client stays the caller's to close
        http.close()
    else:
        http_async = httpx.AsyncClient(transport=transport)

        async def run() -> None:
            async with case.async_class(http_client=http_async, **kwargs) as client:
                assert isinstance(client, case.async_class)
                await getattr(client, method)(**call)
            assert not http_async.is_closed
            await http_async.aclose()

        asyncio.run(run())
    assert len(server.requests) == 1


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_context_manager_closes_owned_http_client(case: Case, mode: str) -> None:
    kwargs = {"base_url": case.base_url, **case.credentials()}
    if mode == "sync":
        with case.sync_class(**kwargs) as client:
            owned = client._http
            assert isinstance(owned, httpx.Client)
            assert not owned.is_closed
        assert owned.is_closed
    else:

        async def run() -> httpx.AsyncClient:
            async with case.async_class(**kwargs) as client:
                owned = client._http
                assert isinstance(owned, httpx.AsyncClient)
                assert not owned.is_closed
            return owned  # type: ignore[no-any-return]

        assert asyncio.run(run()).is_closed


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_context_manager_closes_on_error(case: Case, mode: str) -> None:
    kwargs = {"base_url": case.base_url, **case.credentials()}
    if mode == "sync":
        with pytest.raises(RuntimeError), case.sync_class(**kwargs) as client:
            owned = client._http
            raise RuntimeError("boom")
        assert owned.is_closed
    else:
        holder: list[Any] = []

        async def run() -> None:
            async with case.async_class(**kwargs) as client:
                holder.append(client._http)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            asyncio.run(run())
        assert holder[0].is_closed
