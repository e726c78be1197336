"""The package's command-line tool (``python -m <package>``): a driver over ``_commands``.

One subcommand per operation. Options come from the operation's parameters and are handed to
the client as text (or JSON for structured values): the client converts and checks them, as it
does for any caller. A JSON body comes from ``--body JSON`` (``@FILE``, ``@-`` for stdin) and
from options for the top-level fields of its models. Credentials and the server come from
environment variables; the result is printed as JSON.

``--all`` on a paginated operation prints every item of every page, one JSON text a line,
flushed page by page. With ``--state FILE`` the pager's position is saved (atomically) after the
items of each page are written, and a run that finds the file resumes from it: an export that
was interrupted and run again prints every item once.

Failures are one line on stderr and an exit status of their own (``EXIT_*`` below).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, NoReturn

import httpx
import pydantic
import pydantic_core

from ._client_base import SyncAPIClient
from ._spec import OperationSpec, resolved
from .errors import (
    APIConnectionError,
    APIStatusError,
    PaginationError,
    RequestValidationError,
    ResponseValidationError,
)

EXIT_OK = 0
EXIT_LOCAL = 1  # a local file (body, state, output) could not be read or written
EXIT_USAGE = 2  # bad options, or arguments the spec rejects (nothing was sent)
EXIT_STATUS = 3  # the API answered with an error status
EXIT_CONNECTION = 4  # no answer: connection failure or timeout
EXIT_RESPONSE = 5  # the answer does not match the spec, or its pages go round in circles
EXIT_INTERRUPTED = 130  # Ctrl-C

EXIT_STATUSES = (
    (EXIT_OK, "success"),
    (EXIT_LOCAL, "a local file (body, state, output) could not be read or written"),
    (EXIT_USAGE, "bad options, or arguments the API's spec rejects (nothing was sent)"),
    (EXIT_STATUS, "the API answered with an error status"),
    (EXIT_CONNECTION, "no answer: connection failure or timeout"),
    (EXIT_RESPONSE, "the answer does not match the spec (or its pages go round in circles)"),
    (EXIT_INTERRUPTED, "interrupted"),
)

# Failures no other branch expects still print one line (exit status 1), not a traceback.
_UNEXPECTED = (
    ArithmeticError,
    AttributeError,
    LookupError,
    OSError,
    RuntimeError,
    TypeError,
    ValueError,
    httpx.HTTPError,
    httpx.InvalidURL,
)

STATE_VERSION = 1
# Options of every subcommand; an operation's own option with one of these names is renamed.
_RESERVED = frozenset({"help", "body", "all", "state", "base-url", "timeout", "max-retries"})

Shape = Literal["text", "json", "list", "list-json", "any"]


@dataclass(frozen=True)
class Credential:
    """A keyword argument of the client read from an environment variable."""

    name: str
    env_var: str
    description: str = ""
    many: bool = False  # a list: the variable holds values separated by spaces or commas


@dataclass(frozen=True)
class Command:
    """One operation as a subcommand; help texts are the spec's (plain data, never code)."""

    name: str
    method: str
    operation: OperationSpec[Any]
    summary: str = ""
    description: str = ""
    pager: str | None = None  # the client's method iterating over every page
    params: tuple[tuple[str, str], ...] = ()  # (python name, description) of each parameter
    fields: tuple[tuple[str, str], ...] = ()  # (JSON name, description) of the body's fields
    deprecated: bool = False


@dataclass(frozen=True)
class Tool:
    """The whole tool of one package (``_commands.TOOL``)."""

    prog: str
    description: str
    client_class: Callable[..., SyncAPIClient]
    base_url_env: str
    default_base_url: str
    credentials: tuple[Credential, ...]
    commands: tuple[Command, ...]


class CommandError(Exception):
    """A failure reported as one line on stderr with its own exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class _Option:
    """How one option's values reach the call: a parameter or a field of the JSON body."""

    target: Literal["param", "field"]
    key: str  # the parameter's python name, or the body field's JSON name
    shape: Shape
    annotation: Any


