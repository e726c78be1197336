"""Security schemes, each read as the kind of credentials the client sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.build.context import text
from generator.ir import SecurityScheme
from generator.rawspec import resolve


def security_schemes(spec: Mapping[str, Any]) -> tuple[SecurityScheme, ...]:
    """The spec's security schemes, sorted by key."""
    raw = (spec.get("components") or {}).get("securitySchemes") or {}
    return tuple(_scheme(key, resolve(spec, value)) for key, value in sorted(raw.items()))


def _scheme(key: str, raw: Mapping[str, Any]) -> SecurityScheme:
    kind = raw.get("type")
    description = text(raw.get("description"))
    if kind == "http" and str(raw.get("scheme", "")).lower() == "bearer":
        return SecurityScheme(key, "bearer", description)
    if kind == "http" and str(raw.get("scheme", "")).lower() == "basic":
        return SecurityScheme(key, "basic", description)
    if kind == "apiKey":
        return SecurityScheme(
            key,
            "api_key",
            description,
            api_key_name=str(raw.get("name")),
            api_key_location=str(raw.get("in")),
        )
    flow = (raw.get("flows") or {}).get("clientCredentials") if kind == "oauth2" else None
    if isinstance(flow, Mapping):
        return SecurityScheme(
            key,
            "oauth2_client_credentials",
            description,
            token_url=str(flow.get("tokenUrl", "")),
            token_urls=tuple(
                sorted((str(k), str(v)) for k, v in (flow.get("x-token-urls") or {}).items())
            ),
            token_request_format=flow.get("x-token-request-format", "form"),
            scopes=tuple(sorted(flow.get("scopes") or {})),
        )
    return SecurityScheme(key, "unsupported", description)
