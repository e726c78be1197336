"""The base of the resource classes: a group of one client's operations (``client.repos``).

A resource sends its calls through the client it belongs to (its connection, auth, retries and
defaults), so it holds nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client_base import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncResource", "SyncResource"]


class SyncResource:
    """Operations of the sync client, grouped by tag."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncResource:
    """Operations of the async client, grouped by tag."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
