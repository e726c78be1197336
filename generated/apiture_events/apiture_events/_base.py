"""The client core shared by the sync and async clients.

Everything that is not I/O lives here once: building a request from arguments, the retry
policy, reading a response into its model or a typed error. A call is a *plan*, a generator
that yields ``Send`` and ``Sleep`` steps and returns the result; the sync and async clients
differ only in the few lines that carry those steps out.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar
from urllib.parse import quote

from . import _forms, _serialize
from ._bodies import body_problem
from ._deferred import deferred, load
from ._lenient import lenient
from ._types import NAIVE_DATETIME, REQUEST_CONTEXT
from .errors import (
    APIConnectionError,
    APITimeoutError,
    RequestValidationError,
    ResponseValidationError,
    status_error_class,
)

if TYPE_CHECKING:
    import httpx
    import pydantic
    import pydantic_core

    from . import _logging, _spec
    from ._spec import FieldSpec, OperationSpec, ParamSpec, ResponseSpec
else:
    _logging = deferred("._logging", globals())
    _spec = deferred("._spec", globals())
    httpx = deferred("httpx", globals())
    pydantic = deferred("pydantic", globals())
    pydantic_core = deferred("pydantic_core", globals())

__all__ = ["NOT_GIVEN", "NotGiven"]

ResultT = TypeVar("ResultT")

# A client's timeout when none is given: seconds for each read, write and pool wait, and for
# connecting (an ``httpx.Timeout`` made when the client is: ``default_timeout``).
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = frozenset({408, 409, 429})
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
# The longest server message ``str(error)`` quotes, in characters.
MAX_ERROR_MESSAGE = 200


class NotGiven:
    """The type of ``NOT_GIVEN``: an option left out, as opposed to one given as ``None``.

    A call's ``timeout=None`` means "no timeout" and ``deadline=None`` "no deadline"; leaving
    them out (``NOT_GIVEN``) means "the client's setting".
    """

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


@dataclass(frozen=True)
class Send:
    request: httpx.Request
    time_left: float | None = None  # seconds until the call's deadline, if it has one
    retry: int = 0  # 0 for the first attempt, then the number of the retry


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Send | Sleep
if TYPE_CHECKING:
    Outcome = httpx.Response | httpx.TransportError | None
    Plan = Generator[Step, Outcome, ResultT]


@dataclass(frozen=True, kw_only=True)
class CallOptions:
    """Per-call overrides: ``extra_headers``, ``extra_query``, ``timeout``, ``max_retries``,
    ``deadline``; ``NOT_GIVEN`` (not ``None``, which means "no limit") leaves the client's."""

    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, str] | None = None
    timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
    max_retries: int | NotGiven | None = NOT_GIVEN
    deadline: float | NotGiven | None = NOT_GIVEN


class _Undecoded:
    """The body of a ``Raw`` read into its model straight from the bytes, not decoded yet."""


UNDECODED: Any = _Undecoded()


@dataclass(frozen=True)
class Raw:
    """A successful response, its result, and its body as JSON data (``data``).

    A JSON body is validated straight from the response's bytes, so its plain decoding is made
    only if someone asks for ``data`` (a pager whose pointers lead outside the page's model).
    """

    response: httpx.Response
    result: Any
    body: Any = UNDECODED

    @cached_property
    def data(self) -> Any:
        """The body as ``json`` decodes it (text, bytes or events as they were read)."""
        return self.response.json() if self.body is UNDECODED else self.body


