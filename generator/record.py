"""``specgen record``: call the live API through the generated client and keep the exchange.

Credentials come from the environment variables named in the API's config (``record.env``).
The exchange is redacted before it is serialized, written atomically, and nothing at all is
written when the call cannot be made (no credentials, no network, bad arguments).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from generator import naming
from generator.build import build_api
from generator.errors import SpecgenError
from generator.ir import Operation
from generator.paths import inside, safe_filename
from generator.pipeline import target_of
from generator.project import Api
from generator.rawspec import is_form, is_json
from generator.recordings import dump_recording
from generator.redact import Redactor

CREDENTIAL_ARGUMENTS = ("token", "username", "password", "api_key", "client_id", "client_secret")


class CapturingTransport(httpx.BaseTransport):
    """Passes requests on and keeps every (request, response) pair with its body read."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response

    def close(self) -> None:
        self.inner.close()


def credentials_from_env(api: Api, environ: Mapping[str, str]) -> dict[str, str]:
    """Client keyword arguments from the environment; a clear error names what is missing."""
    env = api.config.record_env
    if not env:
        raise SpecgenError.at(
            api.folder / "specgen.yaml", "/record/env", "no environment variables configured"
        )
    # Only the base URL may be left out: the client then uses the spec's first server.
    missing = [var for arg, var in env.items() if arg != "base_url" and not environ.get(var)]
    if missing:
        raise SpecgenError(f"{api.key}: set {', '.join(missing)} to record (nothing written)")
    return {argument: environ[var] for argument, var in env.items() if environ.get(var)}


