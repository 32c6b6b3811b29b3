import type { EpochMs } from '../domain.js';

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
