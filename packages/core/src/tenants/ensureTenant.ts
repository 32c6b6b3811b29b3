import { FREE_PROOFS, type EpochMs, type Tenant } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { TenantStore } from '../ports.js';

/** Returns the tenant called `name`, creating it first if it does not exist. */
export async function ensureTenant(
  store: TenantStore,
  name: string,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<{ tenant: Tenant; created: boolean }> {
  const existing = await store.findByName(name);
  if (existing) return { tenant: existing, created: false };
  const tenant: Tenant = {
    id: newId('tenant', random),
    name,
    createdAt: now,
    plan: 'pilot',
    freeCredits: FREE_PROOFS,
  };
  try {
    await store.create(tenant);
  } catch (error) {
    // Another process created it first (unique name): use theirs.
    const raced = await store.findByName(name);
    if (raced) return { tenant: raced, created: false };
    throw error;
  }
  return { tenant, created: true };
}
