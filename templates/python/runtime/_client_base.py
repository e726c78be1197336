"""The I/O half of a call: carrying out a plan's steps with httpx, sync or async."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from ._base import (
    NOT_GIVEN,
    BaseClient,
    CallOptions,
    NotGiven,
    Raw,
    Send,
    _check_deadline,
    _check_max_retries,
)
from ._deferred import deferred
from ._response import APIResponse, capture

if TYPE_CHECKING:
    import asyncio

    import httpx

    from . import _logging
    from ._base import Plan
    from ._spec import OperationSpec
else:
    _logging = deferred("._logging", globals())
    asyncio = deferred("asyncio", globals())
    httpx = deferred("httpx", globals())

T = TypeVar("T")


def from_environment(value: str | None, variable: str) -> str | None:
    """``value`` when given, else the environment variable's (an empty one counts as unset)."""
    return value if value is not None else os.environ.get(variable) or None


def _raw_response(
    client: BaseClient, op: OperationSpec[Any], response: httpx.Response
) -> APIResponse[Any]:
    """The ``APIResponse`` of a call made under ``with_raw_response``: parsed on demand."""
    return APIResponse(response, lambda: client._read(op, response).result)


class _Options(BaseClient):
    """``with_options``: a copy of the client sharing its connection pool and credentials."""

    _owns_http: bool
    _state: frozenset[str]  # the attributes that make up the configuration, set by __init__

    def with_options(
        self,
        *,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        strict_responses: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client like this one with the options given changed: the same connection pool,
        credentials (and OAuth2 token) and defaults otherwise. ``headers`` are added to the
        client's; ``timeout=None`` means no timeout, ``deadline=None`` no deadline;
        ``strict_responses=False`` reads responses that do not fit the spec leniently. Closing
        the copy leaves the pool open: it belongs to the original client. A new ``base_url``
        keeps the credentials too (an OAuth2 token and the URL it came from included): for
        another environment with other credentials, make a new client."""
        clone = copy.copy(self)
        # Only the configuration is copied: resources and raw-response views cached on this
        # client send through it, so the copy makes its own on first use.
        clone.__dict__ = {k: v for k, v in self.__dict__.items() if k in self._state}
        clone._owns_http = False
        clone.headers = dict(self.headers)
        if not isinstance(base_url, NotGiven):
            clone.base_url = base_url.rstrip("/")
        if not isinstance(timeout, NotGiven):
            clone.timeout = timeout
        if not isinstance(max_retries, NotGiven):
            _check_max_retries(max_retries)
            clone.max_retries = max_retries
        if not isinstance(deadline, NotGiven):
            _check_deadline(deadline)
            clone.deadline = deadline
        if not isinstance(headers, NotGiven):
            clone.headers.update(headers)
        if not isinstance(strict_responses, NotGiven):
            clone.strict_responses = strict_responses
        return clone


class SyncAPIClient(_Options):
    """Runs plans with an ``httpx.Client`` (given, or owned and closed by this client)."""

    def __init__(self, *, http_client: httpx.Client | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._sleep: Callable[[float], None] = time.sleep
        self._state = frozenset([*self.__dict__, "_state"])

    def _run(self, plan: Plan[T]) -> T:
        try:
            step = next(plan)
            while True:
                if isinstance(step, Send):
                    _logging.log_request(step.request, step.retry)
                    started = time.monotonic()
                    try:
                        outcome: Any = self._http.send(step.request, auth=self.auth)
                    except httpx.TransportError as exc:
                        outcome = exc
                    _logging.log_outcome(
                        step.request, outcome, time.monotonic() - started, step.retry
                    )
                    step = plan.send(outcome)
                else:
                    self._sleep(step.seconds)
                    step = plan.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _send(
        self,
        *,
        operation: OperationSpec[Any],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
        parse: bool = True,
        url: str | None = None,
    ) -> Raw:
        options = options or CallOptions()
        request = self._build_request(operation, params or {}, body, options, url)
        return self._run(self._plan(operation, request, options, parse))

    def _call(
        self,
        *,
        operation: OperationSpec[T],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> T:
        """Send one call and return its parsed result. Keyword-only, so every generated call
        names what it passes (``params``: the arguments by Python name, ``body``, ``options``).

        Under ``with_raw_response`` the response is handed to the wrapper unparsed instead."""
        captured = capture()
        raw = self._send(
            operation=operation,
            params=params,
            body=body,
            options=options,
            parse=captured is None,
        )
        if captured is not None:
            captured.append(_raw_response(self, operation, raw.response))
        return raw.result  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the underlying HTTP client if this client created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAPIClient(_Options):
    """Runs plans with an ``httpx.AsyncClient`` (given, or owned and closed by this client)."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._state = frozenset([*self.__dict__, "_state"])

    async def _run(self, plan: Plan[T]) -> T:
        try:
            step = next(plan)
            while True:
                if isinstance(step, Send):
                    step = plan.send(await self._attempt(step))
                else:
                    await self._sleep(step.seconds)
                    step = plan.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _attempt(self, step: Send) -> httpx.Response | httpx.TransportError:
        """One attempt, logged; see ``_attempt_once``."""
        _logging.log_request(step.request, step.retry)
        started = time.monotonic()
        outcome = await self._attempt_once(step)
        _logging.log_outcome(step.request, outcome, time.monotonic() - started, step.retry)
        return outcome

    async def _attempt_once(self, step: Send) -> httpx.Response | httpx.TransportError:
        """One attempt; with a deadline, cut off when it passes even if bytes keep trickling in."""
        try:
            async with asyncio.timeout(step.time_left):
                return await self._http.send(step.request, auth=self.auth)
        except httpx.TransportError as exc:
            return exc
        except TimeoutError:
            return httpx.ReadTimeout("the call's deadline passed", request=step.request)

    async def _send(
        self,
        *,
        operation: OperationSpec[Any],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
        parse: bool = True,
        url: str | None = None,
    ) -> Raw:
        options = options or CallOptions()
        request = self._build_request(operation, params or {}, body, options, url)
        return await self._run(self._plan(operation, request, options, parse))

    async def _call(
        self,
        *,
        operation: OperationSpec[T],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> T:
        """The async twin of ``SyncAPIClient._call``."""
        captured = capture()
        raw = await self._send(
            operation=operation,
            params=params,
            body=body,
            options=options,
            parse=captured is None,
        )
        if captured is not None:
            captured.append(_raw_response(self, operation, raw.response))
        return raw.result  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Close the underlying HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
