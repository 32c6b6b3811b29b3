import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildUsageReport,
  defaultUsageRange,
  meterVerification,
  USAGE_MAX_DAYS,
  type ProofMethod,
  type Scope,
  type Storage,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let sandbox: Scope;
let production: Scope;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  await storage.tenants.create({
    id: 'ten_usage000000000000000000',
    name: 'usage',
    createdAt: clock.now(),
    plan: 'scale',
    freeCredits: 3,
  });
  sandbox = { tenantId: 'ten_usage000000000000000000', environment: 'sandbox' };
  production = { ...sandbox, environment: 'production' };
});
afterEach(async () => db.close());

let counter = 0;
const meter = (scope: Scope, method: ProofMethod) =>
  meterVerification(storage, scope, `chl_usage${++counter}`, method, clock.now());

const zero = {
  verifications: 0,
  credit: 0,
  overage: 0,
  byMethod: { device: 0, passkey: 0, voice: 0 },
};

describe('buildUsageReport', () => {
  it('counts each day of the range (zeros included) by method and billing, credits across environments', async () => {
    await meter(sandbox, 'device'); // 2027-01-15, credit
    await meter(production, 'passkey'); // credit, in the other environment
    clock.advance(2 * 86_400_000); // 2027-01-17
    await meter(sandbox, 'voice'); // credit (the third)
    await meter(sandbox, 'device'); // overage

    const report = await buildUsageReport(storage, sandbox, '2027-01-14', '2027-01-17');
    expect(report).toMatchObject({
      object: 'usage',
      environment: 'sandbox',
      from: '2027-01-14',
      to: '2027-01-17',
      plan: 'scale',
      credits: { granted: 3, used: 3, remaining: 0 },
      overage: 1,
      totals: {
        verifications: 3,
        credit: 2,
        overage: 1,
        byMethod: { device: 2, passkey: 0, voice: 1 },
      },
    });
    expect(report.days).toEqual([
      { date: '2027-01-14', ...zero },
      {
        date: '2027-01-15',
        ...zero,
        verifications: 1,
        credit: 1,
        byMethod: { ...zero.byMethod, device: 1 },
      },
      { date: '2027-01-16', ...zero },
      {
        date: '2027-01-17',
        verifications: 2,
        credit: 1,
        overage: 1,
        byMethod: { device: 1, passkey: 0, voice: 1 },
      },
    ]);
  });

  it(`covers at most ${USAGE_MAX_DAYS} days`, async () => {
    const leapYear = await buildUsageReport(storage, sandbox, '2028-01-01', '2028-12-31');
    expect(leapYear.days).toHaveLength(366);
    const error = await expectKeyraError(
      buildUsageReport(storage, sandbox, '2027-01-01', '2028-01-02'),
      'invalid_usage_range',
    );
    expect(error.message).toMatch(/367 days/);
  });

  it.each([
    ['a day that does not exist', '2027-02-30', '2027-03-01', 'from'],
    ['a timestamp', '2027-01-01T00:00:00Z', '2027-01-02', 'from'],
    ['a malformed end', '2027-01-01', '2027-1-2', 'to'],
    ['an end before the start', '2027-01-02', '2027-01-01', 'from'],
  ])('refuses %s', async (_name, from, to, field) => {
    const error = await expectKeyraError(
      buildUsageReport(storage, sandbox, from, to),
      'invalid_usage_range',
    );
    expect(error.details).toEqual([{ field, issue: 'invalid' }]);
  });

  it('defaults to the month so far', () => {
    expect(defaultUsageRange('2027-01-15', undefined, undefined)).toEqual({
      from: '2027-01-01',
      to: '2027-01-15',
    });
    expect(defaultUsageRange('2027-01-15', undefined, '2026-12-09')).toEqual({
      from: '2026-12-01',
      to: '2026-12-09',
    });
    expect(defaultUsageRange('2027-01-15', '2026-11-20', undefined)).toEqual({
      from: '2026-11-20',
      to: '2027-01-15',
    });
  });
});
