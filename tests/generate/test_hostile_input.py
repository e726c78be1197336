"""Hostile input (issue 9, items 3-6): every case is refused quickly with one line naming the place.

The hand-written documents are in ``tests/fixtures/hostile/``, named by the issue's item number;
documents too deep to be worth a file are built here. Each is run through the command line the
way a user would meet it: ``validate`` and ``check`` on an API folder, ``generate --spec``,
``diff`` and ``update``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from support.loopback import FakeServer

from generator import fetch
from generator.cli import main
from generator.load import MAX_ALIAS_NODES, MAX_DEPTH, load_document

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def refusal(result: Result, status: int = 2) -> str:
    """The one error line of a refused command (and nothing else on stderr).

    ``status`` 2 is bad input; 1 is what validate (and update, of the new version) found.
    """
    assert result.exit_code == status, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def api_folder(tmp_path: Path, spec: Path | str, name: str = "openapi.yaml") -> Path:
    """``tmp_path/specs`` holding one API, ``hostile``, whose spec is ``spec`` (a file or text)."""
    folder = tmp_path / "specs" / "hostile"
    folder.mkdir(parents=True)
    (folder / "specgen.yaml").write_text(
        "name: Hostile\npackage: hostile\nclient_class: Hostile\nspec: " + name + "\n"
    )
    if isinstance(spec, Path):
        shutil.copyfile(spec, folder / name)
    else:
        (folder / name).write_text(spec)
    return tmp_path / "specs"


# Item 3: YAML alias bombs and self-referencing aliases


BOMB = HOSTILE / "item3-billion-laughs.yaml"
BOMB_ERROR = (
    "at /x-lol6/0: YAML aliases expand the document by more than "
    f"{MAX_ALIAS_NODES:,} nodes (the limit; an alias bomb?)"
)


def test_alias_bomb_is_refused_by_generate_spec(tmp_path: Path) -> None:
    result = run("generate", "--spec", BOMB, "--output", tmp_path / "out")
    assert refusal(result) == f"error: {BOMB}:9 {BOMB_ERROR}"
    assert not (tmp_path / "out").exists()


def test_alias_bomb_is_refused_by_validate_and_check(tmp_path: Path) -> None:
    specs = api_folder(tmp_path, BOMB)
    spec = specs / "hostile" / "openapi.yaml"
    assert refusal(run("validate", "--specs", specs), 1) == f"error: {spec}:9 {BOMB_ERROR}"
    checked = run("check", "--specs", specs, "--output", tmp_path / "generated")
    assert checked.exit_code == 1
    assert f"{spec}:9 {BOMB_ERROR}" in checked.output


def test_alias_bomb_does_not_hang_the_command_line(tmp_path: Path) -> None:
    """In a real process with a generous timeout, so a regression fails instead of hanging."""
    specs = api_folder(tmp_path, BOMB)
    for args in (
        ["validate", "--specs", str(specs)],
        ["check", "--specs", str(specs), "--output", str(tmp_path / "generated")],
        ["generate", "--spec", str(BOMB), "--output", str(tmp_path / "out")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "generator", *args],
            capture_output=True,
            text=True,
            timeout=20,
            cwd=ROOT,
        )
        assert done.returncode == (2 if args[0] == "generate" else 1)
        assert BOMB_ERROR in done.stdout + done.stderr  # check reports on stdout
        assert "Traceback" not in done.stdout + done.stderr


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    spec = HOSTILE / "item3-recursive-alias.yaml"
    result = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert refusal(result) == (
        f"error: {spec}:9 at /components/schemas/Node/properties/child: recursive YAML alias: "
        "it refers to a node that contains it (anchored at line 6)"
    )
    diffed = run("diff", spec, spec)
    assert refusal(diffed).startswith(f"error: {spec}:9 at /components/schemas/Node/")


def test_a_sequence_containing_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("openapi: 3.1.0\nx-loop: &loop [1, *loop]\n")
    result = run("diff", path, path)
    assert refusal(result).startswith(f"error: {path}:2 at /x-loop/1: recursive YAML alias")


def test_aliases_nesting_deeper_than_the_limit_are_refused(tmp_path: Path) -> None:
    """Each anchor one level deeper than the last: shallow as written, deep once expanded."""
    lines = ["openapi: 3.1.0", "x-a0: &a0 [end]"]
    lines += [f"x-a{i}: &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 5)]
    path = tmp_path / "deep-aliases.yaml"
    path.write_text("\n".join(lines) + "\n")
    line = refusal(run("diff", path, path))
    assert line.startswith(f"error: {path}:2 at /x-a{MAX_DEPTH - 1}/0/0/")
    assert line.endswith(f": nested deeper than {MAX_DEPTH} levels (the limit)")


def test_modest_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    spec = HOSTILE / "item3-modest-anchors.yaml"
    document = load_document(spec)
    data = document.data
    # A place reached through an alias has the line of the alias (the anchor is not re-walked).
    alias_line = 1 + spec.read_text().splitlines().index('        "200": *pets')
    assert document.line_of("/paths/~1cats/get/responses/200/description") == alias_line
    cats = data["paths"]["/cats"]["get"]
    assert cats["parameters"][0] == data["paths"]["/pets"]["get"]["parameters"][0]
    assert cats["parameters"][1] == {"name": "offset", "in": "query", "schema": {"type": "integer"}}
    assert cats["responses"] == data["paths"]["/pets"]["get"]["responses"]
    result = run("generate", "--spec", spec, "--output", tmp_path)
    assert result.exit_code == 0, result.output
    client = (tmp_path / "anchored_pets" / "anchored_pets" / "_client.py").read_text()
    assert "def list_cats(" in client and "offset" in client


@pytest.mark.parametrize("uses", [100, 101])
def test_alias_limit_is_exact(uses: int, tmp_path: Path) -> None:
    """A block of 999 nodes (a mapping, 499 keys, 499 values): 100 aliases of it add 99,900
    nodes, within the limit; 101 add 100,899, past it."""
    block = ", ".join(f"k{i}: v" for i in range(499))
    aliases = "".join("  - *block\n" for _ in range(uses))
    path = tmp_path / "many-aliases.yaml"
    path.write_text(f"x-block: &block {{{block}}}\nx-uses:\n{aliases}")
    if uses * 999 <= MAX_ALIAS_NODES:
        data = load_document(path).data
        assert len(data["x-uses"]) == uses and data["x-uses"][-1] == data["x-block"]
    else:
        line = refusal(run("diff", path, path))
        assert line.startswith(f"error: {path}:{2 + uses} at /x-uses/{uses - 1}: YAML aliases")


# Item 4: nesting depth


def deep_spec(levels: int) -> dict[str, Any]:
    """A spec whose schema ``Deep`` nests ``levels`` array schemas (one pointer token each)."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"items": schema}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Deep", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Deep": schema}},
    }


