"""`specgen drift` against a real loopback server serving successive versions of a vendor spec.

Each test copies the two vendor APIs (truelayer-tracking, onepassword-events) and their
packages to a temporary folder, points their ``upstream`` at the server and runs the command
through the CLI. Unless ``--write`` is given, nothing under ``specs/`` or ``generated/`` may
change, whatever the server answers: every test without it checks that byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from support.loopback import FakeServer

from generator import fetch
from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRUELAYER, ONEPASSWORD = "truelayer-tracking", "onepassword-events"
PACKAGES = {TRUELAYER: "truelayer_tracking", ONEPASSWORD: "onepassword_events"}
TOKEN = "s3cr3t-token-value"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for api, package in PACKAGES.items():
        shutil.copytree(ROOT / "specs" / api, tmp_path / "specs" / api)
        shutil.copytree(ROOT / "generated" / package, tmp_path / "generated" / package)
    return tmp_path


def reset(server: FakeServer) -> FakeServer:
    server.routes.clear()
    server.requests.clear()
    server.handle = None
    return server


@pytest.fixture
def upstream(server: FakeServer) -> FakeServer:
    """The module's loopback server (starting one per test costs half a second to stop),
    with no routes, handler or requests of an earlier test."""
    return reset(server)


@pytest.fixture(scope="module")
def other_server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def elsewhere(other_server: FakeServer) -> FakeServer:
    """A second server: another origin (another port)."""
    return reset(other_server)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of a test, so that a handler made to hang lets go of its thread."""
    event = threading.Event()
    yield event
    event.set()


# -- helpers ---------------------------------------------------------------------------------


def committed(api: str) -> dict[str, Any]:
    """The vendor document as committed (the version the packages were generated from)."""
    data: dict[str, Any] = json.loads((ROOT / "specs" / api / "openapi.json").read_text("utf-8"))
    return data


def point(repo: Path, api: str, value: str | None) -> None:
    """Make the ``upstream:`` line of ``api``'s specgen.yaml say ``value`` (None: remove it)."""
    config = repo / "specs" / api / "specgen.yaml"
    line = "" if value is None else f"upstream: {value}"
    text, count = re.subn(r"^upstream: .*$", line, config.read_text("utf-8"), flags=re.M)
    assert count == 1
    config.write_text(text, "utf-8")


def serve(
    server: FakeServer, path: str, body: bytes | str | dict[str, Any], status: int = 200
) -> str:
    """Answer GET ``path`` with ``body`` (a dict as JSON); the URL to it."""
    if isinstance(body, dict):
        body = json.dumps(body, indent=2)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    server.routes[path] = {"status": status, "headers": {}, "raw": raw}
    return server.url + path


def serve_for(repo: Path, server: FakeServer, api: str, body: bytes | str | dict[str, Any]) -> str:
    """Serve ``body`` as ``api``'s upstream document, at a URL ending in .json."""
    url = serve(server, f"/{api}/openapi.json", body)
    point(repo, api, url)
    return url


def drift(repo: Path, *args: str) -> Result:
    options = ["--specs", str(repo / "specs"), "--output", str(repo / "generated")]
    return CliRunner().invoke(main, ["drift", *options, *args])


