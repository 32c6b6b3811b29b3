import { KeyraError } from '../errors.js';
import { CHALLENGE_LIMITS } from '../challenges/limits.js';
import { CONDITION_FIELD, parseCondition } from './parseCondition.js';
import {
  CONDITION_OPS,
  WEEKDAYS,
  type PolicyCondition,
  type PolicyRequirement,
  type PolicyRule,
  type TimeWindow,
} from './policyRecords.js';

/** Bounds on policy input, shared by the request schemas and these checks. */
export const POLICY_LIMITS = {
  nameMaxLength: 100,
  descriptionMaxLength: 500,
  /** Glob over action names: the action alphabet plus `*`. */
  actionGlobPattern: '^[a-z0-9_.*-]{1,100}$',
  conditionsMax: 20,
  windowsMax: 10,
  groupsMax: 10,
  groupNamePattern: '^[a-z0-9_-]{1,64}$',
  groupMembersMax: 100,
  priorityMin: 0,
  priorityMax: 1_000_000,
  priorityDefault: 100,
} as const;

/** A condition as the API takes it: the typed object, or the CLI's string (`payload.amount >= 10000`). */
export type PolicyConditionInput = PolicyCondition | string;

/** What `POST /v1/policies` takes (and `PATCH` a part of). */
export interface PolicyInput {
  name: string;
  description?: string | null;
  priority?: number;
  match: { action: string; conditions?: PolicyConditionInput[] };
  require: PolicyRequirement;
}

/** 400 `validation_failed` naming one field. */
export function invalidPolicy(field: string, issue: string, message: string): KeyraError {
  return new KeyraError('validation_failed', message, { details: [{ field, issue }] });
}

const isScalar = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

function typedCondition(input: PolicyConditionInput, field: string): PolicyCondition {
  if (typeof input === 'string') {
    try {
      return parseCondition(input);
    } catch (error) {
      if (error instanceof KeyraError)
        throw invalidPolicy(field, 'invalid_condition', error.message);
      throw error;
    }
  }
  const { field: path, op, value } = input;
  const bad = (why: string): never => {
    throw invalidPolicy(field, 'invalid_condition', `${field}: ${why}.`);
  };
  if (!CONDITION_FIELD.test(path)) bad(`${path} is not action or payload.<path>`);
  if (!(CONDITION_OPS as readonly string[]).includes(op))
    bad(`op ${String(op)} is not one of ${CONDITION_OPS.join(' ')}`);
  if (op === 'exists') {
    if (value !== undefined) bad('exists takes no value');
    return { field: path, op };
  }
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar))
      bad(`${op} takes a non-empty list of scalars`);
    return { field: path, op, value };
  }
  if (value === undefined || Array.isArray(value) || !isScalar(value))
    bad(`${op} takes one scalar value`);
  if (['>', '>=', '<', '<='].includes(op) && typeof value !== 'number' && typeof value !== 'string')
    bad(`${op} compares with a number or a string`);
  return { field: path, op, value };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function checkWindow(window: TimeWindow, field: string): TimeWindow {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timeZone });
  } catch {
    throw invalidPolicy(
      `${field}.timeZone`,
      'invalid_time_zone',
      `${window.timeZone} is not an IANA time zone.`,
    );
  }
  if (
    window.days.length === 0 ||
    new Set(window.days).size !== window.days.length ||
    !window.days.every((day) => (WEEKDAYS as readonly string[]).includes(day))
  )
    throw invalidPolicy(
      `${field}.days`,
      'invalid_days',
      `days lists distinct days among ${WEEKDAYS.join(', ')}.`,
    );
  for (const key of ['from', 'to'] as const)
    if (!HHMM.test(window[key]) || (key === 'from' && window.from === '24:00'))
      throw invalidPolicy(`${field}.${key}`, 'invalid_time', `${key} is HH:MM (00:00 to 24:00).`);
  if (window.from === window.to)
    throw invalidPolicy(`${field}.to`, 'empty_window', 'from and to are the same time.');
  return { timeZone: window.timeZone, days: [...window.days], from: window.from, to: window.to };
}

