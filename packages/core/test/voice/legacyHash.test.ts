import { createHash } from 'node:crypto';
import { enrollLegacyHash, verifyLegacyHash, type KeyraError } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, voiceWorld, type VoiceWorld } from './voiceHarness.js';

// The deprecated hash flow's verbs without HTTP, on a real SQLite storage.

let w: VoiceWorld;
beforeEach(async () => {
  w = await voiceWorld();
});
afterEach(async () => {
  await w.close();
});

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

const enroll = (wallet: string, phraseHash: string, otherFields: string[] = []) =>
  enrollLegacyHash(
    w.scope,
    { wallet, phraseHash, otherFields },
    { storage: w.storage, serverSecret: w.serverSecret, now: T0 },
  );

const verify = (wallet: string, probeHash: string, otherFields: string[] = []) =>
  verifyLegacyHash(
    w.scope,
    { wallet, probeHash, otherFields },
    { storage: w.storage, serverSecret: w.serverSecret, now: T0, elapsedMs: () => 3 },
  );

describe('the legacy hash verbs', () => {
  it('store a keyed hash, never the hash, and compare case-insensitively', async () => {
    expect(await enroll('w1', sha('open sesame'))).toEqual({
      wallet: 'w1',
      replaced: false,
      updatedAt: T0,
    });
    const stored = await w.storage.voice.findLegacyHash(w.scope, 'w1');
    expect(stored?.keyedHash).not.toBe(sha('open sesame'));
    expect(await verify('w1', sha('open sesame').toUpperCase())).toMatchObject({
      verified: true,
      method: 'legacy_hash',
      phraseId: null,
      proof: null,
      stamp: null,
      latencyMs: 3,
      gates: { phrase: { passed: true, checked: false }, speaker: { score: 1, threshold: 1 } },
    });
    expect((await verify('w1', sha('nope'))).verified).toBe(false);
    expect((await enroll('w1', sha('other'))).replaced).toBe(true);
    expect((await verify('w1', sha('other'))).verified).toBe(true);
    // Enrolments and matches are audited (a mismatch is only in the verify log), never the hash.
    const audit = await w.storage.audit.list(w.scope.tenantId, {}, 10);
    expect(audit.map((e) => [e.type, e.subject, e.data])).toEqual([
      ['voice.enrolled', 'w1', { method: 'legacy_hash', replaced: false }],
      ['voice.verified', 'w1', { method: 'legacy_hash' }],
      ['voice.enrolled', 'w1', { method: 'legacy_hash', replaced: true }],
      ['voice.verified', 'w1', { method: 'legacy_hash' }],
    ]);
    expect(JSON.stringify(audit)).not.toContain(sha('open sesame'));
  });

  it('answer 404 for a wallet with no hash, and log every attempt', async () => {
    await expect(verify('w2', sha('x'))).rejects.toMatchObject({
      status: 404,
      code: 'VOICE_TEMPLATE_NOT_FOUND',
    });
    const [log] = await w.storage.voice.listVerifyLogs(w.scope, {}, 10);
    expect(log).toMatchObject({
      wallet: 'w2',
      method: 'legacy_hash',
      verified: false,
      status: 404,
      errorCode: 'VOICE_TEMPLATE_NOT_FOUND',
    });
  });

  it('refuse a body that mixes the hash flow with other fields, naming them', async () => {
    const mixed = (await enroll('w3', sha('x'), ['audioBase64']).catch(
      (e: unknown) => e,
    )) as KeyraError;
    expect([mixed.code, mixed.details]).toEqual([
      'validation_failed',
      [{ field: 'audioBase64', issue: 'not_with_phrase_hash' }],
    ]);
    expect(await w.storage.voice.findLegacyHash(w.scope, 'w3')).toBeNull();
    await expect(verify('w3', sha('x'), ['phrase_id'])).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'phrase_id', issue: 'not_with_probe_hash' }],
    });
  });
});
