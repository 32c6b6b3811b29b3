import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonicalJson.js';

/** The `action` of voice proofs. */
export const VOICE_PROOF_ACTION = 'keywave.verify';

/**
 * The `challengeDigest` of a voice proof: hex SHA-256 of the canonical JSON
 * `{"phrase_id", "prompt", "wallet"}` — the one-time phrase the human spoke (docs/proofs.md).
 */
export function voicePhraseDigest(phraseId: string, prompt: string, wallet: string): string {
  return createHash('sha256')
    .update(canonicalJson({ phrase_id: phraseId, prompt, wallet }), 'utf8')
    .digest('hex');
}
