"""Client-side check of audit entries (``keyra.audit.list/export``): the same hash chain rule as
``keyra audit verify`` on the server."""

import hashlib
from typing import Any, Dict, Mapping, Optional, Sequence

from ._canonical import canonical_json

AUDIT_GENESIS_HASH = "0" * 64


def audit_entry_hash(entry: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the entry's RFC 8785 canonical JSON without ``hash``."""
    document = {key: value for key, value in entry.items() if key != "hash"}
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def verify_audit_chain(
    entries: Sequence[Mapping[str, Any]], after: Optional[Mapping[str, Any]] = None, *, inner_only: bool = False
) -> Dict[str, Any]:
    """Checks unfiltered entries in chain order: each hashes to its ``hash``, follows the previous
    ``seq`` by one and carries the previous ``hash`` as ``prevHash``. ``after`` is ``{"seq",
    "hash"}`` of the entry before the first (default: the chain's start); ``inner_only`` checks
    only the links between the given entries. Returns ``{"intact": True, "count", "head"}`` or
    ``{"intact": False, "count", "broken": {"seq", "id", "problem", "message"}}``."""
    previous: Optional[Dict[str, Any]] = None if inner_only else dict(after or {"seq": 0, "hash": AUDIT_GENESIS_HASH})
    count = 0

    def broken(entry: Mapping[str, Any], problem: str, message: str) -> Dict[str, Any]:
        return {
            "intact": False,
            "count": count,
            "broken": {"seq": entry.get("seq"), "id": entry.get("id"), "problem": problem, "message": message},
        }

    for entry in entries:
        seq = entry.get("seq")
        if previous is not None and seq <= previous["seq"]:
            return broken(entry, "reorder", f"Entry {entry.get('id')} has seq {seq} after {previous['seq']}.")
        if previous is not None and seq != previous["seq"] + 1:
            return broken(entry, "seq_gap", f"Entries {previous['seq'] + 1}..{seq - 1} are missing before entry {seq}.")
        if audit_entry_hash(entry) != entry.get("hash"):
            return broken(entry, "hash_mismatch", f"Entry {seq} ({entry.get('id')}) does not match its hash.")
        if previous is not None and entry.get("prevHash") != previous["hash"]:
            return broken(entry, "prev_hash_mismatch", f"Entry {seq} ({entry.get('id')}) does not link to entry {previous['seq']}.")
        previous = {"seq": seq, "hash": entry.get("hash")}
        count += 1
    return {"intact": True, "count": count, "head": previous or {"seq": 0, "hash": AUDIT_GENESIS_HASH}}