function checkRequirement(require: PolicyRequirement): PolicyRequirement {
  const out: PolicyRequirement = {};
  if (require.methods !== undefined) {
    if (require.methods.length === 0 || new Set(require.methods).size !== require.methods.length)
      throw invalidPolicy(
        'require.methods',
        'invalid',
        'methods lists distinct methods, at least one.',
      );
    out.methods = [...require.methods];
  }
  if (require.quorum !== undefined) {
    if (
      !Number.isInteger(require.quorum) ||
      require.quorum < 1 ||
      require.quorum > CHALLENGE_LIMITS.approversMax
    )
      throw invalidPolicy(
        'require.quorum',
        'out_of_range',
        `quorum is 1 to ${CHALLENGE_LIMITS.approversMax}.`,
      );
    out.quorum = require.quorum;
  }
  if (require.groups !== undefined) {
    if (require.groups.length === 0 || new Set(require.groups).size !== require.groups.length)
      throw invalidPolicy(
        'require.groups',
        'invalid',
        'groups lists distinct group names, at least one.',
      );
    out.groups = [...require.groups];
  }
  if (require.maxExpiresIn !== undefined) {
    const { expiresInMin, expiresInMax } = CHALLENGE_LIMITS;
    if (
      !Number.isInteger(require.maxExpiresIn) ||
      require.maxExpiresIn < expiresInMin ||
      require.maxExpiresIn > expiresInMax
    )
      throw invalidPolicy(
        'require.maxExpiresIn',
        'out_of_range',
        `maxExpiresIn is ${expiresInMin} to ${expiresInMax} seconds, like a challenge's expiresIn.`,
      );
    out.maxExpiresIn = require.maxExpiresIn;
  }
  if (require.windows !== undefined) {
    if (require.windows.length === 0)
      throw invalidPolicy('require.windows', 'invalid', 'windows lists at least one window.');
    out.windows = require.windows.map((window, i) => checkWindow(window, `require.windows[${i}]`));
  }
  if (require.stamp !== undefined) out.stamp = require.stamp;
  return out;
}

/**
 * Checks a policy's content beyond what its JSON schema can say and returns it in stored form:
 * conditions typed (the CLI's strings parsed), windows' time zones real, days distinct, times
 * `HH:MM`, numbers in range. Anything else is 400 `validation_failed` naming the field. Approver
 * group names are checked against the store by the caller.
 */
export function normalizePolicy(
  input: PolicyInput,
): Pick<PolicyRule, 'name' | 'priority' | 'match' | 'require'> & { description: string | null } {
  const name = input.name.trim();
  if (name === '' || name.length > POLICY_LIMITS.nameMaxLength)
    throw invalidPolicy(
      'name',
      'invalid',
      `name is 1 to ${POLICY_LIMITS.nameMaxLength} characters.`,
    );
  if (!new RegExp(POLICY_LIMITS.actionGlobPattern).test(input.match.action))
    throw invalidPolicy(
      'match.action',
      'invalid_glob',
      'match.action is an action name where * stands for any run of characters (wire.*).',
    );
  const conditions = input.match.conditions ?? [];
  if (conditions.length > POLICY_LIMITS.conditionsMax)
    throw invalidPolicy(
      'match.conditions',
      'size',
      `At most ${POLICY_LIMITS.conditionsMax} conditions.`,
    );
  return {
    name,
    description: input.description ?? null,
    priority: input.priority ?? POLICY_LIMITS.priorityDefault,
    match: {
      action: input.match.action,
      conditions: conditions.map((c, i) => typedCondition(c, `match.conditions[${i}]`)),
    },
    require: checkRequirement(input.require),
  };
}
