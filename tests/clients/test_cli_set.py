"""The ``cli`` template set: the command-line tool in each generated package.

The committed packages' tools run in-process against ``httpx.MockTransport`` (``main`` takes
the HTTP client): every operation has a subcommand, the recorded exchanges are reproduced from
the command line, credentials come from the environment, and ``--all --state`` interrupted
after any page and run again prints every item exactly once. Once each: ``python -m <package>
--help`` in a subprocess and ``mypy --strict`` over a package with its tool.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.apis import CREDENTIALS, Case, Recording, all_cases
from support.replay import (
    Driver,
    Server,
    call_kwargs,
    dump,
    pointer,
    recorded_key,
    refusal,
    request_key,
    success_recordings,
)

from generator import ir

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
CASES = all_cases()
PAGINATED = [(c, op) for c in CASES for op in c.ir.operations if op.pagination is not None]


def modules(case: Case) -> tuple[ModuleType, Any]:
    """The package's driver module and its tool."""
    package = case.project.config.package
    cli = importlib.import_module(f"{package}._cli")
    return cli, importlib.import_module(f"{package}._commands").TOOL


def kebab(op: ir.Operation) -> str:
    return op.method_name.strip("_").replace("_", "-")


class Run:
    """One run of a package's tool: exit status, stdout, stderr, and the requests it sent."""

    def __init__(
        self,
        case: Case,
        argv: list[str],
        fallback: Recording | Callable[[httpx.Request], httpx.Response] | None = None,
        environ: Mapping[str, str] | None = None,
        stdin: str = "",
    ) -> None:
        cli, tool = modules(case)
        self.server = Server(case, fallback=fallback)
        out, err = io.StringIO(), io.StringIO()
        env = dict(environ if environ is not None else credentials_env(case))
        env.setdefault(tool.base_url_env, case.base_url)
        with httpx.Client(transport=httpx.MockTransport(self.server)) as http:
            self.status = cli.main(
                tool,
                ["--max-retries", "0", *argv],
                environ=env,
                http_client=http,
                stdin=io.StringIO(stdin),
                stdout=out,
                stderr=err,
            )
        self.stdout, self.stderr = out.getvalue(), err.getvalue()

    @property
    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def credentials_env(case: Case) -> dict[str, str]:
    """Every credential variable of the tool, set to the test value of its keyword argument."""
    _, tool = modules(case)
    values = {k: v for kind in CREDENTIALS.values() for k, v in kind.items()}
    return {c.env_var: values[c.name] for c in tool.credentials if c.name in values}


def option_of(case: Case, command: str, target: str, key: str) -> str:
    cli, tool = modules(case)
    _, options = cli.build_parser(tool)
    return next(flag for flag, o in options[command].items() if o.target == target and o.key == key)


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def argv_for(case: Case, op: ir.Operation, kwargs: Mapping[str, Any]) -> list[str]:
    """The command line that should make the client call ``op`` with ``kwargs``."""
    argv = [kebab(op)]
    for name, value in kwargs.items():
        if value is None:
            continue
        if name == "body":
            argv.append("--body=" + json.dumps(value))
            continue
        flag = "--" + option_of(case, kebab(op), "param", name)
        items = value if isinstance(value, list) else [value]
        argv += [f"{flag}={text(item)}" for item in items]  # "=": values may start with "-"
    return argv


def one_error_line(run: Run) -> str:
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# -- every operation, from the command line ----------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_every_operation_has_a_subcommand_with_an_option_per_parameter(case: Case) -> None:
    cli, tool = modules(case)
    _, options = cli.build_parser(tool)
    assert {c.name for c in tool.commands} == {kebab(op) for op in case.ir.operations}
    for op in case.ir.operations:
        params = {o.key for o in options[kebab(op)].values() if o.target == "param"}
        assert params == {p.python_name for p in op.parameters}
        shown = Run(case, [kebab(op), "--help"])
        assert shown.status == 0 and shown.server.requests == []
        help_text = shown.stdout
        assert ("--all" in help_text) == (op.pagination is not None)
        assert ("--body" in help_text) == (op.body is not None)
        if op.summary:
            assert " ".join(op.summary.split())[:30] in " ".join(help_text.split())


def _replayable() -> list[Any]:
    found = []
    for case in CASES:
        for rec in case.recordings:
            op = case.operation(rec.operation_id)
            kwargs = call_kwargs(op, rec.request)
            if rec.status < 400 and "extra_query" not in kwargs and refusal(op, kwargs) is None:
                found.append(pytest.param(case, rec, id=rec.id))
    return found


