"""Removing secrets from recorded exchanges before anything reaches disk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from generator.recordings import REDACTED

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_secret",
        "password",
        "secret",
        "api_key",
        "apikey",
        "authorization",
    }
)


class Redactor:
    """Replaces secrets by a fixed marker: by name (headers, body fields, query parameters) and,
    as a second line of defence, every occurrence of a known secret value anywhere."""

    def __init__(self, names: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        extra = {n.lower() for n in names}
        self.headers = SECRET_HEADERS | extra
        self.fields = SECRET_FIELDS | extra
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def headers_of(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            result[key] = REDACTED if key in self.headers else self.text(value)
        return result

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(k.lower() in self.fields or k.lower() in self.headers for k, _ in pairs):
            return self.text(query)
        cleaned = [
            (k, REDACTED if k.lower() in self.fields | self.headers else v) for k, v in pairs
        ]
        return self.text(urlencode(cleaned))

    def body(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                k: REDACTED if str(k).lower() in self.fields else self.body(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.body(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value
