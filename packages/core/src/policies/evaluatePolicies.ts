import type { PolicyCondition, PolicyRequirement, PolicyRule, Scalar } from './policyRecords.js';

/** What a challenge is judged on. */
export interface PolicySubject {
  action: string;
  payload: Record<string, unknown>;
}

/** The rule that applies, and why each rule before it did not. */
export interface PolicyEvaluation {
  /** The first matching rule, or null when none matches (then nothing is required). */
  policy: { id: string; name: string; version: number } | null;
  requirement: PolicyRequirement;
  /** One line per rule considered, in order: why it matched or did not. */
  reasons: string[];
}

/** `*` matches any run of characters (dots included); everything else matches itself. */
export function matchesActionGlob(glob: string, action: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(action);
}

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** The value at `field` (`action` or `payload.a.b`), and whether it is there at all. */
function lookup(field: string, subject: PolicySubject): { found: boolean; value: unknown } {
  if (field === 'action') return { found: true, value: subject.action };
  const [root, ...path] = field.split('.');
  if (root !== 'payload' || path.length === 0) return { found: false, value: undefined };
  let current: unknown = subject.payload;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current))
      return { found: false, value: undefined };
    if (!Object.prototype.hasOwnProperty.call(current, key))
      return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

/** Whether one condition holds, and a reason that says what was compared. */
export function checkCondition(
  condition: PolicyCondition,
  subject: PolicySubject,
): { holds: boolean; reason: string } {
  const { field, op, value } = condition;
  const { found, value: actual } = lookup(field, subject);
  const shown = `${field} ${op}${op === 'exists' ? '' : ` ${JSON.stringify(value)}`}`;
  if (op === 'exists') return { holds: found, reason: `${shown}: ${found ? 'present' : 'absent'}` };
  if (!found) return { holds: false, reason: `${shown}: ${field} is absent` };
  if (!isScalar(actual))
    return { holds: false, reason: `${shown}: ${field} is an object or a list, not a scalar` };
  const got = JSON.stringify(actual);
  switch (op) {
    case '==':
    case '!=': {
      const equal = actual === value;
      return { holds: op === '==' ? equal : !equal, reason: `${shown}: ${field} is ${got}` };
    }
    case 'in':
    case 'not_in': {
      const listed = Array.isArray(value) && value.some((item) => item === actual);
      return { holds: op === 'in' ? listed : !listed, reason: `${shown}: ${field} is ${got}` };
    }
    default: {
      // Ordering compares like with like: a number with a number, a string with a string.
      if (
        typeof actual !== typeof value ||
        (typeof actual !== 'number' && typeof actual !== 'string')
      )
        return {
          holds: false,
          reason: `${shown}: ${field} is ${got}, which cannot be ordered against ${JSON.stringify(value)}`,
        };
      const a = actual as number | string;
      const b = value as number | string;
      const holds = op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
      return { holds, reason: `${shown}: ${field} is ${got}` };
    }
  }
}

/**
 * Which policy applies to a challenge: rules are tried in `priority` order (lower first, ties by
 * id) and the **first** whose action glob and every condition match applies, alone — its
 * requirement is the challenge's. No match requires nothing. Pure: the dry-run answers with this,
 * and `reasons` says, rule by rule, why it matched or not.
 */
export function evaluatePolicies(
  rules: readonly PolicyRule[],
  subject: PolicySubject,
): PolicyEvaluation {
  const ordered = [...rules].sort(
    (a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const reasons: string[] = [];
  for (const rule of ordered) {
    const label = `${rule.name} (${rule.id} v${rule.version}, priority ${rule.priority})`;
    if (!matchesActionGlob(rule.match.action, subject.action)) {
      reasons.push(`${label}: action ${subject.action} does not match ${rule.match.action}`);
      continue;
    }
    const checks = rule.match.conditions.map((condition) => checkCondition(condition, subject));
    const failed = checks.find((check) => !check.holds);
    if (failed) {
      reasons.push(`${label}: ${failed.reason}`);
      continue;
    }
    reasons.push(
      `${label}: matches (action ${rule.match.action}${checks.map((check) => `; ${check.reason}`).join('')})`,
    );
    return {
      policy: { id: rule.id, name: rule.name, version: rule.version },
      requirement: rule.require,
      reasons,
    };
  }
  return { policy: null, requirement: {}, reasons };
}