class BaseClient:
    """Configuration and the I/O-free half of every call."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float | httpx.Timeout | NotGiven | None,
        max_retries: int,
        headers: Mapping[str, str] | None,
        auth: httpx.Auth | None,
        deadline: float | None = None,
        strict_responses: bool = True,
    ) -> None:
        _check_max_retries(max_retries)
        _check_deadline(deadline)
        _ready_to_send()
        self.base_url = base_url.rstrip("/")
        self.timeout = default_timeout() if isinstance(timeout, NotGiven) else timeout
        self.deadline = deadline
        self.max_retries = max_retries
        self.headers = dict(headers or {})
        self.auth = auth
        self.strict_responses = strict_responses
        # Seams for tests and callers who need determinism; not part of the public surface.
        self._random: Callable[[], float] = random.random
        self._clock: Callable[[], float] = time.time

    # -- requests ------------------------------------------------------------------------------

    def _build_request(
        self,
        op: OperationSpec[Any],
        args: Mapping[str, Any],
        body: Any,
        options: CallOptions,
        url: str | None = None,
    ) -> httpx.Request:
        """The request for ``op`` with ``args``; arguments the spec rejects raise before sending.

        ``url`` (a next-page link the server gave, checked by the pager) replaces the path and
        query the arguments would give: the link carries them; headers are still sent."""
        for group in op.require_any_of:
            if all(args.get(name) is None for name in group):
                raise RequestValidationError(
                    f"{op.operation_id}: give at least one of {', '.join(group)}"
                )
        path = op.path
        query: list[str] = []
        headers: dict[str, str] = {"Accept": op.accept, **self.headers}
        cookies: list[str] = []
        for param in op.params:
            value = args.get(param.python_name)
            if value is None:
                if param.required:
                    raise RequestValidationError(
                        f"{op.operation_id}: {param.python_name} is required"
                    )
                continue
            value = _validate(op, param.python_name, param.adapter, value)
            if param.location == "querystring":
                query.append(
                    _forms.querystring(param, _dump(op, param.python_name, param.adapter, value))
                )
            elif param.content_type is not None:
                text = _content_text(op, param, value)
                if param.location == "path":
                    path = path.replace("{" + param.name + "}", quote(text, safe=""))
                elif param.location == "query":
                    query.append(_serialize.encode_pairs([(param.name, text)]))
                elif param.location == "header":
                    headers[param.name] = text
                else:
                    cookies.append(f"{param.name}={text}")
            elif param.location == "path":
                path = path.replace("{" + param.name + "}", _serialize.path_value(param, value))
            elif param.location == "query":
                query.extend(_serialize.query_items(param, value))
            elif param.location == "header":
                headers[param.name] = _serialize.header_value(param, value)
            else:
                cookies.extend(_serialize.cookie_items(param, value))
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        if options.extra_query:
            query.append(
                _serialize.encode_pairs([(k, str(v)) for k, v in options.extra_query.items()])
            )
        headers.update(options.extra_headers or {})
        content = self._body_arguments(op, body, headers)
        if url is None:
            url = self.base_url + path
            if query:
                url += "?" + "&".join(query)
        timeout = self.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        return httpx.Request(
            op.method,
            url,
            headers=headers,
            **content,
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )

    def _body_arguments(
        self, op: OperationSpec[Any], body: Any, headers: dict[str, str]
    ) -> dict[str, Any]:
        """The body as ``httpx.Request`` keyword arguments (``content``, or ``files`` for a
        multipart form, whose Content-Type httpx writes with its boundary)."""
        if op.body is None or body is None:
            if op.body is not None and op.body.required:
                raise RequestValidationError(f"{op.operation_id}: body is required")
            return {}
        if op.body.kind == "multipart":
            parts = _forms.multipart_parts(op, self._form_values(op, body))
            if parts:
                return {"files": parts}
            headers["Content-Type"] = op.body.media_type
            return {}
        headers["Content-Type"] = op.body.media_type
        if op.body.kind == "form":
            return {"content": _forms.urlencoded(self._form_values(op, body)).encode()}
        if isinstance(body, bytes):
            return {"content": body}
        if op.body.kind == "binary":
            return {"content": _forms.read_binary(op, body)}
        if isinstance(body, str) and op.body.kind == "text":
            return {"content": body.encode()}
        value = _validate(op, "body", op.body.adapter, body)
        if not isinstance(body, pydantic.BaseModel):
            unknown = body_problem(value, body)
            if unknown is not None:
                raise RequestValidationError(f"{op.operation_id}: {unknown}")
        data = _dump(op, "body", op.body.adapter, value)
        if op.body.kind == "jsonl":
            lines = [
                json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n" for item in data
            ]
            return {"content": "".join(lines).encode()}
        return {"content": json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()}

    def _form_values(
        self, op: OperationSpec[Any], body: Any
    ) -> list[tuple[FieldSpec | None, str, Any]]:
        """The fields of a form body, values checked against their schema (files as given)."""
        if not isinstance(body, Mapping):
            raise RequestValidationError(
                f"{op.operation_id}: body: a form body must be a mapping of fields"
            )
        assert op.body is not None
        known = {f.name: f for f in op.body.fields}
        for f in op.body.fields:
            if f.required and body.get(f.name) is None:
                raise RequestValidationError(f"{op.operation_id}: body: {f.name} is required")
        values: list[tuple[FieldSpec | None, str, Any]] = []
        for name, value in body.items():
            spec = known.get(name)
            if value is None:
                continue
            if spec is not None and not spec.file:
                value = _dump(
                    op,
                    f"body.{name}",
                    spec.adapter,
                    _validate(op, f"body.{name}", spec.adapter, value),
                )
            values.append((spec, str(name), value))
        return values

    # -- the call plan -------------------------------------------------------------------------

    def _plan(
        self,
        op: OperationSpec[Any],
        request: httpx.Request,
        options: CallOptions,
        parse: bool = True,
    ) -> Plan[Raw]:
        """Send ``request``, retrying what is worth retrying, and read the final response
        (with ``parse=False`` a success is not read into its model: ``Raw.result`` is None).

        The deadline (seconds for the whole call: every attempt and every sleep) caps each
        attempt's timeouts; a retry whose sleep would end past it is not made.
        """
        max_retries = self._max_retries(op, options)
        deadline = self.deadline if isinstance(options.deadline, NotGiven) else options.deadline
        _check_deadline(deadline)
        ends_at = None if deadline is None else self._clock() + deadline
        attempt = 0
        outcome: Outcome = None
        while True:
            time_left = None if ends_at is None else ends_at - self._clock()
            if time_left is not None:
                if time_left <= 0:
                    raise _deadline_error(request, deadline, outcome)
                _cap_timeouts(request, time_left)
            outcome = yield Send(request, time_left, attempt)
            if not (attempt < max_retries and self._should_retry(outcome)):
                return self._final(op, request, outcome, parse)
            response = outcome if isinstance(outcome, httpx.Response) else None
            delay = self._retry_delay(attempt, response)
            if ends_at is not None and self._clock() + delay >= ends_at:
                raise _deadline_error(request, deadline, outcome)
            yield Sleep(delay)
            attempt += 1

    def _max_retries(self, op: OperationSpec[Any], options: CallOptions) -> int:
        """An explicit per-call ``max_retries`` applies to any operation; the client's own only
        to operations safe to repeat (an idempotent method, or declared by ``x-idempotent``)."""
        if not isinstance(options.max_retries, NotGiven) and options.max_retries is not None:
            _check_max_retries(options.max_retries)
            return options.max_retries
        return self.max_retries if op.idempotent else 0

    def _final(
        self, op: OperationSpec[Any], request: httpx.Request, outcome: Outcome, parse: bool
    ) -> Raw:
        if isinstance(outcome, httpx.Response):
            if parse:
                return self._read(op, outcome)
            if outcome.status_code >= 400:
                raise _status_error(op, outcome, op.response_for(outcome.status_code))
            return Raw(outcome, None, None)
        if isinstance(outcome, httpx.TimeoutException):
            raise APITimeoutError(f"request timed out: {outcome}", request=request) from outcome
        raise APIConnectionError(f"connection failed: {outcome}", request=request) from outcome

    @staticmethod
    def _should_retry(outcome: Outcome) -> bool:
        if not isinstance(outcome, httpx.Response):
            return True  # the request got no answer: a connection error or a timeout
        response = outcome
        should = str(response.headers.get("x-should-retry", ""))
        if should in ("true", "false"):
            return should == "true"
        return response.status_code in RETRY_STATUSES or response.status_code >= 500

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds before retry number ``attempt + 1``: ``Retry-After`` if sane, else backoff."""
        if response is not None:
            after = _retry_after(response.headers.get("retry-after"), self._clock())
            if after is not None and 0 <= after <= MAX_RETRY_AFTER:
                return after
        delay = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * self._random())  # jitter: 75% to 100% of the backoff

    # -- responses -----------------------------------------------------------------------------

    def _read(self, op: OperationSpec[Any], response: httpx.Response) -> Raw:
        """The parsed result of a final response, or the typed error it stands for.

        Bodies are read by their JSON names only (``by_name=False``): a key that merely equals
        a field's Python name is not taken for that field.
        """
        spec = op.response_for(response.status_code)
        if response.status_code >= 400:
            raise _status_error(op, response, spec)
        if spec is None or spec.kind == "empty":
            return Raw(response, None, None)
        if spec.kind == "text":
            return Raw(response, response.text, response.text)
        if spec.kind == "binary":
            return Raw(response, response.content, response.content)
        if spec.kind == "jsonl":
            data: Any = _json_lines(op, response)
        elif spec.kind == "events":
            data = _server_sent_events(response.text)
        else:
            _check_json_media(op, response)
            try:
                result = spec.adapter.validate_json(response.content, by_alias=True, by_name=False)
                return Raw(response, result)
            except (pydantic.ValidationError, RecursionError):
                # Read again the slow way, which tells exactly what is wrong as it always has:
                # JSON that does not decode, a body nested too deeply, or the first mismatch.
                data = _json_body(op, response)
        try:
            return Raw(
                response, spec.adapter.validate_python(data, by_alias=True, by_name=False), data
            )
        except pydantic.ValidationError as exc:
            if not self.strict_responses:
                return self._lenient(op, response, spec, data, exc)
            raise ResponseValidationError(
                f"{op.operation_id}: response does not match the spec: {_first_error(exc)}",
                response=response,
                body=data,
            ) from exc
        except RecursionError:
            raise too_deep(op, response) from None

    @staticmethod
    def _lenient(
        op: OperationSpec[Any],
        response: httpx.Response,
        spec: ResponseSpec,
        data: Any,
        exc: pydantic.ValidationError,
    ) -> Raw:
        """``strict_responses=False``: the result built anyway, values that do not fit kept as
        sent, and a warning on the package's logger."""
        _logging.logger.warning(
            "%s: response does not match the spec, read leniently: %s",
            op.operation_id,
            _first_error(exc),
        )
        return Raw(response, lenient(_spec.resolved(spec.type), data), data)


