"""Raw responses: ``client.with_raw_response.<method>(...)`` returns the HTTP response of a call
with its parsing deferred to ``parse()``.

A wrapped method is the client's own method, run while a context variable asks ``_call`` to
hand over the response instead of the parsed result (so raw access needs no second copy of any
call's code). Error statuses still raise their ``errors.APIStatusError``, which carries the
response too.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    import httpx

__all__ = ["APIResponse", "async_to_raw_response_wrapper", "to_raw_response_wrapper"]

P = ParamSpec("P")
R = TypeVar("R")

# Set while a wrapped method runs: the list the call's ``APIResponse`` is put in.
_CAPTURE: ContextVar[list[APIResponse[Any]] | None] = ContextVar("_CAPTURE", default=None)


class APIResponse(Generic[R]):
    """The HTTP response of a successful call; ``parse()`` reads it into the typed result."""

    def __init__(self, http_response: httpx.Response, parse: Callable[[], R]) -> None:
        self.http_response = http_response
        self._parse = parse

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def text(self) -> str:
        return self.http_response.text

    def json(self) -> Any:
        """The body as ``json`` decodes it, unchecked."""
        return self.http_response.json()

    def parse(self) -> R:
        """The result the method returns, read from the response (once; later calls give the
        same object). A body that does not fit the spec raises ``ResponseValidationError``."""
        if not hasattr(self, "_parsed"):
            self._parsed = self._parse()
        return self._parsed

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code} {self.http_response.reason_phrase}]>"


def capture() -> list[APIResponse[Any]] | None:
    """Where the running call puts its ``APIResponse``, when it runs under a raw wrapper."""
    captured = _CAPTURE.get()
    if captured is not None:
        _CAPTURE.set(None)  # only the wrapped call itself; the wrapper restores the variable
    return captured


def _returned(method: Callable[..., Any], captured: list[APIResponse[Any]]) -> APIResponse[Any]:
    if not captured:
        raise TypeError(f"{getattr(method, '__name__', method)} sent no request to answer raw")
    return captured[0]


def to_raw_response_wrapper(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """``method`` (a sync client's) returning the call's ``APIResponse``."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        captured: list[APIResponse[Any]] = []
        token = _CAPTURE.set(captured)
        try:
            method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return _returned(method, captured)

    return wrapped


def async_to_raw_response_wrapper(
    method: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[APIResponse[R]]]:
    """``method`` (an async client's) returning the call's ``APIResponse``."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        captured: list[APIResponse[Any]] = []
        token = _CAPTURE.set(captured)
        try:
            await method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return _returned(method, captured)

    return wrapped
