import {
  enrollVoice,
  verifyVoice,
  VOICE_PROOF_ACTION,
  voicePhraseDigest,
  KeyraError,
  type VerifyVoiceInput,
} from '@keyra/core';
import { importJWK, jwtVerify } from 'jose';
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

// verifyVoice without HTTP: a real SQLite storage, frozen time, a fake speech engine. Every gate
// passing and failing, the phrase's life, and the errors before any gate runs.

let w: VoiceWorld;
beforeEach(async () => {
  w = await voiceWorld();
  await enrollVoice(
    w.scope,
    { wallet: 'w1', projectionId: 'p0', paramsVersion: 'v1', ...audio(ENROLMENT) },
    { storage: w.storage, speech: w.speech, loadAudio, serverSecret: w.serverSecret, now: T0 },
  );
});
afterEach(async () => {
  await w.close();
});

const ENROLMENT: Take = { speaker: 'alice', words: PROMPT, take: 0 };
const SAID: Take = { speaker: 'alice', words: PROMPT, take: 1 };

function verify(
  input: Partial<VerifyVoiceInput> & { phraseId?: string },
  take: Take = SAID,
  now = T0 + 1000,
) {
  return verifyVoice(
    w.scope,
    {
      wallet: 'w1',
      audience: 'acme',
      projectionId: 'p0',
      paramsVersion: 'v1',
      ...audio(take),
      ...input,
    },
    {
      storage: w.storage,
      speech: w.speech,
      loadAudio,
      serverSecret: w.serverSecret,
      signer: w.signer,
      stamps: w.stamps,
      now,
      elapsedMs: () => 42,
    },
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

const logs = () => w.storage.voice.listVerifyLogs(w.scope, {}, 50);
const metered = async (phraseId: string) =>
  (await w.storage.usage.findBySubject(w.scope, phraseId)) !== null;

describe('verifyVoice: all gates pass', () => {
  it('spends the phrase, signs a proof, stores a stamp, meters once and logs', async () => {
    const phraseId = await w.phrase('w1');
    const result = await verify({ phraseId });
    expect(result).toMatchObject({
      verified: true,
      wallet: 'w1',
      method: 'voice',
      phraseId,
      latencyMs: 42,
      gates: {
        phrase: { passed: true, heard: PROMPT, matched_words: 4, total_words: 4 },
        speaker: { passed: true, threshold: 0.9 },
        replay: { passed: true, reason: null },
        quality: { passed: true },
      },
    });
    // The projection is orthogonal: the projected probe scores 1 against the projected template.
    expect(result.gates.speaker.score).toBeCloseTo(1, 3);

    const key = await importJWK(w.publicJwk, 'ES256');
    const { payload } = await jwtVerify(result.proof!, key, {
      audience: 'acme',
      currentDate: new Date(T0 + 1000),
    });
    expect(payload).toMatchObject({
      action: VOICE_PROOF_ACTION,
      sub: 'w1',
      challengeId: phraseId,
      method: 'voice',
      challengeDigest: voicePhraseDigest(phraseId, PROMPT, 'w1'),
    });
    expect(await w.storage.stamps.findById(result.stamp!.id)).toMatchObject({
      subjectId: phraseId,
      method: 'voice',
    });
    expect(await metered(phraseId)).toBe(true);
    const events = await w.storage.events.list(w.scope, 10, { type: 'voice.verified' });
    expect(events.map((e) => e.data)).toEqual([
      {
        wallet: 'w1',
        phraseId,
        projectionId: 'p0',
        speakerScore: result.gates.speaker.score,
        stampId: result.stamp!.id,
      },
    ]);
    const [log] = await logs();
    expect(log).toMatchObject({
      id: result.id,
      verified: true,
      status: 200,
      errorCode: null,
      phrasePassed: true,
      speakerPassed: true,
      speakerThreshold: 0.9,
      replayPassed: true,
      qualityPassed: true,
      speechSec: 1.8,
      audioSec: 2,
      latencyMs: 42,
      createdAt: T0 + 1000,
      gateMeasures: {
        phrase: { matched_words: 4, required_words: result.gates.phrase.required_words },
        replay: { similarity: result.gates.replay.similarity, threshold: 0.8 },
        quality: { speech_seconds: 1.8, min_speech_seconds: 0.6, max_clipping_ratio: 0.01 },
      },
    });
    expect(log!.gateMeasures!.quality).not.toHaveProperty('advice');

    // Spent: the same phrase cannot verify again, even with a new recording.
    expect(await failure(verify({ phraseId }, { ...SAID, take: 2 }))).toEqual([
      400,
      'PHRASE_ALREADY_USED',
    ]);
  });

  it('lets exactly one of several racing verifications of a phrase succeed, metered once', async () => {
    const phraseId = await w.phrase('w1');
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((take) => verify({ phraseId }, { ...SAID, take: 10 + take })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled' && o.value.verified);
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((o) => (o as PromiseRejectedResult).reason.code)).toEqual([
      'PHRASE_ALREADY_USED',
      'PHRASE_ALREADY_USED',
    ]);
    expect(await w.storage.usage.meteredCount(w.scope.tenantId)).toBe(1);
  });
});

describe('verifyVoice: recognition and analysis', () => {
  it('starts recognising on the resampled audio before the rest of the analysis is done', async () => {
    const phraseId = await w.phrase('w1');
    const { analyse, recognise } = w.speech;
    let recognitionStarted!: () => void;
    const started = new Promise<void>((resolve) => (recognitionStarted = resolve));
    // The embedding and the measures are held back until recognition has begun: a verify that
    // waited for them before recognising would never finish.
    w.speech.analyse = (recording) => {
      const stages = analyse(recording);
      return { pcm16k: stages.pcm16k, result: started.then(() => stages.result) };
    };
    w.speech.recognise = (pcm16k, prompt) => {
      recognitionStarted();
      return recognise(pcm16k, prompt);
    };
    const outcome = await Promise.race([
      verify({ phraseId }),
      new Promise((resolve) => setTimeout(() => resolve('stuck'), 2000)),
    ]);
    expect(outcome).toMatchObject({ verified: true });
  });

  it('fails with the analysis error, and recognition that already ran changes nothing', async () => {
    const phraseId = await w.phrase('w1');
    const { analyse } = w.speech;
    w.speech.analyse = (recording) => {
      const stages = analyse(recording);
      return {
        pcm16k: stages.pcm16k,
        result: stages.pcm16k.then(() => {
          throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Analysing the audio failed; retry.');
        }),
      };
    };
    expect(await failure(verify({ phraseId }))).toEqual([502, 'SPEECH_PROCESSING_FAILED']);
    w.speech.analyse = analyse;
    // The phrase was not spent by the failed attempt.
    expect((await verify({ phraseId })).verified).toBe(true);
  });
});

describe('verifyVoice: a failing gate', () => {
  async function failsOnly(gate: 'phrase' | 'speaker' | 'replay' | 'quality', take: Take) {
    const phraseId = await w.phrase('w1');
    const result = await verify({ phraseId }, take);
    expect(result.verified).toBe(false);
    for (const name of ['phrase', 'speaker', 'replay', 'quality'] as const)
      expect([name, result.gates[name].passed]).toEqual([name, name !== gate]);
    expect([result.proof, result.stamp]).toEqual([null, null]);
    expect(await metered(phraseId)).toBe(false);
    const events = await w.storage.events.list(w.scope, 10, { type: 'voice.verified' });
    expect(events.filter((e) => e.data['phraseId'] === phraseId)).toEqual([]);
    const log = (await logs()).find((row) => row.id === result.id);
    expect(log).toMatchObject({ verified: false, status: 200, [`${gate}Passed`]: false });
    return { phraseId, result };
  }

  it('phrase: other words fail, and the phrase stays usable for a retry', async () => {
    const { phraseId, result } = await failsOnly('phrase', {
      ...SAID,
      words: 'red canal nine twelve',
    });
    expect(result.gates.phrase).toMatchObject({ heard: 'red canal nine twelve', matched_words: 0 });
    // A retry of the same phrase is not a replay of the failed attempt.
    expect((await verify({ phraseId })).verified).toBe(true);
  });

  it('speaker: another voice saying the right words fails', async () => {
    const { result } = await failsOnly('speaker', { ...SAID, speaker: 'mallory' });
    expect(result.gates.speaker.score).toBeLessThan(0.9);
  });

  it('quality: a recording too quiet to score fails', async () => {
    const { result } = await failsOnly('quality', { ...SAID, quality: 'quiet' });
    expect(result.gates.quality.issues).toEqual(['too_quiet']);
  });

  it('replay: the same recording under a new phrase fails', async () => {
    expect((await verify({ phraseId: await w.phrase('w1') })).verified).toBe(true);
    const { result } = await failsOnly('replay', SAID);
    expect(result.gates.replay).toMatchObject({ reason: 'same_recording', similarity: 1 });
  });

  it('replay: the same recording re-encoded fails as near-identical', async () => {
    expect((await verify({ phraseId: await w.phrase('w1') })).verified).toBe(true);
    const { result } = await failsOnly('replay', { ...SAID, encoding: 'mp3' });
    expect(result.gates.replay.reason).toBe('near_identical_recording');
  });

  it('replay: the enrolment recording itself fails', async () => {
    const reencoded = await failsOnly('replay', { ...ENROLMENT, encoding: 'webm' });
    expect(reencoded.result.gates.replay.reason).toBe('enrollment_recording');
    const exact = await failsOnly('replay', ENROLMENT);
    expect(exact.result.gates.replay).toMatchObject({
      reason: 'enrollment_recording',
      similarity: 1,
    });
  });
});

describe('verifyVoice: the phrase', () => {
  it('is required, must exist and belong to the wallet', async () => {
    expect(await failure(verify({}))).toEqual([400, 'MISSING_PHRASE']);
    expect(await failure(verify({ phraseId: 'pc_unknown0000000000000000' }))).toEqual([
      400,
      'MISSING_PHRASE',
    ]);
    expect(await failure(verify({ phraseId: 'not a phrase id' }))).toEqual([400, 'MISSING_PHRASE']);
    const theirs = await w.phrase('w2');
    expect(await failure(verify({ phraseId: theirs }))).toEqual([400, 'MISSING_PHRASE']);
    const rows = await logs();
    expect(rows.map((r) => [r.status, r.errorCode, r.phrasePassed, r.gateMeasures])).toEqual(
      Array(4).fill([400, 'MISSING_PHRASE', null, null]),
    );
  });

  it('expires after 120 s', async () => {
    const phraseId = await w.phrase('w1');
    expect(await failure(verify({ phraseId }, SAID, T0 + 120_000))).toEqual([
      400,
      'PHRASE_EXPIRED',
    ]);
    expect((await verify({ phraseId }, SAID, T0 + 119_999)).verified).toBe(true);
  });

  it('allows 5 attempts', async () => {
    const phraseId = await w.phrase('w1');
    const wrong: Take = { ...SAID, words: 'red canal nine twelve' };
    for (let i = 0; i < 5; i++) expect((await verify({ phraseId }, wrong)).verified).toBe(false);
    expect(await failure(verify({ phraseId }))).toEqual([400, 'PHRASE_ALREADY_USED']);
  });
});

describe('verifyVoice: errors before the gates', () => {
  it('refuses a wallet without a template, or with one under another projection_id', async () => {
    const theirs = await w.phrase('w3');
    expect(await failure(verify({ wallet: 'w3', phraseId: theirs }))).toEqual([
      404,
      'VOICE_TEMPLATE_NOT_FOUND',
    ]);
    const phraseId = await w.phrase('w1');
    expect(await failure(verify({ phraseId, projectionId: 'p1' }))).toEqual([
      404,
      'VOICE_TEMPLATE_NOT_FOUND',
    ]);
  });

  it('refuses a template of another model, and a params_version the server does not run', async () => {
    const phraseId = await w.phrase('w1');
    expect(await failure(verify({ phraseId, paramsVersion: 'v2' }))).toEqual([
      400,
      'PARAMS_VERSION_UNSUPPORTED',
    ]);
    w.speech.modelVersion = 'fake-2';
    expect(await failure(verify({ phraseId }))).toEqual([400, 'PARAMS_VERSION_UNSUPPORTED']);
  });

  it('requires projection_id and params_version', async () => {
    await expect(
      verify({ phraseId: await w.phrase('w1'), projectionId: undefined }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'projection_id', issue: 'required' }],
    });
  });

  it('fails fast without spending an attempt when recognition is not installed', async () => {
    const phraseId = await w.phrase('w1');
    w.speech.recognizerMissing = true;
    for (let i = 0; i < 6; i++)
      expect(await failure(verify({ phraseId }))).toEqual([502, 'SPEECH_UNAVAILABLE']);
    w.speech.recognizerMissing = false;
    expect((await verify({ phraseId })).verified).toBe(true);
  });

  it('answers even when the verify log cannot be written, and reports why', async () => {
    const phraseId = await w.phrase('w1');
    const failing = Object.assign(Object.create(w.storage.voice) as typeof w.storage.voice, {
      insertVerifyLog: async () => {
        throw new Error('disk full');
      },
    });
    const storage = Object.assign(Object.create(w.storage) as typeof w.storage, {
      voice: failing,
    });
    const seen: unknown[] = [];
    const result = await verifyVoice(
      w.scope,
      {
        wallet: 'w1',
        audience: 'acme',
        phraseId,
        projectionId: 'p0',
        paramsVersion: 'v1',
        ...audio(SAID),
      },
      {
        storage,
        speech: w.speech,
        loadAudio,
        serverSecret: w.serverSecret,
        signer: w.signer,
        stamps: w.stamps,
        now: T0 + 1000,
        elapsedMs: () => 1,
        onLogError: (error) => seen.push(error),
      },
    );
    expect(result.verified).toBe(true);
    expect(seen).toEqual([new Error('disk full')]);
    expect(await logs()).toEqual([]);
  });
});
