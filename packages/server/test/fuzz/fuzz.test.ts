import { describe, expect, it } from 'vitest';
import { fuzzApi } from './fuzzApi.js';

/*
 * Property-based fuzzing of every route in the OpenAPI document (bounded for CI; `npm run fuzz --
 * --requests N` for long runs). Each request is valid-looking or broken on purpose; see fuzzApi.ts
 * for what is generated and what is checked.
 */
const requests = Number(process.env.KEYRA_FUZZ_REQUESTS ?? 10_000);
const seed = Number(process.env.KEYRA_FUZZ_SEED ?? 20261206);

describe('fuzzing the API from its OpenAPI document', () => {
  it(`${requests} requests: no 5xx, no write on a 4xx, no cross-tenant read`, async () => {
    const report = await fuzzApi({ requests, seed });
    console.log(
      `fuzz: ${report.requests} requests in ${report.ms} ms (seed ${seed}); statuses ${JSON.stringify(report.byStatus)}`,
    );
    expect(report.requests).toBe(requests);
    // Every operation was exercised.
    expect(Object.keys(report.byOperation).length).toBeGreaterThan(35);
    expect(report.failures).toEqual([]);
  }, 1_800_000);
});
