import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoiceEngine, type VoiceEngine } from '../src/voice/createVoiceEngine.js';
import {
  concatWavs,
  createVoiceTestApp,
  phraseFile,
  VOICE_DATA,
  wav,
  type VoiceTestApp,
} from './helpers/voiceTestApp.js';

// Route tests of the Keywave API with the real model, decoder and recognizer, on the synthetic
// phrase recordings in shared/voice/phrases. The prompt generator is pinned so the server asks
// for the phrase a recording says.

let real: VoiceEngine;
let engine: VoiceEngine;
const prompts: string[] = [];
let t: VoiceTestApp;
let key: string;

beforeAll(async () => {
  real = createVoiceEngine({ threads: 1 });
  engine = Object.assign(Object.create(real) as VoiceEngine, {
    generatePrompt: () => prompts.shift() ?? 'blue river seven forty',
  });
  t = await createVoiceTestApp(engine);
  key = await t.key();
});

afterAll(async () => {
  await t?.close();
  await real?.close();
});

type Body = Record<string, unknown>;
const post = (url: string, body: Body, apiKey = key) =>
  t.app.inject({ method: 'POST', url, headers: { 'x-api-key': apiKey }, payload: body });

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const ENROLL = concatWavs([1, 2, 3, 4, 5].map((id) => phraseFile('flite_slt', id, 'wav').bytes));
const AUDIO = { projection_id: 'p0', params_version: 'v1' };
let walletCounter = 0;

async function enrolled(bytes = ENROLL): Promise<string> {
  const wallet = `wallet-${++walletCounter}`;
  const res = await post('/api/v1/enroll', { wallet, audioBase64: b64(bytes), ...AUDIO });
  expect(res.statusCode, res.body).toBe(200);
  return wallet;
}

async function phraseFor(wallet: string, prompt: string): Promise<string> {
  prompts.push(prompt);
  const res = await post('/api/v1/phrase', { wallet });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().prompt).toBe(prompt);
  return res.json().phrase_id as string;
}

/** How many usage records the phrase has (0 or 1: metering is exactly once). */
async function meteredFor(phraseId: string): Promise<number> {
  const tenants = await t.storage.tenants.list();
  let count = 0;
  for (const tenant of tenants)
    if (
      await t.storage.usage.findBySubject({ tenantId: tenant.id, environment: 'sandbox' }, phraseId)
    )
      count++;
  return count;
}

function tone(seconds: number, rate = 16_000, amplitude = 0.3): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * 220 * i) / rate),
  );
}

describe('POST /api/v1/phrase', () => {
  it('issues a single-use pc_ phrase with a 4-word prompt expiring in 120 s', async () => {
    const res = await post('/api/v1/phrase', { wallet: 'w-phrase' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'phrase_id', 'prompt']);
    expect(body.phrase_id).toMatch(/^pc_[0-9A-Za-z]{24}$/);
    expect(Date.parse(body.expires_at) - t.clock.now()).toBe(120_000);
  });

  it('never gives a wallet the same prompt twice within a day', async () => {
    const t2 = await createVoiceTestApp(real);
    try {
      const k = await t2.key();
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const res = await t2.app.inject({
          method: 'POST',
          url: '/api/v1/phrase',
          headers: { 'x-api-key': k },
          payload: { wallet: 'w-unique' },
        });
        expect(res.statusCode).toBe(200);
        const prompt = res.json().prompt as string;
        expect(prompt.split(' ').length).toBeGreaterThanOrEqual(4);
        expect(seen.has(prompt)).toBe(false);
        seen.add(prompt);
      }
    } finally {
      await t2.close();
    }
  });

  it('requires a key and a wallet', async () => {
    expect((await post('/api/v1/phrase', { wallet: 'x' }, 'sk_test_nope')).statusCode).toBe(401);
    const noKey = await t.app.inject({ method: 'POST', url: '/api/v1/phrase', payload: {} });
    expect(noKey.statusCode).toBe(401);
    const res = await post('/api/v1/phrase', {});
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });
});

