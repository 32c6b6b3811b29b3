import { formatTimestamp, type StampRecord } from '@keyra/core';
import type { Stamp } from '@keyra/contract';
import type { EasAttester } from '../../stamps/createEasAttester.js';
import { STAMP_SCHEMA } from '../../stamps/loadEas.js';

/** The public form of a stamp: no tenant, user, action or subject. */
export function stampJson(record: StampRecord, attester: EasAttester | null): Stamp {
  const offchain = record.offchain
    ? (JSON.parse(record.offchain) as { sig: Record<string, unknown>; signer: string })
    : null;
  const message = offchain?.sig.message as { schema?: string } | undefined;
  return {
    object: 'stamp',
    stamp_id: record.id,
    proof_sha256: record.proofSha256,
    issued_at: formatTimestamp(record.issuedAt),
    method: record.method,
    environment: record.environment,
    signature: record.signature,
    eas: {
      schema: STAMP_SCHEMA,
      schema_uid: message?.schema ?? attester?.schemaUid ?? null,
      attester: offchain?.signer ?? null,
      offchain,
      onchain:
        record.chainStatus === 'none'
          ? null
          : {
              status: record.chainStatus,
              chain_id: record.chainId ?? 0,
              tx_hash: record.chainTxHash,
              uid: record.chainUid,
              attempts: record.chainAttempts,
              last_error: record.chainError,
              confirmed_at:
                record.chainConfirmedAt !== null ? formatTimestamp(record.chainConfirmedAt) : null,
            },
    },
  };
}
