import os
from typing import Any, Optional

from ._async import AsyncChallenges, AsyncJwksCache, AsyncProofs, AsyncStamps
from ._http import AsyncTransport, Transport
from ._jws import JwksCache
from ._proofs import Proofs
from ._resources import ApproverGroups, Audit, Challenges, Credentials, Devices, Events, Policies, Usage, Voice, WebhookEndpoints
from ._stamps import Stamps
from ._webhooks import Webhooks

DEFAULT_BASE_URL = "http://127.0.0.1:8787"


class _Settings:
    def __init__(
        self,
        api_key: Optional[str],
        base_url: Optional[str],
        webhook_secret: Optional[str],
    ) -> None:
        self.api_key = api_key or os.environ.get("KEYRA_API_KEY") or None
        self.base_url = (base_url or os.environ.get("KEYRA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.webhook_secret = webhook_secret
        self.webhooks = Webhooks(lambda: self.webhook_secret)

    @property
    def timeout(self) -> float:
        return self._transport.timeout  # type: ignore[attr-defined]

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class Keyra(_Settings):
    """KEYRA client (blocking). For asyncio, use :class:`AsyncKeyra`: the same resources, awaited.

    ``api_key`` defaults to ``KEYRA_API_KEY``, ``base_url`` to ``KEYRA_BASE_URL`` (else
    ``http://127.0.0.1:8787``), ``webhook_secret`` to ``KEYRA_WEBHOOK_SECRET``. ``timeout`` is per
    attempt in seconds; ``max_retries`` is how many times a request is retried after a network
    error, a 429, a 5xx or an answer with ``Retry-After``. Connections are pooled: ``close()`` (or
    ``with Keyra() as keyra:``) releases them.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = 30,
        max_retries: int = 2,
        webhook_secret: Optional[str] = None,
    ) -> None:
        super().__init__(api_key, base_url, webhook_secret)
        self._transport = Transport(self.api_key, self.base_url, timeout, max_retries)
        self.challenges = Challenges(self._transport)
        self.credentials = Credentials(self._transport)
        self.devices = Devices(self._transport)
        self.webhook_endpoints = WebhookEndpoints(self._transport)
        self.events = Events(self._transport)
        self.audit = Audit(self._transport)
        self.policies = Policies(self._transport)
        self.approver_groups = ApproverGroups(self._transport)
        self.voice = Voice(self._transport)
        # Proofs and stamps are signed with the same keys: one JWKS cache serves both.
        keys = JwksCache(self._transport)
        self.proofs = Proofs(keys)
        self.stamps = Stamps(self._transport, keys)
        self.usage = Usage(self._transport)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Keyra":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncKeyra(_Settings):
    """KEYRA client for asyncio (agents, ASGI apps): every API call is awaited.

    ``keyra = AsyncKeyra()`` then ``await keyra.challenges.create(...)``; ``async with
    AsyncKeyra() as keyra:`` (or ``await keyra.close()``) releases the connections. The
    arguments, resources, errors and retry policy are those of :class:`Keyra`;
    ``keyra.webhooks.verify`` stays synchronous (it does no I/O).
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = 30,
        max_retries: int = 2,
        webhook_secret: Optional[str] = None,
    ) -> None:
        super().__init__(api_key, base_url, webhook_secret)
        self._transport = AsyncTransport(self.api_key, self.base_url, timeout, max_retries)
        self.challenges = AsyncChallenges(self._transport)
        self.credentials = Credentials(self._transport)
        self.devices = Devices(self._transport)
        self.webhook_endpoints = WebhookEndpoints(self._transport)
        self.events = Events(self._transport)
        self.audit = Audit(self._transport)
        self.policies = Policies(self._transport)
        self.approver_groups = ApproverGroups(self._transport)
        self.voice = Voice(self._transport)
        keys = AsyncJwksCache(self._transport)
        self.proofs = AsyncProofs(keys)
        self.stamps = AsyncStamps(self._transport, keys)
        self.usage = Usage(self._transport)

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> "AsyncKeyra":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
