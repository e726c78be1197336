"""Servers: their URLs (variables at their defaults) and the constants naming them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator import naming
from generator.build.context import text
from generator.ir import Server

# Upper-case names ``_client.py`` defines or imports: a server's constant must be none of them.
CLIENT_MODULE_CONSTANTS = frozenset(
    {"DEFAULT_BASE_URL", "DEFAULT_MAX_RETRIES", "IO", "NOT_GIVEN", "TYPE_CHECKING"}
)
# Upper-case names the package's ``__init__`` defines beside the servers' constants.
PACKAGE_CONSTANTS = frozenset({"SPEC_HASH", "GENERATOR_VERSION"})


def servers(spec: Mapping[str, Any]) -> tuple[Server, ...]:
    """The spec's servers (``/`` without any), each with a unique module constant."""
    raw = spec.get("servers") or [{"url": "/"}]
    urls = [_server_url(s) for s in raw]
    labels = [_server_label(s, url) for s, url in zip(raw, urls, strict=True)]
    constants = naming.unique(
        [naming.constant(label) for label in labels], CLIENT_MODULE_CONSTANTS | PACKAGE_CONSTANTS
    )
    return tuple(
        Server(url, text(s.get("description")), c)
        for s, url, c in zip(raw, urls, constants, strict=True)
    )


def _server_url(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str((variable or {}).get("default", "")))
    return url.rstrip("/") if url != "/" else ""


def _server_label(server: Mapping[str, Any], url: str) -> str:
    """A short name for a server: its description's first phrase when short, else from the host."""
    phrase = re.split(r"[(.:;,]| - ", text(server.get("description")), maxsplit=1)[0].strip()
    return phrase if phrase and len(phrase.split()) <= 4 else _host_label(url)


def _host_label(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return "sandbox" if "sandbox" in host else "production" if host else "default"
