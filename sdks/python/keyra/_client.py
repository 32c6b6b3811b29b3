import os
from typing import Optional

from ._http import Transport
from ._jws import JwksCache
from ._proofs import Proofs
from ._resources import Challenges, Credentials, Devices, Events, Usage, Voice, WebhookEndpoints
from ._stamps import Stamps
from ._webhooks import Webhooks

DEFAULT_BASE_URL = "http://127.0.0.1:8787"


class Keyra:
    """KEYRA client.

    ``api_key`` defaults to ``KEYRA_API_KEY``, ``base_url`` to ``KEYRA_BASE_URL`` (else
    ``http://127.0.0.1:8787``), ``webhook_secret`` to ``KEYRA_WEBHOOK_SECRET``. ``timeout`` is per
    attempt in seconds; ``max_retries`` is how many times a request is retried after a network
    error, a 429 or a 5xx.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = 30,
        max_retries: int = 2,
        webhook_secret: Optional[str] = None,
    ) -> None:
        self.api_key = api_key or os.environ.get("KEYRA_API_KEY") or None
        self.base_url = (base_url or os.environ.get("KEYRA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.webhook_secret = webhook_secret
        self._transport = Transport(self.api_key, self.base_url, timeout, max_retries)
        self.challenges = Challenges(self._transport)
        self.credentials = Credentials(self._transport)
        self.devices = Devices(self._transport)
        self.webhook_endpoints = WebhookEndpoints(self._transport)
        self.events = Events(self._transport)
        self.voice = Voice(self._transport)
        self.webhooks = Webhooks(lambda: self.webhook_secret)
        # Proofs and stamps are signed with the same keys: one JWKS cache serves both.
        keys = JwksCache(self._transport)
        self.proofs = Proofs(keys)
        self.stamps = Stamps(self._transport, keys)
        self.usage = Usage(self._transport)

    @property
    def timeout(self) -> float:
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    def __repr__(self) -> str:
        return f"Keyra(base_url={self.base_url!r})"
