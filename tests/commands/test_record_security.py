"""`specgen record` against hostile inputs: an OAuth2 token exchange must never be recorded as
the operation's (issue 9, item 9), and a hostile operationId or recording name must never put
a file outside the recordings folder (item 10)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.loopback import FakeServer

from generator.errors import Report, SpecgenError
from generator.paths import MAX_NAME, inside, safe_filename
from generator.pipeline import generate_api
from generator.project import load_api
from generator.record import record
from generator.recordings import load_recording
from generator.template_sets import Templates

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# -- item 9: only the operation's own exchange is ever recorded ---------------------------------

CLIENT_SECRET = "cs-Very/Secret+Value=="
ACCESS_TOKEN = "at-Issued/Token+Value=="
EVENT_TYPES = {"items": [], "eventsEnabled": True}


@pytest.fixture
def apiture(tmp_path: Path, server: FakeServer) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the specs whose Apiture config also takes the token URL from the environment
    (so the loopback server is the authorization server too), and that environment."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    config = specs / "apiture-events" / "specgen.yaml"
    text = config.read_text()
    config.write_text(text.replace("  env:\n", "  env:\n    token_url: APITURE_TOKEN_URL\n", 1))
    environ = {
        "APITURE_BASE_URL": server.url,
        "APITURE_TOKEN_URL": f"{server.url}/oauth/token",
        "APITURE_CLIENT_ID": "client-id-1",
        "APITURE_CLIENT_SECRET": CLIENT_SECRET,
    }
    server.requests.clear()
    server.reply = {"status": 200, "headers": {}, "body": EVENT_TYPES}
    yield specs, environ
    server.routes = {}


TOKEN_FAILURES = {
    # 200, but a body that is neither JSON nor a form: the client cannot read a token from it.
    "unreadable-200": (
        {"status": 200, "headers": {"content-type": "text/plain"}, "raw": b"here you go"},
        "status 200 (text/plain)",
    ),
    # The authorization server fails, echoing what it was sent (the client secret).
    "server-error-500": (
        {"status": 500, "headers": {}, "body": {"error": "boom", "got": CLIENT_SECRET}},
        "status 500 (application/json)",
    ),
}


@pytest.mark.parametrize("case", sorted(TOKEN_FAILURES))
def test_failed_token_request_writes_nothing(
    server: FakeServer, apiture: tuple[Path, dict[str, str]], case: str
) -> None:
    """The token exchange is not the operation's: nothing is written (before the fix, the
    POST /oauth/token exchange was saved as listEventTypes, client secret inside), and the
    error says why, with the token endpoint's status and no secret."""
    specs, environ = apiture
    reply, status = TOKEN_FAILURES[case]
    server.routes = {"/oauth/token": reply}
    api = load_api(specs, "apiture-events")
    before = _files(specs)
    with pytest.raises(SpecgenError) as caught:
        record(api, "listEventTypes", [], None, GENERATED, "x", environ=environ)
    message = str(caught.value)
    assert f"the token request POST {server.url}/oauth/token answered {status}" in message
    assert "listEventTypes" in message and "never sent" in message
    assert "nothing written" in message
    assert CLIENT_SECRET not in message
    assert _files(specs) == before
    assert [r["path"] for r in server.requests] == ["/oauth/token"]


