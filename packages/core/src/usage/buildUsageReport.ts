import type { Environment, Plan, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import type { ProofMethod } from '../proofs/signProof.js';

const DAY_MS = 86_400_000;
/** The longest range one report covers. */
export const USAGE_MAX_DAYS = 366;

interface Counts {
  verifications: number;
  credit: number;
  overage: number;
  byMethod: Record<ProofMethod, number>;
}

export interface UsageReportData {
  object: 'usage';
  environment: Environment;
  from: string;
  to: string;
  plan: Plan;
  credits: { granted: number; used: number; remaining: number };
  overage: number;
  totals: Counts;
  days: ({ date: string } & Counts)[];
}

function emptyCounts(): Counts {
  return { verifications: 0, credit: 0, overage: 0, byMethod: { device: 0, passkey: 0, voice: 0 } };
}

/** Epoch ms of a real UTC day `YYYY-MM-DD`, or null (e.g. 2026-02-30). */
function parseDay(day: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const at = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== day ? null : at;
}

/** The default range: `from` the first of `to`'s month, `to` today. */
export function defaultUsageRange(
  today: string,
  from: string | undefined,
  to: string | undefined,
): { from: string; to: string } {
  const last = to ?? today;
  return { from: from ?? `${last.slice(0, 8)}01`, to: last };
}

/**
 * The usage report of a scope for UTC days `from..to` (inclusive): one bucket per day, zeros
 * included; the tenant's free credits (granted, used, remaining) and all-time overage, which span
 * both environments.
 */
export async function buildUsageReport(
  storage: Pick<Storage, 'tenants' | 'usage'>,
  scope: Scope,
  from: string,
  to: string,
): Promise<UsageReportData> {
  const start = parseDay(from);
  const end = parseDay(to);
  const bad = (field: 'from' | 'to', message: string): never => {
    throw new KeyraError('invalid_usage_range', message, {
      details: [{ field, issue: 'invalid' }],
    });
  };
  if (start === null)
    bad('from', `from ${JSON.stringify(from.slice(0, 40))} is not a UTC day (YYYY-MM-DD).`);
  if (end === null)
    bad('to', `to ${JSON.stringify(to.slice(0, 40))} is not a UTC day (YYYY-MM-DD).`);
  if (end! < start!) bad('from', `from (${from}) is after to (${to}).`);
  const days = (end! - start!) / DAY_MS + 1;
  if (days > USAGE_MAX_DAYS)
    bad('from', `The range covers ${days} days; ask for at most ${USAGE_MAX_DAYS} at a time.`);

  const tenant = await storage.tenants.findById(scope.tenantId);
  if (!tenant) throw new KeyraError('invalid_api_key', "The key's tenant no longer exists.");
  const [buckets, metered] = await Promise.all([
    storage.usage.buckets(scope, from, to),
    storage.usage.meteredCount(scope.tenantId),
  ]);
  const byDay = new Map<string, { date: string } & Counts>();
  for (let i = 0; i < days; i++) {
    const date = new Date(start! + i * DAY_MS).toISOString().slice(0, 10);
    byDay.set(date, { date, ...emptyCounts() });
  }
  const totals = emptyCounts();
  for (const bucket of buckets) {
    for (const counts of [byDay.get(bucket.day), totals]) {
      if (!counts) continue;
      counts.verifications += bucket.count;
      counts[bucket.billing] += bucket.count;
      counts.byMethod[bucket.method] += bucket.count;
    }
  }
  const used = Math.min(metered, tenant.freeCredits);
  return {
    object: 'usage',
    environment: scope.environment,
    from,
    to,
    plan: tenant.plan,
    credits: { granted: tenant.freeCredits, used, remaining: tenant.freeCredits - used },
    overage: Math.max(0, metered - tenant.freeCredits),
    totals,
    days: [...byDay.values()],
  };
}
