import type { Scope, VerifyLogMeasures, VerifyLogRecord, VoicePhraseRecord } from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage } from '../src/index.js';

const T0 = 1_700_000_000_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const A_LIVE: Scope = { tenantId: 'tnt_a', environment: 'production' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

function phrase(overrides: Partial<VoicePhraseRecord> & { id: string }): VoicePhraseRecord {
  return {
    tenantId: A.tenantId,
    environment: A.environment,
    wallet: 'w1',
    prompt: 'blue river seven forty',
    createdAt: T0,
    expiresAt: T0 + 120_000,
    usedAt: null,
    attempts: 0,
    ...overrides,
  };
}

const MEASURES: VerifyLogMeasures = {
  phrase: { matched_words: 3, required_words: 4, total_words: 4 },
  replay: { similarity: 0.412, threshold: 0.8 },
  quality: {
    speech_seconds: 1.5,
    min_speech_seconds: 1,
    clipping_ratio: 0.0012,
    max_clipping_ratio: 0.01,
    level_dbfs: -23.4,
    min_level_dbfs: -45,
    bandwidth_hz: 5512,
    min_bandwidth_hz: 3000,
    min_snr_db: 10,
  },
};

function log(overrides: Partial<VerifyLogRecord> & { id: string }): VerifyLogRecord {
  return {
    tenantId: A.tenantId,
    environment: A.environment,
    wallet: 'w1',
    phraseId: null,
    method: 'voice',
    verified: false,
    status: 200,
    errorCode: null,
    phrasePassed: true,
    speakerPassed: false,
    speakerScore: -1.25,
    speakerThreshold: 2.435,
    replayPassed: true,
    qualityPassed: null,
    speechSec: 1.5,
    audioSec: 2.25,
    gateMeasures: MEASURES,
    latencyMs: 120,
    createdAt: T0,
    ...overrides,
  };
}

/** The voice store's contract; `setup` gives a clean database with tenants tnt_a and tnt_b. */
export function voiceContract(setup: () => Promise<{ storage: DatabaseStorage }>): void {
  it('phrases: recent prompts per wallet and scope', async () => {
    const { storage } = await setup();
    await storage.voice.insertPhrase(phrase({ id: 'pc_1', prompt: 'one', createdAt: T0 - 10 }));
    await storage.voice.insertPhrase(phrase({ id: 'pc_2', prompt: 'two' }));
    await storage.voice.insertPhrase(phrase({ id: 'pc_3', prompt: 'three', wallet: 'w2' }));
    await storage.voice.insertPhrase(
      phrase({ id: 'pc_4', prompt: 'four', tenantId: 'tnt_b', environment: 'sandbox' }),
    );
    expect((await storage.voice.recentPrompts(A, 'w1', T0 - 100)).sort()).toEqual(['one', 'two']);
    expect(await storage.voice.recentPrompts(A, 'w1', T0)).toEqual(['two']);
    expect(await storage.voice.recentPrompts(A_LIVE, 'w1', 0)).toEqual([]);
    expect(await storage.voice.recentPrompts(B, 'w1', 0)).toEqual(['four']);
  });

  it('phrases: beginAttempt counts attempts and says why it refuses', async () => {
    const { storage } = await setup();
    await storage.voice.insertPhrase(phrase({ id: 'pc_1' }));
    const first = await storage.voice.beginAttempt(A, 'pc_1', 'w1', T0 + 1, 2);
    expect(first).toMatchObject({ id: 'pc_1', attempts: 1 });
    expect(await storage.voice.beginAttempt(A, 'pc_1', 'w2', T0 + 1, 2)).toBe('missing');
    expect(await storage.voice.beginAttempt(B, 'pc_1', 'w1', T0 + 1, 2)).toBe('missing');
    expect(await storage.voice.beginAttempt(A, 'pc_none', 'w1', T0 + 1, 2)).toBe('missing');
    expect(await storage.voice.beginAttempt(A, 'pc_1', 'w1', T0 + 120_000, 2)).toBe('expired');
    expect(await storage.voice.beginAttempt(A, 'pc_1', 'w1', T0 + 2, 2)).toMatchObject({
      attempts: 2,
    });
    expect(await storage.voice.beginAttempt(A, 'pc_1', 'w1', T0 + 3, 2)).toBe('exhausted');
    await storage.voice.insertPhrase(phrase({ id: 'pc_2' }));
    expect(await storage.voice.consumePhrase(A, 'pc_2', T0 + 5)).toBe(true);
    expect(await storage.voice.beginAttempt(A, 'pc_2', 'w1', T0 + 6, 5)).toBe('used');
  });

  it('phrases: exactly one of many racing consumes wins, and never after expiry', async () => {
    const { storage } = await setup();
    await storage.voice.insertPhrase(phrase({ id: 'pc_race' }));
    const results = await Promise.all(
      Array.from({ length: 12 }, () => storage.voice.consumePhrase(A, 'pc_race', T0 + 1)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await storage.voice.insertPhrase(phrase({ id: 'pc_old' }));
    expect(await storage.voice.consumePhrase(A, 'pc_old', T0 + 120_000)).toBe(false);
    expect(await storage.voice.consumePhrase(B, 'pc_race', T0 + 1)).toBe(false);
  });

  it('templates: create or replace, scoped, vectors round-trip exactly', async () => {
    const { storage } = await setup();
    const vector = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) / 64);
    const template = {
      tenantId: A.tenantId,
      environment: A.environment,
      wallet: 'w1',
      projectionId: 'p0',
      paramsVersion: 'v1',
      modelVersion: 'classical-mfcc-gmm-v1-test',
      template: vector,
      cohortMean: 0.123456789,
      cohortSd: 0.0456,
      createdAt: T0,
      updatedAt: T0,
    };
    expect(await storage.voice.upsertTemplate(template)).toBe(false);
    const found = await storage.voice.findTemplate(A, 'w1');
    expect(found?.template).toEqual(vector);
    expect(found).toMatchObject({ projectionId: 'p0', cohortMean: 0.123456789, cohortSd: 0.0456 });
    expect(
      await storage.voice.upsertTemplate({ ...template, projectionId: 'p1', updatedAt: T0 + 5 }),
    ).toBe(true);
    expect(await storage.voice.findTemplate(A, 'w1')).toMatchObject({
      projectionId: 'p1',
      createdAt: T0,
      updatedAt: T0 + 5,
    });
    expect(await storage.voice.findTemplate(A_LIVE, 'w1')).toBeNull();
    expect(await storage.voice.findTemplate(B, 'w1')).toBeNull();
  });

  it('legacy hashes: create or replace, scoped', async () => {
    const { storage } = await setup();
    const record = {
      tenantId: A.tenantId,
      environment: A.environment,
      wallet: 'w1',
      keyedHash: 'aa'.repeat(32),
      createdAt: T0,
      updatedAt: T0,
    };
    expect(await storage.voice.upsertLegacyHash(record)).toBe(false);
    expect(await storage.voice.upsertLegacyHash({ ...record, keyedHash: 'bb'.repeat(32) })).toBe(
      true,
    );
    expect((await storage.voice.findLegacyHash(A, 'w1'))?.keyedHash).toBe('bb'.repeat(32));
    expect(await storage.voice.findLegacyHash(B, 'w1')).toBeNull();
  });

  it('fingerprints: newest first, limited, scoped', async () => {
    const { storage } = await setup();
    for (let i = 0; i < 5; i++) {
      await storage.voice.insertFingerprint({
        id: `vf_${i}`,
        tenantId: A.tenantId,
        environment: A.environment,
        wallet: 'w1',
        source: i === 0 ? 'enroll' : 'verify',
        phraseId: i === 0 ? null : `pc_${i}`,
        bytesSha256: String(i).repeat(64),
        fingerprint: Uint16Array.from([i, 65535, 0, 1234]),
        createdAt: T0 + i,
      });
    }
    const recent = await storage.voice.recentFingerprints(A, 'w1', 3);
    expect(recent.map((r) => r.id)).toEqual(['vf_4', 'vf_3', 'vf_2']);
    expect(recent[0]!.fingerprint).toEqual(Uint16Array.from([4, 65535, 0, 1234]));
    expect(recent[0]!.phraseId).toBe('pc_4');
    expect(await storage.voice.recentFingerprints(B, 'w1', 10)).toEqual([]);
  });

  it('verify logs: filters and keyset pages', async () => {
    const { storage } = await setup();
    await storage.voice.insertVerifyLog(log({ id: 'vl_1', createdAt: T0 }));
    await storage.voice.insertVerifyLog(
      log({ id: 'vl_2', createdAt: T0 + 1, verified: true, speakerPassed: true }),
    );
    await storage.voice.insertVerifyLog(
      log({
        id: 'vl_3',
        createdAt: T0 + 2,
        wallet: 'w2',
        method: 'legacy_hash',
        status: 404,
        errorCode: 'VOICE_TEMPLATE_NOT_FOUND',
        speakerScore: null,
        gateMeasures: null,
      }),
    );
    await storage.voice.insertVerifyLog(log({ id: 'vl_4', tenantId: 'tnt_b' }));
    const all = await storage.voice.listVerifyLogs(A, {}, 10);
    expect(all.map((l) => l.id)).toEqual(['vl_3', 'vl_2', 'vl_1']);
    expect(all[2]).toEqual(log({ id: 'vl_1', createdAt: T0 }));
    // Every gate's measures and thresholds come back as written; null (gates not run) stays null.
    expect(all[2]!.gateMeasures).toEqual(MEASURES);
    expect(all[0]!.gateMeasures).toBeNull();
    expect(
      (await storage.voice.listVerifyLogs(A, { verified: true }, 10)).map((l) => l.id),
    ).toEqual(['vl_2']);
    expect((await storage.voice.listVerifyLogs(A, { wallet: 'w2' }, 10)).map((l) => l.id)).toEqual([
      'vl_3',
    ]);
    expect(
      (await storage.voice.listVerifyLogs(A, { method: 'voice', createdFrom: T0 + 1 }, 10)).map(
        (l) => l.id,
      ),
    ).toEqual(['vl_2']);
    const page = await storage.voice.listVerifyLogs(A, {}, 1, { createdAt: T0 + 2, id: 'vl_3' });
    expect(page.map((l) => l.id)).toEqual(['vl_2']);
  });
}
