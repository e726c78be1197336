"""Replaying recorded exchanges (``specs/<api>/recordings``) against the generated clients.

Everything here is driven by the API folders: the config names the package and client class,
the IR (``generator.build``) says how a recording's request maps back to call arguments, and
the recordings say what the server answers. A new API folder needs no code here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import httpx
import pydantic

from generator import ir
from generator.naming import snake
from support.apis import Case, Recording

MODES = ("sync", "async")
DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}
RETRYABLE = frozenset({408, 429})

# -- from a recorded request back to call arguments ----------------------------------------------


def _scalar(type_: ir.TypeRef, text: str) -> Any:
    if type_.kind == "builtin":
        try:
            if type_.name == "int":
                return int(text)
            if type_.name == "float":
                return float(text)
        except ValueError:
            return text
        if type_.name == "bool":
            return {"true": True, "false": False}.get(text, text)
        return text
    if type_.kind == "literal":
        for value in type_.values:
            if _wire(value) == text:
                return value
        return text
    if type_.kind == "union":
        for arg in type_.args:
            value = _scalar(arg, text)
            if value is not text:
                return value
    return text


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _param_value(param: ir.Parameter, values: list[str]) -> Any:
    type_ = param.type
    if type_.kind == "list":
        item = type_.args[0] if type_.args else ir.ANY
        if param.explode and param.style == "form":
            parts = values
        else:
            parts = [p for v in values for p in v.split(DELIMITERS.get(param.style, ","))]
        return [_scalar(item, p) for p in parts]
    return _scalar(type_, values[-1])


def _path_args(op: ir.Operation, path: str) -> dict[str, str]:
    names: list[str] = []

    def group(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"(?P<g{len(names) - 1}>[^/]+)"

    pattern = re.sub(r"\\\{([^}]+)\\\}", group, re.escape(op.path))
    match = re.fullmatch(pattern, path)
    if match is None:
        return {}
    return {name: unquote(match.group(f"g{i}")) for i, name in enumerate(names)}


def call_kwargs(op: ir.Operation, request: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the client method that should send ``request``.

    Required parameters the request lacks are passed as ``None`` (the client must refuse them).
    """
    kwargs: dict[str, Any] = {}
    by_wire = {(p.location, p.name): p for p in op.parameters}
    for name, text in _path_args(op, str(request.get("path", ""))).items():
        param = by_wire.get(("path", name))
        if param is not None:
            kwargs[param.python_name] = _scalar(param.type, text)
    grouped: dict[str, list[str]] = {}
    for name, value in parse_qsl(str(request.get("query") or ""), keep_blank_values=True):
        grouped.setdefault(name, []).append(value)
    extra_query: dict[str, str] = {}
    for name, values in grouped.items():
        param = by_wire.get(("query", name))
        if param is None:
            extra_query[name] = values[-1]
        else:
            kwargs[param.python_name] = _param_value(param, values)
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    for param in op.parameters:
        if param.location == "header" and param.name.lower() in headers:
            kwargs[param.python_name] = _param_value(param, [headers[param.name.lower()]])
    for param in op.parameters:
        if param.required and param.python_name not in kwargs:
            kwargs[param.python_name] = None
    if op.body is not None:
        kwargs["body"] = request.get("body")
    if extra_query:
        kwargs["extra_query"] = extra_query
    return kwargs


def _violation(type_: ir.TypeRef, value: Any) -> str | None:
    """Why ``value`` breaks the constraints of ``type_`` (as the spec states them), if it does."""
    rules = dict(type_.constraints)
    if type_.kind == "list" and isinstance(value, list):
        for item in value:
            reason = _violation(type_.args[0], item) if type_.args else None
            if reason:
                return reason
    if type_.kind == "literal" and value not in type_.values:
        return f"{value!r} not one of {type_.values}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "ge" in rules and value < rules["ge"]:
            return f"{value} < {rules['ge']}"
        if "gt" in rules and value <= rules["gt"]:
            return f"{value} <= {rules['gt']}"
        if "le" in rules and value > rules["le"]:
            return f"{value} > {rules['le']}"
        if "lt" in rules and value >= rules["lt"]:
            return f"{value} >= {rules['lt']}"
    if isinstance(value, str | list):
        if "min_length" in rules and len(value) < rules["min_length"]:
            return f"shorter than {rules['min_length']}"
        if "max_length" in rules and len(value) > rules["max_length"]:
            return f"longer than {rules['max_length']}"
    if isinstance(value, str) and "pattern" in rules and not re.search(rules["pattern"], value):
        return f"{value!r} does not match {rules['pattern']!r}"
    return None


