"""What users of the generated clients expect besides calls (issue 12): raw responses,
``with_options``, credentials and server from the environment, debug logging without secrets,
errors that say what the server said, pagers that own their position, and the README example
showing them, run against a real loopback server.

Parametrized over every API under ``specs/`` and both clients, like ``test_clients.py``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.apis import Case, Recording, all_cases
from support.loopback import FakeServer
from support.replay import (
    MODES,
    Driver,
    Server,
    call_kwargs,
    dump,
    recorded_response,
    refusal,
    sequence_responder,
    success_recordings,
)

from generator import docs, ir

CASES = all_cases()


def _api_params(select: Any = lambda case: True) -> list[Any]:
    return [
        pytest.param(case, mode, id=f"{case.key}-{mode}")
        for case in CASES
        if select(case)
        for mode in MODES
    ]


def _first_success(case: Case) -> Recording:
    found = success_recordings(case)
    if not found:
        pytest.skip(f"{case.key} has no successful recording the client accepts")
    return found[0]


def _first_error(case: Case) -> Recording:
    for rec in case.recordings:
        op = case.operation(rec.operation_id)
        if rec.status >= 400 and refusal(op, call_kwargs(op, rec.request)) is None:
            return rec
    pytest.skip(f"{case.key} has no error recording the client sends")


def _run(mode: str, value: Any) -> Any:
    return asyncio.run(value) if mode == "async" else value


def _method(client: Any, op: ir.Operation) -> Any:
    """The bound method ``op.call`` names (``repos.get`` on a grouped client)."""
    target = client
    for part in op.call.split("."):
        target = getattr(target, part)
    return target


# -- 1. raw responses ------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_raw_response_has_status_headers_and_parses_to_the_result(case: Case, mode: str) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    kwargs = call_kwargs(op, rec.request)
    driver = Driver(case, mode, Server(case, rec))

    raw = _run(mode, _method(driver.client.with_raw_response, op)(**kwargs))
    plain = driver.call(rec.operation_id, **kwargs)

    assert isinstance(raw, case.package.APIResponse)
    assert isinstance(raw.http_response, httpx.Response)
    assert raw.status_code == rec.status
    recorded = recorded_response(rec.response)
    assert raw.headers.get("content-type") == recorded.headers.get("content-type")
    assert raw.http_response.request.method == op.http_method
    parsed = raw.parse()
    assert raw.parse() is parsed  # read once
    assert type(parsed) is type(plain)
    assert dump(parsed) == dump(plain)


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_raw_response_of_an_error_status_still_raises(case: Case, mode: str) -> None:
    rec = _first_error(case)
    op = case.operation(rec.operation_id)
    driver = Driver(case, mode, Server(case, rec), max_retries=0)

    with pytest.raises(case.errors.APIStatusError) as caught:
        _run(mode, _method(driver.client.with_raw_response, op)(**call_kwargs(op, rec.request)))

    assert caught.value.status_code == rec.status
    assert caught.value.response.status_code == rec.status


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_raw_response_keeps_a_body_that_does_not_fit(case: Case, mode: str) -> None:
    """A body the spec does not describe is still there; only ``parse()`` refuses it."""
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    if op.success is None or op.success.kind != "json" or op.success.type.kind != "model":
        pytest.skip("the recorded operation does not answer a JSON object")
    odd = httpx.Response(200, json=["not", "an", "object"])
    driver = Driver(case, mode, Server(case, lambda request: odd))

    raw = _run(mode, _method(driver.client.with_raw_response, op)(**call_kwargs(op, rec.request)))

    assert raw.json() == ["not", "an", "object"]
    with pytest.raises(case.errors.ResponseValidationError):
        raw.parse()


def _walks() -> list[Any]:
    params = []
    for case in CASES:
        for (op_id, name), steps in sorted(case.sequences().items()):
            if case.operation(op_id).pagination is not None:
                for mode in MODES:
                    params.append(pytest.param(case, steps, mode, id=f"{case.key}/{name}-{mode}"))
    return params


WALKS = _walks()


@pytest.mark.parametrize(("case", "steps", "mode"), WALKS)
def test_every_page_exposes_its_response(case: Case, steps: list[Recording], mode: str) -> None:
    op = case.operation(steps[0].operation_id)
    server = Server(case, sequence_responder(steps))
    driver = Driver(case, mode, server)

    pages = driver.pages(driver.pager(op.operation_id, **call_kwargs(op, steps[0].request)))

    assert len(pages) == len(steps)
    for page, rec in zip(pages, steps, strict=True):
        assert isinstance(page.response, httpx.Response)
        assert page.response.status_code == rec.status
        assert page.response.json() == rec.response.get("body")


# -- 2. with_options and NOT_GIVEN ---------------------------------------------------------------

ALL_WAITS = ("connect", "read", "write", "pool")


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_with_options_shares_the_pool_and_changes_only_what_it_is_given(
    case: Case, mode: str
) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    kwargs = call_kwargs(op, rec.request)
    server = Server(case, rec)
    driver = Driver(case, mode, server, timeout=7.0, headers={"X-Client": "default"})
    client = driver.client

    other = client.with_options(
        timeout=None, max_retries=5, headers={"X-Other": "yes"}, base_url=case.base_url + "/"
    )
    _run(mode, _method(other, op)(**kwargs))
    _run(mode, _method(client, op)(**kwargs))

    assert type(other) is type(client)
    assert other._http is client._http
    assert other.auth is client.auth
    assert (other.max_retries, client.max_retries) == (5, 2)
    assert (other.timeout, client.timeout) == (None, 7.0)
    assert other.base_url == client.base_url == case.base_url
    first, second = server.requests
    assert first.extensions["timeout"] == dict.fromkeys(ALL_WAITS)
    assert second.extensions["timeout"] == dict.fromkeys(ALL_WAITS, 7.0)
    assert first.headers["x-other"] == "yes"
    assert first.headers["x-client"] == second.headers["x-client"] == "default"
    assert "x-other" not in second.headers
    # Closing the copy leaves the shared pool to its owner.
    _run(mode, other.close())
    assert not client._http.is_closed
    _run(mode, client.close())


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_with_options_gives_a_client_with_its_own_views(case: Case, mode: str) -> None:
    driver = Driver(case, mode, Server(case))
    client = driver.client
    view = client.with_raw_response
    other = client.with_options(max_retries=0)

    assert other.with_raw_response is not view
    assert other.with_raw_response._client is other
    assert client.with_raw_response is view
    with pytest.raises(ValueError, match="max_retries"):
        client.with_options(max_retries=-1)
    with pytest.raises(ValueError, match="deadline"):
        client.with_options(deadline=0)


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_a_call_timeout_of_none_means_no_timeout(case: Case, mode: str) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    kwargs = call_kwargs(op, rec.request)
    server = Server(case, rec)
    driver = Driver(case, mode, server, timeout=7.0)
    package = case.package

    driver.call(rec.operation_id, timeout=None, **kwargs)
    driver.call(rec.operation_id, timeout=package.NOT_GIVEN, **kwargs)
    driver.call(rec.operation_id, **kwargs)

    none, given, default = (r.extensions["timeout"] for r in server.requests)
    assert none == dict.fromkeys(ALL_WAITS)
    assert given == default == dict.fromkeys(ALL_WAITS, 7.0)
    assert not package.NOT_GIVEN
    assert repr(package.NOT_GIVEN) == "NOT_GIVEN"


def test_not_given_is_typed_for_strict_users() -> None:
    for case in CASES:
        method = getattr(case.sync_class, case.ir.operations[0].method_name)
        signature = inspect.signature(method)
        for name in ("timeout", "max_retries", "deadline"):
            assert "NotGiven" in str(signature.parameters[name].annotation), (case.key, name)
            assert signature.parameters[name].default is case.package.NOT_GIVEN


# -- 3. the environment ----------------------------------------------------------------------------


def _env_values(case: Case) -> dict[str, str]:
    """A distinct value for every credential the clients read from the environment."""
    return {c.env_var: f"env-{c.python_name}-value" for c in docs.env_credentials(case.ir)}


def _seen(requests: list[httpx.Request]) -> str:
    """Everything the requests carried: headers (Basic credentials decoded), URLs and bodies."""
    parts = []
    for request in requests:
        parts.append(str(request.url))
        parts.append(request.content.decode("utf-8", "replace"))
        for name, value in request.headers.items():
            parts.append(value)
            scheme, _, encoded = value.partition(" ")
            if name == "authorization" and scheme.lower() == "basic":
                parts.append(base64.b64decode(encoded).decode())
    return "\n".join(parts)


class _Everything(Server):
    """A ``Server`` that also keeps the token requests in ``requests``."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.is_token_request(request):
            self.requests.append(
                httpx.Request(request.method, request.url, headers=request.headers,
                              content=request.content)
            )  # fmt: skip
        return super().__call__(request)


