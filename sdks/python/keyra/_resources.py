"""API resources. Keyword arguments are snake_case and sent in the API's camelCase
(``user_id`` → ``userId``); only top-level names are converted, never the contents of
``payload``, ``attestation`` or ``response``. A dict passed positionally is sent as-is."""

import urllib.parse
from typing import Any, Dict, Iterator, Mapping, Optional

from ._object import snake_to_camel


def _params(params: Optional[Mapping[str, Any]], kwargs: Dict[str, Any], camel: bool = True) -> Dict[str, Any]:
    out: Dict[str, Any] = dict(params or {})
    for key, value in kwargs.items():
        if value is None:
            continue
        out[snake_to_camel(key) if camel else key] = value
    return out


def _id(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return urllib.parse.quote(value, safe="")


class _Resource:
    def __init__(self, transport: Any) -> None:
        self._t = transport

    def _req(self, method: str, path: str, body: Any = None, query: Any = None, **options: Any) -> Any:
        return self._t.request(method, path, body=body, query=query, **options)


class Challenges(_Resource):
    def create(self, params: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None, **kwargs: Any) -> Any:
        """``POST /v1/challenges``: action, user_id (or approvers, quorum and reject_on for a
        quorum challenge), payload, expires_in → ``{id, status, expiresAt}``."""
        return self._req("POST", "/v1/challenges", _params(params, kwargs), idempotency_key=idempotency_key)

    def retrieve(self, challenge_id: str) -> Any:
        """``GET /v1/challenges/:id``."""
        return self._req("GET", f"/v1/challenges/{_id(challenge_id)}")

    def cancel(self, challenge_id: str, *, idempotency_key: Optional[str] = None) -> Any:
        """``POST /v1/challenges/:id/cancel``: a pending challenge becomes ``canceled`` (the human can
        no longer approve it); cancelling it again returns it as is. A decided or expired one raises
        ``ConflictError`` (``challenge_not_cancelable``)."""
        return self._req(
            "POST", f"/v1/challenges/{_id(challenge_id)}/cancel", {}, idempotency_key=idempotency_key
        )

    def list(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/challenges``: status, user_id, action, created_from, created_to, limit, cursor
        → ``{data, hasMore, nextCursor}``."""
        return self._req("GET", "/v1/challenges", query=_params(params, kwargs))

    def list_auto_paging(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Iterator[Any]:
        """Yields every challenge matching the filters, following ``nextCursor``."""
        query = _params(params, kwargs)
        while True:
            page = self._req("GET", "/v1/challenges", query=query)
            for item in page.get("data", []):
                yield item
            if not page.get("hasMore") or not page.get("nextCursor"):
                return
            query = dict(query, cursor=page["nextCursor"])

    def verify(self, challenge_id: str, params: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None, **kwargs: Any) -> Any:
        """``POST /v1/challenges/:id/verify`` with ``device_id`` and ``attestation`` (as the
        device or browser produced it) → ``{id, status, proof, deviceId, method, decidedAt}``."""
        return self._req(
            "POST",
            f"/v1/challenges/{_id(challenge_id)}/verify",
            _params(params, kwargs),
            idempotency_key=idempotency_key,
        )


class Credentials(_Resource):
    def registration_options(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/credentials/register`` {userId, displayName} → WebAuthn creation options."""
        return self._req("POST", "/v1/credentials/register", _params(params, kwargs))

    def verify_registration(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/credentials/register/verify`` {userId, response, name?} → the device."""
        return self._req("POST", "/v1/credentials/register/verify", _params(params, kwargs))

    def authentication_options(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/credentials/authenticate`` {userId, challengeId?} → request options."""
        return self._req("POST", "/v1/credentials/authenticate", _params(params, kwargs))

    def verify_authentication(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/credentials/authenticate/verify`` {userId, response} → {verified, userId, deviceId}."""
        return self._req("POST", "/v1/credentials/authenticate/verify", _params(params, kwargs))


class Devices(_Resource):
    def list(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/devices``: user_id, include_revoked."""
        return self._req("GET", "/v1/devices", query=_params(params, kwargs))

    def retrieve(self, device_id: str) -> Any:
        return self._req("GET", f"/v1/devices/{_id(device_id)}")

    def update(self, device_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``PATCH /v1/devices/:id`` {name}."""
        return self._req("PATCH", f"/v1/devices/{_id(device_id)}", _params(params, kwargs))

    def revoke(self, device_id: str) -> Any:
        """``DELETE /v1/devices/:id``: revoke for good."""
        return self._req("DELETE", f"/v1/devices/{_id(device_id)}")


class WebhookEndpoints(_Resource):
    def create(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/webhook_endpoints`` {url, events, description?, enabled?}; the answer holds
        the secret ``whsec_…``, shown only this once."""
        return self._req("POST", "/v1/webhook_endpoints", _params(params, kwargs))

    def list(self) -> Any:
        return self._req("GET", "/v1/webhook_endpoints")

    def retrieve(self, endpoint_id: str) -> Any:
        return self._req("GET", f"/v1/webhook_endpoints/{_id(endpoint_id)}")

    def update(self, endpoint_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        return self._req("PATCH", f"/v1/webhook_endpoints/{_id(endpoint_id)}", _params(params, kwargs))

    def delete(self, endpoint_id: str) -> Any:
        return self._req("DELETE", f"/v1/webhook_endpoints/{_id(endpoint_id)}")

    def rotate_secret(self, endpoint_id: str) -> Any:
        return self._req("POST", f"/v1/webhook_endpoints/{_id(endpoint_id)}/rotate_secret", {})

    def deliveries(self, endpoint_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/webhook_endpoints/:id/deliveries?limit=``: one row per HTTP attempt."""
        return self._req(
            "GET", f"/v1/webhook_endpoints/{_id(endpoint_id)}/deliveries", query=_params(params, kwargs)
        )


class Events(_Resource):
    def list(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        return self._req("GET", "/v1/events", query=_params(params, kwargs))

    def retrieve(self, event_id: str) -> Any:
        return self._req("GET", f"/v1/events/{_id(event_id)}")

    def redeliver(self, event_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/events/:id/redeliver`` {} or {endpointId} → 202 {eventId, deliveries}."""
        return self._req("POST", f"/v1/events/{_id(event_id)}/redeliver", _params(params, kwargs))

    def deliveries(self, event_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/events/:id/deliveries`` limit, cursor: every attempt to deliver the event, to
        any endpoint, newest first."""
        return self._req("GET", f"/v1/events/{_id(event_id)}/deliveries", query=_params(params, kwargs))


class Audit(_Resource):
    """The tenant's tamper-evident audit log (``/v1/audit``), in chain order. Check what you fetched
    with :func:`keyra.verify_audit_chain`; keep checkpoints outside KEYRA."""

    def list(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/audit``: type, subject, environment, since, until, limit, cursor →
        ``{data, hasMore, nextCursor}``, oldest first."""
        return self._req("GET", "/v1/audit", query=_params(params, kwargs))

    def list_auto_paging(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Iterator[Any]:
        """Yields every matching entry, following ``nextCursor`` (blocking client only)."""
        query = _params(params, kwargs)
        while True:
            page = self._req("GET", "/v1/audit", query=query)
            for item in page.get("data", []):
                yield item
            if not page.get("hasMore") or not page.get("nextCursor"):
                return
            query = dict(query, cursor=page["nextCursor"])

    def export(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/audit/export`` (NDJSON): every matching entry, as a list, in chain order."""
        return self._req("GET", "/v1/audit/export", query=_params(params, kwargs))

    def list_checkpoints(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/audit/checkpoints``: signed heads, newest first."""
        return self._req("GET", "/v1/audit/checkpoints", query=_params(params, kwargs))

    def create_checkpoint(self, *, idempotency_key: Optional[str] = None) -> Any:
        """``POST /v1/audit/checkpoints``: signs the current head → ``{id, seq, hash, signature, …}``."""
        return self._req("POST", "/v1/audit/checkpoints", {}, idempotency_key=idempotency_key)


class Policies(_Resource):
    """Approval policies (``/v1/policies``): rules matched by action glob and payload conditions,
    and what the challenges they match require. Each change writes the next version; a challenge
    keeps the version it was created under (``challenge["policy"]``)."""

    def create(self, params: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None, **kwargs: Any) -> Any:
        """``POST /v1/policies``: name, match ``{action, conditions}`` (conditions as objects or
        strings such as ``"payload.amount >= 10000"``), require, priority, description."""
        return self._req("POST", "/v1/policies", _params(params, kwargs), idempotency_key=idempotency_key)

    def list(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /v1/policies``: limit, cursor → ``{data, hasMore, nextCursor}``, newest first."""
        return self._req("GET", "/v1/policies", query=_params(params, kwargs))

    def list_auto_paging(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Iterator[Any]:
        """Yields every live policy, following ``nextCursor`` (blocking client only)."""
        query = _params(params, kwargs)
        while True:
            page = self._req("GET", "/v1/policies", query=query)
            for item in page.get("data", []):
                yield item
            if not page.get("hasMore") or not page.get("nextCursor"):
                return
            query = dict(query, cursor=page["nextCursor"])

    def retrieve(self, policy_id: str, *, version: Optional[int] = None) -> Any:
        """``GET /v1/policies/:id``: the current version, or ``version`` (deleted ones keep theirs)."""
        return self._req("GET", f"/v1/policies/{_id(policy_id)}", query=_params(None, {"version": version}))

    def update(self, policy_id: str, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``PATCH /v1/policies/:id``: writes the next version; the fields given replace the
        current ones (``match`` and ``require`` whole)."""
        return self._req("PATCH", f"/v1/policies/{_id(policy_id)}", _params(params, kwargs))

    def delete(self, policy_id: str) -> Any:
        """``DELETE /v1/policies/:id``: it stops applying; its versions stay readable."""
        return self._req("DELETE", f"/v1/policies/{_id(policy_id)}")

    def evaluate(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /v1/policies/evaluate`` (dry run): action, payload, user_id or approvers and
        quorum, expires_in → ``{policy, requirement, reasons, refusal}``."""
        return self._req("POST", "/v1/policies/evaluate", _params(params, kwargs))


class ApproverGroups(_Resource):
    """Approver groups (``/v1/approver_groups``): named lists of user ids that policies require."""

    def list(self) -> Any:
        return self._req("GET", "/v1/approver_groups")

    def retrieve(self, name: str) -> Any:
        return self._req("GET", f"/v1/approver_groups/{_id(name)}")

    def put(self, name: str, members: Any) -> Any:
        """``PUT /v1/approver_groups/:name``: creates the group or replaces its members."""
        return self._req("PUT", f"/v1/approver_groups/{_id(name)}", {"members": list(members)})

    def delete(self, name: str) -> Any:
        """Deletes a group no live policy names (else ``ConflictError``, ``approver_group_in_use``)."""
        return self._req("DELETE", f"/v1/approver_groups/{_id(name)}")


class Usage(_Resource):
    def retrieve(
        self, params: Optional[Mapping[str, Any]] = None, *, from_: Any = None, to: Any = None
    ) -> Any:
        """``GET /v1/usage?from=&to=``: UTC days ``YYYY-MM-DD`` (or ``datetime.date``), inclusive;
        default the first of this month to today, at most 366 days (else ``InvalidRequestError``
        ``invalid_usage_range``). ``from_`` because ``from`` is a Python keyword. Returns
        ``{object, environment, from, to, plan, credits, overage, totals, days}``."""
        query: Dict[str, Any] = dict(params or {})
        for name, value in (("from", from_), ("to", to)):
            if value is not None:
                query[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return self._req("GET", "/v1/usage", query=query)


_VOICE_NAMES = {"audio_url": "audioUrl", "audio_base64": "audioBase64"}


def _voice(params: Optional[Mapping[str, Any]], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = dict(params or {})
    for key, value in kwargs.items():
        if value is not None:
            out[_VOICE_NAMES.get(key, key)] = value
    return out


class Voice(_Resource):
    """Keywave voice API under ``/api/v1`` (``x-api-key``). Field names are the API's own
    (snake_case); ``audio_url`` / ``audio_base64`` become ``audioUrl`` / ``audioBase64``."""

    def _voice(self, method: str, path: str, body: Any = None, query: Any = None, **options: Any) -> Any:
        return self._t.request(method, path, body=body, query=query, auth="x-api-key", **options)

    def phrase(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /api/v1/phrase`` {wallet} → {phrase_id, prompt, expires_at}."""
        return self._voice("POST", "/api/v1/phrase", _voice(params, kwargs))

    def enroll(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``POST /api/v1/enroll`` {wallet, audio_url | audio_base64, projection_id, params_version}."""
        return self._voice("POST", "/api/v1/enroll", _voice(params, kwargs))

    def verify(self, params: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None, **kwargs: Any) -> Any:
        """``POST /api/v1/verify`` {wallet, audio…, projection_id, params_version, phrase_id}."""
        return self._voice("POST", "/api/v1/verify", _voice(params, kwargs), idempotency_key=idempotency_key)

    def enrollment(self, wallet: str) -> Any:
        """``GET /api/v1/enrollments/:wallet``: what is enrolled for the wallet (method, projection,
        versions, dates; never the template)."""
        return self._voice("GET", f"/api/v1/enrollments/{_id(wallet)}")

    def verify_logs(self, params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """``GET /api/v1/verify_logs`` wallet, verified, method, created_from, created_to, limit, cursor."""
        return self._voice("GET", "/api/v1/verify_logs", query=_voice(params, kwargs))
