import { createCipheriv, hkdfSync } from 'node:crypto';
import type { Environment } from '../domain.js';

/** Who a projection belongs to: a different value of any field gives an unrelated transform. */
export interface ProjectionContext {
  tenantId: string;
  environment: Environment;
  wallet: string;
  projectionId: string;
}

/** A salted orthogonal transform of speaker embeddings (see docs/voice-templates.md). */
export interface VoiceProjection {
  /** Length of the projected vectors: the next power of two at or above the input length. */
  readonly dimension: number;
  /** Projects one embedding; dot products between projections of the same key are preserved. */
  apply(embedding: Float32Array): Float32Array;
}

const ROUNDS = 3;
const INFO_PREFIX = 'keyra/voice/projection/v1';

/**
 * Derives the projection of one (tenant, environment, wallet, projection id) from the server
 * secret: HKDF-SHA256 gives a 32-byte key, AES-256-CTR under it gives the random stream that
 * draws three rounds of (permutation, random signs, normalised Walsh–Hadamard transform) on the
 * embedding zero-padded to a power of two. Each round is orthogonal, so scores computed between
 * projected vectors equal the scores between the embeddings; without the server secret the
 * transform cannot be reproduced, and a new `projectionId` gives an unrelated one (revocation).
 * Costs O(n log n) per embedding and about 100 KB of key stream per derivation.
 */
export function deriveProjection(
  serverSecret: Uint8Array,
  context: ProjectionContext,
  inputDimension: number,
): VoiceProjection {
  if (!Number.isInteger(inputDimension) || inputDimension < 2)
    throw new RangeError('inputDimension must be an integer >= 2');
  if (serverSecret.length < 16) throw new RangeError('the server secret is too short');
  let n = 1;
  while (n < inputDimension) n *= 2;
  const info = [
    INFO_PREFIX,
    context.tenantId,
    context.environment,
    context.wallet,
    context.projectionId,
  ].join('\u0000');
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'keyra voice template salt', info, 32));
  const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  // Per round: n 32-bit words for the permutation, n/8 bytes of signs.
  const bytes = stream.update(Buffer.alloc(ROUNDS * (4 * n + n / 8)));
  const perms: Uint32Array[] = [];
  const signs: Float32Array[] = [];
  let offset = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    // Fisher–Yates; the modulo bias of a 32-bit word over <= 2^16 items is below 2^-16 and
    // only shapes which permutation is drawn, not whether the transform is orthogonal.
    for (let i = n - 1; i > 0; i--) {
      const j = bytes.readUInt32LE(offset + 4 * i) % (i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    offset += 4 * n;
    const sign = new Float32Array(n);
    for (let i = 0; i < n; i++) sign[i] = (bytes[offset + (i >> 3)]! >> (i & 7)) & 1 ? -1 : 1;
    offset += n / 8;
    perms.push(perm);
    signs.push(sign);
  }
  const scale = 1 / Math.sqrt(n);
  return {
    dimension: n,
    apply(embedding) {
      if (embedding.length !== inputDimension)
        throw new RangeError(
          `embedding has ${embedding.length} dimensions, the projection takes ${inputDimension}`,
        );
      let x = new Float64Array(n);
      for (let i = 0; i < inputDimension; i++) x[i] = embedding[i]!;
      for (let r = 0; r < ROUNDS; r++) {
        const perm = perms[r]!;
        const sign = signs[r]!;
        const y = new Float64Array(n);
        for (let i = 0; i < n; i++) y[i] = x[perm[i]!]! * sign[i]!;
        walshHadamard(y);
        for (let i = 0; i < n; i++) y[i] = y[i]! * scale;
        x = y;
      }
      return Float32Array.from(x);
    },
  };
}

/** In-place unnormalised fast Walsh–Hadamard transform (length a power of two). */
function walshHadamard(v: Float64Array): void {
  for (let h = 1; h < v.length; h *= 2) {
    for (let i = 0; i < v.length; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
}

/** Float32 vector ⇄ base64 text (little-endian), the stored form of a template. */
export function encodeTemplate(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

export function decodeTemplate(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(Math.floor(bytes.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** The projection of a wallet's templates under `projectionId` in `scope`, for a model of `dimension`. */
export function walletProjection(
  serverSecret: Uint8Array,
  scope: Pick<ProjectionContext, 'tenantId' | 'environment'>,
  wallet: string,
  projectionId: string,
  dimension: number,
): VoiceProjection {
  return deriveProjection(
    serverSecret,
    { tenantId: scope.tenantId, environment: scope.environment, wallet, projectionId },
    dimension,
  );
}
