import {
  createPolicy,
  deletePolicy,
  dryRunPolicies,
  findPolicy,
  listPolicies,
  updatePolicy,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  CreatePolicyBody,
  EvaluatePolicyBody,
  GetPolicyQuery,
  ListPoliciesQuery,
  Policy,
  PolicyEvaluation,
  PolicyList,
  PolicyParams,
  UpdatePolicyBody,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES as errors } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { policyJson } from './policyJson.js';

export interface PolicyRoutesOptions {
  storage: Storage;
  clock: Clock;
}

const tags = ['Policies'];

/**
 * `POST/GET /v1/policies`, `GET/PATCH/DELETE /v1/policies/:id`, `POST /v1/policies/evaluate` (the
 * dry run). Policies live in the key's tenant and environment; see docs/policies.md.
 */
export async function policyRoutes(
  app: FastifyInstance,
  options: PolicyRoutesOptions,
): Promise<void> {
  const { storage, clock } = options;
  const changeDeps = () => ({ storage, now: clock.now() });

  app.post<{ Body: CreatePolicyBody }>(
    '/v1/policies',
    {
      schema: {
        operationId: 'createPolicy',
        tags,
        summary: 'Create an approval policy (version 1).',
        description:
          'A rule matched by action glob and conditions on the payload, and what it requires of the challenges it matches. 400 `validation_failed` names the field (a malformed condition, an unknown approver group, a fake time zone…) and changes nothing. Audited as `policy.changed`.',
        body: CreatePolicyBody,
        response: { 201: Policy, ...errors },
      },
    },
    async (request, reply) => {
      const policy = await createPolicy(scopeOf(request), request.body, changeDeps());
      return reply.status(201).send(policyJson(policy));
    },
  );

  app.get<{ Querystring: ListPoliciesQuery }>(
    '/v1/policies',
    {
      schema: {
        operationId: 'listPolicies',
        tags,
        summary: 'List live policies (current versions), newest first, with cursor pagination.',
        querystring: ListPoliciesQuery,
        response: { 200: PolicyList, ...errors },
      },
    },
    async (request) => {
      const page = await listPolicies(
        storage.policies,
        scopeOf(request),
        request.query.limit ?? 20,
        request.query.cursor,
      );
      return {
        data: page.data.map(policyJson),
        hasMore: page.hasMore,
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post<{ Body: EvaluatePolicyBody }>(
    '/v1/policies/evaluate',
    {
      schema: {
        operationId: 'evaluatePolicies',
        tags,
        summary: 'Dry run: which policy a challenge would fall under, and why.',
        description:
          'Writes nothing. `reasons` has one line per rule tried, in order. With `userId` or `approvers` (+ `quorum`) and `expiresIn`, `refusal` is the 422 a create would answer.',
        body: EvaluatePolicyBody,
        response: { 200: PolicyEvaluation, ...errors },
      },
    },
    async (request) => dryRunPolicies(scopeOf(request), request.body, storage),
  );

  app.get<{ Params: PolicyParams; Querystring: GetPolicyQuery }>(
    '/v1/policies/:id',
    {
      schema: {
        operationId: 'getPolicy',
        tags,
        summary:
          'Retrieve a policy: its current version, or `?version=N` (deleted ones keep theirs).',
        params: PolicyParams,
        querystring: GetPolicyQuery,
        response: { 200: Policy, ...errors },
      },
    },
    async (request) =>
      policyJson(
        await findPolicy(
          scopeOf(request),
          request.params.id,
          storage.policies,
          request.query.version,
        ),
      ),
  );

  app.patch<{ Params: PolicyParams; Body: UpdatePolicyBody }>(
    '/v1/policies/:id',
    {
      schema: {
        operationId: 'updatePolicy',
        tags,
        summary: 'Change a policy: writes the next version.',
        description:
          'Challenges already created keep the version they were created under. 409 `policy_conflict` when a concurrent change won. Audited as `policy.changed`.',
        params: PolicyParams,
        body: UpdatePolicyBody,
        response: { 200: Policy, ...errors },
      },
    },
    async (request) =>
      policyJson(
        await updatePolicy(scopeOf(request), request.params.id, request.body, changeDeps()),
      ),
  );

  app.delete<{ Params: PolicyParams }>(
    '/v1/policies/:id',
    {
      schema: {
        operationId: 'deletePolicy',
        tags,
        summary: 'Delete a policy: it no longer applies; its versions stay readable.',
        params: PolicyParams,
        response: { 200: Policy, ...errors },
      },
    },
    async (request) =>
      policyJson(await deletePolicy(scopeOf(request), request.params.id, changeDeps())),
  );
}
