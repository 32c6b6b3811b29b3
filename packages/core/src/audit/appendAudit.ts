import type { EpochMs, Scope } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import type { AuditDraft, AuditFact } from './auditRecords.js';

/**
 * Appends a fact to the tenant's audit chain through `tx`, which must be the transaction that
 * makes the fact happen, so the log and the state change commit or roll back together (like
 * `recordEvent`). The actor is `fact.actor`, else the API key of a scope authenticated by
 * `authenticateApiKey` (what routes pass), else `system`. The store gives the entry its place in the
 * tenant's chain under the chain head's lock (`AuditStore.append`), so appends from any number of
 * processes get consecutive `seq` values and each links to the one before.
 */
export async function appendAudit(
  tx: Pick<Storage, 'audit'>,
  scope: Scope,
  fact: Omit<AuditFact, 'environment'>,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<void> {
  return tx.audit.append(auditDraft(scope, fact, now, random));
}

/**
 * The entry `appendAudit` appends for `fact`, for a store that writes it together with the fact
 * (`challenges.insert(challenge, draft)`).
 */
export function auditDraft(
  scope: Scope,
  fact: Omit<AuditFact, 'environment'>,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): AuditDraft {
  return {
    id: newId('auditEntry', random),
    tenantId: scope.tenantId,
    type: fact.type,
    environment: scope.environment,
    actor: fact.actor ?? keyIdOf(scope) ?? 'system',
    subject: fact.subject,
    // As stored and read back (JSON drops undefined members), so the hash is the one re-read.
    data: JSON.parse(JSON.stringify(fact.data ?? {})) as Record<string, unknown>,
    occurredAt: now,
  };
}

/** The API key of a scope that came from `authenticateApiKey` (routes pass it as the scope). */
function keyIdOf(scope: Scope): string | null {
  const keyId = (scope as { keyId?: unknown }).keyId;
  return typeof keyId === 'string' ? keyId : null;
}