# /components/schemas/Deep is 3 tokens deep; the first token past the limit is an "items".
DEEP_POINTER = "/components/schemas/Deep" + "/items" * (MAX_DEPTH - 2)
DEEP_MESSAGE = f"nested deeper than {MAX_DEPTH} levels (the limit)"
# json.dumps(indent=1) puts "Deep" on line 10 and each "items" on the next line.
DEEP_LINE = 10 + MAX_DEPTH - 2


@pytest.fixture
def deep_json(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(deep_spec(500), indent=1))
    return path


def test_deep_json_spec_is_refused_by_generate_spec(deep_json: Path, tmp_path: Path) -> None:
    result = run("generate", "--spec", deep_json, "--output", tmp_path / "out")
    assert refusal(result) == f"error: {deep_json}:{DEEP_LINE} at {DEEP_POINTER}: {DEEP_MESSAGE}"


def test_deep_yaml_spec_is_refused_by_validate_and_check(tmp_path: Path) -> None:
    head = "openapi: 3.1.0\ninfo: {title: Deep, version: '1'}\npaths: {}\ncomponents:\n"
    levels = "".join("  " * i + "items:\n" for i in range(3, 500))
    specs = api_folder(tmp_path, head + "  schemas:\n    Deep:\n" + levels + "  " * 500 + "x\n")
    spec = specs / "hostile" / "openapi.yaml"
    # "Deep" is on line 6 and the n-th "items" on line 6 + n: the 98th is the 101st token.
    expected = f"{spec}:{6 + MAX_DEPTH - 2} at {DEEP_POINTER}: {DEEP_MESSAGE}"
    assert refusal(run("validate", "--specs", specs), 1) == f"error: {expected}"
    checked = run("check", "--specs", specs, "--output", tmp_path / "generated")
    assert checked.exit_code == 1 and expected in checked.output


