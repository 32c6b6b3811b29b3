import type { EpochMs } from './domain.js';
import { KeyraError } from './errors.js';

/**
 * Formats an instant as RFC 3339 UTC. Whole seconds print without a fraction
 * (`2026-05-29T18:42:00Z`, as in the API reference); other instants keep milliseconds.
 */
export function formatTimestamp(ms: EpochMs): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * Reads an optional RFC 3339 timestamp from a query string, such as `createdFrom` or
 * `created_from`; `undefined` when absent. The route's schema (`format: 'date-time'`) checks the
 * syntax; this places the instant and refuses one that has none (a leap second such as
 * `23:59:60Z`) with `validation_failed`, naming the parameter as schema errors do.
 */
export function parseRfc3339Query(name: string, value: string | undefined): EpochMs | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new KeyraError('validation_failed', `${name} is not a valid RFC 3339 timestamp.`, {
      details: [{ field: `querystring.${name}`, issue: 'format' }],
    });
  }
  return ms;
}