def parse_params(op: Operation, params: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs (wire or Python names) as keyword arguments; lists split on commas."""
    by_name = {p.name: p for p in op.parameters} | {p.python_name: p for p in op.parameters}
    arguments: dict[str, Any] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or name not in by_name:
            known = ", ".join(p.name for p in op.parameters) or "none"
            raise SpecgenError(f"--param {item!r}: expected NAME=VALUE with NAME one of: {known}")
        param = by_name[name]
        arguments[param.python_name] = value.split(",") if param.type.kind == "list" else value
    return arguments


def record(
    api: Api,
    operation_id: str,
    params: Sequence[str],
    body_file: Path | None,
    output_dir: Path,
    name: str | None = None,
    environ: Mapping[str, str] = os.environ,
    transport: httpx.BaseTransport | None = None,
) -> Path:
    """Make the call and write the redacted exchange; returns the recording's path."""
    built = build_api(api.spec, api.source.name, target_of(api))
    op = next((o for o in built.api.operations if o.operation_id == operation_id), None)
    if op is None:
        known = ", ".join(o.operation_id for o in built.api.operations)
        raise SpecgenError(f"{api.key}: no operation {operation_id!r} (known: {known})")
    arguments = parse_params(op, params)
    if body_file is not None:
        try:
            arguments["body"] = json.loads(body_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SpecgenError.at(body_file, "", f"cannot read the JSON body: {exc}") from None
    config = credentials_from_env(api, environ)
    target = recording_path(api.recordings_dir, operation_id, name)
    package = _import_package(output_dir, api.config.package)
    capture = CapturingTransport(transport or httpx.HTTPTransport())
    client_class = getattr(package, api.config.client_class)
    errors = package.errors
    failure: Exception | None = None
    with client_class(
        http_client=httpx.Client(transport=capture), max_retries=0, **config
    ) as client:
        try:
            functools.reduce(getattr, op.call.split("."), client)(**arguments)
        except errors.RequestValidationError as exc:
            raise SpecgenError(f"{operation_id}: {exc} (nothing written)") from None
        except errors.APIConnectionError as exc:
            raise SpecgenError(
                f"{operation_id}: cannot reach the API: {exc} (nothing written)"
            ) from None
        except (errors.APIStatusError, errors.ResponseValidationError) as exc:
            failure = exc  # an error response is worth recording too, if it is the operation's
    base_url = str(client.base_url)
    redactor = _redactor(api, config, capture.exchanges)
    token_url = getattr(client.auth, "token_url", None)
    own = [
        (q, r) for q, r in capture.exchanges if _is_operation_request(op, base_url, token_url, q)
    ]
    if not own:
        # Never write another exchange (a token request) under the operation's name.
        raise SpecgenError(_not_sent(op, capture.exchanges, token_url, failure, redactor))
    request, response = own[-1]  # the last one: after a 401, the auth flow sends it again
    data = {
        "operation": operation_id,
        "description": redactor.text(f"Recorded from {base_url}."),
        "source": f"live service, recorded {_now('%Y-%m-%dT%H:%M:%SZ')}",
        "synthetic": False,
        "request": {
            "method": request.method,
            "path": redactor.text(_operation_path(base_url, request)),
            "query": redactor.query(request.url.query.decode()),
            "headers": redactor.headers_of(_wanted(request.headers)),
            "body": redactor.body(_decode(request.headers, request.content)),
        },
        "response": {
            "status": response.status_code,
            "headers": redactor.headers_of(_wanted(response.headers)),
            "body": redactor.body(_decode(response.headers, response.content)),
        },
    }
    _write_atomic(target, dump_recording(data))
    return target


def recording_path(folder: Path, operation_id: str, name: str | None) -> Path:
    """``<operationId>--<name>.json`` in ``folder``, both parts made safe file name parts (the
    operationId comes from the spec, which may be hostile)."""
    slug = naming.snake(name).replace("_", "-") if name else _timestamp_slug()
    path = folder / f"{safe_filename(operation_id)}--{safe_filename(slug)}.json"
    inside(folder, path)  # a second line of defence: the name cannot leave the folder
    return path


def _redactor(
    api: Api, config: Mapping[str, str], exchanges: list[tuple[httpx.Request, httpx.Response]]
) -> Redactor:
    """A redactor for every secret of the call: the credentials, the Basic pairs they make, and
    the values found under secret names in any exchange (tokens the client obtained)."""
    secrets = [config[k] for k in CREDENTIAL_ARGUMENTS if k in config]
    for user, password in (("username", "password"), ("client_id", "client_secret")):
        if user in config and password in config:
            secrets.append(f"{config[user]}:{config[password]}")
    by_name = Redactor(api.config.redact)
    for request, response in exchanges:
        secrets += _values_named(by_name, request, request.url.query.decode())
        secrets += _values_named(by_name, response)
    return Redactor(api.config.redact, secrets)


def _import_package(output_dir: Path, package: str) -> Any:
    folder = (output_dir / package).resolve()
    if not (folder / package / "__init__.py").is_file():
        raise SpecgenError(f"{folder}: no generated package; run `specgen generate` first")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(package)


def _values_named(
    by_name: Redactor, message: httpx.Request | httpx.Response, query: str = ""
) -> Iterator[str]:
    """Secret-named values in one message's headers, query, form fields and JSON body."""
    headers = message.headers
    if is_form(headers.get("content-type", "")):
        form = message.content.decode("utf-8", errors="replace")
        query = f"{query}&{form}" if query else form
    return by_name.values_named(headers.multi_items(), query, _decode(headers, message.content))


def _is_operation_request(
    op: Operation, base_url: str, token_url: str | None, request: httpx.Request
) -> bool:
    """Whether ``request`` is ``op``'s own: its method, and a URL that is the base URL followed
    by the operation's path (each ``{parameter}`` standing for one path segment) - never the
    token request, even if it had the same URL."""
    url = request.url.copy_with(query=None, fragment=None)
    if request.method != op.http_method or (token_url and url == httpx.URL(token_url)):
        return False
    base = httpx.URL(base_url)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
        return False
    expected = _segments(base, base=True) + op.path.split("/")[1:]
    sent = _segments(url)
    return len(sent) == len(expected) and all(
        _segment_pattern(e).fullmatch(s) for e, s in zip(expected, sent, strict=True)
    )


def _operation_path(base_url: str, request: httpx.Request) -> str:
    """The request's path after the base URL's own path, decoded: ``/api/v1/events``."""
    skip = len(_segments(httpx.URL(base_url), base=True))
    return "/" + "/".join(_segments(request.url)[skip:])


def _segments(url: httpx.URL, *, base: bool = False) -> list[str]:
    """The decoded segments of ``url``'s path, split before decoding (an encoded ``/`` inside a
    segment stays inside it): ``/a/b%2Fc`` -> ``["", "a", "b/c"]``. A base URL's trailing
    ``/`` is not a segment (the client drops it too)."""
    path = url.copy_with(query=None, fragment=None).raw_path.decode()
    return [unquote(segment) for segment in (path.rstrip("/") if base else path).split("/")]


def _segment_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL)


def _not_sent(
    op: Operation,
    exchanges: list[tuple[httpx.Request, httpx.Response]],
    token_url: str | None,
    failure: Exception | None,
    redactor: Redactor,
) -> str:
    """Why nothing is recorded: the operation's own request never went out (or was not seen).
    What comes from the exchange is redacted: the message ends up in terminals and CI logs."""
    if not exchanges:
        return f"{op.operation_id}: no exchange happened (nothing written)"
    request, response = exchanges[-1]
    url = request.url.copy_with(query=None, fragment=None)
    answer = redactor.text(
        f"{request.method} {url} answered status {response.status_code} "
        f"({response.headers.get('content-type') or 'no content type'})"
        + (f": {failure}" if failure else "")
    )
    if token_url and url == httpx.URL(token_url):
        why = f"the operation's request was never sent: the token request {answer}"
    else:
        why = f"no {op.http_method} {op.path} request was seen; the last request, {answer}"
    return f"{op.operation_id}: {why} (nothing written)"


_HOP_HEADERS = {"content-length", "connection", "date", "host", "transfer-encoding", "user-agent",
                "accept-encoding", "content-encoding", "keep-alive"}  # fmt: skip


def _wanted(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k.lower() not in _HOP_HEADERS]


def _decode(headers: httpx.Headers, content: bytes) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if is_json(headers.get("content-type", "")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _now(pattern: str) -> str:
    return dt.datetime.now(dt.UTC).strftime(pattern)


def _timestamp_slug() -> str:
    return "recorded-" + _now("%Y%m%dT%H%M%SZ")


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
