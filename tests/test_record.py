"""`specgen record` against a fake server on loopback, and the redaction of secrets."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import SpecgenError
from generator.project import load_api
from generator.record import record
from generator.recordings import REDACTED, check_recordings, load_recording
from generator.redact import Redactor

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"


class FakeServer:
    """A loopback HTTP server answering every request with ``self.reply``; keeps the requests."""

    def __init__(self) -> None:
        self.reply: dict[str, Any] = {"status": 200, "headers": {}, "body": {}}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                payload = json.dumps(server.reply["body"]).encode()
                self.send_response(server.reply["status"])
                self.send_header("content-type", "application/json")
                for name, value in server.reply["headers"].items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target)
    return target


def _env(server: FakeServer, **values: str) -> dict[str, str]:
    return {"OP_EVENTS_BASE_URL": server.url, "OP_EVENTS_TOKEN": "tok-123", **values}


ONEPASSWORD_PAGE = {"items": [], "cursor": "c1", "has_more": False}


def test_record_writes_a_valid_redacted_recording(server: FakeServer, specs: Path) -> None:
    server.reply = {"status": 200, "headers": {}, "body": ONEPASSWORD_PAGE}
    body = specs / "body.json"
    body.write_text('{"limit": 10}')
    api = load_api(specs, "onepassword-events")
    path = record(api, "getSignInAttempts", [], body, GENERATED, "smoke", environ=_env(server))
    assert path == api.recordings_dir / "getSignInAttempts--smoke.json"
    recording = load_recording(path)
    assert recording.data["synthetic"] is False
    assert recording.request["method"] == "POST"
    assert recording.request["path"] == "/api/v1/signinattempts"
    assert recording.request["body"] == {"limit": 10}
    assert recording.request["headers"]["authorization"] == REDACTED
    assert recording.response["body"] == ONEPASSWORD_PAGE
    assert list(check_recordings(api.spec, [recording])) == []
    assert "tok-123" not in path.read_text()
    assert server.requests[-1]["headers"]["Authorization"] == "Bearer tok-123"


def test_record_keeps_error_responses(server: FakeServer, specs: Path) -> None:
    server.reply = {"status": 401, "headers": {}, "body": {"Error": {"Message": "Unauthorized"}}}
    api = load_api(specs, "onepassword-events")
    path = record(api, "getAuthIntrospect", [], None, GENERATED, "denied", environ=_env(server))
    assert load_recording(path).status == 401


def test_record_passes_parameters(server: FakeServer, specs: Path) -> None:
    server.reply = {
        "status": 200,
        "headers": {},
        "body": {"resultSet": [], "pagination": {"offset": 0, "pageSize": 5, "totalResults": 0}},
    }
    env = {"ONEGINI_BASE_URL": server.url, "ONEGINI_USERNAME": "u", "ONEGINI_PASSWORD": "pw-9"}
    api = load_api(specs, "onegini-events")
    params = ["actor=admin", "limit=5", "offset=0"]
    path = record(api, "searchEvents", params, None, GENERATED, None, environ=env)
    assert load_recording(path).request["query"] == "actor=admin&limit=5&offset=0"
    assert path.name.startswith("searchEvents--recorded-")


def test_missing_credentials_write_nothing(specs: Path) -> None:
    api = load_api(specs, "onepassword-events")
    before = sorted(api.recordings_dir.iterdir())
    with pytest.raises(SpecgenError, match="OP_EVENTS_TOKEN"):
        record(api, "getAuthIntrospect", [], None, GENERATED, "x", environ={})
    assert sorted(api.recordings_dir.iterdir()) == before


def test_unreachable_server_writes_nothing(specs: Path) -> None:
    api = load_api(specs, "onepassword-events")
    before = sorted(api.recordings_dir.iterdir())
    env = {"OP_EVENTS_BASE_URL": "http://127.0.0.1:9", "OP_EVENTS_TOKEN": "t"}
    with pytest.raises(SpecgenError, match="cannot reach"):
        record(api, "getAuthIntrospect", [], None, GENERATED, "x", environ=env)
    assert sorted(api.recordings_dir.iterdir()) == before


def test_invalid_arguments_write_nothing(specs: Path) -> None:
    api = load_api(specs, "onegini-events")
    env = {
        "ONEGINI_BASE_URL": "http://127.0.0.1:9",
        "ONEGINI_USERNAME": "u",
        "ONEGINI_PASSWORD": "p",
    }
    before = sorted(api.recordings_dir.iterdir())
    with pytest.raises(SpecgenError, match="limit"):
        record(
            api, "searchEvents", ["actor=a", "limit=5000", "offset=0"], None, GENERATED, None, env
        )
    with pytest.raises(SpecgenError, match="NAME=VALUE"):
        record(api, "searchEvents", ["nope=1"], None, GENERATED, None, env)
    assert sorted(api.recordings_dir.iterdir()) == before


def test_cli_reports_missing_credentials_without_traceback(specs: Path) -> None:
    result = CliRunner().invoke(
        main, ["record", "--specs", str(specs), "onepassword-events", "getAuthIntrospect"], env={}
    )
    assert result.exit_code == 1
    assert "OP_EVENTS_TOKEN" in result.output
    assert "Traceback" not in result.output


SECRET = st.from_regex(r"[A-Za-z0-9._~+/=-]{8,40}", fullmatch=True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=SECRET, echoed=SECRET, custom=SECRET)
def test_secrets_never_reach_disk(
    server: FakeServer, specs: Path, token: str, echoed: str, custom: str
) -> None:
    """Secrets in every position: auth header, cookies, token fields in bodies, a configured
    field name, and the credential echoed back inside an ordinary field and header."""
    for secret in (token, echoed, custom):
        assume(secret not in REDACTED and secret not in json.dumps(ONEPASSWORD_PAGE))
    config = specs / "onepassword-events" / "specgen.yaml"
    text = config.read_text()
    if "redact:" not in text:
        config.write_text(text.replace("record:\n", "record:\n  redact: [session_key]\n", 1))
    server.reply = {
        "status": 200,
        "headers": {"set-cookie": f"sid={echoed}", "x-echo": f"you sent {token}"},
        "body": {
            **ONEPASSWORD_PAGE,
            "access_token": echoed,
            "refresh_token": echoed,
            "client_secret": echoed,
            "password": echoed,
            "session_key": custom,
            "note": f"token {token} accepted",
        },
    }
    body = specs / "body.json"
    body.write_text(json.dumps({"cursor": "c0", "password": echoed, "session_key": custom}))
    api = load_api(specs, "onepassword-events")
    path = record(
        api,
        "getSignInAttempts",
        [],
        body,
        GENERATED,
        "secret",
        environ=_env(server, OP_EVENTS_TOKEN=token),
    )
    written = path.read_text()
    for secret in (token, echoed, custom):
        assert secret not in written
        assert json.dumps(secret)[1:-1] not in written
    data = json.loads(written)
    assert data["response"]["body"]["session_key"] == REDACTED
    assert data["response"]["headers"]["set-cookie"] == REDACTED


def test_redactor_replaces_by_name_and_by_value() -> None:
    redactor = Redactor(names=["X-Custom"], secrets=["hunter2"])
    assert redactor.headers_of([("Authorization", "Basic abc"), ("X-Custom", "v")]) == {
        "authorization": REDACTED,
        "x-custom": REDACTED,
    }
    assert redactor.body({"a": [{"password": "p"}], "b": "say hunter2"}) == {
        "a": [{"password": REDACTED}],
        "b": f"say {REDACTED}",
    }
    assert (
        redactor.query("api_key=k&q=1")
        == f"api_key={REDACTED.replace('<', '%3C').replace('>', '%3E')}&q=1"
    )
