"""`specgen record` against a fake server on loopback, and the redaction of secrets."""

from __future__ import annotations

import base64
import json
import re
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support.loopback import FakeServer

from generator.cli import main
from generator.errors import SpecgenError
from generator.project import load_api
from generator.record import record
from generator.recordings import REDACTED, check_recordings, load_recording
from generator.redact import Redactor

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"


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
    assert result.exit_code == 2  # bad input: no credentials to call with
    assert "OP_EVENTS_TOKEN" in result.output
    assert "Traceback" not in result.output


# Characters that make the encodings of a secret differ from its raw text: URL-reserved ones,
# ones JSON escapes, base64's own alphabet, and non-ASCII (Latin-1, other BMP, astral).
ASCII_SPECIAL = ' +/=&"\\%?#:;,~'
ALNUM = st.characters(codec="ascii", categories=("Lu", "Ll", "Nd"))
SECRET = st.text(st.sampled_from(ASCII_SPECIAL + "éж€😀") | ALNUM, min_size=8, max_size=30)
# A bearer token travels in a header as it is: ASCII, no space at either end.
TOKEN = st.text(st.sampled_from(ASCII_SPECIAL) | ALNUM, min_size=8, max_size=30).filter(
    lambda s: s == s.strip()
)


def encodings(secret: str) -> dict[str, str]:
    """Every spelling of ``secret`` a client or server may send (the test's own list, written
    independently of generator/redact.py)."""
    raw = secret.encode()
    b64, url64 = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    percent = quote(secret, safe="")
    return {
        "raw": secret,
        "quote": quote(secret),
        "quote-all": percent,
        "quote-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), percent),
        "quote-plus": quote_plus(secret),
        "base64": b64,
        "base64-unpadded": b64.rstrip("="),
        "base64url": url64,
        "base64url-unpadded": url64.rstrip("="),
        "json": json.dumps(secret)[1:-1],
        "json-unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def placed(secrets: dict[str, str]) -> dict[str, str]:
    """Every encoding of every secret, keyed by who and how."""
    return {f"{who}-{how}": f for who, s in secrets.items() for how, f in encodings(s).items()}


def in_url(forms: dict[str, str]) -> str:
    """A query string carrying every form that can stand in a URL as it is."""
    url_safe = re.compile(r"[A-Za-z0-9_.~%+/=-]*")
    return "&".join(f"{k}={v}" for k, v in forms.items() if url_safe.fullmatch(v))


def in_header(forms: dict[str, str]) -> str:
    return " ".join(v for v in forms.values() if v.isascii())


def assume_distinct(secrets: list[str], *fixed: str) -> None:
    """Skip examples where a secret could be found in the file for another reason: one secret
    inside another, or a spelling that occurs in the recording's fixed text or the marker."""
    for i, a in enumerate(secrets):
        assume(not any(a in b or b in a for b in secrets[i + 1 :]))
        assume(not any(f in text for f in encodings(a).values() for text in fixed))


def assert_no_spelling(written: str, secrets: dict[str, str]) -> None:
    """No encoding of any secret in the file, as it is or as it looks inside a JSON string."""
    for who, secret in secrets.items():
        for how, form in encodings(secret).items():
            in_json = {json.dumps(form, ensure_ascii=False)[1:-1], json.dumps(form)[1:-1]}
            for spelled in {form} | in_json:
                assert spelled not in written, f"{how} form of {who} ({spelled!r}) left in the file"


# The text every recording of these tests holds whatever the secrets: keys, fixed values,
# the fake server's own header.
SKELETON = " ".join(
    [
        "operation description source synthetic request response method path query headers",
        "body status live service, recorded Recorded from getSignInAttempts searchEvents",
        "POST GET content-type application/json accept server /api/v1/signinattempts /api/events",
        BaseHTTPRequestHandler.server_version,
        BaseHTTPRequestHandler.sys_version,
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=TOKEN, echoed=SECRET, custom=SECRET)
def test_secrets_never_reach_disk(
    server: FakeServer, specs: Path, token: str, echoed: str, custom: str
) -> None:
    """Secrets in every encoding in every position: auth header, cookies, token fields in
    bodies, a configured field name, and the credentials echoed back (raw, percent-encoded,
    base64, JSON-escaped) in ordinary body fields, nested strings, keys, a `next` link, a
    `Link` header, an ordinary header, the request body and the base URL."""
    secrets = {"token": token, "echoed": echoed, "custom": custom}
    assume_distinct([token, echoed, custom], REDACTED, json.dumps(ONEPASSWORD_PAGE), SKELETON)
    config = specs / "onepassword-events" / "specgen.yaml"
    text = config.read_text()
    if "redact:" not in text:
        config.write_text(text.replace("record:\n", "record:\n  redact: [session_key]\n", 1))
    forms = placed(secrets)
    link = f"{server.url}/api/v1/signinattempts?{in_url(forms)}"
    server.reply = {
        "status": 200,
        "headers": {
            "set-cookie": f"sid={quote(echoed)}; Path=/",
            "x-echo": in_header(forms),
            "link": f'<{link}>; rel="next"',
        },
        "body": {
            **ONEPASSWORD_PAGE,
            "access_token": echoed,
            "refresh_token": echoed,
            "client_secret": echoed,
            "password": echoed,
            "session_key": custom,
            "note": f"token {token} accepted",
            "echo": forms,
            "nested": [{"deep": [list(forms.values())]}],
            "keys": {form: True for form in forms.values()},
            "next": link,
        },
    }
    body = specs / "body.json"
    # Only the keys the spec declares (the client refuses others): the secrets in the cursor.
    body.write_text(json.dumps({"cursor": f"c0 {echoed} {custom} {json.dumps(forms)}"}))
    api = load_api(specs, "onepassword-events")
    base_url = f"{server.url}/t/{quote(token, safe='')}"
    environ = _env(server, OP_EVENTS_TOKEN=token, OP_EVENTS_BASE_URL=base_url)
    path = record(api, "getSignInAttempts", [], body, GENERATED, "secret", environ=environ)
    written = path.read_text()
    assert_no_spelling(written, secrets)
    data = json.loads(written)
    assert data["response"]["body"]["session_key"] == REDACTED
    assert data["response"]["headers"]["set-cookie"] == REDACTED
    assert data["request"]["headers"]["authorization"] == REDACTED
    # What is not secret survives: the page itself and the request's own path.
    assert data["response"]["body"]["cursor"] == ONEPASSWORD_PAGE["cursor"]
    assert data["request"]["path"] == "/api/v1/signinattempts"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(username=SECRET, password=SECRET)
def test_basic_credentials_never_reach_disk(
    server: FakeServer, specs: Path, username: str, password: str
) -> None:
    """HTTP Basic: the `username:password` pair and each part, in every encoding, echoed in
    the request's query (through a parameter), the response body, a `next` link and a header."""
    secrets = {"username": username, "password": password, "pair": f"{username}:{password}"}
    assume_distinct([username, password], REDACTED, SKELETON, "resultSet pagination pageSize")
    forms = placed(secrets)
    link = f"{server.url}/api/events?{in_url(forms)}"
    page = {"resultSet": [], "pagination": {"offset": 0, "pageSize": 5, "totalResults": 0}}
    server.reply = {
        "status": 200,
        "headers": {"x-echo": in_header(forms), "link": f'<{link}>; rel="next"'},
        "body": {**page, "echo": forms, "next": link},
    }
    env = {"ONEGINI_BASE_URL": server.url, "ONEGINI_USERNAME": username,
           "ONEGINI_PASSWORD": password}  # fmt: skip
    api = load_api(specs, "onegini-events")
    params = [f"actor={password}", "limit=5", "offset=0"]
    path = record(api, "searchEvents", params, None, GENERATED, "basic", environ=env)
    assert_no_spelling(path.read_text(), secrets)
    assert load_recording(path).response["body"]["pagination"] == page["pagination"]


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
