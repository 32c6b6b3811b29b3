import type { EpochMs, Scope } from '../domain.js';
import type { Storage } from '../ports.js';
import { keyedLegacyHash } from './legacyHash.js';
import { refuseMixedLegacy } from './refuseMixedLegacy.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface EnrollLegacyHashInput {
  wallet: string;
  /** The client's SHA-256 (hex) of the phrase. */
  phraseHash: string;
  /** Any other field the request carried (refused: the flow takes only these two). */
  otherFields: readonly string[];
}

export interface EnrollLegacyHashDeps {
  storage: Pick<Storage, 'transaction'>;
  /** Keys the stored hash, so a leaked row is useless as a `probe_hash`. */
  serverSecret: Uint8Array;
  now: EpochMs;
}

/**
 * The deprecated hash flow's enrolment (seed 004): refuses a body mixing it with the audio flow
 * (400), then stores a keyed hash of `phrase_hash`, never the hash itself, with its audit entry. Returns whether an
 * earlier one of the wallet was replaced.
 */
export async function enrollLegacyHash(
  scope: Scope,
  input: EnrollLegacyHashInput,
  deps: EnrollLegacyHashDeps,
): Promise<{ wallet: string; replaced: boolean; updatedAt: EpochMs }> {
  refuseMixedLegacy(input.otherFields, 'phrase_hash');
  const replaced = await deps.storage.transaction(async (tx) => {
    const wasThere = await tx.voice.upsertLegacyHash({
      tenantId: scope.tenantId,
      environment: scope.environment,
      wallet: input.wallet,
      keyedHash: keyedLegacyHash(deps.serverSecret, scope, input.wallet, input.phraseHash),
      createdAt: deps.now,
      updatedAt: deps.now,
    });
    await appendAudit(
      tx,
      scope,
      {
        type: 'voice.enrolled',
        subject: input.wallet,
        data: { method: 'legacy_hash', replaced: wasThere },
      },
      deps.now,
    );
    return wasThere;
  });
  return { wallet: input.wallet, replaced, updatedAt: deps.now };
}
