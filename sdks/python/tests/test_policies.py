"""keyra.policies and keyra.approver_groups: the requests they send and what they return."""

import json
import unittest

import _support  # noqa: F401

from test_retries import ServerCase

POLICY = {
    "id": "pol_abcd1234",
    "name": "Big wires",
    "description": None,
    "priority": 100,
    "version": 2,
    "match": {"action": "wire.*", "conditions": [{"field": "payload.amount", "op": ">=", "value": 10000}]},
    "require": {"quorum": 2, "groups": ["finance"]},
    "createdAt": "2026-05-29T18:40:00Z",
    "updatedAt": "2026-05-29T18:41:00Z",
    "deletedAt": None,
}


class PoliciesTest(ServerCase):
    def sent(self, index=-1):
        method, path, headers, body, _ = self.server.requests[index]
        return method, path, headers, json.loads(body) if body else None

    def test_create_sends_camel_case_and_an_idempotency_key(self):
        self.server.script = [(201, {}, POLICY)]
        policy = self.client.policies.create(
            name="Big wires",
            match={"action": "wire.*", "conditions": ["payload.amount >= 10000"]},
            require={"quorum": 2, "groups": ["finance"], "maxExpiresIn": 300},
        )
        self.assertEqual(policy["version"], 2)
        self.assertEqual(policy.require["groups"], ["finance"])
        method, path, headers, body = self.sent()
        self.assertEqual((method, path), ("POST", "/v1/policies"))
        self.assertIn("idempotency-key", headers)
        self.assertEqual(body["match"]["conditions"], ["payload.amount >= 10000"])

    def test_retrieve_a_version_update_delete_and_evaluate(self):
        self.server.script = [(200, {}, POLICY)]
        self.client.policies.retrieve("pol_abcd1234", version=1)
        self.assertEqual(self.sent()[:2], ("GET", "/v1/policies/pol_abcd1234?version=1"))
        self.client.policies.retrieve("pol_abcd1234")
        self.assertEqual(self.sent()[:2], ("GET", "/v1/policies/pol_abcd1234"))
        self.client.policies.update("pol_abcd1234", require={"quorum": 3})
        self.assertEqual(self.sent()[0::3], ("PATCH", {"require": {"quorum": 3}}))
        self.client.policies.delete("pol_abcd1234")
        self.assertEqual(self.sent()[:2], ("DELETE", "/v1/policies/pol_abcd1234"))
        self.server.script = [(200, {}, {"policy": None, "requirement": None, "reasons": [], "refusal": None})]
        result = self.client.policies.evaluate(action="wire.send", payload={"amount": 5}, user_id="usr_a")
        self.assertIsNone(result["policy"])
        self.assertEqual(self.sent()[3], {"action": "wire.send", "payload": {"amount": 5}, "userId": "usr_a"})

    def test_list_auto_paging_follows_the_cursor(self):
        self.server.script = [
            (200, {}, {"data": [POLICY], "hasMore": True, "nextCursor": "c2"}),
            (200, {}, {"data": [dict(POLICY, id="pol_efgh5678")], "hasMore": False, "nextCursor": None}),
        ]
        ids = [p["id"] for p in self.client.policies.list_auto_paging(limit=1)]
        self.assertEqual(ids, ["pol_abcd1234", "pol_efgh5678"])
        self.assertEqual(self.server.requests[1][1], "/v1/policies?limit=1&cursor=c2")

    def test_approver_groups(self):
        group = {"name": "finance", "members": ["usr_a"], "createdAt": "x", "updatedAt": "x"}
        self.server.script = [(200, {}, group)]
        self.assertEqual(self.client.approver_groups.put("finance", ["usr_a"])["members"], ["usr_a"])
        self.assertEqual(self.sent()[0::3], ("PUT", {"members": ["usr_a"]}))
        self.assertEqual(self.sent()[1], "/v1/approver_groups/finance")
        self.server.script = [(409, {}, {"code": "approver_group_in_use", "message": "in use", "details": {"policies": ["pol_1"]}})]
        import keyra

        with self.assertRaises(keyra.KeyraError) as raised:
            self.client.approver_groups.delete("finance")
        self.assertEqual(raised.exception.code, "approver_group_in_use")


if __name__ == "__main__":
    unittest.main()