describe('POST /api/v1/verify (voice)', () => {
  it.each([
    ['wav', 6],
    ['mp3', 7],
    ['m4a', 8],
    ['webm', 9],
  ] as const)('verifies the enrolled voice saying the prompt (%s)', async (format, id) => {
    const wallet = await enrolled();
    const probe = phraseFile('flite_slt', id, format);
    const phraseId = await phraseFor(wallet, probe.text);
    const res = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(probe.bytes),
      ...AUDIO,
      phrase_id: phraseId,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.verified).toBe(true);
    expect(body.gates.phrase).toMatchObject({ passed: true, heard: probe.text });
    expect(body.gates.speaker.passed).toBe(true);
    expect(body.gates.speaker.score).toBeGreaterThan(body.gates.speaker.threshold);
    expect(body.gates.replay.passed).toBe(true);
    expect(body.gates.quality.passed).toBe(true);
    expect(body.id).toMatch(/^vl_/);
    // A voice success yields a proof (method voice) and its stamp.
    const jwks = createLocalJWKSet(
      (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(),
    );
    const { payload } = await jwtVerify(body.proof, jwks, {
      typ: 'keyra-proof+jwt',
      audience: 'acme',
      currentDate: new Date(t.clock.now()),
    });
    expect(payload).toMatchObject({
      method: 'voice',
      sub: wallet,
      challengeId: phraseId,
      action: 'keywave.verify',
      deviceId: null,
    });
    expect(body.stamp).toMatchObject({
      method: 'voice',
      proof_sha256: createHash('sha256').update(body.proof).digest('hex'),
    });
    const stamp = await t.app.inject({ method: 'GET', url: `/v1/stamps/${body.stamp.stamp_id}` });
    expect(stamp.json()).toEqual(body.stamp);
    expect(stamp.body).not.toContain(wallet);
  });

  it('fails the speaker gate for another voice saying the right words', async () => {
    const wallet = await enrolled();
    const probe = phraseFile('espeak-ng_en-us', 6, 'wav');
    /** `keyra_voice_gate_total` and `keyra_approvals_total` samples for method voice, by labels. */
    const counters = async (): Promise<Record<string, number>> => {
      const text = (await t.app.inject('/metrics')).body;
      const found: Record<string, number> = {};
      for (const [, name, labels, value] of text.matchAll(
        /^(keyra_voice_gate_total|keyra_approvals_total)\{([^}]*)\} (\d+)$/gm,
      ))
        found[`${name}{${labels}}`] = Number(value);
      return found;
    };
    const before = await counters();
    const res = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(probe.bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, probe.text),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().verified).toBe(false);
    expect(res.json().gates.speaker.passed).toBe(false);
    // The attempt is counted once, with each gate's outcome, at /metrics.
    const after = await counters();
    const grew = Object.keys(after)
      .filter((name) => after[name]! - (before[name] ?? 0) === 1)
      .sort();
    const gate = (name: string, outcome: boolean): string =>
      `keyra_voice_gate_total{gate="${name}",outcome="${outcome ? 'passed' : 'failed'}"}`;
    const gates = res.json().gates as Record<string, { passed: boolean }>;
    expect(grew).toEqual(
      [
        'keyra_approvals_total{method="voice",outcome="not_verified"}',
        ...Object.entries(gates).map(([name, result]) => gate(name, result.passed)),
      ].sort(),
    );
  });

  it('fails the phrase gate for the right voice saying other words, and the phrase stays usable', async () => {
    const wallet = await enrolled();
    const right = phraseFile('flite_slt', 10, 'wav');
    const phraseId = await phraseFor(wallet, right.text);
    const wrong = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(phraseFile('flite_slt', 6, 'wav').bytes),
      ...AUDIO,
      phrase_id: phraseId,
    });
    expect(wrong.statusCode).toBe(200);
    expect(wrong.json().verified).toBe(false);
    expect(wrong.json().gates.phrase.passed).toBe(false);
    expect(wrong.json().gates.speaker.passed).toBe(true);
    expect(wrong.json()).toMatchObject({ proof: null, stamp: null });
    // "Reuse the same phrase_id until it succeeds or expires."
    const retry = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(right.bytes),
      ...AUDIO,
      phrase_id: phraseId,
    });
    expect(retry.json().verified).toBe(true);
    const again = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(right.bytes),
      ...AUDIO,
      phrase_id: phraseId,
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().code).toBe('PHRASE_ALREADY_USED');
    // The failed try, the success and the refused retry of one phrase are metered once.
    expect(await meteredFor(phraseId)).toBe(1);
  });

  it('fails the replay gate for a recording submitted before (even re-encoded)', async () => {
    const wallet = await enrolled();
    const first = phraseFile('flite_slt', 6, 'wav');
    const ok = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(first.bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, first.text),
    });
    expect(ok.json().verified).toBe(true);
    // The same recording as mp3, sent again for a new phrase.
    const replayed = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(phraseFile('flite_slt', 6, 'mp3').bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, phraseFile('flite_slt', 7, 'wav').text),
    });
    expect(replayed.statusCode).toBe(200);
    expect(replayed.json().verified).toBe(false);
    expect(replayed.json().gates.replay).toMatchObject({
      passed: false,
      reason: 'near_identical_recording',
    });
    // The exact bytes again.
    const exact = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(first.bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, phraseFile('flite_slt', 8, 'wav').text),
    });
    expect(exact.json().gates.replay).toMatchObject({ passed: false, reason: 'same_recording' });
  });

  it('fails the replay gate for the enrolment recording itself', async () => {
    const enrollAudio = concatWavs([6, 7].map((id) => phraseFile('flite_slt', id, 'wav').bytes));
    const wallet = await enrolled(enrollAudio);
    const res = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(enrollAudio),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, phraseFile('flite_slt', 6, 'wav').text),
    });
    expect(res.json().gates.replay).toMatchObject({
      passed: false,
      reason: 'enrollment_recording',
    });
    expect(res.json().verified).toBe(false);
  });

  it('lets exactly one of several racing verifications of one phrase succeed', async () => {
    const wallet = await enrolled();
    const probe = phraseFile('flite_slt', 8, 'wav');
    const phraseId = await phraseFor(wallet, probe.text);
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        post('/api/v1/verify', {
          wallet,
          audioBase64: b64(probe.bytes),
          ...AUDIO,
          phrase_id: phraseId,
        }),
      ),
    );
    const wins = results.filter((r) => r.statusCode === 200 && r.json().verified === true);
    expect(wins).toHaveLength(1);
    for (const r of results.filter((x) => !wins.includes(x))) {
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('PHRASE_ALREADY_USED');
    }
    // The outbox holds exactly one voice.verified event for it, and the enrolment's voice.enrolled.
    const events = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/events?limit=100',
        headers: { 'x-api-key': key },
      })
    ).json().data;
    const verified = events.filter(
      (e: { type: string; data: { phraseId?: string } }) =>
        e.type === 'voice.verified' && e.data.phraseId === phraseId,
    );
    expect(verified).toHaveLength(1);
    expect(verified[0].data).toMatchObject({
      wallet,
      phraseId,
      stampId: wins[0]!.json().stamp.stamp_id,
    });
    expect(await meteredFor(phraseId)).toBe(1);
    expect(
      events.some(
        (e: { type: string; data: { wallet?: string } }) =>
          e.type === 'voice.enrolled' && e.data.wallet === wallet,
      ),
    ).toBe(true);
  });

  it('answers the seed codes for phrase problems', async () => {
    const wallet = await enrolled();
    const probe = phraseFile('flite_slt', 6, 'wav');
    const body = { wallet, audioBase64: b64(probe.bytes), ...AUDIO };
    const missing = await post('/api/v1/verify', body);
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'MISSING_PHRASE']);
    const unknown = await post('/api/v1/verify', { ...body, phrase_id: 'pc_doesnotexist000' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'MISSING_PHRASE']);
    const otherWallet = await phraseFor('someone-else', probe.text);
    const foreign = await post('/api/v1/verify', { ...body, phrase_id: otherWallet });
    expect(foreign.json().code).toBe('MISSING_PHRASE');
    const phraseId = await phraseFor(wallet, probe.text);
    t.clock.advance(120_001);
    const expired = await post('/api/v1/verify', { ...body, phrase_id: phraseId });
    expect([expired.statusCode, expired.json().code]).toEqual([400, 'PHRASE_EXPIRED']);
  });

  it('spends a phrase after 5 attempts', async () => {
    const wallet = await enrolled();
    const phraseId = await phraseFor(wallet, 'golden harbor ten fifteen');
    const body = {
      wallet,
      audioBase64: b64(phraseFile('flite_slt', 6, 'wav').bytes),
      ...AUDIO,
      phrase_id: phraseId,
    };
    for (let i = 0; i < 5; i++)
      expect((await post('/api/v1/verify', body)).json().verified).toBe(false);
    const sixth = await post('/api/v1/verify', body);
    expect(sixth.json().code).toBe('PHRASE_ALREADY_USED');
  });

  it('answers 404 without a template, or under another projection_id', async () => {
    const probe = phraseFile('flite_slt', 6, 'wav');
    const none = await post('/api/v1/verify', {
      wallet: 'never-enrolled',
      audioBase64: b64(probe.bytes),
      ...AUDIO,
      phrase_id: await phraseFor('never-enrolled', probe.text),
    });
    expect([none.statusCode, none.json().code]).toEqual([404, 'VOICE_TEMPLATE_NOT_FOUND']);
    const wallet = await enrolled();
    const rotated = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(probe.bytes),
      projection_id: 'p1',
      params_version: 'v1',
      phrase_id: await phraseFor(wallet, probe.text),
    });
    expect([rotated.statusCode, rotated.json().code]).toEqual([404, 'VOICE_TEMPLATE_NOT_FOUND']);
  });

  it('re-enrolling replaces the template', async () => {
    const wallet = await enrolled();
    const res = await post('/api/v1/enroll', {
      wallet,
      audioBase64: b64(
        concatWavs([6, 7, 8, 9].map((id) => phraseFile('espeak-ng_en-us', id, 'wav').bytes)),
      ),
      ...AUDIO,
    });
    expect(res.json()).toMatchObject({ enrolled: true, replaced: true, method: 'voice' });
    const probe = phraseFile('flite_slt', 10, 'wav');
    const verify = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(probe.bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, probe.text),
    });
    expect(verify.json().gates.speaker.passed).toBe(false);
  });
});

