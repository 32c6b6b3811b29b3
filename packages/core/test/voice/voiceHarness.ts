import { createHash } from 'node:crypto';
import {
  createSecretBox,
  ensureTenant,
  generateSigningKey,
  newPhraseId,
  KeyraError,
  signProof,
  VOICE_LIMITS,
  type AudioLoader,
  type EpochMs,
  type ProofSigner,
  type Recording,
  type Scope,
  type SpeechAnalysis,
  type SpeechEngine,
  type StampIssuer,
  type StampRecord,
} from '@keyra/core';
import type { JWK } from 'jose';
import { openStorage, type DatabaseStorage } from '@keyra/storage';

// A small fake speech engine for the core voice verbs: a "recording" is the JSON of what it holds
// (who speaks, which words, how well), so each test says exactly what the machinery would find.

export interface Take {
  speaker: 'alice' | 'mallory';
  words: string;
  /** `quiet` fails the quality gate; `brief` passes it for verify but not for enrolment. */
  quality?: 'good' | 'quiet' | 'brief';
  /** Tells takes of the same words apart (a new recording). */
  take?: number;
  /** The same recording re-encoded: other bytes, the same sound. */
  encoding?: string;
}

export const PROMPT = 'blue river seven forty';
export const T0: EpochMs = Date.UTC(2026, 4, 29, 18, 40, 0);
const VOICES: Record<Take['speaker'], number[]> = {
  alice: [0.9, 0.1, 0.3, 0.2, -0.4, 0.1, 0.6, 0.05],
  mallory: [-0.2, 0.8, -0.1, 0.5, 0.3, -0.6, 0.1, 0.2],
};

export function audio(take: Take): { audioBase64: string } {
  return { audioBase64: Buffer.from(JSON.stringify(take)).toString('base64') };
}

/** The test's audio loader: base64 only. */
export const loadAudio: AudioLoader = async (source) => {
  if (source.audioBase64 === undefined) throw new Error('the fake loads base64 only');
  return Buffer.from(source.audioBase64, 'base64');
};

function fingerprintOf(take: Take): Uint16Array {
  const { encoding: _encoding, ...sound } = take;
  const out = new Uint16Array(64);
  let seed = createHash('sha256').update(JSON.stringify(sound)).digest();
  for (let i = 0; i < out.length; i++) {
    if (i % 16 === 0 && i > 0) seed = createHash('sha256').update(seed).digest();
    out[i] = seed.readUInt16LE((i % 16) * 2);
  }
  return out;
}

export interface FakeSpeech extends SpeechEngine {
  /** Make the recognizer unavailable (as when pocketsphinx is not installed). */
  recognizerMissing: boolean;
  paramsVersion: string;
  modelVersion: string;
}

