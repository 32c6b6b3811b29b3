import type { EpochMs } from './domain.js';

/**
 * Formats an instant as RFC 3339 UTC. Whole seconds print without a fraction
 * (`2026-05-29T18:42:00Z`, as in the API reference); other instants keep milliseconds.
 */
export function formatTimestamp(ms: EpochMs): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
