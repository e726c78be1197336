"""Runtime rules that the four APIs under ``specs/`` cannot show alone, on a probe package.

The probe spec has what they lack: a POST that is not safe to repeat next to one declared
``x-idempotent``, and a date-time query parameter and body field. It is generated once per
session (like ``specgen generate``) and imported; the 1Password client covers the same rules on
a real spec.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from generator.build import Target
from generator.pipeline import generate_files
from generator.template_sets import default_sets
from generator.write import write_package

PROBE = """\
openapi: 3.1.0
info: {title: Probe, version: '1'}
servers: [{url: 'https://probe.example.test'}]
paths:
  /events:
    get:
      operationId: listEvents
      parameters:
        - {name: since, in: query, schema: {type: string, format: date-time}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Events'}}}
    post:
      operationId: createEvent
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Event'}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {$ref: '#/components/schemas/Event'}}}
  /search:
    post:
      operationId: searchEvents
      x-idempotent: true
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Event'}}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Events'}}}
components:
  schemas:
    Event:
      type: object
      required: [at]
      properties:
        at: {type: string, format: date-time}
        name: {type: string}
    Events:
      type: object
      properties:
        items: {type: array, items: {$ref: '#/components/schemas/Event'}}
"""
MODES = ("sync", "async")
EVENT = {"at": "2024-05-01T23:11:29.845363663Z", "name": "x"}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    folder = tmp_path_factory.mktemp("probe")
    files = generate_files(
        yaml.safe_load(PROBE), "probe.yaml", Target("runtime_probe", "Probe"), default_sets()
    )
    write_package(folder / "runtime_probe", files)
    sys.path.insert(0, str(folder / "runtime_probe"))
    try:
        return importlib.import_module("runtime_probe")
    finally:
        sys.path.remove(str(folder / "runtime_probe"))


class Recorder:
    """A MockTransport handler: scripted answers first, then ``default``."""

    def __init__(self, *script: httpx.Response, default: Any = None, status: int = 200) -> None:
        self.script = list(script)
        self.default = default
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)
        if self.default is None:
            return httpx.Response(self.status, json={"items": [EVENT]})
        return httpx.Response(self.status, json=self.default)


def _client(package: ModuleType, handler: Recorder, mode: str, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(handler)
    if mode == "sync":
        client = package.Probe(http_client=httpx.Client(transport=transport), **kwargs)
        client._sleep = lambda seconds: None
    else:
        client = package.AsyncProbe(http_client=httpx.AsyncClient(transport=transport), **kwargs)

        async def sleep(seconds: float) -> None:
            return None

        client._sleep = sleep
    return client


def _call(client: Any, mode: str, method: str, **kwargs: Any) -> Any:
    result = getattr(client, method)(**kwargs)
    return result if mode == "sync" else asyncio.run(result)


# -- item 16: which operations are retried ---------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_post_is_not_retried_by_default(probe: ModuleType, mode: str) -> None:
    handler = Recorder(httpx.Response(503))
    client = _client(probe, handler, mode)

    with pytest.raises(probe.errors.InternalServerError):
        _call(client, mode, "create_event", body=EVENT)

    assert len(handler.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_post_declared_idempotent_is_retried(probe: ModuleType, mode: str) -> None:
    handler = Recorder(httpx.Response(503), httpx.Response(502))
    client = _client(probe, handler, mode)

    result = _call(client, mode, "search_events", body=EVENT)

    assert len(handler.requests) == 3
    assert result.items[0].name == "x"


@pytest.mark.parametrize("mode", MODES)
def test_per_call_max_retries_retries_a_post(probe: ModuleType, mode: str) -> None:
    handler = Recorder(httpx.Response(503), default=EVENT, status=201)
    client = _client(probe, handler, mode, max_retries=0)

    result = _call(client, mode, "create_event", body=EVENT, max_retries=1)

    assert len(handler.requests) == 2
    assert result.name == "x"


@pytest.mark.parametrize("mode", MODES)
def test_get_is_retried_by_default(probe: ModuleType, mode: str) -> None:
    handler = Recorder(httpx.Response(503))
    client = _client(probe, handler, mode)

    _call(client, mode, "list_events")

    assert len(handler.requests) == 2


def test_retry_policy_is_in_the_docstrings(probe: ModuleType) -> None:
    assert "Not retried by default" in (probe.Probe.create_event.__doc__ or "")
    assert "Not retried by default" not in (probe.Probe.search_events.__doc__ or "")
    assert "deadline" in (probe.Probe.__doc__ or "")


# -- item 14: naive date-times are refused before sending ------------------------------------

NAIVE = [
    pytest.param(dt.datetime(2024, 1, 1), id="naive-datetime"),
    pytest.param("2024-01-01T00:00:00", id="string-without-offset"),
    pytest.param("2024-01-01T00:00:00.123456789", id="nanoseconds-without-offset"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", NAIVE)
def test_naive_datetime_parameter_is_refused(probe: ModuleType, mode: str, value: Any) -> None:
    handler = Recorder()
    client = _client(probe, handler, mode)

    with pytest.raises(probe.errors.RequestValidationError, match="timezone-aware datetime"):
        _call(client, mode, "list_events", since=value)

    assert handler.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "2024-01-01T00%3A00%3A00Z"),
        (
            dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2024-01-01T12%3A00%3A00%2B02%3A00",
        ),
        ("2024-01-01T00:00:00.123456789+02:00", "2024-01-01T00%3A00%3A00.123456789%2B02%3A00"),
    ],
)
def test_aware_datetime_parameter_is_sent(
    probe: ModuleType, mode: str, value: Any, sent: str
) -> None:
    handler = Recorder()
    client = _client(probe, handler, mode)

    _call(client, mode, "list_events", since=value)

    assert handler.requests[0].url.query.decode() == f"since={sent}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", NAIVE)
@pytest.mark.parametrize("form", ["dict", "model"])
def test_naive_datetime_in_body_is_refused(
    probe: ModuleType, mode: str, value: Any, form: str
) -> None:
    handler = Recorder(default=EVENT)
    client = _client(probe, handler, mode)
    body: Any = {"at": value}
    if form == "model":  # built by hand: accepted by the model, refused when sent
        body = probe.models.Event(at=value)

    with pytest.raises(probe.errors.RequestValidationError, match="timezone-aware datetime"):
        _call(client, mode, "create_event", body=body)

    assert handler.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_aware_datetime_body_keeps_its_text(probe: ModuleType, mode: str) -> None:
    handler = Recorder(default=EVENT)
    client = _client(probe, handler, mode)

    _call(client, mode, "create_event", body={"at": "2024-01-01T00:00:00.1234567-05:00"})
    _call(
        client,
        mode,
        "create_event",
        body=probe.models.Event(at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
    )

    sent = [json.loads(r.content)["at"] for r in handler.requests]
    assert sent == ["2024-01-01T00:00:00.1234567-05:00", "2024-01-01T00:00:00Z"]


@pytest.mark.parametrize("mode", MODES)
def test_naive_timestamp_in_a_response_is_read(probe: ModuleType, mode: str) -> None:
    """Responses stay lenient: a server's naive timestamp is read and written back as sent."""
    handler = Recorder(default={"items": [{"at": "2024-01-01T00:00:00.5"}]})
    client = _client(probe, handler, mode)

    result = _call(client, mode, "list_events")

    assert result.items[0].at == dt.datetime(2024, 1, 1, 0, 0, 0, 500000)
    assert result.model_dump(mode="json", by_alias=True) == {
        "items": [{"at": "2024-01-01T00:00:00.5", "name": None}]
    }


