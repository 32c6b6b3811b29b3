import type { EpochMs } from '../domain.js';
import type { ProofSubject } from './signProof.js';

/** Signs approval proofs; the server implements it with its current signing key. */
export interface ProofSigner {
  sign(subject: ProofSubject, now: EpochMs): Promise<string>;
}