def test_every_operation_is_replayed_from_the_command_line() -> None:
    replayed = {(p.values[0].key, p.values[1].operation_id) for p in _replayable()}
    assert replayed == {(c.key, op.operation_id) for c in CASES for op in c.ir.operations}


def base_path(case: Case) -> str:
    return urlsplit(case.base_url).path.rstrip("/")


@pytest.mark.parametrize(("case", "rec"), _replayable())
def test_recorded_exchange_from_the_command_line(case: Case, rec: Recording) -> None:
    """The command line sends the recorded request and prints what the client returns."""
    op = case.operation(rec.operation_id)
    kwargs = call_kwargs(op, rec.request)
    expected = Driver(case, "sync", Server(case, fallback=rec)).call(rec.operation_id, **kwargs)
    run = Run(case, argv_for(case, op, kwargs), fallback=rec)
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    assert request_key(run.server.requests[-1]) == recorded_key(rec.request, base_path(case))
    if expected is None:
        assert run.stdout == ""
    else:
        assert json.loads(run.stdout) == json.loads(json.dumps(dump(expected)))


# -- --all and --state ---------------------------------------------------------------------------


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the member at JSON pointer ``path`` (creating objects on the way; None removes it)."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
    for token in tokens[:-1]:
        data = data.setdefault(token, {})
    if value is None:
        data.pop(tokens[-1], None)
    else:
        data[tokens[-1]] = value


def first_page(case: Case, op: ir.Operation) -> Recording:
    """A recorded page of ``op`` with items: its request gives the arguments, its body the
    shape of every page the fake server writes."""
    assert op.pagination is not None
    return next(
        r
        for r in success_recordings(case, op.operation_id)
        if pointer(r.response["body"], op.pagination.items)
    )


class PagedServer:
    """Pages of items numbered in order, for any pagination style; the position before page
    ``i`` is ``"pos-i"`` (offset style: the count of items before it). ``fail_at``: the number
    of the page request that raises ``failure`` instead (once)."""

    def __init__(self, case: Case, op: ir.Operation, sizes: list[int]) -> None:
        assert op.pagination is not None
        self.case, self.op, self.spec = case, op, op.pagination
        self.template = first_page(case, op).response["body"]
        sample = pointer(self.template, self.spec.items)[0]
        self.id_field = next(iter(sample))  # the identifier comes first in each of these APIs
        self.sample = sample
        self.pages: list[list[str]] = []
        count = 0
        for size in sizes:
            self.pages.append([f"item-{n}" for n in range(count, count + size)])
            count += size
        self.fail_at: int | None = None
        self.failure: BaseException = httpx.ConnectError("connection refused")
        self.served = 0

    @property
    def every_item(self) -> list[str]:
        return [item for page in self.pages for item in page]

    def page_index(self, request: httpx.Request) -> int:
        spec = self.spec
        if spec.style == "cursor":
            body = json.loads(request.content or b"{}")
            cursor = body.get(spec.cursor_field)
            return int(cursor.removeprefix("pos-")) if cursor else 0
        param = next(p for p in self.op.parameters if p.python_name == spec.position_param)
        value = parse_qs(request.url.query.decode()).get(param.name, [None])[0]
        if spec.style == "offset":
            before = [sum(len(p) for p in self.pages[:i]) for i in range(len(self.pages) + 1)]
            return before.index(int(value or 0))
        return int(value.removeprefix("pos-")) if value else 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        index = self.page_index(request)
        if self.served == self.fail_at:
            self.fail_at = None
            raise self.failure
        self.served += 1
        ids = self.pages[index] if index < len(self.pages) else []
        body = json.loads(json.dumps(self.template))
        _set(body, self.spec.items, [{**self.sample, self.id_field: i} for i in ids])
        more = index + 1 < len(self.pages)
        spec = self.spec
        if spec.style in ("cursor", "watermark"):
            assert spec.next_position and spec.has_more
            _set(body, spec.next_position, f"pos-{min(index + 1, len(self.pages))}")
            _set(body, spec.has_more, more)
        elif spec.style == "page":
            assert spec.next_position
            param = next(p for p in self.op.parameters if p.python_name == spec.position_param)
            url = f"{self.case.base_url}{self.op.path}?{param.name}=pos-{index + 1}"
            _set(body, spec.next_position, url if more else None)
        else:
            assert spec.total
            _set(body, spec.total, len(self.every_item))
        return httpx.Response(200, json=body)


