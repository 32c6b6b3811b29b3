import type { Environment, EpochMs, Scope } from '../domain.js';

/** The comparison operators of a policy condition. */
export const CONDITION_OPS = ['==', '!=', '>', '>=', '<', '<=', 'in', 'not_in', 'exists'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A JSON scalar: what a condition compares. */
export type Scalar = string | number | boolean | null;

/**
 * One typed condition on the challenge: `{field: "payload.amount", op: ">=", value: 10000}`.
 * `field` is `action` or a dotted path into the payload (`payload.beneficiary.country`). Ordering
 * operators compare numbers with numbers and strings with strings only; `in`/`not_in` take a list
 * of scalars; `exists` takes no value. Nothing is evaluated as code.
 */
export interface PolicyCondition {
  field: string;
  op: ConditionOp;
  value?: Scalar | Scalar[];
}

/** Days of the week, as time windows name them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When approvals are allowed: on `days`, from `from` (inclusive) to `to` (exclusive), both
 * `HH:MM` wall-clock times in the IANA `timeZone`. `from` later than `to` spans midnight.
 */
export interface TimeWindow {
  timeZone: string;
  days: Weekday[];
  from: string;
  to: string;
}

/** What a matching policy demands of a challenge; every field optional, all of them must hold. */
export interface PolicyRequirement {
  /** Approval methods allowed (any of). */
  methods?: ('device' | 'passkey' | 'voice')[];
  /** At least this many distinct approvers must approve. */
  quorum?: number;
  /** Approver groups the approvers must come from (named lists of user ids). */
  groups?: string[];
  /** The challenge may live at most this many seconds. */
  maxExpiresIn?: number;
  /** Approvals only inside one of these windows. */
  windows?: TimeWindow[];
  /** The approval must issue a stamp. */
  stamp?: boolean;
}

/** A policy rule as the evaluator sees it (one version of it). */
export interface PolicyRule {
  id: string;
  name: string;
  /** Lower runs first; ties by id. */
  priority: number;
  version: number;
  match: {
    /** Action glob: `*` matches any run of characters, dots included (`wire.*`). */
    action: string;
    /** All must hold. */
    conditions: PolicyCondition[];
  };
  require: PolicyRequirement;
  updatedAt: EpochMs;
}

/**
 * One stored version of a policy. Versions are immutable: a change writes version N+1, a delete
 * marks the policy deleted and keeps every version, so a challenge can always name the version it
 * was created under.
 */
export interface PolicyRecord extends PolicyRule {
  tenantId: string;
  environment: Environment;
  /** Free text for people; not evaluated. */
  description: string | null;
  /** When version 1 was written. */
  createdAt: EpochMs;
  /** Set when the policy was deleted (then it no longer applies). */
  deletedAt: EpochMs | null;
}

/** A named list of user ids that a policy's `require.groups` refers to, per tenant and environment. */
export interface ApproverGroupRecord {
  tenantId: string;
  environment: Environment;
  /** Unique in its scope; what policies name. */
  name: string;
  /** Distinct user ids, in the order given. */
  members: string[];
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** The policy a challenge was created under, as stored on it: the version and its requirement. */
export interface ChallengePolicy {
  id: string;
  name: string;
  version: number;
  requirement: PolicyRequirement;
}

/** Policies with immutable versions (see {@link PolicyRecord}). */
export interface PolicyStore {
  /** Inserts a new policy at version 1. */
  create(policy: PolicyRecord): Promise<void>;
  /**
   * Appends `next` (version N+1) as the current version, only if version N is still the current
   * one and the policy is not deleted: of two racing changes one wins, the other gets null.
   */
  update(scope: Scope, next: PolicyRecord): Promise<PolicyRecord | null>;
  /** Marks a live policy deleted (its versions stay); returns its current version, or null. */
  delete(scope: Scope, id: string, now: EpochMs): Promise<PolicyRecord | null>;
  /** The current version of a live policy, or the given version of any (deleted ones included). */
  find(scope: Scope, id: string, version?: number): Promise<PolicyRecord | null>;
  /** Live policies, current versions, newest first (createdAt desc, id desc), after a keyset position. */
  list(
    scope: Scope,
    limit: number,
    after?: { createdAt: EpochMs; id: string },
  ): Promise<PolicyRecord[]>;
  /** Every live policy's current version: what a new challenge is evaluated against. */
  listActive(scope: Scope): Promise<PolicyRecord[]>;
}

/** Approver groups by name. */
export interface ApproverGroupStore {
  /** Creates the group or replaces its members (keeping `createdAt`); returns it as stored. */
  put(group: ApproverGroupRecord): Promise<ApproverGroupRecord>;
  find(scope: Scope, name: string): Promise<ApproverGroupRecord | null>;
  /** By name, ascending. */
  list(scope: Scope): Promise<ApproverGroupRecord[]>;
  /** Returns whether there was one. */
  delete(scope: Scope, name: string): Promise<boolean>;
}
