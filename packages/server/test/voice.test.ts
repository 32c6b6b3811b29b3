import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoiceEngine, type VoiceEngine } from '../src/routes/voice/createVoiceEngine.js';
import {
  concatWavs,
  createVoiceTestApp,
  phraseFile,
  type VoiceTestApp,
} from './helpers/voiceTestApp.js';

let engine: VoiceEngine;
let nextPrompt = '';
let t: VoiceTestApp;
let key: string;

beforeAll(async () => {
  const real = createVoiceEngine({ threads: 1 });
  engine = Object.assign(Object.create(real) as VoiceEngine, {
    generatePrompt: () => nextPrompt,
  });
  t = await createVoiceTestApp(engine);
  key = await t.key();
});

afterAll(async () => {
  await t.close();
  await engine.close();
});

const post = (url: string, body: unknown) =>
  t.app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload: body as object });

const enrollment = concatWavs(
  [1, 2, 3, 4, 5].map((id) => phraseFile('flite_slt', id, 'wav').bytes),
);

describe('voice happy path', () => {
  it('phrase → enroll → verify', async () => {
    const enroll = await post('/api/v1/enroll', {
      wallet: 'w1',
      audioBase64: enrollment.toString('base64'),
      projection_id: 'p0',
      params_version: 'v1',
    });
    expect(enroll.statusCode, enroll.body).toBe(200);
    const probe = phraseFile('flite_slt', 6, 'mp3');
    nextPrompt = probe.text;
    const phrase = await post('/api/v1/phrase', { wallet: 'w1' });
    expect(phrase.statusCode).toBe(200);
    const verify = await post('/api/v1/verify', {
      wallet: 'w1',
      audioBase64: probe.bytes.toString('base64'),
      projection_id: 'p0',
      params_version: 'v1',
      phrase_id: phrase.json().phrase_id,
    });
    console.log(verify.body);
    expect(verify.statusCode).toBe(200);
  });
});