def too_deep(op: OperationSpec[Any], response: httpx.Response) -> ResponseValidationError:
    """The error for a body nested deeper than Python can decode or validate."""
    return ResponseValidationError(
        f"{op.operation_id}: response body is nested too deeply to read",
        response=response,
        body=response.text,
    )


def _dump(op: OperationSpec[Any], name: str, adapter: pydantic.TypeAdapter[Any], value: Any) -> Any:
    """``value`` (already validated) as JSON data, as the request sends it."""
    try:
        return adapter.dump_python(
            value, mode="json", by_alias=True, exclude_unset=True, context=REQUEST_CONTEXT
        )
    except pydantic_core.PydanticSerializationError as exc:  # e.g. a naive datetime in a model
        reason = NAIVE_DATETIME if NAIVE_DATETIME in str(exc) else str(exc)
        raise RequestValidationError(f"{op.operation_id}: {name}: {reason}") from None


def _content_text(op: OperationSpec[Any], param: ParamSpec, value: Any) -> str:
    """The text of a parameter described by ``content``: JSON text for a JSON media type."""
    data = _dump(op, param.python_name, param.adapter, value)
    media = (param.content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (
        data
        if isinstance(data, str)
        else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    )


def _validate(
    op: OperationSpec[Any], name: str, adapter: pydantic.TypeAdapter[Any], value: Any
) -> Any:
    try:
        return adapter.validate_python(value, context=REQUEST_CONTEXT)
    except pydantic.ValidationError as exc:
        problem = _first_error(exc, given=name.startswith("body"))
        raise RequestValidationError(f"{op.operation_id}: {name}: {problem}") from None


def _first_error(exc: pydantic.ValidationError, given: bool = False) -> str:
    """The first error of ``exc``; with ``given`` (the caller's own data), preferably one about
    a value given (an unknown key, a wrong type, a value not listed), which tells more than a
    key missing from another member of a union."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if given:
        first = next((e for e in errors if e["type"] != "missing"), first)
    # A naive date-time is the likely mistake even when a union reports other members first.
    error = next((e for e in errors if e["type"] == "naive_datetime"), first)
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _ready_to_send() -> None:
    """Import what a call needs (httpx, pydantic's models and adapters, the descriptors'
    classes, the logger) when a client is made, so that its first call does not."""
    load(httpx, pydantic, pydantic_core, _spec, _logging)
    for name in ("BaseModel", "RootModel", "TypeAdapter", "ValidationError"):
        getattr(pydantic, name)  # pydantic imports each of these on first use


def default_timeout() -> httpx.Timeout:
    """The timeout of a client made without one: 60 s for each wait, 10 s to connect."""
    return httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=DEFAULT_CONNECT_TIMEOUT)


def _check_max_retries(max_retries: int) -> None:
    if max_retries < 0:
        raise ValueError("max_retries must be 0 or more")


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and not deadline > 0:
        raise ValueError("deadline must be a number of seconds above 0, or None")


def _cap_timeouts(request: httpx.Request, time_left: float) -> None:
    """No connect, read, write or pool wait of the next attempt may outlast the deadline."""
    timeouts = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        kind: time_left if limit is None else min(limit, time_left)
        for kind, limit in {
            "connect": None,
            "read": None,
            "write": None,
            "pool": None,
            **timeouts,
        }.items()
    }


def _deadline_error(
    request: httpx.Request, deadline: float | None, outcome: Outcome
) -> APITimeoutError:
    if isinstance(outcome, httpx.Response):
        last = f"{outcome.status_code} {outcome.reason_phrase}".rstrip()
    else:
        last = f"{type(outcome).__name__}: {outcome}"
    error = APITimeoutError(
        f"the call's deadline of {deadline:g} s leaves no time to retry after {last}",
        request=request,
    )
    error.__cause__ = outcome if isinstance(outcome, Exception) else None
    return error


def _check_json_media(op: OperationSpec[Any], response: httpx.Response) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        raise ResponseValidationError(
            f"{op.operation_id}: expected a JSON response, got content type {media or 'none'!r}",
            response=response,
            body=response.text,
        )


def _json_body(op: OperationSpec[Any], response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ResponseValidationError(
            f"{op.operation_id}: response body is not valid JSON: {exc}",
            response=response,
            body=response.text,
        ) from None
    except RecursionError:
        raise too_deep(op, response) from None


def _json_lines(op: OperationSpec[Any], response: httpx.Response) -> list[Any]:
    """The items of a sequence of JSON texts (JSON Lines, NDJSON, or RFC 7464 JSON text
    sequences), one a line; blank lines are skipped."""
    items = []
    for number, line in enumerate(response.text.replace("\x1e", "\n").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise ResponseValidationError(
                f"{op.operation_id}: line {number} of the response is not valid JSON: {exc}",
                response=response,
                body=response.text,
            ) from None
        except RecursionError:
            raise too_deep(op, response) from None
    return items


def _server_sent_events(text: str) -> list[dict[str, Any]]:
    """The events of a ``text/event-stream`` body, each with the fields it has (``event``,
    ``data``, ``id``, ``retry``), as the HTML standard parses them."""
    events: list[dict[str, Any]] = []
    event: dict[str, Any] = {}
    data: list[str] = []
    for line in [*text.splitlines(), ""]:
        if not line:
            if data:
                event["data"] = "\n".join(data)
            if event:
                events.append(event)
            event, data = {}, []
            continue
        if line.startswith(":"):
            continue  # a comment
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id"):
            event[name] = value
        elif name == "retry" and value.isdigit():
            event["retry"] = int(value)
    return events


def _status_error(
    op: OperationSpec[Any], response: httpx.Response, spec: ResponseSpec | None
) -> Exception:
    body: Any = response.text
    data: Any = None
    if (spec is not None and spec.kind == "json") or _is_json(response):
        try:
            body = data = response.json()
            if spec is not None and spec.kind == "json":
                body = spec.adapter.validate_python(body, by_alias=True, by_name=False)
        except (ValueError, pydantic.ValidationError):
            pass  # keep what could be decoded: the error itself matters more than its body
        except RecursionError:
            body, data = response.text, None  # too deep to decode: the error still matters
    error = status_error_class(response.status_code)
    message = f"{op.operation_id}: {response.status_code} {response.reason_phrase}".rstrip()
    said = server_message(data, response.text)
    if said.lower() == response.reason_phrase.lower():
        said = ""  # "404 Not Found: Not Found" says nothing more
    return error(
        f"{message}: {said}" if said else message,
        response=response,
        body=body,
    )


# The members of an error body that hold the server's own words, most telling first
# (``message`` for most APIs, RFC 9457's ``title`` and ``detail``, OAuth2's ``error_description``).
_MESSAGE_KEYS = ("message", "title", "detail", "error_description", "error", "description")


def server_message(data: Any, text: str) -> str:
    """What the server said went wrong, on one line of at most ``MAX_ERROR_MESSAGE`` characters:
    the message member of a JSON body (one level down too: ``{"error": {"message": ...}}``),
    else the start of the body's text (nothing for an empty body)."""
    said = " ".join((_message_member(data) or text).split())
    if len(said) > MAX_ERROR_MESSAGE:
        said = said[: MAX_ERROR_MESSAGE - 3].rstrip() + "..."
    return said


def _message_member(data: Any, depth: int = 0) -> str | None:
    if not isinstance(data, Mapping) or depth > 1:
        return None
    for key in _MESSAGE_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            if key == "title" and isinstance(data.get("detail"), str) and data["detail"].strip():
                return f"{value}: {data['detail']}"
            return value
        found = _message_member(value, depth + 1)
        if found is not None:
            return found
    return None


def _is_json(response: httpx.Response) -> bool:
    media: str = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        import email.utils  # only for a Retry-After date: 6 ms of every import otherwise

        return email.utils.parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError, IndexError):
        return None
