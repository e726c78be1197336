"""The I/O half of a call: carrying out a plan's steps with httpx, sync or async."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from ._base import BaseClient, CallOptions, Plan, Raw, Send
from ._spec import OperationSpec

T = TypeVar("T")


class SyncAPIClient(BaseClient):
    """Runs plans with an ``httpx.Client`` (given, or owned and closed by this client)."""

    def __init__(self, *, http_client: httpx.Client | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._sleep: Callable[[float], None] = time.sleep

    def _run(self, plan: Plan[T]) -> T:
        try:
            step = next(plan)
            while True:
                if isinstance(step, Send):
                    try:
                        outcome: Any = self._http.send(step.request, auth=self.auth)
                    except httpx.TransportError as exc:
                        outcome = exc
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
    ) -> Raw:
        options = options or CallOptions()
        request = self._build_request(operation, params or {}, body, options)
        return self._run(self._plan(operation, request, options))

    def _call(
        self,
        *,
        operation: OperationSpec[T],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> T:
        """Send one call and return its parsed result. Keyword-only, so every generated call
        names what it passes (``params``: the arguments by Python name, ``body``, ``options``)."""
        raw = self._send(operation=operation, params=params, body=body, options=options)
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


class AsyncAPIClient(BaseClient):
    """Runs plans with an ``httpx.AsyncClient`` (given, or owned and closed by this client)."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

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
    ) -> Raw:
        options = options or CallOptions()
        request = self._build_request(operation, params or {}, body, options)
        return await self._run(self._plan(operation, request, options))

    async def _call(
        self,
        *,
        operation: OperationSpec[T],
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        options: CallOptions | None = None,
    ) -> T:
        """The async twin of ``SyncAPIClient._call``."""
        raw = await self._send(operation=operation, params=params, body=body, options=options)
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