def paging_argv(case: Case, op: ir.Operation) -> list[str]:
    return argv_for(case, op, start_arguments(case, op))


def start_arguments(case: Case, op: ir.Operation) -> dict[str, Any]:
    """The recorded first page's arguments, without the position unless it is required (an
    offset of 0 there: the walk starts at the beginning)."""
    assert op.pagination is not None
    kwargs = dict(call_kwargs(op, first_page(case, op).request))
    position = next(
        (p for p in op.parameters if p.python_name == op.pagination.position_param), None
    )
    if position is not None and not position.required:
        kwargs.pop(position.python_name, None)
    if isinstance(kwargs.get("body"), dict):
        kwargs["body"] = {
            k: v for k, v in kwargs["body"].items() if k != op.pagination.cursor_field
        }
    return kwargs


@pytest.mark.parametrize(("case", "op"), PAGINATED, ids=lambda v: getattr(v, "operation_id", ""))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_all_with_state_interrupted_and_resumed_prints_every_item_once(
    case: Case, op: ir.Operation, data: st.DataObject
) -> None:
    assert op.pagination is not None
    smallest = 1 if op.pagination.style == "offset" else 0  # an empty page ends an offset walk
    sizes = data.draw(st.lists(st.integers(smallest, 3), min_size=1, max_size=5), "sizes")
    fail_at = data.draw(st.integers(0, len(sizes)), "fail_at")
    server = PagedServer(case, op, sizes)
    server.fail_at = fail_at
    with tempfile.TemporaryDirectory() as folder:
        state = str(Path(folder) / "state.json")
        argv = [*paging_argv(case, op), "--all", "--state", state]
        first = Run(case, argv, fallback=server)
        if fail_at < len(sizes):
            assert first.status == 4, first.stderr
            assert "connection" in one_error_line(first)
        else:
            assert first.status == 0, first.stderr
        server.fail_at = None
        second = Run(case, argv, fallback=server)
        assert second.status == 0, second.stderr
        printed = [item[server.id_field] for item in first.lines + second.lines]
        assert printed == server.every_item
        # A later run of a finished export prints nothing again.
        third = Run(case, argv, fallback=server)
        assert third.status == 0 and third.lines == []
        saved = json.loads(Path(state).read_text())
        assert saved["operation"] == op.operation_id and saved["finished"] is True


@pytest.mark.parametrize(("case", "op"), PAGINATED[:1], ids=lambda v: getattr(v, "key", ""))
def test_interrupt_keeps_the_state_of_the_pages_printed(case: Case, op: ir.Operation) -> None:
    server = PagedServer(case, op, [2, 2, 2])
    server.fail_at, server.failure = 2, KeyboardInterrupt()
    with tempfile.TemporaryDirectory() as folder:
        argv = [*paging_argv(case, op), "--all", "--state", str(Path(folder) / "s.json")]
        first = Run(case, argv, fallback=server)
        assert first.status == 130 and one_error_line(first) == "error: interrupted"
        assert [i[server.id_field] for i in first.lines] == server.every_item[:4]
        second = Run(case, argv, fallback=server)
        assert [i[server.id_field] for i in second.lines] == server.every_item[4:]
        assert [p for p in os.listdir(folder) if p != "s.json"] == []  # no temporary left


@pytest.mark.parametrize(("case", "op"), PAGINATED, ids=lambda v: getattr(v, "operation_id", ""))
def test_pager_resume_continues_where_a_saved_position_points(case: Case, op: ir.Operation) -> None:
    """``SyncPager.resume`` and ``AsyncPager.resume`` (the hook ``--state`` uses)."""
    assert op.pagination is not None
    smallest = 1 if op.pagination.style == "offset" else 0
    server = PagedServer(case, op, [2, smallest, 3, 1])
    kwargs = start_arguments(case, op)
    for mode in ("sync", "async"):
        driver = Driver(case, mode, Server(case, fallback=server))
        pages = driver.pages(driver.pager(op.operation_id, **kwargs))
        position = pages[1].position  # saved after the second page
        rest, _ = driver.walk(driver.pager(op.operation_id, **kwargs).resume(position))
        expected = server.every_item[len(pages[0].items) + len(pages[1].items) :]
        assert [dump(i)[server.id_field] for i in rest] == expected


