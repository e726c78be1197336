"""Authentication as ``httpx.Auth`` flows, which httpx drives for sync and async clients alike."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from typing import Any
from urllib.parse import parse_qsl

import httpx

from .errors import APIStatusError, AuthenticationError, status_error_class

__all__ = ["ApiKeyAuth", "BearerAuth", "ClientCredentialsAuth"]

# A token is renewed this many seconds before it expires, so no request carries a stale one.
EXPIRY_MARGIN = 30.0
DEFAULT_EXPIRES_IN = 3600.0


class _Lock:
    """A step of the token flow: take (``hold=True``) or give back the client's token lock."""

    def __init__(self, hold: bool) -> None:
        self.hold = hold


_ACQUIRE, _RELEASE = _Lock(True), _Lock(False)
Step = httpx.Request | _Lock


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
    proxy sees both. One token request at a time per instance: concurrent calls (threads on a
    sync client, tasks on an async one) wait for it and then use the token it brought. The
    token response may be JSON or form-encoded (``access_token=...&expires_in=...``).
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
        self._lock = threading.Lock()
        self._async_lock = asyncio.Lock()

    # -- the token logic, once for sync and async ---------------------------------------------

    def _flow(self, request: httpx.Request) -> Generator[Step, httpx.Response | None, None]:
        """Authorize ``request``; yields requests to send and lock steps for the driver."""
        if not self._usable(stale=None):
            yield from self._refresh(stale=None)
        sent_with = self._token
        request.headers["Authorization"] = f"Bearer {sent_with}"
        response = yield request
        if response is not None and response.status_code == 401:
            yield from self._refresh(stale=sent_with)
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _refresh(self, stale: str | None) -> Generator[Step, httpx.Response | None, None]:
        """Fetch a token under the lock, unless a caller that held it first already did."""
        yield _ACQUIRE
        if not self._usable(stale):  # checked again: the lock may have been waited for
            response = yield self._token_request()
            assert response is not None
            self._store(response)
        yield _RELEASE

    def _usable(self, stale: str | None) -> bool:
        """The cached token can be used: present, not about to expire, and not the ``stale``
        one a 401 was answered to (a newer one came from another call meanwhile)."""
        return (
            self._token is not None
            and self._token != stale
            and self._clock() < self._expires_at - EXPIRY_MARGIN
        )

    # -- the two drivers: the same flow, with a thread lock or an asyncio lock -----------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self._flow(request)
        held = False
        try:
            step = next(flow)
            while True:
                if isinstance(step, _Lock):
                    if step.hold:
                        self._lock.acquire()
                    else:
                        self._lock.release()
                    held = step.hold
                    step = flow.send(None)
                else:
                    response = yield step
                    response.read()
                    step = flow.send(response)
        except StopIteration:
            pass
        finally:
            if held:  # the token request failed or the caller gave up
                self._lock.release()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self._flow(request)
        held = False
        try:
            step = next(flow)
            while True:
                if isinstance(step, _Lock):
                    if step.hold:
                        await self._async_lock.acquire()
                    else:
                        self._async_lock.release()
                    held = step.hold
                    step = flow.send(None)
                else:
                    response = yield step
                    await response.aread()
                    step = flow.send(response)
        except StopIteration:
            pass
        finally:
            if held:
                self._async_lock.release()

    # -- the token request and its answer -------------------------------------------------------

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
        payload = _token_payload(response)
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                f"token response from {self.token_url} has no access_token",
                response=response,
                body=response.text,
            )
        self._token = token
        self._expires_at = self._clock() + _seconds(payload.get("expires_in"))


def _token_payload(response: httpx.Response) -> dict[str, Any]:
    """The fields of a token response: JSON, or form-encoded as some servers answer (by the
    content type; without a usable one, JSON first, then form)."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    text = response.text
    if media != "application/x-www-form-urlencoded":
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):
            payload = None
        if isinstance(payload, dict) or media == "application/json" or media.endswith("+json"):
            return payload if isinstance(payload, dict) else {}
    return dict(parse_qsl(text.strip(), keep_blank_values=True))


def _seconds(value: Any) -> float:
    """``expires_in`` as seconds: a number, or a numeric string (form bodies are all text)."""
    if isinstance(value, bool):
        return DEFAULT_EXPIRES_IN
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN
    return seconds if 0 <= seconds < float("inf") else DEFAULT_EXPIRES_IN
