import { enrollVoice, type EnrollVoiceInput, type KeyraError } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  audio,
  loadAudio,
  PROMPT,
  T0,
  voiceWorld,
  type Take,
  type VoiceWorld,
} from './voiceHarness.js';

// enrollVoice without HTTP: a real SQLite storage, frozen time, a fake speech engine.

let w: VoiceWorld;
beforeEach(async () => {
  w = await voiceWorld();
});
afterEach(async () => {
  await w.close();
});

const ALICE: Take = { speaker: 'alice', words: PROMPT };

function enroll(input: Partial<EnrollVoiceInput> & { wallet: string }, take: Take = ALICE) {
  return enrollVoice(
    w.scope,
    { projectionId: 'p0', paramsVersion: 'v1', ...audio(take), ...input },
    { storage: w.storage, speech: w.speech, loadAudio, serverSecret: w.serverSecret, now: T0 },
  );
}

async function failure(promise: Promise<unknown>): Promise<[number, string]> {
  const error = (await promise.then(
    () => {
      throw new Error('expected a KeyraError');
    },
    (e: unknown) => e,
  )) as KeyraError;
  return [error.status, error.code];
}

describe('enrollVoice', () => {
  it('stores only the projected template, the fingerprint and a voice.enrolled event', async () => {
    const enrolled = await enroll({ wallet: 'w1' });
    expect(enrolled).toMatchObject({
      wallet: 'w1',
      replaced: false,
      projectionId: 'p0',
      paramsVersion: 'v1',
      updatedAt: T0,
      quality: { passed: true, issues: [] },
    });
    const template = await w.storage.voice.findTemplate(w.scope, 'w1');
    expect(template).toMatchObject({
      projectionId: 'p0',
      paramsVersion: 'v1',
      modelVersion: 'fake-1',
    });
    // The stored vector is not the embedding, but keeps its length (orthogonal projection).
    const raw = [0.9, 0.1, 0.3, 0.2, -0.4, 0.1, 0.6, 0.05];
    expect(Array.from(template!.template)).not.toEqual(raw.map(Math.fround));
    const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
    expect(norm(template!.template)).toBeCloseTo(norm(raw), 5);
    const prints = await w.storage.voice.recentFingerprints(w.scope, 'w1', 10);
    expect(prints.map((p) => [p.source, p.phraseId])).toEqual([['enroll', null]]);
    const events = await w.storage.events.list(w.scope, 10, { type: 'voice.enrolled' });
    expect(events.map((e) => e.data)).toEqual([
      { wallet: 'w1', projectionId: 'p0', paramsVersion: 'v1', replaced: false },
    ]);
  });

  it('replaces an earlier template and says so', async () => {
    await enroll({ wallet: 'w1' });
    const again = await enroll({ wallet: 'w1', projectionId: 'p1' }, { ...ALICE, take: 2 });
    expect(again.replaced).toBe(true);
    expect((await w.storage.voice.findTemplate(w.scope, 'w1'))?.projectionId).toBe('p1');
  });

  it('refuses a recording below the enrolment quality and stores nothing', async () => {
    for (const quality of ['quiet', 'brief'] as const) {
      expect(await failure(enroll({ wallet: 'w1' }, { ...ALICE, quality }))).toEqual([
        400,
        'AUDIO_QUALITY_TOO_LOW',
      ]);
    }
    expect(await w.storage.voice.findTemplate(w.scope, 'w1')).toBeNull();
    expect(await w.storage.voice.recentFingerprints(w.scope, 'w1', 10)).toEqual([]);
  });

  it('requires projection_id and params_version, and only the active params_version', async () => {
    const missing = enroll({ wallet: 'w1', projectionId: undefined, paramsVersion: undefined });
    await expect(missing).rejects.toMatchObject({
      code: 'validation_failed',
      details: [
        { field: 'projection_id', issue: 'required' },
        { field: 'params_version', issue: 'required' },
      ],
    });
    expect(await failure(enroll({ wallet: 'w1', paramsVersion: 'v9' }))).toEqual([
      400,
      'PARAMS_VERSION_UNSUPPORTED',
    ]);
    expect(await w.storage.voice.findTemplate(w.scope, 'w1')).toBeNull();
  });

  it('passes the engine’s audio errors through and stores nothing', async () => {
    const garbage = enrollVoice(
      w.scope,
      { wallet: 'w1', projectionId: 'p0', paramsVersion: 'v1', audioBase64: 'bm90IGpzb24=' },
      { storage: w.storage, speech: w.speech, loadAudio, serverSecret: w.serverSecret, now: T0 },
    );
    expect(await failure(garbage)).toEqual([400, 'INVALID_AUDIO']);
    expect(await w.storage.voice.findTemplate(w.scope, 'w1')).toBeNull();
  });
});
