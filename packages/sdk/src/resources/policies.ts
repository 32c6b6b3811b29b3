import type { RequestOptions, Transport } from '../client.js';
import type {
  ApproverGroup,
  ApproverGroupList,
  CreatePolicyParams,
  EvaluatePoliciesParams,
  ListPoliciesParams,
  Policy,
  PolicyEvaluation,
  PolicyList,
  UpdatePolicyParams,
} from '../types.js';
import { enc } from './challenges.js';

/**
 * Approval policies (`/v1/policies`): rules matched by action glob and payload conditions that
 * say what the challenges they match require (methods, a quorum from approver groups, a maximum
 * `expiresIn`, time windows, a stamp). Versioned: each change writes the next version, and a
 * challenge keeps the version it was created under (see docs/policies.md).
 */
export class Policies {
  constructor(private readonly transport: Transport) {}

  /** Creates a policy at version 1. Conditions may be strings (`payload.amount >= 10000`). */
  create(params: CreatePolicyParams, options?: RequestOptions): Promise<Policy> {
    return this.transport.request({ method: 'POST', path: '/v1/policies', body: params, options });
  }

  /** One page of live policies, newest first. Pass `nextCursor` as `cursor` for the next. */
  list(params: ListPoliciesParams = {}, options?: RequestOptions): Promise<PolicyList> {
    return this.transport.request({ method: 'GET', path: '/v1/policies', query: params, options });
  }

  /** Every live policy, page after page: `for await (const p of keyra.policies.iterate())`. */
  async *iterate(
    params: Omit<ListPoliciesParams, 'cursor'> = {},
    options?: RequestOptions,
  ): AsyncGenerator<Policy> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...params, ...(cursor ? { cursor } : {}) }, options);
      yield* page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The current version, or `{ version }` (a deleted policy keeps its versions). */
  retrieve(
    id: string,
    params: { version?: number } = {},
    options?: RequestOptions,
  ): Promise<Policy> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/policies/${enc(id)}`,
      query: params,
      options,
    });
  }

  /** Writes the next version: the fields given replace the current ones (`match`, `require` whole). */
  update(id: string, params: UpdatePolicyParams, options?: RequestOptions): Promise<Policy> {
    return this.transport.request({
      method: 'PATCH',
      path: `/v1/policies/${enc(id)}`,
      body: params,
      options,
    });
  }

  /** Deletes a policy: it stops applying; its versions stay readable. Returns its last version. */
  del(id: string, options?: RequestOptions): Promise<Policy> {
    return this.transport.request({ method: 'DELETE', path: `/v1/policies/${enc(id)}`, options });
  }

  /** Dry run: which rule a challenge would fall under, why, and what a create would answer. */
  evaluate(params: EvaluatePoliciesParams, options?: RequestOptions): Promise<PolicyEvaluation> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/policies/evaluate',
      body: params,
      options,
    });
  }
}

/** Approver groups (`/v1/approver_groups`): named lists of user ids that policies require. */
export class ApproverGroups {
  constructor(private readonly transport: Transport) {}

  list(options?: RequestOptions): Promise<ApproverGroupList> {
    return this.transport.request({ method: 'GET', path: '/v1/approver_groups', options });
  }

  retrieve(name: string, options?: RequestOptions): Promise<ApproverGroup> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/approver_groups/${enc(name)}`,
      options,
    });
  }

  /** Creates the group or replaces its members. */
  put(name: string, members: string[], options?: RequestOptions): Promise<ApproverGroup> {
    return this.transport.request({
      method: 'PUT',
      path: `/v1/approver_groups/${enc(name)}`,
      body: { members },
      options,
    });
  }

  /** Deletes a group no live policy names. */
  del(name: string, options?: RequestOptions): Promise<{ name: string; deleted: true }> {
    return this.transport.request({
      method: 'DELETE',
      path: `/v1/approver_groups/${enc(name)}`,
      options,
    });
  }
}
