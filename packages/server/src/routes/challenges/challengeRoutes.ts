import {
  cancelChallenge,
  createChallenge,
  formatTimestamp,
  isIdOf,
  KeyraError,
  listChallenges,
  parseRfc3339Query,
  verifyChallenge,
  type ChallengeRecord,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  Challenge,
  ChallengeList,
  ChallengeParams,
  CreateChallengeBody,
  CreatedChallenge,
  ListChallengesQuery,
  VerifiedChallenge,
  VerifyChallengeBody,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import { notifyApprovers, type ChallengeNotifier } from '../../approval/challengeNotifier.js';
import { ERROR_RESPONSES as errors } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { challengeJson, verifiedQuorumJson } from './challengeJson.js';
import { stampJson } from '../stamps/stampJson.js';
import { observeApproval } from '../../http/metrics.js';

/** The 201 answer of a create. */
function createdJson(record: ChallengeRecord): {
  id: string;
  status: 'pending';
  expiresAt: string;
} {
  return { id: record.id, status: 'pending', expiresAt: formatTimestamp(record.expiresAt) };
}

export interface ChallengeRoutesOptions {
  storage: Storage;
  clock: Clock;
  approval: ApprovalServices;
  notifier: ChallengeNotifier;
}

function checkChallengeId(id: string): void {
  if (!isIdOf('challenge', id)) {
    throw new KeyraError(
      'invalid_id',
      `"${id.slice(0, 80)}" is not a challenge id; challenge ids look like chl_9k2m.`,
    );
  }
}

/**
 * `POST /v1/challenges`, `GET /v1/challenges/:id`, `GET /v1/challenges`,
 * `POST /v1/challenges/:id/verify`, `POST /v1/challenges/:id/cancel`.
 */
export async function challengeRoutes(
  app: FastifyInstance,
  options: ChallengeRoutesOptions,
): Promise<void> {
  const { storage, clock, approval, notifier } = options;

  app.post<{ Params: ChallengeParams; Body: VerifyChallengeBody }>(
    '/v1/challenges/:id/verify',
    {
      schema: {
        operationId: 'verifyChallenge',
        tags: ['Challenges'],
        summary:
          'Verify the signed answer from KEYRA ONE (or a passkey) and consume the challenge.',
        description:
          'The attestation is a WebAuthn assertion (JSON form) whose challenge is the challenge digest (approve) or the rejection challenge (reject). Exactly one verify of a challenge can succeed. A quorum challenge takes one vote per approver: a vote that does not settle it answers 200 with `status: "pending"`, its `approvals` and the approvals `remaining`. 409 `challenge_already_used`, 409 `challenge_canceled`, 410 `challenge_expired`, 422 `attestation_invalid`, 404 `device_not_found`, 403 `not_an_approver`, 409 `duplicate_vote`.',
        params: ChallengeParams,
        body: VerifyChallengeBody,
        response: { 200: VerifiedChallenge, ...errors },
      },
    },
    async (request) => {
      checkChallengeId(request.params.id);
      const { challenge, device, stamp } = await observeApproval(
        app.metrics,
        // The device is not known before the verb finds it: refusals count as `unknown`.
        'unknown',
        () =>
          verifyChallenge(scopeOf(request), request.params.id, request.body, {
            storage,
            rp: approval.rp,
            trust: approval.trust,
            signer: approval.signer,
            stamps: approval.stamps,
            now: clock.now(),
          }),
        (verified) => ({
          method: verified.device.kind === 'keyra_one' ? 'device' : 'passkey',
          outcome: verified.challenge.status,
        }),
      );
      return {
        id: challenge.id,
        status: challenge.status,
        proof: challenge.proof,
        deviceId: device.id,
        method: challenge.method ?? (device.kind === 'keyra_one' ? 'device' : 'passkey'),
        decidedAt: formatTimestamp(challenge.decidedAt ?? clock.now()),
        stamp: stamp ? stampJson(stamp, approval.attester) : null,
        ...verifiedQuorumJson(challenge),
      };
    },
  );

  app.post<{ Params: ChallengeParams }>(
    '/v1/challenges/:id/cancel',
    {
      schema: {
        operationId: 'cancelChallenge',
        tags: ['Challenges'],
        summary: 'Cancel a pending challenge the app no longer needs.',
        description:
          'Afterwards no device or passkey can decide it (a verify answers 409 `challenge_canceled`) and a `challenge.canceled` event is sent. Canceling an already canceled challenge returns it again; an approved, rejected or expired one answers 409 `challenge_not_cancelable` with its `status` in `details`. A cancel racing a verify: exactly one wins.',
        params: ChallengeParams,
        response: { 200: Challenge, ...errors },
      },
    },
    async (request) => {
      checkChallengeId(request.params.id);
      const now = clock.now();
      const record = await cancelChallenge(scopeOf(request), request.params.id, { storage, now });
      // Long-polling devices of this user refresh their list, and stop showing it.
      notifyApprovers(notifier, record);
      return challengeJson(record, now);
    },
  );

  app.post<{ Body: CreateChallengeBody }>(
    '/v1/challenges',
    {
      schema: {
        operationId: 'createChallenge',
        tags: ['Challenges'],
        summary: 'Create a single-use authorization challenge.',
        description:
          'Creates a pending challenge bound to `action` and `payload` by its digest, for one human (`userId`) or a quorum (`approvers` + `quorum`, optional `rejectOn`). Send an `Idempotency-Key` header to retry safely.',
        body: CreateChallengeBody,
        response: { 201: CreatedChallenge, ...errors },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      // With a claimed Idempotency-Key, the answer is stored by the challenge's own write (one
      // write instead of two, and never a challenge without its replayable answer); it is sent
      // as exactly the bytes stored.
      const claim = request.idempotencyClaim;
      let body = '';
      const record = await createChallenge(
        scope,
        { ...request.body, audience: request.body.audience ?? scope.audience },
        {
          storage,
          now: clock.now(),
          ...(claim
            ? {
                respond: (challenge: ChallengeRecord) => {
                  body = JSON.stringify(createdJson(challenge));
                  return {
                    key: claim.key,
                    token: claim.token,
                    statusCode: 201,
                    responseBody: body,
                  };
                },
              }
            : {}),
        },
      );
      notifyApprovers(notifier, record);
      if (!claim) return reply.status(201).send(createdJson(record));
      request.idempotencyClaim = null;
      return reply.status(201).type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Params: ChallengeParams }>(
    '/v1/challenges/:id',
    {
      schema: {
        operationId: 'getChallenge',
        tags: ['Challenges'],
        summary: 'Retrieve challenge status and metadata.',
        params: ChallengeParams,
        response: { 200: Challenge, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      checkChallengeId(id);
      const record = await storage.challenges.find(scopeOf(request), id);
      if (!record)
        throw new KeyraError('challenge_not_found', `No challenge ${id} in this environment.`);
      return challengeJson(record, clock.now());
    },
  );

  app.get<{ Querystring: ListChallengesQuery }>(
    '/v1/challenges',
    {
      schema: {
        operationId: 'listChallenges',
        tags: ['Challenges'],
        summary: 'List challenges, newest first, with filters and cursor pagination.',
        querystring: ListChallengesQuery,
        response: { 200: ChallengeList, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const createdFrom = parseRfc3339Query('createdFrom', query.createdFrom);
      const createdTo = parseRfc3339Query('createdTo', query.createdTo);
      // A status filter matches the statuses shown: a pending challenge past its expiry is
      // listed as expired, whether or not the expiry sweep has written that down yet.
      const now = clock.now();
      const page = await listChallenges(
        storage.challenges,
        scopeOf(request),
        {
          ...(query.status ? { status: query.status, asOf: now } : {}),
          ...(query.userId ? { userId: query.userId } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(createdFrom !== undefined ? { createdFrom } : {}),
          ...(createdTo !== undefined ? { createdTo } : {}),
        },
        query.limit ?? 20,
        query.cursor,
      );
      return {
        data: page.data.map((record) => challengeJson(record, now)),
        hasMore: page.hasMore,
        nextCursor: page.nextCursor,
      };
    },
  );
}