def test_exact_timestamps_survive_copy_and_pickle(probe: ModuleType) -> None:
    import copy
    import pickle

    event = probe.models.Event.model_validate(EVENT)
    for clone in (copy.deepcopy(event), pickle.loads(pickle.dumps(event))):
        assert clone.model_dump(mode="json")["at"] == EVENT["at"]
    later = event.at + dt.timedelta(seconds=1)  # a new value: written from its fields
    assert (
        probe.models.Event(at=later).model_dump(mode="json")["at"] == "2024-05-01T23:11:30.845363Z"
    )


@pytest.mark.parametrize("mode", MODES)
def test_onepassword_naive_start_time_is_refused(mode: str) -> None:
    from onepassword_events import AsyncOnePasswordEvents, OnePasswordEvents, errors, models

    handler = Recorder()
    transport = httpx.MockTransport(handler)
    for body in (
        {"limit": 10, "start_time": "2024-01-01T00:00:00"},
        models.ResetCursor(limit=10, start_time=dt.datetime(2024, 1, 1)),
    ):
        if mode == "sync":
            client: Any = OnePasswordEvents(
                token="t", http_client=httpx.Client(transport=transport)
            )
        else:
            client = AsyncOnePasswordEvents(
                token="t", http_client=httpx.AsyncClient(transport=transport)
            )
        with pytest.raises(
            errors.RequestValidationError, match="timezone-aware datetime"
        ) as caught:
            _call(client, mode, "get_sign_in_attempts", body=body)
        assert "getSignInAttempts: body" in str(caught.value)
    assert handler.requests == []


def test_generated_package_ships_the_types_module(probe: ModuleType) -> None:
    folder = Path(probe.__file__).parent
    models = (folder / "models.py").read_text()
    assert "from ._types import DateTime as datetime" in models
    assert "from datetime import datetime" not in models