# -- errors --------------------------------------------------------------------------------------


def onepassword() -> Case:
    return next(c for c in CASES if c.project.config.package == "onepassword_events")


def apiture() -> Case:
    return next(c for c in CASES if c.project.config.package == "apiture_events")


def test_options_are_converted_and_checked_by_the_client() -> None:
    case = apiture()
    page = first_page(case, case.operation("listEventHistory"))
    run = Run(
        case,
        [
            "list-event-history",
            "--limit",
            "100",
            "--type",
            "a",
            "--type",
            "b",
            "--sort-by=-occurredAt",
        ],
        fallback=page,
    )
    assert run.status == 0, run.stderr
    query = parse_qs(run.server.requests[0].url.query.decode())
    assert query == {"limit": ["100"], "type": ["a|b"], "sortBy": ["-occurredAt"]}
    refused = Run(case, ["list-event-history", "--limit", "1001"], fallback=page)
    assert refused.status == 2 and "limit" in one_error_line(refused)
    assert refused.server.requests == []  # nothing was sent
    not_a_number = Run(case, ["list-event-history", "--limit", "ten"], fallback=page)
    assert not_a_number.status == 2 and "limit" in one_error_line(not_a_number)


def test_body_from_json_a_file_stdin_or_field_options(tmp_path: Path) -> None:
    case = onepassword()
    page = first_page(case, case.operation("getSignInAttempts"))
    body = {"limit": 5, "start_time": "2024-05-01T00:00:00Z"}
    (tmp_path / "body.json").write_text(json.dumps(body))
    for argv, stdin in [
        (["--body", json.dumps(body)], ""),
        (["--body", f"@{tmp_path / 'body.json'}"], ""),
        (["--body", "@-"], json.dumps(body)),
        (["--limit", "5", "--start-time", "2024-05-01T00:00:00Z"], ""),
        (["--body", '{"limit": 7}', "--limit", "5", "--start-time=2024-05-01T00:00:00Z"], ""),
    ]:
        run = Run(case, ["get-sign-in-attempts", *argv], fallback=page, stdin=stdin)
        assert run.status == 0, (argv, run.stderr)
        assert json.loads(run.server.requests[0].content) == body
    for argv, status in [
        (["--body", "{not json"], 2),
        (["--body", f"@{tmp_path / 'missing.json'}"], 1),
        (["--limit", "0"], 2),  # the model's own limit (1 to 1000)
        ([], 2),  # the body is required
    ]:
        run = Run(case, ["get-sign-in-attempts", *argv], fallback=page)
        assert run.status == status, (argv, run.stderr)
        one_error_line(run)
        assert run.server.requests == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_credentials_from_the_environment_reach_the_request(case: Case) -> None:
    _, tool = modules(case)
    assert tool.credentials, "every API of specs/ has credentials"
    rec = success_recordings(case)[0]
    op = case.operation(rec.operation_id)
    argv = argv_for(case, op, call_kwargs(op, rec.request))
    run = Run(case, argv, fallback=rec)
    assert run.status == 0, run.stderr
    authorization = run.server.requests[0].headers.get("authorization", "")
    if "bearer" in case.kinds:
        assert authorization == "Bearer test-token"
    elif "basic" in case.kinds:
        assert authorization == "Basic " + base64.b64encode(b"test-user:test-password").decode()
    else:  # OAuth2: the client credentials went to the token endpoint, its token to the API
        token_request = run.server.token_requests[0]
        sent = token_request.content.decode() + token_request.headers.get("authorization", "")
        basic = base64.b64encode(b"test-client:test-secret").decode()
        assert ("test-client" in sent and "test-secret" in sent) or basic in sent
        assert authorization == f"Bearer token-{len(run.server.token_requests)}"
    without = Run(case, argv, fallback=rec, environ={})
    assert "authorization" not in without.server.requests[0].headers
    help_text = Run(case, ["--help"]).stdout
    for credential in tool.credentials:
        assert credential.env_var in help_text


