import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoiceEngine, type VoiceEngine } from '../src/voice/createVoiceEngine.js';
import { scoreRecordings } from '../src/voice/scoreSpeaker.js';
import {
  concatWavs,
  createVoiceTestApp,
  phraseFile,
  type VoiceTestApp,
} from './helpers/voiceTestApp.js';

// `scoreRecordings` (what `keyra voice score` builds on) must agree with the verify route's
// speaker gate on the same recordings, with the real classical model.

let real: VoiceEngine;
let t: VoiceTestApp;
let key: string;
const prompts: string[] = [];

beforeAll(async () => {
  real = createVoiceEngine({ threads: 1 });
  const engine = Object.assign(Object.create(real) as VoiceEngine, {
    generatePrompt: () => prompts.shift() ?? 'blue river seven forty',
  });
  t = await createVoiceTestApp(engine);
  key = await t.key();
});

afterAll(async () => {
  await t?.close();
  await real?.close();
});

const post = (url: string, body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload: body });
const AUDIO = { projection_id: 'p0', params_version: 'v1' };
const ENROLL = concatWavs([1, 2, 3, 4, 5].map((id) => phraseFile('flite_slt', id, 'wav').bytes));

describe('scoreRecordings', () => {
  it.each([
    ['the enrolled voice', phraseFile('flite_slt', 9, 'wav'), true],
    ['another voice', phraseFile('espeak-ng_en-us', 9, 'wav'), false],
  ])('scores %s as the verify route does', async (_name, probe, accepted) => {
    const wallet = `score-${probe.voice}`;
    const enroll = await post('/api/v1/enroll', {
      wallet,
      audioBase64: ENROLL.toString('base64'),
      ...AUDIO,
    });
    expect(enroll.statusCode, enroll.body).toBe(200);
    prompts.push(probe.text);
    const phrase = await post('/api/v1/phrase', { wallet });
    const verify = await post('/api/v1/verify', {
      wallet,
      audioBase64: probe.bytes.toString('base64'),
      ...AUDIO,
      phrase_id: phrase.json().phrase_id,
    });
    expect(verify.statusCode, verify.body).toBe(200);
    const gate = verify.json().gates.speaker;

    const scored = await scoreRecordings(real, ENROLL, probe.bytes);
    expect(scored.threshold).toBe(gate.threshold);
    expect([scored.passed, gate.passed]).toEqual([accepted, accepted]);
    // The route scores projected float32 vectors; the projection is orthogonal.
    expect(Math.abs(scored.score - gate.score)).toBeLessThan(0.002);
  });
});
