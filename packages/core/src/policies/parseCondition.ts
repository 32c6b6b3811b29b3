import { KeyraError } from '../errors.js';
import {
  CONDITION_OPS,
  type ConditionOp,
  type PolicyCondition,
  type Scalar,
} from './policyRecords.js';

/** A condition's field: `action` or `payload.<path>`. */
export const CONDITION_FIELD = /^(action|payload(\.[A-Za-z0-9_-]+)+)$/;

function invalid(text: string, why: string): KeyraError {
  return new KeyraError('validation_failed', `Condition ${JSON.stringify(text)}: ${why}.`, {
    details: [{ field: 'conditions', issue: 'invalid_condition', condition: text }],
  });
}

/** A scalar as the CLI writes it: JSON (`10000`, `"a b"`, `true`, `null`), else a bare word. */
function scalar(text: string, whole: string): Scalar {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(whole, 'a value is missing');
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed))
      return parsed as Scalar;
  } catch {
    // Not JSON: a bare word such as USD.
  }
  if (!/^[A-Za-z0-9_.:@-]+$/.test(trimmed))
    throw invalid(whole, `${trimmed} is neither JSON nor a bare word; quote it`);
  return trimmed;
}

/**
 * Parses the CLI's string form of a condition into the typed one, e.g.
 * `payload.amount >= 10000`, `payload.currency in [USD, EUR]`, `payload.memo exists`. Anything
 * else is `validation_failed`: there is no expression language to evaluate.
 */
export function parseCondition(text: string): PolicyCondition {
  const match = /^\s*(\S+)\s+(==|!=|>=|<=|>|<|not_in|in|exists)\s*(.*?)\s*$/.exec(text);
  if (!match)
    throw invalid(text, `write "field op value" with op one of ${CONDITION_OPS.join(' ')}`);
  const [, field = '', op = '', rest = ''] = match;
  if (!CONDITION_FIELD.test(field)) throw invalid(text, `${field} is not action or payload.<path>`);
  const typedOp = op as ConditionOp;
  if (typedOp === 'exists') {
    if (rest !== '') throw invalid(text, 'exists takes no value');
    return { field, op: typedOp };
  }
  if (typedOp === 'in' || typedOp === 'not_in') {
    const list = /^\[(.*)\]$/.exec(rest);
    if (!list) throw invalid(text, `${op} takes a list: [a, b]`);
    const items = (list[1] ?? '').trim() === '' ? [] : (list[1] ?? '').split(',');
    if (items.length === 0) throw invalid(text, `${op} takes a non-empty list`);
    return { field, op: typedOp, value: items.map((item) => scalar(item, text)) };
  }
  return { field, op: typedOp, value: scalar(rest, text) };
}