def test_deep_spec_is_refused_by_diff(deep_json: Path) -> None:
    shallow = HOSTILE / "item3-modest-anchors.yaml"
    expected = f"error: {deep_json}:{DEEP_LINE} at {DEEP_POINTER}: {DEEP_MESSAGE}"
    assert refusal(run("diff", deep_json, shallow)) == expected
    assert refusal(run("diff", shallow, deep_json)) == expected


def test_json_too_deep_for_the_json_parser_is_refused(tmp_path: Path) -> None:
    """100,000 levels: json.loads itself fails (RecursionError) before any check could run."""
    path = tmp_path / "very-deep.json"
    path.write_text('{"openapi": "3.1.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    line = refusal(run("diff", path, path))
    assert line == f"error: {path}:1 at /x{'/0' * MAX_DEPTH}: {DEEP_MESSAGE}"


def test_deep_spec_is_refused_by_update(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs" / "onegini-events", specs / "onegini-events")
    new = tmp_path / "new.json"
    new.write_text(json.dumps(deep_spec(500), indent=1))
    before = (specs / "onegini-events" / "openapi.yaml").read_bytes()
    result = run("update", "--specs", specs, "--output", tmp_path / "gen", "onegini-events",
                 "--from", new)  # fmt: skip
    assert refusal(result, 1) == f"error: {new}:{DEEP_LINE} at {DEEP_POINTER}: {DEEP_MESSAGE}"
    assert (specs / "onegini-events" / "openapi.yaml").read_bytes() == before


def test_deep_recording_and_config_are_refused(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs" / "onegini-events", specs / "onegini-events")
    recording = specs / "onegini-events" / "recordings" / "deep.json"
    recording.write_text('{"request": ' + "[" * 200 + "]" * 200 + "}")
    checked = run("check", "--specs", specs, "--output", ROOT / "generated", "onegini-events")
    assert checked.exit_code == 1
    assert f"{recording}:1 at /request{'/0' * MAX_DEPTH}: {DEEP_MESSAGE}" in checked.output
    config = specs / "onegini-events" / "specgen.yaml"
    config.write_text(config.read_text() + "x: " + "[" * 200 + "]" * 200 + "\n")
    line = refusal(run("validate", "--specs", specs), 1)
    assert line.startswith(f"error: {config}:") and line.endswith(DEEP_MESSAGE)


def test_overlay_that_makes_the_spec_too_deep_is_refused(tmp_path: Path) -> None:
    """Spec and overlay are each within the limit; the update merged into the spec is not."""
    levels = MAX_DEPTH - 10
    spec = deep_spec(levels)
    update: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        update = {"items": update}
    specs = api_folder(tmp_path, json.dumps(spec, indent=1), name="openapi.json")
    target = "$.components.schemas.Deep" + ".items" * levels
    overlay = {
        "overlay": "1.0.0",
        "info": {"title": "deeper", "version": "1"},
        "actions": [{"target": target, "update": update}],
    }
    (specs / "hostile" / "overlay.json").write_text(json.dumps(overlay))
    config = specs / "hostile" / "specgen.yaml"
    config.write_text(config.read_text() + "overlay: overlay.json\n")
    line = refusal(run("validate", "--specs", specs), 1)
    assert line.startswith(f"error: {specs / 'hostile' / 'openapi.json'}:")
    assert f"at {DEEP_POINTER}: with its overlay applied, the spec is {DEEP_MESSAGE}" in line


def test_a_recursion_error_never_shows_a_traceback() -> None:
    """The last resort: should anything still recurse too deeply, the CLI says so in one line."""

    @click.command("recurse-for-test")
    def recurse() -> None:
        def down(depth: int) -> int:
            return down(depth + 1) + 1

        down(0)

    main.add_command(recurse)
    try:
        result = run("recurse-for-test")
    finally:
        del main.commands["recurse-for-test"]
    assert refusal(result) == "error: the input is nested too deeply to process"


# Item 5: duplicate keys


@pytest.mark.parametrize(
    ("name", "line", "first"),
    [("item5-duplicate-get.yaml", 9, 5), ("item5-duplicate-get.json", 10, 6)],
)
def test_duplicate_key_names_both_lines(name: str, line: int, first: int, tmp_path: Path) -> None:
    spec = HOSTILE / name
    expected = f"{spec}:{line} at /paths/~1pets/get: duplicate key 'get' (first at line {first})"
    generated = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert refusal(generated) == f"error: {expected}"
    assert refusal(run("diff", spec, spec)) == f"error: {expected}"
    specs = api_folder(tmp_path, spec, name=name)
    copy = specs / "hostile" / name
    assert (
        refusal(run("validate", "--specs", specs), 1)
        == f"error: {expected.replace(str(spec), str(copy))}"
    )


def test_duplicate_keys_in_an_overlay_are_refused(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs" / "truelayer-tracking", specs / "truelayer-tracking")
    overlay = specs / "truelayer-tracking" / "overlay.yaml"
    text = overlay.read_text()
    overlay.write_text(text.replace("overlay: 1.0.0\n", "overlay: 1.0.0\noverlay: 1.0.1\n", 1))
    assert "overlay: 1.0.1" in overlay.read_text()
    line = refusal(run("validate", "--specs", specs), 1)
    assert line.endswith(f"{overlay}:2 at /overlay: duplicate key 'overlay' (first at line 1)")


def test_keys_equal_once_read_are_duplicates(tmp_path: Path) -> None:
    """YAML spells one key several ways: 200 and 0xC8 are the same integer."""
    path = tmp_path / "spelled-twice.yaml"
    path.write_text("openapi: 3.1.0\nx-codes:\n  200: a\n  0xC8: b\n")
    line = refusal(run("diff", path, path))
    assert line == f"error: {path}:4 at /x-codes/0xC8: duplicate key '0xC8' (first at line 3)"


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text("base: &base {a: 1, b: 2}\nuse:\n  <<: *base\n  a: 3\n")
    assert load_document(path).data["use"] == {"a": 3, "b": 2}


# Item 6: `specgen update --from URL` is bounded in size and time


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 64 KiB cap and a 1 s deadline, so the tests need neither megabytes nor a minute."""
    monkeypatch.setattr(fetch, "MAX_BYTES", 64 * 1024)
    monkeypatch.setattr(fetch, "DEADLINE_SECONDS", 1.0)


@pytest.fixture
def onegini(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs" / "onegini-events", specs / "onegini-events")
    return specs


TOO_LARGE = "the answer is larger than 65536 bytes (the limit)"


def spec_url(server: FakeServer) -> str:
    return f"{server.url}/openapi.json"


def update_from(specs: Path, url: str) -> Result:
    output = specs.parent / "generated"
    return run("update", "--specs", specs, "--output", output, "onegini-events", "--from", url)


def send(handler: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(200)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def test_update_from_url_fetches_the_spec(server: FakeServer, onegini: Path) -> None:
    text = (onegini / "onegini-events" / "openapi.yaml").read_text()
    newer = text.replace("version:", "version: 9.9.9  # was", 1)
    body = newer.encode()
    server.handle = lambda h: send(h, body, {"content-length": str(len(body))})
    result = update_from(onegini, spec_url(server))
    assert result.exit_code == 0, result.output
    assert (onegini / "onegini-events" / "openapi.yaml").read_text() == newer


def test_update_errors_name_the_url_and_its_line(server: FakeServer, onegini: Path) -> None:
    body = (HOSTILE / "item5-duplicate-get.yaml").read_bytes()
    server.handle = lambda h: send(h, body, {"content-length": str(len(body))})
    assert refusal(update_from(onegini, spec_url(server)), 1) == (
        f"error: {spec_url(server)}:9 at /paths/~1pets/get: duplicate key 'get' (first at line 5)"
    )


def test_update_refuses_an_announced_oversized_answer(
    server: FakeServer, onegini: Path, small_limits: None
) -> None:
    """Content-Length says 1 GB: refused on the headers, before reading the body."""
    server.handle = lambda h: send(h, b"{}", {"content-length": str(10**9)})
    result = update_from(onegini, spec_url(server))
    assert refusal(result) == (f"error: {spec_url(server)}: cannot fetch: {TOO_LARGE}")


def test_update_refuses_an_oversized_answer_without_length(
    server: FakeServer, onegini: Path, small_limits: None
) -> None:
    """No Content-Length (connection close): the bytes actually received are counted."""

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("connection", "close")
        handler.end_headers()
        for _ in range(1000):  # 8 MB, far past the 64 KiB cap, unless the client stops first
            handler.wfile.write(b"x" * 8192)

    server.handle = endless
    result = update_from(onegini, spec_url(server))
    assert refusal(result) == (f"error: {spec_url(server)}: cannot fetch: {TOO_LARGE}")


def test_update_gives_up_on_a_trickling_server(
    server: FakeServer, onegini: Path, small_limits: None
) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the overall deadline stops it."""

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)

    server.handle = trickle
    before = (onegini / "onegini-events" / "openapi.yaml").read_bytes()
    started = time.monotonic()
    result = update_from(onegini, spec_url(server))
    assert refusal(result) == (
        f"error: {spec_url(server)}: cannot fetch: no complete answer within 1 s (the limit)"
    )
    assert time.monotonic() - started < 30  # generous: the trickle alone would take 200 s
    assert (onegini / "onegini-events" / "openapi.yaml").read_bytes() == before


def test_fetch_error_status_is_one_line(server: FakeServer, onegini: Path) -> None:
    def missing(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(404)
        handler.send_header("content-length", "0")
        handler.end_headers()

    server.handle = missing
    result = update_from(onegini, spec_url(server))
    assert refusal(result).startswith(f"error: {spec_url(server)}: cannot fetch: Client error '404")
    assert len(result.stderr.splitlines()) == 1, result.stderr  # httpx's message has two lines


# Found by tests/generate/test_adversarial.py: spec text in error lines, titles as names


def test_error_lines_show_control_characters_instead_of_obeying_them(tmp_path: Path) -> None:
    """A path with a newline or a terminal escape, quoted by the validator, forges no line."""
    spec = tmp_path / "forged.json"
    path = "/items/{id}\nerror: all fine\x1b[32m\u2028"
    operation = {"operationId": "a", "responses": {"200": {"description": "ok"}}}
    document = {"openapi": "3.1.0", "info": {"title": "Forged", "version": "1"}}
    spec.write_text(json.dumps({**document, "paths": {path: {"get": operation}}}))
    result = run("generate", "--strict", "--spec", spec, "--output", tmp_path / "out")
    assert refusal(result).startswith(f"error: {spec}:1 at /paths/"), result.stderr
    assert "path parameter 'id' of " in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "/items/{id}\\nerror: all fine\\x1b[32m\\u2028" in result.stderr


@pytest.mark.parametrize(
    ("title", "package", "client"),
    [
        ("None", "none", "NoneClient"),
        ("JSON", "json_client", "JSON"),
        ("httpx", "httpx_client", "Httpx"),
    ],
)
def test_titles_never_give_keyword_classes_or_shadowing_packages(
    title: str, package: str, client: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"openapi: 3.1.0\ninfo: {{title: {title}, version: '1'}}\npaths:\n"
        "  /a: {get: {operationId: a, responses: {'200': {description: ok}}}}\n"
    )
    result = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    done = subprocess.run(
        [sys.executable, "-c", f"from {package} import {client}; print({client}.__module__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path / "out" / package,
        timeout=60,
    )
    assert done.stdout == f"{package}._client\n", done.stderr


def test_explicit_names_that_cannot_work_are_refused(tmp_path: Path) -> None:
    spec = HOSTILE / "item3-modest-anchors.yaml"
    out = tmp_path / "out"
    shadowing = run("generate", "--spec", spec, "--output", out, "--package", "typing")
    assert (
        refusal(shadowing)
        == "error: --package 'typing' would shadow the Python module of that name"
    )
    keyword = run("generate", "--spec", spec, "--output", out, "--client-name", "True")
    assert refusal(keyword) == "error: --client-name must be a Python identifier, not 'True'"
    specs = api_folder(tmp_path, spec)
    config = specs / "hostile" / "specgen.yaml"
    config.write_text(config.read_text().replace("package: hostile", "package: pydantic"))
    assert refusal(run("validate", "--specs", specs), 1) == (
        f"error: {config}:2 at /package: 'package: pydantic' would shadow the Python module of "
        "that name"
    )