def digest(repo: Path) -> dict[str, str]:
    return {
        str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def drift_read_only(repo: Path, *args: str) -> Result:
    """``drift`` without ``--write``: it must leave every file as it was."""
    before = digest(repo)
    result = drift(repo, *args)
    assert digest(repo) == before, result.output
    return result


def report(result: Result) -> dict[str, dict[str, Any]]:
    """The JSON report's entries by API (the run must have been ``--format json``)."""
    data = json.loads(result.stdout)
    entries = {entry["api"]: entry for entry in data["apis"]}
    assert sum(data["summary"].values()) == len(entries)
    return entries


def kinds(entry: dict[str, Any]) -> set[str]:
    return {change["kind"] for change in entry["changes"]}


def one_api(repo: Path, keep: str) -> None:
    """Leave ``keep`` the only API with an upstream."""
    for api in PACKAGES:
        if api != keep:
            point(repo, api, None)


# -- the vendor's versions -------------------------------------------------------------------


def with_new_property() -> dict[str, Any]:
    """TrueLayer with a new response property: nothing breaks."""
    data = committed(TRUELAYER)
    event = data["components"]["schemas"]["TrackedEventResponse"]
    event["properties"]["country"] = {"type": "string", "description": "Where it happened."}
    return data


def with_additions() -> dict[str, Any]:
    """TrueLayer with a new response property and a new operation: nothing breaks."""
    data = with_new_property()
    data["paths"]["/v1/tracking-ids"] = {
        "get": {
            "operationId": "ListTrackingIds",
            "responses": {"200": {"description": "The tracking ids of the client."}},
        }
    }
    return data


def with_removals() -> dict[str, Any]:
    """TrueLayer with a response property removed and a new required query parameter."""
    data = committed(TRUELAYER)
    del data["components"]["schemas"]["TrackedEventResponse"]["properties"]["provider_id"]
    data["paths"]["/v1/tracked-events"]["get"]["parameters"].append(
        {"in": "query", "name": "region", "required": True, "schema": {"type": "string"}}
    )
    return data


def action_lines(api: str) -> list[int]:
    """The line each action of ``api``'s overlay starts on (the lines of ``- target:``)."""
    text = (ROOT / "specs" / api / "overlay.yaml").read_text("utf-8")
    return [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("  - ")]


# The action of TrueLayer's overlay that removes `additionalProperties: false`.
TRUELAYER_REMOVAL = 2


def with_fix_made_upstream() -> dict[str, Any]:
    """TrueLayer dropped ``additionalProperties: false``, which the overlay removes (action
    ``TRUELAYER_REMOVAL``): that action is now stale, the effective spec the same."""
    data = committed(TRUELAYER)
    del data["components"]["schemas"]["TrackedEventResponse"]["additionalProperties"]
    return data


# The enum values 1Password's overlay appends, by action, which version 1.2.0 of the
# document lists itself.
ONEPASSWORD_APPENDS = {
    7: ("category", "sso_failed"),
    8: ("type", "service_account_sso_denied"),
    9: ("type", "non_sso_user"),
    10: ("type", "sso_user_mismatch"),
}


def onepassword_listing_the_enum_values() -> dict[str, Any]:
    """1Password's document listing the enum values the overlay adds, as 1.2.0 does."""
    data = committed(ONEPASSWORD)
    properties = data["components"]["schemas"]["SignInAttempt"]["properties"]
    for field, value in ONEPASSWORD_APPENDS.values():
        properties[field]["enum"].append(value)
    return data


def onepassword_with_location() -> dict[str, Any]:
    """1Password's document with a new response property (1.2.0 adds ``location``)."""
    data = committed(ONEPASSWORD)
    data["components"]["schemas"]["SignInAttempt"]["properties"]["location"] = {
        "type": "object",
        "properties": {"country": {"type": "string"}, "city": {"type": "string"}},
    }
    return data


# -- classification --------------------------------------------------------------------------


def test_a_byte_order_mark_before_the_document_is_not_part_of_it(
    repo: Path, upstream: FakeServer
) -> None:
    committed = (ROOT / "specs" / TRUELAYER / "openapi.json").read_bytes()
    serve_for(repo, upstream, TRUELAYER, b"\xef\xbb\xbf" + committed)
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)[TRUELAYER]["status"] == "unchanged"


def test_the_committed_document_served_as_is_is_unchanged(repo: Path, upstream: FakeServer) -> None:
    serve_for(repo, upstream, TRUELAYER, (ROOT / "specs" / TRUELAYER / "openapi.json").read_bytes())
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    entry = report(result)[TRUELAYER]
    assert entry["status"] == "unchanged"
    assert entry["changes"] == entry["stale_actions"] == entry["steps"] == []
    assert entry["error"] is None
    text = drift_read_only(repo)
    assert text.exit_code == 0
    assert text.stdout.splitlines() == [
        f"{TRUELAYER}: unchanged  {upstream.url}/{TRUELAYER}/openapi.json",
        "1 API checked: 1 unchanged, 0 changed, 0 breaking, 0 failed",
    ]
    assert [r["path"] for r in upstream.requests] == [f"/{TRUELAYER}/openapi.json"] * 2


def test_a_new_operation_and_property_are_a_change_that_breaks_nothing(
    repo: Path, upstream: FakeServer
) -> None:
    serve_for(repo, upstream, TRUELAYER, with_additions())
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 1, result.output  # --fail-on any, the default
    entry = report(result)[TRUELAYER]
    assert entry["status"] == "changed"
    assert kinds(entry) == {"operation-added", "response-property-added"}
    assert {c["severity"] for c in entry["changes"]} == {"non-breaking"}
    assert entry["steps"] == [f"specgen drift {TRUELAYER} --write", "make test"]
    assert drift_read_only(repo, "--fail-on", "breaking").exit_code == 0
    text = drift_read_only(repo, "--fail-on", "any")
    assert text.exit_code == 1
    assert f"{TRUELAYER}: changed" in text.stdout
    assert "operation-added  /paths/~1v1~1tracking-ids/get" in text.stdout
    assert "response-property-added" in text.stdout


