import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import { keyedLegacyHash, legacyHashesEqual } from './legacyHash.js';
import { logVerifyAttempt, type Logged, type VerifyLogDeps } from './logVerifyAttempt.js';
import { refuseMixedLegacy } from './refuseMixedLegacy.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface VerifyLegacyHashInput {
  wallet: string;
  /** The client's SHA-256 (hex) of what the human said. */
  probeHash: string;
  /** Any other field the request carried (refused: the flow takes only these two). */
  otherFields: readonly string[];
  /** A `phrase_id` sent along by mistake: refused with the other fields, but logged as sent. */
  phraseId?: string | undefined;
}

export interface VerifyLegacyHashDeps extends VerifyLogDeps {
  storage: Pick<Storage, 'voice' | 'transaction'>;
  serverSecret: Uint8Array;
}

/** The gates of the hash flow: none is really checked, the hash comparison stands for them. */
export interface LegacyHashGates {
  phrase: { passed: boolean; checked: false };
  speaker: { passed: boolean; score: number; threshold: number; checked: false };
  replay: { passed: true; checked: false };
  quality: { passed: true; checked: false };
}

export type LegacyHashVerification = Logged<{
  verified: boolean;
  wallet: string;
  method: 'legacy_hash';
  phraseId: null;
  gates: LegacyHashGates;
  proof: null;
  stamp: null;
}>;

/**
 * The deprecated hash flow's verification (seed 004). Checks, in order: the body carries nothing
 * but `wallet` and `probe_hash` (400); a `phrase_hash` is enrolled for the wallet (404); the keyed
 * hashes of the two are equal, compared in constant time. It yields no proof or stamp and spends
 * nothing; like every attempt it writes a verify-log row, and a match an audit entry.
 */
export async function verifyLegacyHash(
  scope: Scope,
  input: VerifyLegacyHashInput,
  deps: VerifyLegacyHashDeps,
): Promise<LegacyHashVerification> {
  const subject = {
    wallet: input.wallet,
    phraseId: input.phraseId ?? null,
    method: 'legacy_hash' as const,
  };
  return logVerifyAttempt(scope, subject, deps, async () => {
    refuseMixedLegacy(input.otherFields, 'probe_hash');
    const stored = await deps.storage.voice.findLegacyHash(scope, input.wallet);
    if (!stored) {
      throw new KeyraError(
        'VOICE_TEMPLATE_NOT_FOUND',
        'No phrase_hash is enrolled for this wallet; enrol with POST /api/v1/enroll first.',
      );
    }
    const probe = keyedLegacyHash(deps.serverSecret, scope, input.wallet, input.probeHash);
    const match = legacyHashesEqual(probe, stored.keyedHash);
    if (match)
      await deps.storage.transaction((tx) =>
        appendAudit(
          tx,
          scope,
          { type: 'voice.verified', subject: input.wallet, data: { method: 'legacy_hash' } },
          deps.now,
        ),
      );
    return {
      verified: match,
      wallet: input.wallet,
      method: 'legacy_hash' as const,
      phraseId: null,
      gates: {
        phrase: { passed: match, checked: false as const },
        speaker: { passed: match, score: match ? 1 : 0, threshold: 1, checked: false as const },
        replay: { passed: true as const, checked: false as const },
        quality: { passed: true as const, checked: false as const },
      },
      proof: null,
      stamp: null,
    };
  });
}
