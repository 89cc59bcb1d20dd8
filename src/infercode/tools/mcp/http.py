"""The streamable-HTTP transport with an httpx client of our own (for the configured headers and
the bearer token), both closed together. The SDK's pieces are handed in: no import of it here."""

from __future__ import annotations

import contextlib
from typing import Any


class HttpTransport(contextlib.AbstractAsyncContextManager[Any]):
    """The streamable-HTTP transport with our own httpx client (headers), closed with it."""

    def __init__(self, factory: Any, http_client: Any, url: str) -> None:
        self._stack = contextlib.AsyncExitStack()
        self._factory = factory
        self._http = http_client
        self._url = url

    async def __aenter__(self) -> Any:
        await self._stack.enter_async_context(self._http)
        return await self._stack.enter_async_context(
            self._factory(self._url, http_client=self._http)
        )

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()
