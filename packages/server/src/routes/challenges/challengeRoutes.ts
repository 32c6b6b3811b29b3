import {
  createChallenge,
  expireChallenges,
  formatTimestamp,
  isIdOf,
  KeyraError,
  listChallenges,
  type Clock,
  type Storage,
  type AuthenticatedKey,
} from '@keyra/core';
import {
  Challenge,
  ChallengeList,
  ChallengeParams,
  CreateChallengeBody,
  CreatedChallenge,
  ErrorBody,
  ListChallengesQuery,
} from '@keyra/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { challengeJson } from './challengeJson.js';

export interface ChallengeRoutesOptions {
  storage: Storage;
  clock: Clock;
}

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
};

function scopeOf(request: FastifyRequest): AuthenticatedKey {
  if (!request.auth) throw new Error('challenge routes must be registered behind authentication');
  return request.auth;
}

function parseTime(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new KeyraError('validation_failed', `${field} is not a valid RFC 3339 timestamp.`, {
      details: [{ field: `querystring.${field}`, issue: 'format' }],
    });
  }
  return ms;
}

/** `POST /v1/challenges`, `GET /v1/challenges/:id`, `GET /v1/challenges`. */
export async function challengeRoutes(
  app: FastifyInstance,
  options: ChallengeRoutesOptions,
): Promise<void> {
  const { storage, clock } = options;

  app.post<{ Body: CreateChallengeBody }>(
    '/v1/challenges',
    {
      schema: {
        tags: ['Challenges'],
        summary: 'Create a single-use authorization challenge.',
        description:
          'Creates a pending challenge bound to `action` and `payload` by its digest. Send an `Idempotency-Key` header to retry safely.',
        body: CreateChallengeBody,
        response: { 201: CreatedChallenge, ...errors },
      },
    },
    async (request, reply) => {
      const record = await createChallenge(scopeOf(request), request.body, {
        store: storage.challenges,
        now: clock.now(),
      });
      return reply
        .status(201)
        .send({ id: record.id, status: 'pending', expiresAt: formatTimestamp(record.expiresAt) });
    },
  );

  app.get<{ Params: ChallengeParams }>(
    '/v1/challenges/:id',
    {
      schema: {
        tags: ['Challenges'],
        summary: 'Retrieve challenge status and metadata.',
        params: ChallengeParams,
        response: { 200: Challenge, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!isIdOf('challenge', id)) {
        throw new KeyraError(
          'invalid_id',
          `"${id.slice(0, 80)}" is not a challenge id; challenge ids look like chl_9k2m.`,
        );
      }
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
        tags: ['Challenges'],
        summary: 'List challenges, newest first, with filters and cursor pagination.',
        querystring: ListChallengesQuery,
        response: { 200: ChallengeList, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const createdFrom = parseTime('createdFrom', query.createdFrom);
      const createdTo = parseTime('createdTo', query.createdTo);
      // A status filter must agree with the statuses shown: settle overdue challenges first
      // (the same idempotent sweep the expiry job runs).
      if (query.status) await expireChallenges(storage.challenges, clock.now());
      const page = await listChallenges(
        storage.challenges,
        scopeOf(request),
        {
          ...(query.status ? { status: query.status } : {}),
          ...(query.userId ? { userId: query.userId } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(createdFrom !== undefined ? { createdFrom } : {}),
          ...(createdTo !== undefined ? { createdTo } : {}),
        },
        query.limit ?? 20,
        query.cursor,
      );
      const now = clock.now();
      return {
        data: page.data.map((record) => challengeJson(record, now)),
        hasMore: page.hasMore,
        nextCursor: page.nextCursor,
      };
    },
  );
}