def _bare_client(case: Case, mode: str, server: Server, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(server)
    if mode == "sync":
        return case.sync_class(http_client=httpx.Client(transport=transport), **kwargs)
    return case.async_class(http_client=httpx.AsyncClient(transport=transport), **kwargs)


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_credentials_and_server_come_from_the_environment(
    case: Case, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    env = _env_values(case)
    if case.oauth is not None:
        env.pop(next(c.env_var for c in case.ir.credentials if c.python_name == "token_url"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(docs.base_url_env(case.ir), "https://from-env.example.test/v9")
    server = _Everything(case, rec)

    client = _bare_client(case, mode, server)
    with contextlib.suppress(Exception):  # the recorded answer may not suit the env's server
        _run(mode, _method(client, op)(**call_kwargs(op, rec.request)))

    assert client.base_url == "https://from-env.example.test/v9"
    assert any(str(r.url).startswith("https://from-env.example.test/v9/") for r in server.requests)
    seen = _seen(server.requests)
    for value in env.values():
        assert value in seen, value


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_an_explicit_argument_wins_over_the_environment(
    case: Case, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    given = {f"{case.package_name}_{name}".upper() for name in case.credentials()}
    for name, value in _env_values(case).items():
        if name in given:  # the OAuth2 token URL, not passed here, is rightly read
            monkeypatch.setenv(name, value)
    monkeypatch.setenv(docs.base_url_env(case.ir), "https://from-env.example.test")
    server = _Everything(case, rec)

    client = _bare_client(case, mode, server, base_url=case.base_url, **case.credentials())
    _run(mode, _method(client, op)(**call_kwargs(op, rec.request)))

    assert client.base_url == case.base_url
    seen = _seen(server.requests)
    assert "from-env" not in seen
    assert "env-" not in seen


def _readme(case: Case) -> str:
    """The generated package's README (next to the import package)."""
    return (Path(case.package.__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_each_client_documents_its_environment_variables() -> None:
    for case in CASES:
        doc = case.sync_class.__doc__ or ""
        readme = _readme(case)
        for credential in docs.env_credentials(case.ir):
            assert credential.env_var in doc
            assert f"`{credential.env_var}`" in readme
        for name in (docs.base_url_env(case.ir), docs.log_env(case.ir)):
            assert name in doc
            assert name in readme


# -- 4. logging ------------------------------------------------------------------------------------

SECRET_QUERY = {"api_key": "sekrit-1", "access_token": "sekrit-2", "X-Amz-Signature": "sekrit-3"}


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_every_attempt_is_logged_without_credentials(
    case: Case, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    script = [httpx.Response(503, text="busy")]
    server = Server(case, rec, script)
    driver = Driver(case, mode, server)
    kwargs = call_kwargs(op, rec.request)
    extra = {**kwargs.pop("extra_query", {}), **SECRET_QUERY, "plain": "visible"}

    with caplog.at_level(logging.DEBUG, logger=case.package_name):
        driver.call(rec.operation_id, extra_query=extra, max_retries=1, **kwargs)

    records = [r for r in caplog.records if r.name == case.package_name]
    lines = [r.getMessage() for r in records]
    assert len(lines) == 4, lines
    assert all(r.levelno == logging.DEBUG for r in records)
    method = op.http_method
    assert re.fullmatch(rf"request: {method} https?://\S+ \(retry 0\)", lines[0]), lines[0]
    assert re.fullmatch(
        rf"response: {method} \S+: 503 Service Unavailable in \d+ ms \(retry 0\)", lines[1]
    ), lines[1]
    assert lines[2].endswith("(retry 1)")
    assert re.search(rf": {rec.status} .* in \d+ ms \(retry 1\)$", lines[3]), lines[3]
    text = "\n".join(lines)
    assert "plain=visible" in text
    assert "api_key=[redacted]" in text
    assert "X-Amz-Signature=[redacted]" in text
    secrets = [*SECRET_QUERY.values(), *case.credentials().values(), "token-0", "token-1"]
    sent = server.requests[-1].headers.get("authorization", "")
    secrets += [sent.partition(" ")[2]] if sent else []
    for secret in secrets:
        assert secret not in text, secret


def test_the_log_environment_variable_turns_logging_on() -> None:
    case = next(c for c in CASES if c.oauth is None)  # one answer for every request
    rec = _first_success(case)
    op = case.operation(rec.operation_id)
    body = recorded_response(rec.response)
    script = f"""
import httpx, {case.package_name} as package
answer = httpx.Response(
    {body.status_code}, headers={dict(body.headers)!r}, content={body.content!r}
)
client = package.{case.project.config.client_class}(
    http_client=httpx.Client(transport=httpx.MockTransport(lambda request: answer)),
    **{case.credentials()!r},
)
client.{op.call}(**{call_kwargs(op, rec.request)!r})
"""
    env_name = docs.log_env(case.ir)
    env = {**os.environ, env_name: "debug", "PYTHONPATH": os.pathsep.join(sys.path)}
    quiet = {k: v for k, v in env.items() if k != env_name}
    on = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    off = subprocess.run([sys.executable, "-c", script], env=quiet, capture_output=True, text=True)

    assert on.returncode == off.returncode == 0, on.stderr + off.stderr
    assert f"{case.package_name} DEBUG request: {op.http_method} " in on.stderr
    assert "DEBUG response: " in on.stderr
    assert off.stderr == ""


# -- 5. what errors say ----------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_an_error_says_the_operation_the_status_and_the_server_s_message(
    case: Case, mode: str
) -> None:
    rec = _first_error(case)
    op = case.operation(rec.operation_id)
    driver = Driver(case, mode, Server(case, rec), max_retries=0)

    with pytest.raises(case.errors.APIStatusError) as caught:
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    text = str(caught.value)
    assert text.startswith(f"{op.operation_id}: {rec.status} ")
    body = rec.response.get("body")
    said = _said(body)
    if said:
        assert " ".join(said.split())[:150] in text


def _said(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("message", "title", "detail", "error_description", "error", "description"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, dict):
                return _said(value)
        return None
    return body if isinstance(body, str) else None


MESSAGES = [
    ({"message": "no such tracking id"}, "no such tracking id"),
    ({"title": "Not Found", "detail": "user 7 is gone"}, "Not Found: user 7 is gone"),
    ({"detail": "only detail"}, "only detail"),
    ({"error": "invalid_client", "error_description": "bad secret"}, "bad secret"),
    ({"error": {"message": "nested", "code": 5}}, "nested"),
    ({"code": 5}, '{"code":5}'),  # no message member: the start of the body's text
    ({"message": "Not Found"}, None),  # only the reason phrase again: not repeated
]


@pytest.mark.parametrize(("body", "said"), MESSAGES)
@pytest.mark.parametrize(("case", "mode"), _api_params()[:2])
def test_the_server_s_message_is_found_in_common_shapes(
    case: Case, mode: str, body: Any, said: str | None
) -> None:
    rec = _first_success(case)
    answer = httpx.Response(404, json=body)
    driver = Driver(case, mode, Server(case, lambda request: answer), max_retries=0)
    op = case.operation(rec.operation_id)

    with pytest.raises(case.errors.APIStatusError) as caught:
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    expected = f"{op.operation_id}: 404 Not Found"
    assert str(caught.value) == (f"{expected}: {said}" if said else expected)


@pytest.mark.parametrize(("case", "mode"), _api_params()[:2])
def test_a_long_text_error_is_quoted_on_one_bounded_line(case: Case, mode: str) -> None:
    rec = _first_success(case)
    text = "upstream\n  broke " + "very " * 200
    answer = httpx.Response(502, text=text, headers={"content-type": "text/plain"})
    driver = Driver(case, mode, Server(case, lambda request: answer), max_retries=0)
    op = case.operation(rec.operation_id)

    with pytest.raises(case.errors.APIStatusError) as caught:
        driver.call(rec.operation_id, **call_kwargs(op, rec.request))

    message = str(caught.value)
    assert message.startswith(f"{op.operation_id}: 502 Bad Gateway: upstream broke very very")
    assert "\n" not in message
    assert message.endswith("...")
    assert len(message) <= len(f"{op.operation_id}: 502 Bad Gateway: ") + 200


# -- 6. the pager owns the position ----------------------------------------------------------------


def _offset_walks() -> list[Any]:
    return [
        p
        for p in WALKS
        if (pg := p.values[0].operation(p.values[1][0].operation_id).pagination) is not None
        and pg.style == "offset"
    ]


@pytest.mark.parametrize(("case", "steps", "mode"), _offset_walks())
def test_an_offset_pager_needs_no_offset(case: Case, steps: list[Recording], mode: str) -> None:
    op = case.operation(steps[0].operation_id)
    assert op.pagination is not None
    name = op.pagination.position_param
    method = getattr(case.sync_class, op.pager_name)
    assert inspect.signature(method).parameters[name].default is None
    kwargs = call_kwargs(op, steps[0].request)
    if kwargs.get(name) not in (0, None):
        pytest.skip("the recorded walk does not start at 0")
    kwargs.pop(name, None)
    server = Server(case, sequence_responder(steps))
    driver = Driver(case, mode, server)

    items, _ = driver.walk(driver.pager(op.operation_id, **kwargs))

    assert len(server.requests) == len(steps)
    first = dict(parse_qsl(server.requests[0].url.query.decode()))
    wire = next(p.name for p in op.parameters if p.python_name == name)
    assert first[wire] == "0"
    assert items


# -- the README's example, against a real server ---------------------------------------------------


def _readme_example(readme: str) -> str:
    section = readme.split("## Environment, options, raw responses and logging", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


@contextlib.contextmanager
def _environment(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> Iterator[None]:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_the_readme_example_runs(
    case: Case,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = case.ir
    assert api.example is not None
    rec = next(
        (r for r in success_recordings(case) if r.operation_id == api.example.operation_id), None
    )
    if rec is None:
        pytest.skip("no accepted success recording of the README's operation")
    server = FakeServer()
    server.reply = {
        "status": rec.status,
        "headers": dict(rec.response.get("headers") or {}),
        "body": rec.response.get("body"),
    }
    server.routes["/token"] = {
        "status": 200,
        "headers": {},
        "body": {"access_token": "tok-from-loopback", "expires_in": 60, "token_type": "Bearer"},
    }
    with server:
        url = server.url
        env = {c.env_var: f"readme-{c.python_name}" for c in docs.env_credentials(api)}
        env.pop(f"{case.package_name}_SCOPES".upper(), None)
        if case.oauth is not None:
            env[f"{case.package_name}_TOKEN_URL".upper()] = url + "/token"
        env[docs.base_url_env(api)] = url
        with _environment(monkeypatch, env), caplog.at_level(logging.DEBUG, case.package_name):
            exec(compile(_readme_example(_readme(case)), "README.md", "exec"), {})

    out = capsys.readouterr().out
    assert out.startswith(f"{rec.status} ")
    api_requests = [r for r in server.requests if not r["path"].startswith("/token")]
    assert len(api_requests) == 1
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert f"request: {api.example.http_method} {url}" in log
    for value in env.values():
        if value.startswith("readme-"):
            assert value not in log
    assert "tok-from-loopback" not in log
    json.dumps(out)  # printed text only


SECRET_NAMES = ["api_key", "apiKey", "X-API-KEY", "access_token", "refreshToken", "client_secret",
                "password", "X-Amz-Signature", "sig", "sessionId", "auth", "code"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(SECRET_NAMES),
    value=st.text(alphabet=st.characters(codec="utf-8"), min_size=8),
    others=st.dictionaries(st.sampled_from(["limit", "cursor", "q", "keyword"]), st.text()),
)
def test_a_logged_url_never_holds_a_secret_query_value(
    name: str, value: str, others: dict[str, str]
) -> None:
    logging_module = CASES[0].module("_logging")
    url = httpx.URL("https://user:pass@api.example.test/v1/items", params={**others, name: value})

    logged = logging_module.safe_url(url)

    pairs = parse_qsl(httpx.URL(logged).query.decode(), keep_blank_values=True)
    assert (name, "[redacted]") in pairs
    assert dict(pairs).keys() == {*others, name}
    assert all(dict(pairs)[k] == v for k, v in others.items())
    assert "pass" not in logged.split("@")[0]
