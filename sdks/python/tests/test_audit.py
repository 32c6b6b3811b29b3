import json
import os
import unittest

from keyra import AUDIT_GENESIS_HASH, audit_entry_hash, verify_audit_chain

CHAIN = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "fixtures", "audit", "chain.ndjson"
)


def load():
    with open(CHAIN, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class VerifyAuditChainTest(unittest.TestCase):
    def test_accepts_the_servers_chain(self):
        entries = load()
        self.assertEqual(audit_entry_hash(entries[2]), entries[2]["hash"])
        result = verify_audit_chain(entries)
        self.assertEqual(result, {"intact": True, "count": 3, "head": {"seq": 3, "hash": entries[2]["hash"]}})
        self.assertTrue(verify_audit_chain(entries[1:], after={"seq": 1, "hash": entries[0]["hash"]})["intact"])

    def test_names_the_broken_entry(self):
        entries = load()
        edited = [dict(e, actor="key_evil") if e["seq"] == 2 else e for e in entries]
        self.assertEqual(verify_audit_chain(edited)["broken"]["problem"], "hash_mismatch")
        self.assertEqual(verify_audit_chain(edited)["broken"]["seq"], 2)
        gap = verify_audit_chain([entries[0], entries[2]])
        self.assertEqual((gap["broken"]["seq"], gap["broken"]["problem"]), (3, "seq_gap"))
        relinked = [dict(e, prevHash=AUDIT_GENESIS_HASH) if e["seq"] == 3 else e for e in entries]
        self.assertFalse(verify_audit_chain(relinked)["intact"])
        self.assertEqual(verify_audit_chain([entries[0], entries[0]])["broken"]["problem"], "reorder")


class ExportDecodingTest(unittest.TestCase):
    def test_an_ndjson_answer_is_a_list_of_entries(self):
        from keyra._http import _decode_success

        with open(CHAIN, "rb") as f:
            raw = f.read()
        entries = _decode_success(raw, 200, {"content-type": "application/x-ndjson; charset=utf-8"})
        self.assertEqual([e["seq"] for e in entries], [1, 2, 3])
        self.assertTrue(verify_audit_chain(entries)["intact"])


if __name__ == "__main__":
    unittest.main()
