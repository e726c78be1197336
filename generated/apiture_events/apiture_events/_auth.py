"""Authentication as ``httpx.Auth`` flows, which httpx drives for sync and async clients alike."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Sequence

import httpx

from .errors import APIStatusError, AuthenticationError, status_error_class

__all__ = ["ApiKeyAuth", "BearerAuth", "ClientCredentialsAuth"]

# A token is renewed this many seconds before it expires, so no request carries a stale one.
EXPIRY_MARGIN = 30.0


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class ApiKeyAuth(httpx.Auth):
    """An API key in a header, query parameter or cookie."""

    def __init__(self, name: str, location: str, key: str) -> None:
        self._name, self._location, self._key = name, location, key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._location == "query":
            request.url = request.url.copy_merge_params({self._name: self._key})
        elif self._location == "cookie":
            request.headers["Cookie"] = f"{self._name}={self._key}"
        else:
            request.headers[self._name] = self._key
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth 2.0 client credentials: fetch a token, cache it, renew it before expiry or on a 401.

    The token request goes through the same transport as the API calls, so a test transport or
    proxy sees both.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str] = (),
        *,
        request_format: str = "form",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = list(scopes)
        self._format = request_format
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None or self._clock() >= self._expires_at - EXPIRY_MARGIN:
            self._store((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            self._store((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _token_request(self) -> httpx.Request:
        fields = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        if self._scopes:
            fields["scope"] = " ".join(self._scopes)
        headers = {"Accept": "application/json"}
        if self._format == "json":
            headers["Content-Type"] = "application/json"
            return httpx.Request(
                "POST", self.token_url, content=json.dumps(fields), headers=headers
            )
        return httpx.Request("POST", self.token_url, data=fields, headers=headers)

    def _store(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            error: type[APIStatusError] = status_error_class(response.status_code)
            if response.status_code in (400, 401):
                error = AuthenticationError
            raise error(
                f"token request to {self.token_url} failed with status {response.status_code}",
                response=response,
                body=response.text,
            )
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError, TypeError):
            raise AuthenticationError(
                f"token response from {self.token_url} has no access_token",
                response=response,
                body=response.text,
            ) from None
        if not isinstance(token, str):
            raise AuthenticationError(
                "access_token is not a string", response=response, body=response.text
            )
        expires_in = payload.get("expires_in", 3600)
        if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
            expires_in = 3600
        self._token = token
        self._expires_at = self._clock() + float(expires_in)