describe('audio input errors', () => {
  const enroll = (fields: Body) => post('/api/v1/enroll', { wallet: 'w-err', ...AUDIO, ...fields });
  const code = async (fields: Body) => {
    const res = await enroll(fields);
    return [res.statusCode, res.json().code as string];
  };

  it('missing wallet, audio, or projection fields', async () => {
    const res = await post('/api/v1/enroll', { audioBase64: b64(ENROLL), ...AUDIO });
    expect([res.statusCode, res.json().code]).toEqual([400, 'validation_failed']);
    expect(await code({})).toEqual([400, 'validation_failed']);
    expect(await code({ audioBase64: b64(ENROLL), audioUrl: 'https://example.com/a.wav' })).toEqual(
      [400, 'validation_failed'],
    );
    const noProjection = await post('/api/v1/enroll', { wallet: 'w', audioBase64: b64(ENROLL) });
    expect(noProjection.json().code).toBe('validation_failed');
  });

  it('params_version other than v1', async () => {
    expect(await code({ audioBase64: b64(ENROLL), params_version: 'v2' })).toEqual([
      400,
      'PARAMS_VERSION_UNSUPPORTED',
    ]);
  });

  it('bad base64, too large, unsupported and invalid audio', async () => {
    expect(await code({ audioBase64: '!!!not base64!!!' })).toEqual([400, 'INVALID_AUDIO_BASE64']);
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 1);
    expect(await code({ audioBase64: b64(big) })).toEqual([400, 'AUDIO_TOO_LARGE']);
    expect(
      await code({ audioBase64: b64(Buffer.from('hello, this is not audio at all')) }),
    ).toEqual([400, 'UNSUPPORTED_AUDIO_FORMAT']);
    const speaker = readdirSync(path.join(VOICE_DATA, 'librispeech_test-other')).find((d) =>
      /^\d+$/.test(d),
    )!;
    const dir = path.join(VOICE_DATA, 'librispeech_test-other', speaker);
    const flac = readFileSync(
      path.join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.flac'))!,
      ),
    );
    expect(await code({ audioBase64: b64(flac) })).toEqual([400, 'UNSUPPORTED_AUDIO_FORMAT']);
    const broken = Buffer.from(ENROLL.subarray(0, 30));
    expect(await code({ audioBase64: b64(broken) })).toEqual([400, 'INVALID_AUDIO']);
    const mp3 = phraseFile('flite_slt', 1, 'mp3').bytes;
    const garbled = Buffer.concat([mp3.subarray(0, 4), Buffer.alloc(4000, 0x55)]);
    expect((await code({ audioBase64: b64(garbled) }))[0]).toBe(400);
  });

  it('sample rate outside 16-48 kHz, duration outside 1-15 s', async () => {
    expect(await code({ audioBase64: b64(wav(tone(2, 8000), 8000)) })).toEqual([
      400,
      'SAMPLE_RATE_OUT_OF_RANGE',
    ]);
    expect(await code({ audioBase64: b64(wav(tone(2, 96_000), 96_000)) })).toEqual([
      400,
      'SAMPLE_RATE_OUT_OF_RANGE',
    ]);
    expect(await code({ audioBase64: b64(wav(tone(0.5))) })).toEqual([400, 'AUDIO_TOO_SHORT']);
    expect(await code({ audioBase64: b64(wav(tone(16))) })).toEqual([400, 'AUDIO_TOO_LONG']);
  });

  it('accepts stereo 48 kHz and refuses silent enrolment audio', async () => {
    const silent = await enroll({ audioBase64: b64(wav(new Float32Array(48_000))) });
    expect([silent.statusCode, silent.json().code]).toEqual([400, 'AUDIO_QUALITY_TOO_LOW']);
    expect(silent.json().details.issues).toContain('too_quiet');
  });

  it('audioUrl must be https and public', async () => {
    expect(await code({ audioUrl: 'ftp://example.com/a.wav' })).toEqual([400, 'INVALID_AUDIO_URL']);
    expect(await code({ audioUrl: 'not a url' })).toEqual([400, 'INVALID_AUDIO_URL']);
    expect(await code({ audioUrl: 'http://example.com/a.wav' })).toEqual([
      400,
      'INVALID_AUDIO_URL',
    ]);
    expect(await code({ audioUrl: 'https://user:pw@example.com/a.wav' })).toEqual([
      400,
      'INVALID_AUDIO_URL',
    ]);
    expect(await code({ audioUrl: 'https://127.0.0.1/a.wav' })).toEqual([400, 'AUDIO_URL_BLOCKED']);
    expect(await code({ audioUrl: 'https://169.254.169.254/latest/meta-data' })).toEqual([
      400,
      'AUDIO_URL_BLOCKED',
    ]);
  });
});

