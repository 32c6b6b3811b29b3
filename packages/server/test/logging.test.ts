import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerOptions } from '../src/app.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('logs', () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it('are JSON lines that never contain API keys, payloads or bodies, even on errors', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    const base = loggerOptions('trace') as object;
    t = await createTestApp({ logger: { ...base, stream } });
    const key = await t.key();
    const secretMemo = 'MEMO-7f3a9-should-not-be-logged';
    const inputs = [
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: bearer(key),
        payload: { action: 'a.b', userId: 'u', payload: { memo: secretMemo } },
      },
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: { 'x-api-key': key },
        payload: { action: 'a.b', userId: 'u', memo: secretMemo },
      },
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        payload: `{"memo":"${secretMemo}"`,
      },
      { method: 'GET' as const, url: '/v1/challenges', headers: bearer(`${key.slice(0, -1)}Z`) },
    ];
    for (const input of inputs) await t.app.inject(input);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed).toHaveProperty('level');
      expect(line).not.toContain(key);
      expect(line).not.toContain(key.slice(8));
      expect(line).not.toContain(secretMemo);
    }
    // The refusal reason is logged for operators.
    expect(lines.some((line) => line.includes('"reason":"unknown"'))).toBe(true);
  });
});
