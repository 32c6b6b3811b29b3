import {
  enrollLegacyHash,
  fieldsBesideLegacy,
  formatTimestamp,
  verifyLegacyHash,
  type AuthenticatedKey,
  type EpochMs,
  type LegacyHashVerification,
  type Storage,
  type VerifyLogDeps,
} from '@keyra/core';
import type { EnrollBody, Enrollment, VerifyBody, VerifyResult } from '@keyra/contract';
import type { FastifyReply } from 'fastify';

/** RFC 9745 `Deprecation` (an IMF date as a structured epoch) and its `Link` for the hash flow. */
const DEPRECATION_HEADERS = {
  Deprecation: '@1735689600',
  Link: '</docs>; rel="deprecation"; type="text/html", </api/v1/phrase>; rel="successor-version"',
};

/** A request of the deprecated hash flow: its hash field decides, whatever else is sent. */
export function isLegacyEnroll(body: EnrollBody): body is EnrollBody & { phrase_hash: string } {
  return body.phrase_hash !== undefined;
}

export function isLegacyVerify(body: VerifyBody): body is VerifyBody & { probe_hash: string } {
  return body.probe_hash !== undefined;
}

/** The two handlers of the hash flow; the voice routes call them with the request's parts. */
export interface LegacyVoiceHandlers {
  enroll(
    scope: AuthenticatedKey,
    body: EnrollBody & { phrase_hash: string },
    reply: FastifyReply,
    now: EpochMs,
  ): Promise<Enrollment>;
  verify(
    scope: AuthenticatedKey,
    body: VerifyBody & { probe_hash: string },
    reply: FastifyReply,
    log: Omit<VerifyLogDeps, 'storage'>,
  ): Promise<VerifyResult>;
}

/**
 * The seed's deprecated hash flow on `POST /api/v1/enroll` and `POST /api/v1/verify`
 * (`{wallet, phrase_hash}` then `{wallet, probe_hash}`), fenced off from the audio flow: the voice
 * routes hand a request here when it carries the hash field. Answers carry `Deprecation`/`Link`.
 */
export function legacyVoiceHandlers(options: {
  storage: Storage;
  /** Derives the legacy-hash key. */
  serverSecret: Buffer;
}): LegacyVoiceHandlers {
  const { storage, serverSecret } = options;
  return {
    async enroll(scope, body, reply, now) {
      const enrolled = await enrollLegacyHash(
        scope,
        {
          wallet: body.wallet,
          phraseHash: body.phrase_hash,
          otherFields: fieldsBesideLegacy(body, 'phrase_hash'),
        },
        { storage, serverSecret, now },
      );
      void reply.headers(DEPRECATION_HEADERS);
      return {
        wallet: enrolled.wallet,
        enrolled: true,
        replaced: enrolled.replaced,
        method: 'legacy_hash',
        updated_at: formatTimestamp(enrolled.updatedAt),
      };
    },

    async verify(scope, body, reply, log) {
      const otherFields = fieldsBesideLegacy(body, 'probe_hash');
      // A body refused as mixed is not an answer of the deprecated flow: no deprecation headers.
      if (otherFields.length === 0) void reply.headers(DEPRECATION_HEADERS);
      const result = await verifyLegacyHash(
        scope,
        { wallet: body.wallet, probeHash: body.probe_hash, otherFields, phraseId: body.phrase_id },
        { ...log, storage, serverSecret },
      );
      return legacyVerificationJson(result);
    },
  };
}

function legacyVerificationJson(result: LegacyHashVerification): VerifyResult {
  return {
    id: result.id,
    verified: result.verified,
    wallet: result.wallet,
    method: result.method,
    phrase_id: result.phraseId,
    gates: result.gates,
    proof: result.proof,
    stamp: result.stamp,
    latency_ms: Math.round(result.latencyMs),
  };
}