describe('speech unavailable', () => {
  it('answers 502 with the apt command when pocketsphinx or ffmpeg is missing', async () => {
    const broken = createVoiceEngine({
      threads: 1,
      speech: { pocketsphinxLibrary: '/nonexistent/libpocketsphinx.so.3' },
      ffmpegPath: '/nonexistent/ffmpeg',
    });
    const t2 = await createVoiceTestApp(broken);
    try {
      const k = await t2.key();
      const send = (url: string, body: Body) =>
        t2.app.inject({ method: 'POST', url, headers: { 'x-api-key': k }, payload: body });
      const verify = await send('/api/v1/verify', {
        wallet: 'w',
        audioBase64: b64(phraseFile('flite_slt', 6, 'wav').bytes),
        ...AUDIO,
        phrase_id: 'pc_whatever00000',
      });
      expect(verify.statusCode).toBe(502);
      expect(verify.json().code).toBe('SPEECH_UNAVAILABLE');
      expect(verify.json().message).toMatch(/apt-get install -y .*pocketsphinx/);
      const enroll = await send('/api/v1/enroll', {
        wallet: 'w',
        audioBase64: b64(phraseFile('flite_slt', 6, 'm4a').bytes),
        ...AUDIO,
      });
      expect(enroll.statusCode).toBe(502);
      expect(enroll.json().message).toMatch(/apt-get install -y ffmpeg/);
      // The rest of the server is unaffected.
      expect((await send('/api/v1/phrase', { wallet: 'w' })).statusCode).toBe(200);
    } finally {
      await t2.close();
      await broken.close();
    }
  });
});

