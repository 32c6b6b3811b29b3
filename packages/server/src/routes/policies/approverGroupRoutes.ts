import {
  deleteApproverGroup,
  groupNotFound,
  putApproverGroup,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  ApproverGroup,
  ApproverGroupList,
  ApproverGroupParams,
  PutApproverGroupBody,
} from '@keyra/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES as errors } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { approverGroupJson } from './policyJson.js';

export interface ApproverGroupRoutesOptions {
  storage: Storage;
  clock: Clock;
}

const tags = ['Policies'];

/**
 * `GET /v1/approver_groups`, `GET/PUT/DELETE /v1/approver_groups/:name`: the named lists of user
 * ids that policies' `require.groups` refer to. Groups are addressed by name (what policies name),
 * so `PUT` creates or replaces one.
 */
export async function approverGroupRoutes(
  app: FastifyInstance,
  options: ApproverGroupRoutesOptions,
): Promise<void> {
  const { storage, clock } = options;

  app.get(
    '/v1/approver_groups',
    {
      schema: {
        operationId: 'listApproverGroups',
        tags,
        summary: 'List approver groups, by name.',
        response: { 200: ApproverGroupList, ...errors },
      },
    },
    async (request) => ({
      data: (await storage.approverGroups.list(scopeOf(request))).map(approverGroupJson),
    }),
  );

  app.get<{ Params: ApproverGroupParams }>(
    '/v1/approver_groups/:name',
    {
      schema: {
        operationId: 'getApproverGroup',
        tags,
        summary: 'Retrieve an approver group.',
        params: ApproverGroupParams,
        response: { 200: ApproverGroup, ...errors },
      },
    },
    async (request) => {
      const group = await storage.approverGroups.find(scopeOf(request), request.params.name);
      if (!group) throw groupNotFound(request.params.name);
      return approverGroupJson(group);
    },
  );

  app.put<{ Params: ApproverGroupParams; Body: PutApproverGroupBody }>(
    '/v1/approver_groups/:name',
    {
      schema: {
        operationId: 'putApproverGroup',
        tags,
        summary: 'Create an approver group or replace its members.',
        description:
          'New challenges are checked against the members at creation; existing ones keep their approvers. Audited as `policy.changed`.',
        params: ApproverGroupParams,
        body: PutApproverGroupBody,
        response: { 200: ApproverGroup, ...errors },
      },
    },
    async (request) =>
      approverGroupJson(
        await putApproverGroup(scopeOf(request), request.params.name, request.body.members, {
          storage,
          now: clock.now(),
        }),
      ),
  );

  app.delete<{ Params: ApproverGroupParams }>(
    '/v1/approver_groups/:name',
    {
      schema: {
        operationId: 'deleteApproverGroup',
        tags,
        summary:
          'Delete an approver group no live policy names (else 409 `approver_group_in_use`).',
        params: ApproverGroupParams,
        response: {
          200: Type.Object(
            { name: Type.String(), deleted: Type.Literal(true) },
            { additionalProperties: false },
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      await deleteApproverGroup(scopeOf(request), request.params.name, {
        storage,
        now: clock.now(),
      });
      return { name: request.params.name, deleted: true as const };
    },
  );
}