def test_a_removed_property_and_a_new_required_parameter_are_breaking(
    repo: Path, upstream: FakeServer
) -> None:
    serve_for(repo, upstream, TRUELAYER, with_removals())
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json", "--fail-on", "breaking")
    assert result.exit_code == 1, result.output
    entry = report(result)[TRUELAYER]
    assert entry["status"] == "breaking"
    assert kinds(entry) == {"parameter-added-required", "response-property-removed"}
    assert drift_read_only(repo, "--fail-on", "never").exit_code == 0
    assert drift_read_only(repo).exit_code == 1


def test_a_fix_made_upstream_lists_the_stale_overlay_action_in_every_format(
    repo: Path, upstream: FakeServer
) -> None:
    serve_for(repo, upstream, TRUELAYER, with_fix_made_upstream())
    one_api(repo, TRUELAYER)
    overlay = repo / "specs" / TRUELAYER / "overlay.yaml"
    line = action_lines(TRUELAYER)[TRUELAYER_REMOVAL]
    where = f"{overlay}:{line} at /actions/{TRUELAYER_REMOVAL}"
    target = "$.components.schemas.TrackedEventResponse.additionalProperties"

    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 1, result.output
    entry = report(result)[TRUELAYER]
    assert entry["status"] == "changed"
    assert entry["changes"] == []  # the overlay removed it before: the same effective spec
    assert [(s["file"], s["line"], s["pointer"], s["target"]) for s in entry["stale_actions"]] == [
        (str(overlay), line, f"/actions/{TRUELAYER_REMOVAL}", target)
    ]
    assert "makes a client reject an event" in entry["stale_actions"][0]["description"]
    assert entry["steps"][0] == f"specgen drift {TRUELAYER} --write --drop-stale"

    text = drift_read_only(repo)
    stale = [line for line in text.stdout.splitlines() if "stale:" in line]
    assert len(stale) == 1 and stale[0].startswith(f"  stale: {where}: ")
    assert target in stale[0] and "matches nothing" in stale[0]

    markdown = drift_read_only(repo, "--format", "markdown")
    assert markdown.exit_code == 1
    assert f"### `{TRUELAYER}`: changed" in markdown.stdout
    items = [line for line in markdown.stdout.splitlines() if "/actions/" in line]
    place = f"`{overlay}:{line}` at `/actions/{TRUELAYER_REMOVAL}`: "
    assert len(items) == 1 and items[0].startswith(f"- {place}") and target in items[0]
    assert f"- Upstream: `{upstream.url}" in markdown.stdout


def test_enum_values_the_vendor_now_lists_make_the_overlay_appends_stale(
    repo: Path, upstream: FakeServer
) -> None:
    serve_for(repo, upstream, ONEPASSWORD, onepassword_listing_the_enum_values())
    one_api(repo, ONEPASSWORD)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 1, result.output
    entry = report(result)[ONEPASSWORD]
    assert entry["status"] == "changed"
    assert entry["changes"] == []  # the values were there, in the same order
    overlay = str(repo / "specs" / ONEPASSWORD / "overlay.yaml")
    assert [(s["file"], s["line"], s["pointer"]) for s in entry["stale_actions"]] == [
        (overlay, action_lines(ONEPASSWORD)[index], f"/actions/{index}")
        for index in ONEPASSWORD_APPENDS
    ]
    text = drift_read_only(repo)
    stale = [line for line in text.stdout.splitlines() if "stale:" in line]
    assert len(stale) == len(ONEPASSWORD_APPENDS)
    for line, (field, _) in zip(stale, ONEPASSWORD_APPENDS.values(), strict=True):
        pointer = f"/components/schemas/SignInAttempt/properties/{field}/enum"
        assert f"adds nothing: the array at {pointer} already holds its value" in line


def test_yaml_served_for_a_spec_kept_as_json_is_read_and_classified(
    repo: Path, upstream: FakeServer
) -> None:
    # 1Password publishes YAML; the committed openapi.json is the same document as JSON.
    text = yaml.safe_dump(onepassword_with_location(), sort_keys=False, allow_unicode=True)
    assert not text.lstrip().startswith("{")
    point(repo, ONEPASSWORD, serve(upstream, "/events-api.yaml", text))
    one_api(repo, ONEPASSWORD)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 1, result.output
    entry = report(result)[ONEPASSWORD]
    assert entry["status"] == "changed"
    assert kinds(entry) == {"response-property-added"}
    assert all("/location" in c["location"] for c in entry["changes"])