describe('a decoding failure that is not the audio', () => {
  it('answers 502 SPEECH_PROCESSING_FAILED (retry), not 500, and changes nothing', async () => {
    const failing = Object.assign(Object.create(real) as VoiceEngine, {
      decode: () => Promise.reject(new Error('voice analysis worker exited with code 1')),
    });
    const t2 = await createVoiceTestApp(failing);
    try {
      const k = await t2.key();
      const res = await t2.app.inject({
        method: 'POST',
        url: '/api/v1/enroll',
        headers: { 'x-api-key': k },
        payload: { wallet: 'w-dead', audioBase64: b64(ENROLL), ...AUDIO },
      });
      expect([res.statusCode, res.json().code]).toEqual([502, 'SPEECH_PROCESSING_FAILED']);
      expect(res.json().message).toMatch(/retry/);
      const enrolment = await t2.app.inject({
        method: 'GET',
        url: '/api/v1/enrollments/w-dead',
        headers: { 'x-api-key': k },
      });
      expect(enrolment.statusCode).toBe(404);
    } finally {
      await t2.close();
    }
  });
});

describe('legacy hash flow (deprecated)', () => {
  const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

  it('enrolls and verifies hashes in constant time, with Deprecation and Link headers', async () => {
    const enroll = await post('/api/v1/enroll', {
      wallet: 'legacy-1',
      phrase_hash: sha('open sesame'),
    });
    expect(enroll.statusCode).toBe(200);
    expect(enroll.json()).toMatchObject({ enrolled: true, method: 'legacy_hash', replaced: false });
    expect(enroll.headers['deprecation']).toMatch(/^@\d+$/);
    expect(enroll.headers['link']).toContain('rel="deprecation"');
    const good = await post('/api/v1/verify', {
      wallet: 'legacy-1',
      probe_hash: sha('open sesame').toUpperCase(),
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ verified: true, proof: null, stamp: null });
    expect(good.headers['deprecation']).toBeDefined();
    expect(good.headers['link']).toContain('rel="deprecation"');
    const bad = await post('/api/v1/verify', { wallet: 'legacy-1', probe_hash: sha('nope') });
    expect(bad.json().verified).toBe(false);
    const none = await post('/api/v1/verify', { wallet: 'legacy-2', probe_hash: sha('x') });
    expect([none.statusCode, none.json().code]).toEqual([404, 'VOICE_TEMPLATE_NOT_FOUND']);
  });

  it('refuses malformed hashes and mixed bodies', async () => {
    const bad = await post('/api/v1/enroll', { wallet: 'legacy-3', phrase_hash: 'abc' });
    expect(bad.json().code).toBe('validation_failed');
    const mixed = await post('/api/v1/verify', {
      wallet: 'legacy-3',
      probe_hash: sha('x'),
      phrase_id: 'pc_1234567890',
    });
    expect(mixed.json().code).toBe('validation_failed');
  });
});

