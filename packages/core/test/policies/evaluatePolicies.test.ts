import { describe, expect, it } from 'vitest';
import {
  checkCondition,
  evaluatePolicies,
  isWithinWindows,
  KeyraError,
  matchesActionGlob,
  parseCondition,
  type PolicyCondition,
  type PolicyRule,
} from '../../src/index.js';

const subject = {
  action: 'wire.send',
  payload: {
    amount: 25_000,
    currency: 'EUR',
    memo: null,
    beneficiary: { country: 'DE', iban: 'DE89…' },
    tags: ['urgent'],
    amountText: '25000',
  },
};

function rule(overrides: Partial<PolicyRule> & { id: string }): PolicyRule {
  return {
    name: overrides.id,
    priority: 100,
    version: 1,
    match: { action: '*', conditions: [] },
    require: {},
    updatedAt: 0,
    ...overrides,
  };
}

describe('matchesActionGlob', () => {
  it.each([
    ['wire.*', 'wire.send', true],
    ['wire.*', 'wire.send.batch', true],
    ['wire.*', 'wire', false],
    ['wire.*', 'wirex.send', false],
    ['*', 'anything.at_all', true],
    ['deploy.production', 'deploy.production', true],
    ['deploy.production', 'deploy.productionx', false],
    ['*.approve', 'transfer.approve', true],
    ['a.b', 'aXb', false],
  ])('%s against %s: %s', (glob, action, expected) => {
    expect(matchesActionGlob(glob, action)).toBe(expected);
  });
});

describe('checkCondition', () => {
  it.each<[PolicyCondition, boolean]>([
    [{ field: 'payload.amount', op: '>=', value: 10_000 }, true],
    [{ field: 'payload.amount', op: '>=', value: 25_000 }, true],
    [{ field: 'payload.amount', op: '>', value: 25_000 }, false],
    [{ field: 'payload.amount', op: '<', value: 25_001 }, true],
    [{ field: 'payload.amount', op: '<=', value: 24_999 }, false],
    [{ field: 'payload.amount', op: '==', value: 25_000 }, true],
    [{ field: 'payload.amount', op: '!=', value: 25_000 }, false],
    [{ field: 'payload.currency', op: 'in', value: ['USD', 'EUR'] }, true],
    [{ field: 'payload.currency', op: 'not_in', value: ['USD', 'EUR'] }, false],
    [{ field: 'payload.currency', op: 'not_in', value: ['GBP'] }, true],
    [{ field: 'payload.beneficiary.country', op: '==', value: 'DE' }, true],
    [{ field: 'payload.memo', op: 'exists' }, true],
    [{ field: 'payload.memo', op: '==', value: null }, true],
    [{ field: 'payload.missing', op: 'exists' }, false],
    [{ field: 'payload.beneficiary.missing.deeper', op: 'exists' }, false],
    [{ field: 'payload.missing', op: '!=', value: 'x' }, false],
    [{ field: 'action', op: '==', value: 'wire.send' }, true],
    [{ field: 'payload.currency', op: '>', value: 'EUA' }, true],
    // No coercion: a number is not compared with a string, nor a string with a number.
    [{ field: 'payload.amountText', op: '>=', value: 10_000 }, false],
    [{ field: 'payload.amount', op: '==', value: '25000' }, false],
    // Objects and lists are not scalars.
    [{ field: 'payload.beneficiary', op: '==', value: 'DE' }, false],
    [{ field: 'payload.tags', op: 'in', value: ['urgent'] }, false],
    // Only action and payload.* are fields; inherited properties are not there.
    [{ field: 'userId', op: 'exists' }, false],
    [{ field: 'payload.constructor', op: 'exists' }, false],
  ])('%j → %s', (condition, holds) => {
    const result = checkCondition(condition, subject);
    expect(result.holds, result.reason).toBe(holds);
    expect(result.reason).toContain(condition.field);
  });

  it('says why an ordering cannot apply', () => {
    expect(
      checkCondition({ field: 'payload.amountText', op: '>=', value: 10_000 }, subject).reason,
    ).toBe(
      'payload.amountText >= 10000: payload.amountText is "25000", which cannot be ordered against 10000',
    );
  });
});