def test_yaml_as_vendors_write_it_is_the_json_spec_it_converts_to(
    repo: Path, upstream: FakeServer
) -> None:
    # Unquoted, a timestamp is a timestamp to YAML and a status code a number: read for a spec
    # kept as JSON, they are the text the JSON file holds, not a difference (nor a crash).
    text = yaml.safe_dump(committed(ONEPASSWORD), sort_keys=False)
    written = re.sub(r"'(\d{4}-\d\d-\d\dT[^']*)'", r"\1", text)
    written = re.sub(r"'(\d{3})':", r"\1:", written)
    as_yaml = yaml.safe_load(written)
    assert as_yaml["components"]["schemas"]["DateTimeRFC3339"]["example"].year == 2020
    assert 200 in as_yaml["paths"]["/api/auth/introspect"]["get"]["responses"]
    point(repo, ONEPASSWORD, serve(upstream, "/events-api.yaml", written))
    one_api(repo, ONEPASSWORD)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)[ONEPASSWORD]["status"] == "unchanged"


def test_yaml_with_no_json_form_for_a_json_spec_cannot_be_checked(
    repo: Path, upstream: FakeServer
) -> None:
    text = yaml.safe_dump(committed(ONEPASSWORD), sort_keys=False)
    text = text.replace("info:\n", "info:\n  x-logo-data: !!binary aGVsbG8=\n", 1)
    url = serve(upstream, "/events-api.yaml", text)
    point(repo, ONEPASSWORD, url)
    one_api(repo, ONEPASSWORD)
    _, error = failure(repo, ONEPASSWORD)
    assert error.startswith(f"{url}: cannot be written as JSON: a YAML bytes value")


def test_the_format_named_in_the_config_wins_over_a_url_naming_none(
    repo: Path, upstream: FakeServer
) -> None:
    text = yaml.safe_dump(committed(TRUELAYER), sort_keys=False)
    url = serve(upstream, "/download", text)
    point(repo, TRUELAYER, f"{{url: '{url}', format: yaml}}")
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)[TRUELAYER]["status"] == "unchanged"


# -- answers that cannot be checked ----------------------------------------------------------


def failure(repo: Path, api: str) -> tuple[dict[str, Any], str]:
    """Run ``drift`` (JSON, then text) expecting exit 2 for ``api``: its entry and error line."""
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 2, result.output
    entry = report(result)[api]
    assert entry["status"] == "failed"
    assert entry["changes"] == entry["stale_actions"] == entry["steps"] == []
    assert "\n" not in entry["error"]
    text = drift_read_only(repo)
    assert text.exit_code == 2
    assert f"  error: {entry['error']}" in text.stdout.splitlines()
    return entry, entry["error"]


def test_a_404_cannot_be_checked(repo: Path, upstream: FakeServer) -> None:
    url = serve(upstream, "/gone.json", "not here", status=404)
    point(repo, TRUELAYER, url)
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}: cannot fetch: ") and "404" in error
    assert len(upstream.requests) == 2  # one attempt per run: no retry


def hang(release: threading.Event) -> Any:
    """A handler that accepts the request and answers nothing until the test ends."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        release.wait(10)

    return handle


def test_the_whole_run_gives_up_at_its_deadline(
    repo: Path, upstream: FakeServer, release: threading.Event
) -> None:
    upstream.handle = hang(release)
    point(repo, TRUELAYER, f"{upstream.url}/slow.json")
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--timeout", "0.5")
    assert result.exit_code == 2, result.output
    assert "cannot fetch: no complete answer within 0.5 s" in result.stdout


def trickle(release: threading.Event) -> Any:
    """A handler announcing a spec and sending a byte every 50 ms: no single read waits long."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("content-length", "100000")
        request.end_headers()
        request.wfile.write(b"{")
        while not release.wait(0.05):
            request.wfile.write(b" ")
            request.wfile.flush()

    return handle


@pytest.mark.parametrize("handler", [hang, trickle], ids=["silent", "trickling"])
def test_a_fetch_gives_up_at_its_own_deadline(
    repo: Path,
    upstream: FakeServer,
    release: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
    handler: Any,
) -> None:
    monkeypatch.setattr(fetch, "DEADLINE_SECONDS", 0.3)
    upstream.handle = handler(release)
    point(repo, TRUELAYER, f"{upstream.url}/slow.json")
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert "no complete answer within 0.3 s" in error


