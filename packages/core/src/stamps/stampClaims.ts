import { createHash } from 'node:crypto';
import type { Environment, EpochMs } from '../domain.js';
import type { StampMethod } from './stampRecords.js';
import { formatTimestamp } from '../time.js';
import type { StampClaims } from './stampRecords.js';

/** The media type in a stamp's JWS header, so a stamp is never mistaken for a proof. */
export const STAMP_TYPE = 'keyra-stamp+jwt';

/** Hex SHA-256 of a proof's compact JWS: what a stamp commits to. */
export function proofSha256(proof: string): string {
  return createHash('sha256').update(proof, 'ascii').digest('hex');
}

/** The claims a stamp's signature covers. `issuedAt` must be whole seconds. */
export function stampClaims(
  issuer: string,
  stamp: {
    id: string;
    proofSha256: string;
    issuedAt: EpochMs;
    method: StampMethod;
    environment: Environment;
  },
): StampClaims {
  return {
    iss: issuer,
    jti: stamp.id,
    iat: Math.floor(stamp.issuedAt / 1000),
    stamp_id: stamp.id,
    proof_sha256: stamp.proofSha256,
    issued_at: formatTimestamp(stamp.issuedAt),
    method: stamp.method,
    env: stamp.environment,
  };
}
