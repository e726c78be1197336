"""``specgen record``: call the live API through the generated client and keep the exchange.

Credentials come from the environment variables named in the API's config (``record.env``).
The exchange is redacted before it is serialized, written atomically, and nothing at all is
written when the call cannot be made (no credentials, no network, bad arguments).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from generator import naming
from generator.build import build_api
from generator.errors import SpecgenError
from generator.ir import Operation
from generator.pipeline import target_of
from generator.project import Api
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
    package = _import_package(output_dir, api.config.package)
    capture = CapturingTransport(transport or httpx.HTTPTransport())
    client_class = getattr(package, api.config.client_class)
    errors = package.errors
    with client_class(
        http_client=httpx.Client(transport=capture), max_retries=0, **config
    ) as client:
        try:
            getattr(client, op.method_name)(**arguments)
        except errors.RequestValidationError as exc:
            raise SpecgenError(f"{operation_id}: {exc} (nothing written)") from None
        except errors.APIConnectionError as exc:
            raise SpecgenError(
                f"{operation_id}: cannot reach the API: {exc} (nothing written)"
            ) from None
        except (errors.APIStatusError, errors.ResponseValidationError):
            pass  # an error response is worth recording too
    api_exchanges = [(q, r) for q, r in capture.exchanges if r is not None]
    if not api_exchanges:
        raise SpecgenError(f"{operation_id}: no exchange happened (nothing written)")
    request, response = api_exchanges[-1]
    secrets = [config[k] for k in CREDENTIAL_ARGUMENTS if k in config]
    secrets += _tokens_seen(capture.exchanges)
    redactor = Redactor(api.config.redact, secrets)
    base_path = httpx.URL(str(client.base_url)).path.rstrip("/")
    data = {
        "operation": operation_id,
        "description": f"Recorded from {client.base_url}.",
        "source": f"live service, recorded {_now('%Y-%m-%dT%H:%M:%SZ')}",
        "synthetic": False,
        "request": {
            "method": request.method,
            "path": request.url.path[len(base_path) :] or "/",
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
    slug = naming.snake(name).replace("_", "-") if name else _timestamp_slug()
    target = api.recordings_dir / f"{operation_id}--{slug}.json"
    _write_atomic(target, dump_recording(data))
    return target


def _import_package(output_dir: Path, package: str) -> Any:
    folder = (output_dir / package).resolve()
    if not (folder / package / "__init__.py").is_file():
        raise SpecgenError(f"{folder}: no generated package; run `specgen generate` first")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(package)


def _tokens_seen(exchanges: list[tuple[httpx.Request, httpx.Response]]) -> list[str]:
    """Access tokens the client obtained during the call (they are secrets too)."""
    tokens = []
    for _, response in exchanges:
        try:
            payload = response.json()
        except ValueError:
            continue
        if isinstance(payload, dict):
            tokens += [str(v) for k, v in payload.items() if k.endswith("token") and v]
    return tokens


_HOP_HEADERS = {"content-length", "connection", "date", "host", "transfer-encoding", "user-agent",
                "accept-encoding", "content-encoding", "keep-alive"}  # fmt: skip


def _wanted(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k.lower() not in _HOP_HEADERS]


def _decode(headers: httpx.Headers, content: bytes) -> Any:
    if not content:
        return None
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    text = content.decode("utf-8", errors="replace")
    if media == "application/json" or media.endswith("+json"):
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