def unannounced(body: bytes) -> Any:
    """A handler sending ``body`` without a content-length (ended by closing the connection)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("content-type", "application/json")
        request.send_header("connection", "close")
        request.end_headers()
        for start in range(0, len(body), 512):
            request.wfile.write(body[start : start + 512])
        request.close_connection = True

    return handle


@pytest.mark.parametrize("sent", ["content-length", "streamed", "gzip"])
def test_an_answer_larger_than_the_cap_is_refused(
    repo: Path, upstream: FakeServer, monkeypatch: pytest.MonkeyPatch, sent: str
) -> None:
    monkeypatch.setattr(fetch, "MAX_BYTES", 1000)
    body = (ROOT / "specs" / TRUELAYER / "openapi.json").read_bytes()
    assert len(body) > 1000
    url = f"{upstream.url}/big.json"
    if sent == "content-length":
        serve(upstream, "/big.json", body)
    elif sent == "streamed":
        upstream.handle = unannounced(body)
    else:  # small on the wire, large once decoded: the cap counts what is decoded
        packed = gzip.compress(b"{" + b" " * 100_000 + b"}")
        assert len(packed) < 1000
        upstream.routes["/big.json"] = {
            "status": 200,
            "headers": {"content-encoding": "gzip"},
            "raw": packed,
        }
    point(repo, TRUELAYER, url)
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error == f"{url}: cannot fetch: the answer is larger than 1000 bytes (the limit)"


def test_invalid_json_names_the_url_and_the_line(repo: Path, upstream: FakeServer) -> None:
    url = serve_for(repo, upstream, TRUELAYER, '{\n  "openapi": "3.0.0",\n  "info": {,\n')
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}:3: invalid JSON")


def test_a_document_that_is_not_a_spec_cannot_be_checked(repo: Path, upstream: FakeServer) -> None:
    url = serve_for(repo, upstream, TRUELAYER, '{"openapi": "3.0.0"}')
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}:1 at /info: ")


# -- which APIs ------------------------------------------------------------------------------


def test_one_api_failing_leaves_the_others_classified(repo: Path, upstream: FakeServer) -> None:
    serve_for(repo, upstream, TRUELAYER, with_additions())
    point(repo, ONEPASSWORD, serve(upstream, "/missing.yaml", "", status=404))
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 2, result.output
    entries = report(result)
    assert entries[TRUELAYER]["status"] == "changed"
    assert entries[ONEPASSWORD]["status"] == "failed"
    assert json.loads(result.stdout)["summary"] == {
        "unchanged": 0,
        "changed": 1,
        "breaking": 0,
        "failed": 1,
    }


def test_the_deadline_abandons_only_the_fetch_still_running(
    repo: Path, upstream: FakeServer, release: threading.Event
) -> None:
    serve_for(repo, upstream, TRUELAYER, with_additions())
    point(repo, ONEPASSWORD, f"{upstream.url}/slow.yaml")
    body = upstream.routes[f"/{TRUELAYER}/openapi.json"]["raw"]

    def slow_for_one(request: BaseHTTPRequestHandler) -> None:
        if request.path == "/slow.yaml":
            release.wait(10)
            return
        request.send_response(200)
        request.send_header("content-length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    upstream.handle = slow_for_one
    result = drift_read_only(repo, "--format", "json", "--timeout", "2")  # ample for the other
    assert result.exit_code == 2, result.output
    entries = report(result)
    assert entries[TRUELAYER]["status"] == "changed"
    assert entries[ONEPASSWORD]["status"] == "failed"
    assert "no complete answer within 2 s" in entries[ONEPASSWORD]["error"]


def test_an_api_named_without_an_upstream_is_an_error(repo: Path, upstream: FakeServer) -> None:
    serve_for(repo, upstream, ONEPASSWORD, committed(ONEPASSWORD))
    point(repo, TRUELAYER, None)
    result = drift_read_only(repo, TRUELAYER, ONEPASSWORD)
    assert result.exit_code == 2
    config = repo / "specs" / TRUELAYER / "specgen.yaml"
    assert f"{config}: no 'upstream'" in result.stderr
    assert upstream.requests == []  # nothing fetched: the run stops before


def test_no_api_with_an_upstream_is_nothing_to_check(repo: Path) -> None:
    for api in PACKAGES:
        point(repo, api, None)
    result = drift_read_only(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 APIs checked: 0 unchanged, 0 changed, 0 breaking, 0 failed\n"
    assert "no API names an upstream" in result.stderr
    # A tool reading the JSON still gets JSON: an empty report.
    as_json = drift_read_only(repo, "--format", "json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {
        "apis": [],
        "summary": {"unchanged": 0, "changed": 0, "breaking": 0, "failed": 0},
    }


def test_drop_stale_goes_with_write(repo: Path, upstream: FakeServer) -> None:
    serve_for(repo, upstream, TRUELAYER, with_fix_made_upstream())
    result = drift_read_only(repo, "--drop-stale")
    assert result.exit_code == 2
    assert "--drop-stale goes with --write" in result.stderr
    assert upstream.requests == []


# -- headers and redirects -------------------------------------------------------------------


def test_headers_carry_the_environment_variable_and_never_show_it(
    repo: Path, upstream: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_TOKEN", TOKEN)
    url = serve(upstream, "/private.json", committed(TRUELAYER))
    point(repo, TRUELAYER, f"{{url: '{url}', headers: {{Authorization: 'Bearer ${{X_TOKEN}}'}}}}")
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    assert upstream.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    # A failing fetch names the URL, never the header or its value.
    serve(upstream, "/private.json", "", status=401)
    failed = drift_read_only(repo)
    assert failed.exit_code == 2
    assert "401" in failed.stdout
    assert TOKEN not in failed.output and "Bearer" not in failed.output


def test_a_missing_variable_is_named_and_nothing_is_fetched(
    repo: Path, upstream: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("X_TOKEN", raising=False)
    monkeypatch.setenv("X_OTHER", TOKEN)
    url = serve(upstream, "/private.json", committed(TRUELAYER))
    headers = "{X-Other: '${X_OTHER}', Authorization: 'Bearer ${X_TOKEN}'}"
    point(repo, TRUELAYER, f"{{url: '{url}', headers: {headers}}}")
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}: cannot fetch: ")
    assert "X_TOKEN" in error and "not set" in error
    assert TOKEN not in error
    assert upstream.requests == []


@pytest.mark.parametrize(
    "value",
    [f"{TOKEN}\nX-Injected: 1", f"{TOKEN}\n", f"{TOKEN}\x1b[2K", f"sécret-{TOKEN}"],
    ids=["line-break", "trailing-newline", "control", "non-ascii"],
)
def test_a_variable_a_header_cannot_carry_is_named_never_shown(
    repo: Path, upstream: FakeServer, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("X_TOKEN", value)
    url = serve(upstream, "/private.json", committed(TRUELAYER))
    point(repo, TRUELAYER, f"{{url: '{url}', headers: {{Authorization: 'Bearer ${{X_TOKEN}}'}}}}")
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}: cannot fetch: the header Authorization: ")
    assert "X_TOKEN" in error
    assert TOKEN not in error
    assert upstream.requests == []


def test_surrounding_spaces_of_a_variable_are_not_part_of_the_header(
    repo: Path, upstream: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 9110: leading and trailing whitespace is not part of a field value.
    monkeypatch.setenv("X_TOKEN", f" {TOKEN} ")
    url = serve(upstream, "/private.json", committed(TRUELAYER))
    point(repo, TRUELAYER, f"{{url: '{url}', headers: {{X-Token: '${{X_TOKEN}}'}}}}")
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo)
    assert result.exit_code == 0, result.output
    assert upstream.requests[0]["headers"]["X-Token"] == TOKEN


def redirect(server: FakeServer, path: str, to: str) -> str:
    server.routes[path] = {"status": 302, "headers": {"location": to}, "raw": b""}
    return server.url + path


def test_a_redirect_to_another_origin_is_refused_with_headers(
    repo: Path, upstream: FakeServer, elsewhere: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_TOKEN", TOKEN)
    target = serve(elsewhere, "/spec.json", committed(TRUELAYER))
    url = redirect(upstream, "/spec.json", target)
    point(repo, TRUELAYER, f"{{url: '{url}', headers: {{Authorization: 'Bearer ${{X_TOKEN}}'}}}}")
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}: cannot fetch: redirected to another origin ({elsewhere.url})")
    assert elsewhere.requests == []  # the credentials never left for the other origin


def test_a_redirect_to_another_origin_is_followed_without_headers(
    repo: Path, upstream: FakeServer, elsewhere: FakeServer
) -> None:
    target = serve(elsewhere, "/spec.json", committed(TRUELAYER))
    point(repo, TRUELAYER, redirect(upstream, "/spec.json", target))
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    assert report(result)[TRUELAYER]["status"] == "unchanged"
    assert len(elsewhere.requests) == 1


def test_a_redirect_loop_ends(repo: Path, upstream: FakeServer) -> None:
    url = redirect(upstream, "/loop.json", "/loop.json")
    point(repo, TRUELAYER, url)
    one_api(repo, TRUELAYER)
    _, error = failure(repo, TRUELAYER)
    assert error.startswith(f"{url}: cannot fetch: ") and "redirect" in error.lower()
    assert len(upstream.requests) <= 2 * (fetch.MAX_REDIRECTS + 1)  # two runs, bounded each


def test_text_output_keeps_vendor_text_on_its_line(repo: Path, upstream: FakeServer) -> None:
    # The vendor's text reaches a CI log: a line break in it must not start a forged line,
    # an escape sequence must not reach the terminal.
    forged = "\nerror: forged\x1b[2J"
    data = committed(TRUELAYER)
    data["info"]["version"] = "2" + forged
    event = data["components"]["schemas"]["TrackedEventResponse"]
    event["properties"]["name"]["enum"].append("a" + forged)
    event["properties"]["x" + forged] = {"type": "string"}
    data["paths"]["/v1/new" + forged] = {
        "get": {"operationId": "New", "responses": {"200": {"description": "ok"}}}
    }
    serve_for(repo, upstream, TRUELAYER, data)
    one_api(repo, TRUELAYER)
    before = digest(repo)
    options = ["--specs", str(repo / "specs"), "--output", str(repo / "generated")]
    result = CliRunner().invoke(main, ["drift", *options], color=True)  # keep escapes
    assert digest(repo) == before
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{TRUELAYER}: changed (1.0.0 -> 2\\nerror: forged\\x1b[2J)")
    assert lines[-1].startswith("1 API checked:")
    assert all(line.startswith("  ") for line in lines[1:-1])
    assert not any(line.strip().startswith("error:") for line in lines)
    assert "operation-added  /paths/~1v1~1new\\nerror: forged\\x1b[2J/get" in result.stdout


# -- Markdown --------------------------------------------------------------------------------

HOSTILE = ["<img src=x onerror=alert(1)>", "[x](http://evil)"]


def test_markdown_has_the_steps_and_shows_spec_text_as_text(
    repo: Path, upstream: FakeServer
) -> None:
    data = with_removals()
    data["components"]["schemas"]["TrackedEventResponse"]["properties"]["name"]["enum"] += HOSTILE
    serve_for(repo, upstream, TRUELAYER, data)
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--format", "markdown")
    assert result.exit_code == 1, result.output
    markdown = result.stdout
    assert f"```sh\nspecgen drift {TRUELAYER} --write\nmake test\n```" in markdown
    assert "parameter-added-required" in markdown
    # The values appear, but escaped: no HTML tag, no link.
    assert "\\<img src=x onerror=alert(1)>" in markdown
    assert "\\[x\\](http://evil)" in markdown
    assert re.search(r"(?<!\\)<img", markdown) is None
    assert "[x](" not in markdown


# -- --write ---------------------------------------------------------------------------------


def files_of(repo: Path, api: str) -> dict[str, str]:
    """The digests of ``api``'s files: its folder under specs/ and its package."""
    prefixes = (f"specs/{api}/", f"generated/{PACKAGES[api]}/")
    return {path: sha for path, sha in digest(repo).items() if path.startswith(prefixes)}