def test_oauth2_call_records_only_the_operation_exchange(
    server: FakeServer, apiture: tuple[Path, dict[str, str]]
) -> None:
    """A token fetched on the way is not part of the recording: no /oauth/token, no client
    secret, no access token (not even the one echoed back by the API)."""
    specs, environ = apiture
    server.routes = {
        "/oauth/token": {
            "status": 200,
            "headers": {},
            "body": {"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 600},
        }
    }
    server.reply = {
        "status": 200,
        "headers": {"x-seen-token": ACCESS_TOKEN},
        "body": {**EVENT_TYPES, "debug": f"authorized by {ACCESS_TOKEN}"},
    }
    api = load_api(specs, "apiture-events")
    path = record(api, "listEventTypes", [], None, GENERATED, "oauth", environ=environ)
    written = path.read_text()
    recording = load_recording(path)
    assert recording.request["method"] == "GET"
    assert recording.request["path"] == "/banking/eventTypes"
    assert recording.response["body"]["items"] == []
    for leaked in ("/oauth/token", "client_credentials", CLIENT_SECRET, ACCESS_TOKEN):
        assert leaked not in written
    assert [r["path"] for r in server.requests] == ["/oauth/token", "/banking/eventTypes"]


def test_form_encoded_token_response_is_never_recorded_as_the_operation(
    server: FakeServer, apiture: tuple[Path, dict[str, str]]
) -> None:
    """A token endpoint answering `application/x-www-form-urlencoded` (RFC 6749 servers that
    ignore `Accept`): whether the client reads it or not, what is recorded (if anything) is
    the operation's exchange, without the token or the client secret."""
    specs, environ = apiture
    form = f"access_token={ACCESS_TOKEN}&token_type=bearer&expires_in=600".replace("+", "%2B")
    server.routes = {
        "/oauth/token": {
            "status": 200,
            "headers": {"content-type": "application/x-www-form-urlencoded"},
            "raw": form.replace("/", "%2F").replace("==", "%3D%3D").encode(),
        }
    }
    api = load_api(specs, "apiture-events")
    before = _files(specs)
    try:
        path = record(api, "listEventTypes", [], None, GENERATED, "form", environ=environ)
    except SpecgenError as exc:  # a client that cannot read form-encoded tokens
        assert "the token request POST" in str(exc) and "status 200" in str(exc)
        assert _files(specs) == before
        return
    written = path.read_text()
    assert load_recording(path).request["path"] == "/banking/eventTypes"
    for leaked in ("/oauth/token", CLIENT_SECRET, ACCESS_TOKEN, "at-Issued%2FToken"):
        assert leaked not in written


# -- item 10: file names made from spec text stay inside their folder ---------------------------

HOSTILE_IDS = {
    "dotdot": "../../../../../tmp/x",
    "dotdot-short": "../../../escaped",
    "backslash": "..\\..\\..\\..\\..\\tmp\\y",
    "absolute": "{root}/abs/z",
    "nul": "nul\x00byte",
    "dots": "..",
    "reserved": "CON",
    "long": "get" + "A" * 400,
}


def _hostile_spec(root: Path) -> dict[str, Any]:
    paths = {}
    for index, (key, op_id) in enumerate(sorted(HOSTILE_IDS.items())):
        paths[f"/op{index}"] = {
            "get": {
                "operationId": op_id.format(root=root),
                "summary": key,
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hostile", "version": "1.0.0"},
        "servers": [{"url": "https://hostile.example"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(root, specs): an API whose operationIds are path tricks, generated once. The specs
    folder sits deep enough under ``root`` that the 5-level ``..`` lands inside ``root``."""
    root = tmp_path_factory.mktemp("hostile")
    specs = root / "a" / "b" / "specs"
    folder = specs / "hostile-api"
    (folder / "recordings").mkdir(parents=True)
    (folder / "openapi.json").write_text(json.dumps(_hostile_spec(root)))
    (folder / "specgen.yaml").write_text(
        "name: Hostile\npackage: hostile_paths\nclient_class: HostilePaths\nspec: openapi.json\n"
        "record:\n  env:\n    base_url: HOSTILE_BASE_URL\n    token: HOSTILE_TOKEN\n"
    )
    api = load_api(specs, "hostile-api", check=False)  # the NUL in an operationId: a warning
    report = Report(api.source.name)
    generate_api(api, root / "generated", Templates(), report, strict=False)
    return root, specs


@pytest.mark.parametrize("key", sorted(HOSTILE_IDS))
@pytest.mark.parametrize("name", ["ok", "../../../../../tmp/named", "n" * 400])
def test_hostile_operation_ids_stay_in_the_recordings_folder(
    server: FakeServer, hostile: tuple[Path, Path], key: str, name: str
) -> None:
    """Before the fix, `../../../../../tmp/x` wrote `<root>/tmp/x--ok.json`, the absolute id
    wrote under `<root>/abs/`, the NUL and long ids raised raw OS errors."""
    root, specs = hostile
    server.reply = {"status": 200, "headers": {}, "body": {"ok": True}}
    api = load_api(specs, "hostile-api", check=False)
    op_id = HOSTILE_IDS[key].format(root=root)
    before = _files(root)
    environ = {"HOSTILE_BASE_URL": server.url, "HOSTILE_TOKEN": "t0k3n"}
    path = record(api, op_id, [], None, root / "generated", name, environ=environ)
    assert path.parent == api.recordings_dir.resolve()
    assert _files(root) - before == {path}
    assert not (root / "tmp").exists() and not (root / "abs").exists()
    assert not (root / "a" / "escaped--ok.json").exists()
    assert load_recording(path).operation == op_id
    assert_portable(path.name)


def test_distinct_hostile_ids_get_distinct_files() -> None:
    """Names that had to be cleaned keep a trace of the original, so two operations never
    overwrite each other's recordings."""
    names = {safe_filename(op_id) for op_id in HOSTILE_IDS.values()}
    assert len(names) == len(HOSTILE_IDS)
    assert safe_filename("../x") != safe_filename("..\\x") != safe_filename("x")


def assert_portable(name: str) -> None:
    assert name and name == name.strip(" .")
    assert not name.startswith(("-", "."))
    assert ".." not in name
    assert not any(c in name for c in '/\\:*?"<>|') and name.isprintable() and name.isascii()
    assert len(name) <= 2 * MAX_NAME + len("--.json")
    devices = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}
    assert name.split(".")[0].lower() not in devices


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_safe_filename_is_a_portable_name_inside_its_folder(text: str) -> None:
    name = safe_filename(text)
    assert_portable(name)
    assert len(name) <= MAX_NAME
    folder = Path("/srv/recordings")
    assert inside(folder, folder / name).parent == folder
    if name != text:  # a changed name keeps a trace of the original
        assert safe_filename(text + "x") != name


def test_plain_names_are_kept() -> None:
    for op_id in ("getSignInAttempts", "list_events", "get-v1.events"):
        assert safe_filename(op_id) == op_id


def test_inside_follows_links(tmp_path: Path) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path)
    with pytest.raises(SpecgenError, match="outside"):
        inside(folder, folder / "link" / "x.json")
    with pytest.raises(SpecgenError, match="outside"):
        inside(folder, folder / ".." / "x.json")
    assert inside(folder, folder / "x.json") == folder.resolve() / "x.json"
