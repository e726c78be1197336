"""Errors raised by the client.

::

    APIError
    ├── RequestValidationError      arguments refused before anything was sent (a ValueError)
    ├── APIConnectionError          the request never got a response
    │   └── APITimeoutError
    ├── ResponseValidationError     the response did not match the spec
    ├── PaginationError             a pager made no progress (position repeated, empty pages)
    └── APIStatusError              the server answered with a 4xx or 5xx status
        ├── BadRequestError             400
        ├── AuthenticationError         401
        ├── PermissionDeniedError       403
        ├── NotFoundError               404
        ├── ConflictError               409
        ├── UnprocessableEntityError    422
        ├── RateLimitError              429
        └── InternalServerError         5xx
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "ResponseValidationError",
    "UnprocessableEntityError",
]


class APIError(Exception):
    """Base of every error the client raises for a request it sent."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """The request failed before a response arrived (DNS, refused connection, reset...)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseValidationError(APIError):
    """The response body does not match the spec; ``body`` keeps what the server sent."""

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.body = body
        self.status_code = response.status_code


class PaginationError(APIError):
    """A pager stopped because the server made it go round in circles.

    Raised when the next page would be requested from a position the walk already used (the
    server repeated its cursor, watermark or next-page link, or ignored the offset), or after
    too many empty pages in a row that still say more follow. ``operation_id`` names the
    operation and ``position`` the position that did not advance.
    """

    def __init__(
        self, message: str, *, operation_id: str, position: Any, request: httpx.Request | None
    ) -> None:
        super().__init__(message, request=request)
        self.operation_id = operation_id
        self.position = position


class APIStatusError(APIError):
    """The server answered with an error status.

    ``body`` is the parsed error model the spec declares for the status when the body matches
    it, else the decoded JSON, else the raw text.
    """

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.body = body
        self.status_code = response.status_code


class BadRequestError(APIStatusError):
    """400 Bad Request."""


class AuthenticationError(APIStatusError):
    """401 Unauthorized (or a failed token request)."""


class PermissionDeniedError(APIStatusError):
    """403 Forbidden."""


class NotFoundError(APIStatusError):
    """404 Not Found."""


class ConflictError(APIStatusError):
    """409 Conflict."""


class UnprocessableEntityError(APIStatusError):
    """422 Unprocessable Entity."""


class RateLimitError(APIStatusError):
    """429 Too Many Requests."""


class InternalServerError(APIStatusError):
    """Any 5xx status."""


class RequestValidationError(APIError, ValueError):
    """Arguments that the spec's constraints reject; nothing was sent.

    A body given as a dict is checked as its model would be: its message names the operation
    and the key (its path inside the body) that is unknown, of the wrong type or not one of the
    values the spec lists. Also a ``ValueError``, as it was before it joined ``APIError``.
    """


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific error class for ``status_code``."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)