def check(repo: Path, api: str) -> Result:
    """``specgen check``: the package is what generation makes of the spec."""
    options = ["--specs", str(repo / "specs"), "--output", str(repo / "generated")]
    return CliRunner().invoke(main, ["check", *options, api])


def test_write_takes_the_new_version_and_a_second_run_finds_it_unchanged(
    repo: Path, upstream: FakeServer
) -> None:
    # Only a new property: a new operation would need a recording before `check` passes.
    url = serve_for(repo, upstream, TRUELAYER, with_new_property())
    one_api(repo, TRUELAYER)
    package = repo / "generated" / PACKAGES[TRUELAYER]
    before, other = digest(repo), files_of(repo, ONEPASSWORD)
    result = drift(repo, "--write", "--format", "json")
    assert result.exit_code == 1, result.output  # it changed: the report says so, as without
    assert report(result)[TRUELAYER]["status"] == "changed"
    assert f"updated {repo / 'specs' / TRUELAYER / 'openapi.json'}" in result.stderr
    spec = repo / "specs" / TRUELAYER / "openapi.json"
    assert spec.read_bytes() == upstream.routes[f"/{TRUELAYER}/openapi.json"]["raw"]
    after = digest(repo)
    changed = {path for path in after if after[path] != before.get(path)}
    assert f"specs/{TRUELAYER}/openapi.json" in changed
    assert any(path.startswith(f"generated/{PACKAGES[TRUELAYER]}/") for path in changed)
    assert "country" in (package / PACKAGES[TRUELAYER] / "models.py").read_text("utf-8")
    assert files_of(repo, ONEPASSWORD) == other
    assert (repo / "specs" / TRUELAYER / "overlay.yaml").read_bytes() == (
        ROOT / "specs" / TRUELAYER / "overlay.yaml"
    ).read_bytes()
    again = drift_read_only(repo, "--format", "json")
    assert again.exit_code == 0, again.output
    assert report(again)[TRUELAYER]["status"] == "unchanged"
    checked = check(repo, TRUELAYER)
    assert checked.exit_code == 0, checked.output
    assert url in result.stdout