def refusal(op: ir.Operation, kwargs: Mapping[str, Any]) -> str | None:
    """Why the client must refuse a call with ``kwargs`` before sending, or None."""
    for param in op.parameters:
        value = kwargs.get(param.python_name)
        if value is None:
            if param.required:
                return f"{param.python_name} is required"
            continue
        reason = _violation(param.type, value)
        if reason:
            return f"{param.python_name}: {reason}"
    for group in op.require_any_of:
        if all(kwargs.get(name) is None for name in group):
            return f"one of {group} is required"
    if op.body is not None and op.body.required and kwargs.get("body") is None:
        return "body is required"
    return None


def success_recordings(case: Case, operation_id: str | None = None) -> list[Recording]:
    """Successful exchanges whose request the client accepts, for ``operation_id`` if given."""
    found = []
    for rec in case.recordings:
        if rec.status >= 400 or (operation_id and rec.operation_id != operation_id):
            continue
        op = case.operation(rec.operation_id)
        if refusal(op, call_kwargs(op, rec.request)) is None:
            found.append(rec)
    return found


# -- the fake server -----------------------------------------------------------------------------


def is_json(media_type: str | None) -> bool:
    media = (media_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def recorded_response(response: Mapping[str, Any], **extra_headers: str) -> httpx.Response:
    headers = {**dict(response.get("headers") or {}), **extra_headers}
    body = response.get("body")
    if body is None:
        content = b""
    elif is_json(headers.get("content-type")) or not isinstance(body, str):
        content = json.dumps(body).encode()
    else:
        content = body.encode()
    return httpx.Response(int(response["status"]), headers=headers, content=content)


Outcome = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Server:
    """A ``MockTransport`` handler: answers token requests, then scripted outcomes, then
    ``fallback`` (a recording, or a function of the request)."""

    def __init__(
        self,
        case: Case,
        fallback: Recording | Callable[[httpx.Request], httpx.Response] | None = None,
        script: Iterable[Outcome] = (),
    ) -> None:
        self.case = case
        self.fallback = fallback
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self.token_requests: list[httpx.Request] = []
        self.token_status = 200
        # How the token endpoint answers: "json" or "form", each labelled with its content
        # type, or "json-unlabelled"/"form-unlabelled" without one.
        self.token_format = "json"

    def is_token_request(self, request: httpx.Request) -> bool:
        url = str(request.url.copy_with(query=None))
        return request.method == "POST" and url in self.case.token_urls()

    def token_response(self) -> httpx.Response:
        fields = {
            "access_token": f"token-{len(self.token_requests)}",
            "expires_in": 3600,
            "token_type": "Bearer",
        }
        kind, _, unlabelled = self.token_format.partition("-")
        if kind == "form":
            content = urlencode(fields).encode()
            media = "application/x-www-form-urlencoded"
        else:
            content = json.dumps(fields).encode()
            media = "application/json"
        headers = {} if unlabelled else {"content-type": media}
        return httpx.Response(200, content=content, headers=headers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.is_token_request(request):
            self.token_requests.append(
                httpx.Request(
                    request.method, request.url, headers=request.headers, content=request.content
                )
            )
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            return self.token_response()
        # A snapshot: an auth flow may re-send the same request object with new headers.
        self.requests.append(
            httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                content=request.content,
                extensions=dict(request.extensions),
            )
        )
        if self.script:
            outcome = self.script.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome(request) if callable(outcome) else outcome
        if isinstance(self.fallback, Recording):
            return recorded_response(self.fallback.response)
        if self.fallback is not None:
            return self.fallback(request)
        raise AssertionError(f"unexpected request {request.method} {request.url}")


def sequence_responder(steps: list[Recording]) -> Callable[[httpx.Request], httpx.Response]:
    """Answer each request with the recording of ``steps`` whose request it matches."""

    def respond(request: httpx.Request) -> httpx.Response:
        for rec in steps:
            if request_key(request) == recorded_key(rec.request):
                return recorded_response(rec.response)
        raise AssertionError(f"no recorded step matches {request.method} {request.url}")

    return respond


def request_body(request: httpx.Request) -> Any:
    content = request.content
    if not content:
        return None
    if is_json(request.headers.get("content-type")):
        return json.loads(content)
    return content.decode()


def request_key(request: httpx.Request) -> tuple[Any, ...]:
    query = request.url.query.decode()
    return (
        request.method,
        request.url.path,
        sorted(parse_qsl(query, keep_blank_values=True)),
        json.dumps(request_body(request), sort_keys=True),
    )


def recorded_key(request: Mapping[str, Any], base_path: str = "") -> tuple[Any, ...]:
    return (
        str(request["method"]).upper(),
        base_path + str(request["path"]),
        sorted(parse_qsl(str(request.get("query") or ""), keep_blank_values=True)),
        json.dumps(request.get("body"), sort_keys=True),
    )


# -- driving sync and async clients alike --------------------------------------------------------


class Driver:
    """A sync or async client on a ``Server``, with a fake sleep that records delays."""

    def __init__(self, case: Case, mode: str, server: Server, **client_kwargs: Any) -> None:
        self.case = case
        self.mode = mode
        self.server = server
        self.sleeps: list[float] = []
        kwargs: dict[str, Any] = {"base_url": case.base_url, **case.credentials(), **client_kwargs}
        transport = httpx.MockTransport(server)
        if mode == "sync":
            self.client = case.sync_class(http_client=httpx.Client(transport=transport), **kwargs)
            self.client._sleep = self.sleeps.append
        else:
            self.client = case.async_class(
                http_client=httpx.AsyncClient(transport=transport), **kwargs
            )

            async def sleep(seconds: float) -> None:
                self.sleeps.append(seconds)

            self.client._sleep = sleep

    def call(self, operation_id: str, **kwargs: Any) -> Any:
        method = getattr(self.client, snake(operation_id))
        if self.mode == "sync":
            return method(**kwargs)
        return asyncio.run(method(**kwargs))

    def pager(self, operation_id: str, **kwargs: Any) -> Any:
        return getattr(self.client, "iter_" + snake(operation_id))(**kwargs)

    def walk(self, pager: Any) -> tuple[list[Any], list[Any]]:
        """Every item of ``pager`` and the pager's position after each item was handed out."""
        items: list[Any] = []
        positions: list[Any] = []
        if self.mode == "sync":
            for item in pager:
                items.append(item)
                positions.append(pager.position)
            return items, positions

        async def run() -> None:
            async for item in pager:
                items.append(item)
                positions.append(pager.position)

        asyncio.run(run())
        return items, positions

    def pages(self, pager: Any) -> list[Any]:
        if self.mode == "sync":
            return list(pager.pages())

        async def run() -> list[Any]:
            return [page async for page in pager.pages()]

        return asyncio.run(run())


# -- comparing results with recorded bodies ------------------------------------------------------


def dump(value: Any) -> Any:
    """The JSON form of a result: models as they would be sent (by alias, set fields only)."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, Mapping):
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def pointer(data: Any, path: str | None) -> Any:
    """Resolve a JSON pointer (None when anything on the way is missing)."""
    if not path:
        return None
    for token in path[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(data, Mapping):
            data = data.get(token)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return None
    return data


def query_value(url_or_query: str, name: str) -> str | None:
    query = urlsplit(url_or_query).query if "?" in url_or_query else url_or_query
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == name:
            return value
    return None