describe('GET /api/v1/verify_logs', () => {
  it('lists attempts newest first with gate outcomes and no words', async () => {
    const wallet = await enrolled();
    const probe = phraseFile('flite_slt', 9, 'wav');
    const answer = await post('/api/v1/verify', {
      wallet,
      audioBase64: b64(probe.bytes),
      ...AUDIO,
      phrase_id: await phraseFor(wallet, probe.text),
    });
    const { phrase, speaker, replay, quality } = answer.json().gates;
    t.clock.advance(1000);
    await post('/api/v1/verify', { wallet, audioBase64: b64(probe.bytes), ...AUDIO });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/verify_logs?wallet=${wallet}&limit=1`,
      headers: { 'x-api-key': key },
    });
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page.data).toHaveLength(1);
    expect(page.has_more).toBe(true);
    expect(page.data[0]).toMatchObject({ wallet, status: 400, error_code: 'MISSING_PHRASE' });
    // Refused before any gate ran: no gate measured anything.
    expect(page.data[0].measures).toEqual({
      phrase: null,
      speaker: null,
      replay: null,
      quality: null,
    });
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/verify_logs?wallet=${wallet}&cursor=${page.next_cursor}`,
      headers: { 'x-api-key': key },
    });
    const older = next.json().data[0];
    expect(older).toMatchObject({
      verified: true,
      status: 200,
      gates: { phrase: true, speaker: true },
    });
    expect(older.speaker_score).toBeGreaterThan(older.speaker_threshold);
    // Each gate's measure and threshold, as the verify answer reported them.
    expect(older.measures).toEqual({
      phrase: {
        matched_words: phrase.matched_words,
        required_words: phrase.required_words,
        total_words: phrase.total_words,
      },
      speaker: { score: speaker.score, threshold: speaker.threshold },
      replay: { similarity: replay.similarity, threshold: replay.threshold },
      quality: {
        speech_seconds: quality.speech_seconds,
        min_speech_seconds: quality.min_speech_seconds,
        clipping_ratio: quality.clipping_ratio,
        max_clipping_ratio: quality.max_clipping_ratio,
        level_dbfs: quality.level_dbfs,
        min_level_dbfs: quality.min_level_dbfs,
        bandwidth_hz: quality.bandwidth_hz ?? null,
        min_bandwidth_hz: quality.min_bandwidth_hz,
        snr_db: quality.snr_db ?? null,
        min_snr_db: quality.min_snr_db,
      },
    });
    expect(older.measures.quality.speech_seconds).toBeGreaterThan(0);
    for (const word of probe.text.split(' ')) expect(next.body).not.toContain(word);
    const verified = await t.app.inject({
      method: 'GET',
      url: `/api/v1/verify_logs?verified=true&wallet=${wallet}`,
      headers: { 'x-api-key': key },
    });
    expect(verified.json().data.every((log: { verified: boolean }) => log.verified)).toBe(true);
    const otherTenant = await t.key('other-tenant');
    const isolated = await t.app.inject({
      method: 'GET',
      url: '/api/v1/verify_logs',
      headers: { 'x-api-key': otherTenant },
    });
    expect(isolated.json().data).toEqual([]);
  });

  it('rejects a forged cursor', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/verify_logs?cursor=bm9wZQ',
      headers: { 'x-api-key': key },
    });
    expect(res.json().code).toBe('invalid_cursor');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and X-RateLimit-* headers', async () => {
    const t2 = await createVoiceTestApp(real, { KEYRA_RATE_LIMIT_PER_KEY: '2' });
    try {
      const k = await t2.key();
      const send = () =>
        t2.app.inject({
          method: 'POST',
          url: '/api/v1/phrase',
          headers: { 'x-api-key': k },
          payload: { wallet: 'w' },
        });
      await send();
      await send();
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(limited.headers['x-ratelimit-limit']).toBe('2');
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    } finally {
      await t2.close();
    }
  });
});