def test_write_with_stale_actions_needs_drop_stale(repo: Path, upstream: FakeServer) -> None:
    serve_for(repo, upstream, TRUELAYER, with_fix_made_upstream())
    one_api(repo, TRUELAYER)
    result = drift_read_only(repo, "--write")
    assert result.exit_code == 2, result.output
    assert "rerun with --drop-stale" in result.stderr


def test_write_drop_stale_removes_the_stale_action(repo: Path, upstream: FakeServer) -> None:
    served = with_fix_made_upstream()
    serve_for(repo, upstream, TRUELAYER, served)
    one_api(repo, TRUELAYER)
    overlay = repo / "specs" / TRUELAYER / "overlay.yaml"
    old_lines = overlay.read_text("utf-8").splitlines(keepends=True)
    result = drift(repo, "--write", "--drop-stale")
    assert result.exit_code == 1, result.output
    start, end = action_lines(TRUELAYER)[TRUELAYER_REMOVAL : TRUELAYER_REMOVAL + 2]
    assert f"dropped: {overlay}:{start} at /actions/{TRUELAYER_REMOVAL}" in result.stderr
    # The action's lines are gone; every other line is kept as written.
    kept = old_lines[: start - 1] + old_lines[end - 1 :]
    assert overlay.read_text("utf-8").splitlines(keepends=True) == kept
    spec = json.loads((repo / "specs" / TRUELAYER / "openapi.json").read_text("utf-8"))
    assert spec == served
    again = drift_read_only(repo, "--format", "json")
    assert again.exit_code == 0, again.output
    assert report(again)[TRUELAYER]["status"] == "unchanged"
    assert report(again)[TRUELAYER]["stale_actions"] == []


