"""What differs in the asyncio client: paging, and fetching the JWKS without blocking the loop.

Every other resource method is shared with the sync client: it returns what the transport
returns, which for ``AsyncTransport`` is a coroutine to ``await``."""

import asyncio
import time
from typing import Any, AsyncIterator, Dict, Mapping, Optional

from ._errors import KeyraError, ProofVerificationError
from ._jws import JWKS_PATH, JWKS_TTL, MIN_REFETCH_INTERVAL, PROOF_TYP, STAMP_TYP, JwksCache
from ._proofs import Proofs
from ._resources import Challenges, _id, _params
from ._stamps import Stamps


class AsyncChallenges(Challenges):
    async def list_auto_paging(  # type: ignore[override]
        self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Yields every challenge matching the filters, following ``nextCursor``:
        ``async for challenge in keyra.challenges.list_auto_paging(user_id=…)``."""
        query = _params(params, kwargs)
        while True:
            page = await self._req("GET", "/v1/challenges", query=query)
            for item in page.get("data", []):
                yield item
            if not page.get("hasMore") or not page.get("nextCursor"):
                return
            query = dict(query, cursor=page["nextCursor"])


class AsyncJwksCache:
    """The server's signing keys, cached for 5 minutes; one instance serves proofs and stamps."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._lock = asyncio.Lock()
        self._jwks: Optional[Dict[str, Any]] = None
        self._fetched_at = 0.0

    async def get(self, force: bool = False) -> Dict[str, Any]:
        async with self._lock:
            now = time.monotonic()
            if force or self._jwks is None or now - self._fetched_at > JWKS_TTL:
                fetched = await self._transport.request("GET", JWKS_PATH, authenticated=False)
                if not isinstance(fetched, dict) or not isinstance(fetched.get("keys"), list):
                    raise KeyraError("The JWKS answer has no keys.", code="invalid_jwks")
                self._jwks = fetched
                self._fetched_at = now
            return self._jwks

    async def check(self, verify: Any, jwks: Optional[Dict[str, Any]]) -> Any:
        """Runs the sync ``verify(jwks=…)`` with ``jwks``, else with the cache, refetched once for
        an unknown ``kid`` (the server may have rotated its keys since the last fetch)."""
        if jwks is not None:
            return verify(jwks)
        try:
            return verify(await self.get())
        except ProofVerificationError as err:
            if not (err.code or "").endswith("_key_not_found") or (
                time.monotonic() - self._fetched_at < MIN_REFETCH_INTERVAL
            ):
                raise
            return verify(await self.get(force=True))


class AsyncProofs:
    """``keyra.proofs`` of ``AsyncKeyra``: ``await keyra.proofs.verify(proof, …)``; the same
    checks and arguments as the sync ``Proofs.verify``."""

    def __init__(self, keys: AsyncJwksCache) -> None:
        self._keys = keys
        # The sync checks, always given the keys fetched here: its own cache never fetches.
        self._sync = Proofs(JwksCache(None))

    async def jwks(self, force: bool = False) -> Dict[str, Any]:
        return await self._keys.get(force)

    async def verify(self, proof: str, *, jwks: Optional[Dict[str, Any]] = None, **expected: Any) -> Any:
        """``await keyra.proofs.verify(proof, action=…, payload=…, audience=…)``: the keyword
        arguments, checks and errors of :meth:`Proofs.verify` (``exp`` and ``iat`` always, with
        ``leeway``; ``issuer``, ``env``, ``challenge_id``, ``max_age``, ``now``)."""
        return await self._keys.check(lambda keys: self._sync.verify(proof, jwks=keys, **expected), jwks)


class AsyncStamps:
    """``keyra.stamps`` of ``AsyncKeyra``: ``await retrieve(id)``, ``await verify(stamp, proof)``."""

    def __init__(self, transport: Any, keys: AsyncJwksCache) -> None:
        self._t = transport
        self._keys = keys
        self._sync = Stamps(transport, JwksCache(None))  # always given jwks=, never fetches

    async def retrieve(self, stamp_id: str) -> Any:
        return await self._t.request("GET", f"/v1/stamps/{_id(stamp_id)}", authenticated=False)

    async def verify(
        self,
        stamp: Mapping[str, Any],
        proof: Optional[str] = None,
        *,
        jwks: Optional[Dict[str, Any]] = None,
        **expected: Any,
    ) -> Any:
        return await self._keys.check(
            lambda keys: self._sync.verify(stamp, proof, jwks=keys, **expected), jwks
        )


__all__ = ["AsyncChallenges", "AsyncJwksCache", "AsyncProofs", "AsyncStamps", "PROOF_TYP", "STAMP_TYP"]