class _Parser(argparse.ArgumentParser):
    """Usage errors become a ``CommandError`` (one line, exit status 2) instead of argparse's
    two lines and ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message} (see --help)", EXIT_USAGE)


# -- the parser --------------------------------------------------------------------------------


def build_parser(tool: Tool) -> tuple[argparse.ArgumentParser, dict[str, dict[str, _Option]]]:
    """The parser of ``tool`` and, per subcommand, where each option's value goes."""
    common = _Parser(add_help=False)
    _common_options(common, tool, argparse.SUPPRESS)
    parser = _Parser(
        prog=f"python -m {tool.prog}",
        description=_plain(tool.description),
        epilog=_plain(_environment_help(tool)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(parser, tool, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    options: dict[str, dict[str, _Option]] = {}
    for command in tool.commands:
        summary = command.summary or command.description.strip().split("\n")[0]
        sub = commands.add_parser(
            command.name,
            parents=[common],
            help=_help(("(deprecated) " if command.deprecated else "") + summary),
            description=_plain("\n\n".join(t for t in (command.summary, command.description) if t)),
            epilog=_plain(_pagination_help(command)),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        options[command.name] = _command_options(sub, command)
    return parser, options


def _common_options(parser: argparse.ArgumentParser, tool: Tool, default: Any) -> None:
    parser.add_argument(
        "--base-url",
        default=default,
        metavar="URL",
        help=_help(f"the server (default: ${tool.base_url_env}, else {tool.default_base_url})"),
    )
    parser.add_argument(
        "--timeout", type=float, default=default, metavar="SECONDS", help="of each request"
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=default,
        metavar="N",
        help="retries of connection errors, timeouts, 408, 409, 429 and 5xx",
    )


def _command_options(parser: argparse.ArgumentParser, command: Command) -> dict[str, _Option]:
    op = command.operation
    docs, field_docs = dict(command.params), dict(command.fields)
    taken = set(_RESERVED)
    found: dict[str, _Option] = {}
    for param in op.params:
        flag = _flag(param.python_name, taken)
        option = _Option("param", param.python_name, _shape(param.type), param.type)
        text = docs.get(param.python_name, "")
        _add_option(parser, flag, option, text, required=param.required)
        found[flag] = option
    if op.body is not None:
        fields = list(_body_fields(op))
        parser.add_argument("--body", metavar="JSON", help=_help(_body_help(op, bool(fields))))
        for name, alias, annotation in fields:
            flag = _flag(name, taken)
            option = _Option("field", alias, _shape(annotation), annotation)
            text = field_docs.get(alias) or f"the body's {alias!r} field"
            _add_option(parser, flag, option, text, required=False)
            found[flag] = option
    if command.pager is not None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="every item of every page, one JSON text a line",
        )
        parser.add_argument(
            "--state",
            metavar="FILE",
            help="with --all: resume from the position saved in FILE, save it after each page",
        )
    return found


def _flag(name: str, taken: set[str]) -> str:
    """The option name of a parameter or field (kebab-case), unique within its subcommand."""
    base = name.strip("_").replace("_", "-") or "value"
    flag = base if base not in taken else f"{base}-value"
    while flag in taken:
        flag += "-"
    taken.add(flag)
    return flag


def _add_option(
    parser: argparse.ArgumentParser, flag: str, option: _Option, text: str, *, required: bool
) -> None:
    notes = {
        "json": "JSON",
        "list": "repeat for several values",
        "list-json": "JSON, repeat for several values",
        "any": "JSON or text",
        "text": "",
    }[option.shape]
    choices = _literal_values(option.annotation)
    if choices:
        notes = "one of " + ", ".join(str(c) for c in choices)
    parts = [" ".join(text.split()), notes, "required" if required else ""]
    parser.add_argument(
        "--" + flag,
        dest=f"option:{flag}",
        required=required,
        action="append" if option.shape.startswith("list") else "store",
        metavar=flag.upper().replace("-", "_"),
        help=_help("; ".join(p for p in parts if p)),
    )


def _body_help(op: OperationSpec[Any], fields: bool) -> str:
    assert op.body is not None
    kind = {"text": "text", "binary": "content"}.get(op.body.kind, "JSON")
    required = ""
    if op.body.required:
        required = "; required (or its fields as options)" if fields else "; required"
    return f"the request body ({op.body.media_type}) as {kind}, @FILE or @- for stdin{required}"


def _body_fields(op: OperationSpec[Any]) -> Iterator[tuple[str, str, Any]]:
    """(python name, JSON name, annotation) of each top-level field of the body's models."""
    assert op.body is not None
    if op.body.kind != "json":
        return
    seen: set[str] = set()
    for model in _models(resolved(op.body.type)):
        for name, info in model.model_fields.items():
            alias = info.alias or name
            if alias not in seen:
                seen.add(alias)
                yield name, alias, info.annotation


def _models(annotation: Any) -> list[type[pydantic.BaseModel]]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.RootModel):
        return []
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _shape(annotation: Any) -> Shape:
    """How an option's text becomes the value handed to the client: as it is (the client
    converts text to numbers, booleans and dates itself), JSON, or one per repeated option."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset, Sequence):
        return "list" if args and _shape(args[0]) == "text" else "list-json"
    if origin in (typing.Union, types.UnionType):
        shapes = {_shape(a) for a in args if a is not type(None)}
        return "text" if shapes == {"text"} else "json"
    if origin is Literal:
        return "text"
    if annotation is Any:
        return "any"
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, dict)):
        return "json"
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return "json"
    return "text"


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return ()


def _help(text: str) -> str:
    """Text as an argparse help string, which argparse %-formats."""
    return text.replace("%", "%%")


def _plain(text: str) -> str:
    """Text as an argparse description or epilog, %-formatted only when it names %(prog)."""
    return text.replace("%", "%%") if "%(prog)" in text else text


def _environment_help(tool: Tool) -> str:
    lines = ["environment variables:"]
    lines.append(f"  {tool.base_url_env}  the server (default {tool.default_base_url})")
    for credential in tool.credentials:
        what = " ".join(credential.description.split()) or f"the client's {credential.name}"
        many = " (several: separated by spaces or commas)" if credential.many else ""
        lines.append(f"  {credential.env_var}  {what}{many}")
    lines.append("")
    lines.append("exit statuses:")
    lines.extend(f"  {status:<3}  {meaning}" for status, meaning in EXIT_STATUSES)
    return "\n".join(lines)


def _pagination_help(command: Command) -> str:
    if command.pager is None:
        return ""
    return (
        "paginated: --all prints every item of every page, one JSON text a line; with\n"
        "--state FILE the position after each page is saved in FILE and a rerun resumes\n"
        "from it, so every item is printed once across interrupted runs."
    )


# -- running a command -------------------------------------------------------------------------


def main(
    tool: Tool,
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    http_client: httpx.Client | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the tool and return its exit status; ``http_client`` (e.g. with a mock transport),
    ``environ`` and the streams are for tests and embedding."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        with contextlib.redirect_stdout(out):  # --help prints to sys.stdout
            return _run(tool, argv, environ, http_client, stdin or sys.stdin, out)
    except CommandError as exc:
        return _fail(err, str(exc), exc.status)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        return _fail(err, "interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader went away (``| head``)
        if stdout is None:  # keep the interpreter from failing again when it flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _fail(err, "the output was closed before everything was written", EXIT_LOCAL)
    except _UNEXPECTED as exc:  # a bug of the tool, or a library refusing a value
        return _fail(err, f"internal error: {type(exc).__name__}: {exc}", EXIT_LOCAL)


def _fail(err: IO[str], message: str, status: int) -> int:
    err.write(" ".join(f"error: {message}".split()) + "\n")
    err.flush()
    return status


def _run(
    tool: Tool,
    argv: Sequence[str] | None,
    environ: Mapping[str, str] | None,
    http_client: httpx.Client | None,
    stdin: IO[str],
    out: IO[str],
) -> int:
    parser, options = build_parser(tool)
    args = vars(parser.parse_args(argv))
    env = os.environ if environ is None else environ
    command = next(c for c in tool.commands if c.name == args["command"])
    kwargs = _call_arguments(command, options[command.name], args, stdin)
    if args.get("state") is not None and not args.get("all"):
        raise CommandError(f"{parser.prog} {command.name}: --state needs --all", EXIT_USAGE)
    try:
        with tool.client_class(**_client_arguments(tool, args, env, http_client)) as client:
            if args.get("all"):
                _stream(client, command, kwargs, args.get("state"), out)
            else:
                _print_result(command, _member(client, command.method)(**kwargs), out)
    except CommandError:
        raise
    except RequestValidationError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    except APIStatusError as exc:
        raise CommandError(_status_message(exc), EXIT_STATUS) from None
    except APIConnectionError as exc:
        raise CommandError(str(exc), EXIT_CONNECTION) from None
    except (ResponseValidationError, PaginationError) as exc:
        raise CommandError(str(exc), EXIT_RESPONSE) from None
    except ValueError as exc:  # the client's own options (max_retries, timeout)
        raise CommandError(str(exc), EXIT_USAGE) from None
    except httpx.InvalidURL as exc:
        raise CommandError(f"the server's URL: {exc}", EXIT_USAGE) from None
    return EXIT_OK


def _client_arguments(
    tool: Tool, args: Mapping[str, Any], env: Mapping[str, str], http: httpx.Client | None
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"http_client": http}
    base_url = args.get("base_url") or env.get(tool.base_url_env)
    if base_url:
        kwargs["base_url"] = base_url
    for name in ("timeout", "max_retries"):
        if args.get(name) is not None:
            kwargs[name] = args[name]
    for credential in tool.credentials:
        value = env.get(credential.env_var)
        if value:
            many = value.replace(",", " ").split()
            kwargs[credential.name] = many if credential.many else value
    return kwargs


def _call_arguments(
    command: Command, options: Mapping[str, _Option], args: Mapping[str, Any], stdin: IO[str]
) -> dict[str, Any]:
    """The keyword arguments of the client's method, from the parsed options."""
    kwargs: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for flag, option in options.items():
        raw = args.get(f"option:{flag}")
        if raw is None:
            continue
        value = _value(flag, option, raw)
        (kwargs if option.target == "param" else fields)[option.key] = value
    op = command.operation
    if op.body is not None:
        kwargs["body"] = _body(op, args.get("body"), fields, stdin)
    return kwargs


def _value(flag: str, option: _Option, raw: Any) -> Any:
    if option.shape == "list":
        return list(raw)
    if option.shape == "list-json":
        return [_json(flag, text) for text in raw]
    if option.shape == "json":
        return _json(flag, raw)
    if option.shape == "any":
        with contextlib.suppress(CommandError):
            return _json(flag, raw)
        return raw
    for value in _literal_values(option.annotation):  # Literal[1, 2] from "1"
        if str(value) == raw or (isinstance(value, bool) and str(value).lower() == raw):
            return value
    return raw


def _json(flag: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CommandError(f"--{flag}: not JSON: {exc}", EXIT_USAGE) from None


def _body(op: OperationSpec[Any], given: str | None, fields: dict[str, Any], stdin: IO[str]) -> Any:
    assert op.body is not None
    if given is None and not fields:
        return None
    kind = op.body.kind
    body: Any = None
    if given is not None:
        if kind == "binary":
            body = _read_binary(given)
        else:
            text = _read_text(given, stdin)
            body = text if kind == "text" else _json("body", text)
    if fields:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise CommandError("--body must be a JSON object to add fields to", EXIT_USAGE)
        body = {**body, **fields}
    return body


def _read_text(given: str, stdin: IO[str]) -> str:
    if given == "@-":
        return stdin.read()
    if not given.startswith("@"):
        return given
    try:
        return Path(given[1:]).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"--body: cannot read {given[1:]}: {exc}", EXIT_LOCAL) from None


def _read_binary(given: str) -> bytes:
    if given == "@-":
        return sys.stdin.buffer.read()
    if not given.startswith("@"):
        return given.encode()
    try:
        return Path(given[1:]).read_bytes()
    except OSError as exc:
        raise CommandError(f"--body: cannot read {given[1:]}: {exc}", EXIT_LOCAL) from None


# -- output ------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A result as JSON data: models by their JSON names, with the fields the API sent (an
    optional field it left out is not printed as null)."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return pydantic_core.to_jsonable_python(value, by_alias=True)


def _print_result(command: Command, result: Any, out: IO[str]) -> None:
    if result is None:
        return
    if isinstance(result, bytes):
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise CommandError("the response is binary: redirect stdout to a file", EXIT_USAGE)
        out.flush()
        buffer.write(result)
        buffer.flush()
        return
    texts = [r for s, r in command.operation.responses.items() if s.startswith("2")]
    if isinstance(result, str) and any(r.kind == "text" for r in texts):
        out.write(result if result.endswith("\n") else result + "\n")
    else:
        out.write(json.dumps(jsonable(result), indent=2, ensure_ascii=False) + "\n")
    out.flush()


def _status_message(exc: APIStatusError) -> str:
    body = exc.body
    detail = json.dumps(jsonable(body), ensure_ascii=False) if body not in ("", None) else ""
    if len(detail) > 300:
        detail = detail[:300] + "..."
    return f"{exc}: {detail}" if detail else str(exc)


# -- --all and --state -------------------------------------------------------------------------


def _stream(
    client: SyncAPIClient,
    command: Command,
    kwargs: Mapping[str, Any],
    state_file: str | None,
    out: IO[str],
) -> None:
    """Every item of every page as JSON lines; with a state file, resume from it and save the
    position after each page's items are written (so a rerun never skips or repeats one)."""
    assert command.pager is not None and command.operation.pagination is not None
    pager = _member(client, command.pager)(**kwargs)
    path = Path(state_file) if state_file is not None else None
    if path is not None and path.exists():
        position, finished = read_state(path, command)
        if finished and command.operation.pagination.style in ("page", "link"):
            return  # the last page has no next one to ask for: nothing can follow it
        pager.resume(position)
    for page in pager.pages():
        for item in page.items:
            out.write(json.dumps(jsonable(item), ensure_ascii=False) + "\n")
        out.flush()
        if path is not None:
            write_state(path, command, page.position, finished=not page.has_next)


def read_state(path: Path, command: Command) -> tuple[Any, bool]:
    """The position and whether the walk had finished, from a state file of ``command``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CommandError(f"--state {path}: cannot read it: {exc}", EXIT_LOCAL) from None
    operation = command.operation.operation_id
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or "position" not in data:
        raise CommandError(f"--state {path}: not a state file of this tool", EXIT_LOCAL)
    if data.get("operation") != operation:
        raise CommandError(
            f"--state {path}: the state of {data.get('operation')!r}, not of {operation!r}",
            EXIT_LOCAL,
        )
    return data["position"], bool(data.get("finished"))


def write_state(path: Path, command: Command, position: Any, *, finished: bool) -> None:
    """Replace the state file in one step: a crash leaves the old state or the new one."""
    state = {
        "version": STATE_VERSION,
        "operation": command.operation.operation_id,
        "position": jsonable(position),
        "finished": finished,
    }
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise CommandError(f"--state {path}: cannot write it: {exc}", EXIT_LOCAL) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(state, file)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise CommandError(f"--state {path}: cannot write it: {exc}", EXIT_LOCAL) from None


def _member(client: Any, call: str) -> Any:
    """The client's method ``call`` names: ``get`` or, in a resource, ``repos.get``."""
    for name in call.split("."):
        client = getattr(client, name)
    return client