def test_a_write_that_fails_changes_nothing_for_that_api(repo: Path, upstream: FakeServer) -> None:
    # TrueLayer's new version says `reauth` is a number: the recordings (true) no longer fit.
    broken = committed(TRUELAYER)
    broken["components"]["schemas"]["TrackedEventResponse"]["properties"]["reauth"] = {
        "type": "integer"
    }
    serve_for(repo, upstream, TRUELAYER, broken)
    # 1Password's new version adds a response property: it can be taken.
    text = yaml.safe_dump(onepassword_with_location(), sort_keys=False)
    point(repo, ONEPASSWORD, serve(upstream, "/events-api.yaml", text))
    kept = files_of(repo, TRUELAYER)
    result = drift(repo, "--write", "--format", "json")
    assert result.exit_code == 2, result.output
    entries = report(result)
    assert entries[TRUELAYER]["status"] == "breaking"
    assert entries[ONEPASSWORD]["status"] == "changed"
    assert f"error: {TRUELAYER}: not updated; nothing changed for it" in result.stderr
    assert "reauth" in result.stderr
    assert files_of(repo, TRUELAYER) == kept
    # 1Password's YAML was taken, and written as JSON like the spec it replaces.
    spec = repo / "specs" / ONEPASSWORD / "openapi.json"
    assert json.loads(spec.read_text("utf-8")) == onepassword_with_location()
    assert f"updated {spec}" in result.stderr


def test_write_drop_stale_takes_1password_listing_the_values_itself(
    repo: Path, upstream: FakeServer
) -> None:
    # Published as YAML, as 1Password publishes it; the spec file stays JSON.
    served = onepassword_listing_the_enum_values()
    text = yaml.safe_dump(served, sort_keys=False)
    point(repo, ONEPASSWORD, serve(upstream, "/events-api.yaml", text))
    one_api(repo, ONEPASSWORD)
    package = files_of(repo, ONEPASSWORD)
    result = drift(repo, "--write", "--drop-stale")
    assert result.exit_code == 1, result.output
    assert result.stderr.count("dropped: ") == len(ONEPASSWORD_APPENDS)
    overlay = (repo / "specs" / ONEPASSWORD / "overlay.yaml").read_text("utf-8")
    for _, value in ONEPASSWORD_APPENDS.values():
        assert f"update: {value}" not in overlay
    assert "x-idempotent: true" in overlay  # the other actions stay
    spec = repo / "specs" / ONEPASSWORD / "openapi.json"
    assert json.loads(spec.read_text("utf-8")) == served
    # The same effective spec: the package is as it was.
    generated = f"generated/{PACKAGES[ONEPASSWORD]}/"
    assert {p: h for p, h in files_of(repo, ONEPASSWORD).items() if p.startswith(generated)} == {
        p: h for p, h in package.items() if p.startswith(generated)
    }
    again = drift_read_only(repo, "--format", "json")
    assert again.exit_code == 0, again.output
    assert report(again)[ONEPASSWORD]["status"] == "unchanged"
    checked = check(repo, ONEPASSWORD)
    assert checked.exit_code == 0, checked.output