export function fakeSpeech(): FakeSpeech {
  const takes = new WeakMap<object, Take>();
  const analyseTake = async (recording: Recording): Promise<SpeechAnalysis> => {
    const take = takes.get(recording)!;
    const pcm16k = new Float32Array(32);
    takes.set(pcm16k, take);
    const quality = take.quality ?? 'good';
    return {
      pcm16k,
      embedding: Float32Array.from(VOICES[take.speaker]),
      cohort: null,
      quality: {
        durationSec: 2,
        speechSec: quality === 'brief' ? 1 : 1.8,
        clippingRatio: 0,
        levelDbfs: quality === 'quiet' ? -60 : -20,
      },
      fingerprint: fingerprintOf(take),
    };
  };
  const engine: FakeSpeech = {
    recognizerMissing: false,
    paramsVersion: 'v1',
    modelVersion: 'fake-1',
    async model() {
      return { paramsVersion: engine.paramsVersion, version: engine.modelVersion, dimension: 8 };
    },
    async requireRecognizer() {
      if (engine.recognizerMissing)
        throw new KeyraError('SPEECH_UNAVAILABLE', 'Install it with: apt-get install -y x');
    },
    async decode(bytes) {
      let take: Take;
      try {
        take = JSON.parse(Buffer.from(bytes).toString('utf8')) as Take;
      } catch {
        throw new KeyraError('INVALID_AUDIO', 'The audio could not be decoded.');
      }
      const recording: Recording = {
        bytesSha256: createHash('sha256').update(bytes).digest('hex'),
        decoded: { samples: new Float32Array(32), sampleRate: 16_000, channels: 1, durationSec: 2 },
      };
      takes.set(recording, take);
      return recording;
    },
    analyse(recording) {
      const result = analyseTake(recording);
      return { pcm16k: result.then((a) => a.pcm16k), result };
    },
    async recognise(pcm16k, prompt) {
      const heard = takes.get(pcm16k)!.words.split(' ');
      const want = prompt.split(' ');
      return {
        text: heard.join(' '),
        matchedWords: want.filter((word, i) => heard[i] === word).length,
        requiredWords: want.length - 1,
        totalWords: want.length,
      };
    },
    async scoreSpeaker(enrolled, probe) {
      let dot = 0;
      let a = 0;
      let b = 0;
      enrolled.embedding.forEach((x, i) => {
        const y = probe.embedding[i]!;
        dot += x * y;
        a += x * x;
        b += y * y;
      });
      return { score: dot / Math.sqrt(a * b), threshold: 0.9 };
    },
  };
  return engine;
}

export interface VoiceWorld {
  storage: DatabaseStorage;
  scope: Scope;
  speech: FakeSpeech;
  serverSecret: Buffer;
  signer: ProofSigner;
  stamps: StampIssuer;
  publicJwk: JWK;
  /** A fresh phrase of `PROMPT` (or `prompt`) for `wallet`, issued at `now`. */
  phrase(wallet: string, now?: EpochMs, prompt?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real SQLite storage in memory, a tenant, a real proof signer and a fake speech engine. */
export async function voiceWorld(): Promise<VoiceWorld> {
  const storage = await openStorage('sqlite::memory:', { migrate: true });
  const { tenant } = await ensureTenant(storage.tenants, 'acme', T0);
  const scope: Scope = { tenantId: tenant.id, environment: 'sandbox' };
  const serverSecret = Buffer.alloc(32, 7);
  const box = createSecretBox(serverSecret, 'signing-keys');
  const key = await generateSigningKey(box, T0);
  const signer: ProofSigner = {
    sign: async (subject, now) =>
      (await signProof(key, box, 'https://keyra.test', subject, now)).jws,
  };
  let stampCount = 0;
  const stamps: StampIssuer = {
    issue: async (where, subject, now): Promise<StampRecord> => ({
      id: `stp_test${++stampCount}`,
      tenantId: where.tenantId,
      environment: where.environment,
      subjectId: subject.subjectId,
      method: subject.method,
      proofSha256: createHash('sha256').update(subject.proof).digest('hex'),
      issuedAt: Math.floor(now / 1000) * 1000,
      signature: 'test-signature',
      offchain: null,
      chainStatus: 'none',
      chainAttempts: 0,
      chainNextAttemptAt: null,
      chainLeaseUntil: null,
      chainId: null,
      chainTxHash: null,
      chainUid: null,
      chainError: null,
      chainConfirmedAt: null,
    }),
  };
  return {
    storage,
    scope,
    speech: fakeSpeech(),
    serverSecret,
    signer,
    stamps,
    publicJwk: key.publicJwk,
    async phrase(wallet, now = T0, prompt = PROMPT) {
      // Stored directly: issuePhrase would (rightly) never repeat a prompt to a wallet in a day.
      const id = newPhraseId();
      await storage.voice.insertPhrase({
        id,
        tenantId: scope.tenantId,
        environment: scope.environment,
        wallet,
        prompt,
        createdAt: now,
        expiresAt: now + VOICE_LIMITS.phraseTtlSec * 1000,
        usedAt: null,
        attempts: 0,
      });
      return id;
    },
    close: () => storage.close(),
  };
}