describe('evaluatePolicies', () => {
  const big = rule({
    id: 'pol_big',
    name: 'Large wires',
    priority: 10,
    version: 3,
    match: {
      action: 'wire.*',
      conditions: [
        { field: 'payload.amount', op: '>=', value: 10_000 },
        { field: 'payload.currency', op: 'in', value: ['USD', 'EUR'] },
      ],
    },
    require: { quorum: 2, groups: ['finance'], methods: ['device'], stamp: true },
  });
  const anyWire = rule({
    id: 'pol_wire',
    name: 'Any wire',
    priority: 20,
    match: { action: 'wire.*', conditions: [] },
    require: { methods: ['device', 'passkey'], maxExpiresIn: 300 },
  });
  const deploy = rule({
    id: 'pol_deploy',
    name: 'Deploys',
    priority: 5,
    match: { action: 'deploy.*', conditions: [] },
    require: { quorum: 2 },
  });

  it('applies the first matching rule by priority, alone, and says why each was passed over', () => {
    const result = evaluatePolicies([anyWire, big, deploy], subject);
    expect(result.policy).toEqual({ id: 'pol_big', name: 'Large wires', version: 3 });
    expect(result.requirement).toEqual(big.require);
    expect(result.reasons).toEqual([
      'Deploys (pol_deploy v1, priority 5): action wire.send does not match deploy.*',
      'Large wires (pol_big v3, priority 10): matches (action wire.*; payload.amount >= 10000: payload.amount is 25000; payload.currency in ["USD","EUR"]: payload.currency is "EUR")',
    ]);
  });

  it('falls through to the next rule when a condition fails', () => {
    const small = { ...subject, payload: { ...subject.payload, amount: 500 } };
    const result = evaluatePolicies([big, anyWire], small);
    expect(result.policy?.id).toBe('pol_wire');
    expect(result.reasons[0]).toBe(
      'Large wires (pol_big v3, priority 10): payload.amount >= 10000: payload.amount is 500',
    );
  });

  it('requires nothing when no rule matches', () => {
    expect(evaluatePolicies([big, deploy], { action: 'login', payload: {} })).toEqual({
      policy: null,
      requirement: {},
      reasons: [
        'Deploys (pol_deploy v1, priority 5): action login does not match deploy.*',
        'Large wires (pol_big v3, priority 10): action login does not match wire.*',
      ],
    });
  });

  it('orders equal priorities by id, whatever the input order', () => {
    const a = rule({ id: 'pol_a', priority: 1 });
    const b = rule({ id: 'pol_b', priority: 1 });
    expect(evaluatePolicies([b, a], subject).policy?.id).toBe('pol_a');
    expect(evaluatePolicies([a, b], subject).policy?.id).toBe('pol_a');
  });
});

describe('isWithinWindows', () => {
  const business = {
    timeZone: 'Europe/Berlin',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const,
    from: '09:00',
    to: '17:30',
  };
  const night = {
    timeZone: 'America/New_York',
    days: ['fri'] as const,
    from: '22:00',
    to: '02:00',
  };
  it.each([
    // 2027-01-15 is a Friday; Berlin is UTC+1 in January.
    ['Friday 09:00 Berlin (08:00Z)', Date.UTC(2027, 0, 15, 8, 0), [business], true],
    ['Friday 08:59 Berlin', Date.UTC(2027, 0, 15, 7, 59), [business], false],
    ['Friday 17:30 Berlin (exclusive)', Date.UTC(2027, 0, 15, 16, 30), [business], false],
    ['Saturday 10:00 Berlin', Date.UTC(2027, 0, 16, 9, 0), [business], false],
    // Summer time: UTC+2 on 2027-07-16 (a Friday).
    ['Friday 09:00 Berlin in July (07:00Z)', Date.UTC(2027, 6, 16, 7, 0), [business], true],
    ['Friday 23:00 New York (Sat 04:00Z)', Date.UTC(2027, 0, 16, 4, 0), [night], true],
    ['Saturday 01:59 New York, after a Friday start', Date.UTC(2027, 0, 16, 6, 59), [night], true],
    ['Saturday 02:00 New York', Date.UTC(2027, 0, 16, 7, 0), [night], false],
    [
      'Friday 01:00 New York (the window started Thursday)',
      Date.UTC(2027, 0, 15, 6, 0),
      [night],
      false,
    ],
    ['no windows', Date.UTC(2027, 0, 16, 3, 0), [], true],
    ['either of two', Date.UTC(2027, 0, 16, 4, 0), [business, night], true],
  ])('%s → %s', (_name, at, windows, expected) => {
    expect(
      isWithinWindows(
        windows.map((w) => ({ ...w, days: [...w.days] })),
        at,
      ),
    ).toBe(expected);
  });
});

describe('parseCondition', () => {
  it.each<[string, PolicyCondition]>([
    ['payload.amount >= 10000', { field: 'payload.amount', op: '>=', value: 10_000 }],
    [
      'payload.currency in [USD, EUR]',
      { field: 'payload.currency', op: 'in', value: ['USD', 'EUR'] },
    ],
    [
      'payload.country not_in ["KP", "IR"]',
      { field: 'payload.country', op: 'not_in', value: ['KP', 'IR'] },
    ],
    ['payload.memo exists', { field: 'payload.memo', op: 'exists' }],
    ['payload.note == "two words"', { field: 'payload.note', op: '==', value: 'two words' }],
    ['payload.flag != true', { field: 'payload.flag', op: '!=', value: true }],
    ['action == wire.send', { field: 'action', op: '==', value: 'wire.send' }],
  ])('%s', (text, expected) => {
    expect(parseCondition(text)).toEqual(expected);
  });

  it.each([
    'payload.amount >= ',
    'payload.amount ~= 3',
    'amount >= 3',
    'payload. >= 3',
    'payload.amount in USD',
    'payload.amount in []',
    'payload.memo exists yes',
    'payload.amount >= 1; drop table',
    'payload.amount >= {"a":1}',
  ])('refuses %j with validation_failed', (text) => {
    let error: unknown;
    try {
      parseCondition(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeyraError);
    expect((error as KeyraError).code).toBe('validation_failed');
  });
});