def status_response(status: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(status, json={"message": "no\nway"})


@pytest.mark.parametrize(
    ("outcome", "status", "words"),
    [
        (status_response(401), 3, "401"),
        (status_response(500), 3, "500"),
        (httpx.ConnectError("refused"), 4, "connection"),
        (httpx.ReadTimeout("slow"), 4, "timed out"),
        (lambda _: httpx.Response(200, json={"items": "not a list"}), 5, "match"),
        (
            lambda _: httpx.Response(200, text="<html>", headers={"content-type": "text/html"}),
            5,
            "",
        ),
    ],
)
def test_failures_are_one_line_with_their_own_exit_status(
    outcome: Any, status: int, words: str
) -> None:
    case = onepassword()

    def respond(request: httpx.Request) -> httpx.Response:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome(request)  # type: ignore[no-any-return]

    run = Run(case, ["get-sign-in-attempts", "--limit", "5"], fallback=respond)
    assert run.status == status
    assert words in one_error_line(run)
    assert run.stdout == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["no-such-command"],
        [],
        ["get-sign-in-attempts", "--no-such-option"],
        ["get-sign-in-attempts", "--limit", "5", "--state", "s.json"],  # --state needs --all
        ["get-auth-introspect", "--all"],  # not paginated
        ["--timeout", "soon", "get-auth-introspect"],
        ["--base-url", ":::", "get-auth-introspect"],
        ["get-auth-introspect", "--max-retries", "-1"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    run = Run(onepassword(), argv, fallback=status_response(500))
    assert run.status == 2
    one_error_line(run)
    assert run.server.requests == []


def test_a_state_file_of_another_operation_is_refused(tmp_path: Path) -> None:
    case = onepassword()
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 1, "operation": "getItemUsages", "position": "x"}))
    argv = ["get-sign-in-attempts", "--limit", "5", "--all", "--state", str(state)]
    run = Run(case, argv, fallback=status_response(500))
    assert run.status == 1 and "getItemUsages" in one_error_line(run)
    state.write_text("{broken")
    assert Run(case, argv, fallback=status_response(500)).status == 1


def test_spec_text_in_help_is_data() -> None:
    """Help texts with argparse's own % syntax and quotes print as they are."""
    case = onepassword()
    cli, tool = modules(case)
    evil = '%(prog)s %d 100% """ \'); import os #'
    command = cli.Command(
        name="x",
        method="get_auth_introspect",
        operation=tool.commands[0].operation,
        summary=evil,
        description=evil,
    )
    evil_tool = cli.Tool(
        prog="p",
        description=evil,
        client_class=tool.client_class,
        base_url_env="P_BASE_URL",
        default_base_url="https://example.com",
        credentials=(),
        commands=(command,),
    )
    out = io.StringIO()
    assert cli.main(evil_tool, ["x", "--help"], stdout=out, environ={}) == 0
    assert evil in out.getvalue()


# -- once each: a subprocess, and mypy -----------------------------------------------------------


def test_python_m_package_help_in_a_subprocess() -> None:
    case = onepassword()
    env = {**os.environ, "PYTHONPATH": str(GENERATED / "onepassword_events")}
    done = subprocess.run(
        [sys.executable, "-m", "onepassword_events", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for op in case.ir.operations:
        assert kebab(op) in done.stdout
    assert "ONEPASSWORD_EVENTS_BASE_URL" in done.stdout and "exit statuses" in done.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "onepassword_events", "get-sign-in-attempts", "--limit", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**env, "ONEPASSWORD_EVENTS_BASE_URL": "http://127.0.0.1:9"},
    )
    assert failed.returncode == 4 and len(failed.stderr.splitlines()) == 1, failed.stderr


def test_the_driver_passes_ruff_and_mypy_where_it_stands() -> None:
    """``templates/cli/runtime/_cli.py`` imports the python set's runtime as its siblings: both
    runtime folders are one namespace package for mypy, as in the generated package."""
    runtime = ROOT / "templates" / "cli" / "runtime"
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(runtime)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    python_set = ROOT / "templates" / "python"
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--explicit-package-bases",
            "--no-incremental",
            str(python_set / "runtime"),
            str(runtime),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={"MYPYPATH": f"{python_set}:{runtime.parent}", "PATH": "/usr/bin:/bin"},
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_a_package_with_its_tool_passes_mypy_strict(tmp_path: Path) -> None:
    package = GENERATED / "onepassword_events"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "cache"),
            "-p",
            "onepassword_events",
        ],
        capture_output=True,
        text=True,
        cwd=package,
        timeout=600,
        check=False,
        env={**os.environ, "MYPYPATH": str(package)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (package / "onepassword_events" / "_cli.py").is_file()