describe('GET /api/v1/enrollments/:wallet', () => {
  const get = (wallet: string, apiKey = key) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/enrollments/${wallet}`,
      headers: { 'x-api-key': apiKey },
    });

  it('describes a template or a legacy hash without revealing either', async () => {
    const wallet = await enrolled();
    const voice = await get(wallet);
    expect(voice.statusCode).toBe(200);
    expect(voice.json()).toMatchObject({ wallet, method: 'voice', projection_id: 'p0' });
    expect(Object.keys(voice.json()).sort()).toEqual([
      'created_at',
      'method',
      'model_version',
      'params_version',
      'projection_id',
      'updated_at',
      'wallet',
    ]);
    const hash = createHash('sha256').update('enrol me').digest('hex');
    await post('/api/v1/enroll', { wallet: 'legacy-enr', phrase_hash: hash });
    const legacy = await get('legacy-enr');
    expect(legacy.json()).toMatchObject({ method: 'legacy_hash', projection_id: null });
    expect(legacy.body).not.toContain(hash);
  });

  it('answers 404 for nothing enrolled or another tenant, 400 for a malformed wallet', async () => {
    const wallet = await enrolled();
    const missing = await get('nobody-here');
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'VOICE_TEMPLATE_NOT_FOUND']);
    const other = await get(wallet, await t.key('other-tenant-2'));
    expect(other.statusCode).toBe(404);
    const bad = await get('%20bad%20wallet');
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'validation_failed']);
  });
});
