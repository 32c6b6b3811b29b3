import { performance } from 'node:perf_hooks';
import { checkPhrase } from '@keyra/asr';
import {
  beginPhraseAttempt,
  deriveProjection,
  formatTimestamp,
  isKeyraError,
  issuePhrase,
  keyedLegacyHash,
  KeyraError,
  legacyHashesEqual,
  listVerifyLogs,
  QUALITY_THRESHOLDS,
  qualityGate,
  randomBase62,
  replayGate,
  speakerGate,
  systemRandom,
  VOICE_LIMITS,
  type AuthenticatedKey,
  type Clock,
  type RandomBytes,
  type Storage,
  type VerifyLogRecord,
  type VoiceGates,
  canonicalJson,
  meterVerification,
  recordEvent,
} from '@keyra/core';
import { createHash } from 'node:crypto';
import {
  EnrollBody,
  Enrollment,
  IssuedPhrase,
  ListVerifyLogsQuery,
  PhraseBody,
  VerifyBody,
  VerifyLogList,
  VerifyResult,
} from '@keyra/contract';
import { loadNeuralModel, scoreEmbeddings } from '@keyra/voice';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerConfig } from '../../config.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { createVoiceEngine, modelEmbedder, type VoiceEngine } from './createVoiceEngine.js';
import { decodeRecording, loadAudioBytes } from './loadAudio.js';
import { verifyLogJson } from './voiceJson.js';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import { stampJson } from '../stamps/stampJson.js';

export interface VoiceRoutesOptions {
  storage: Storage;
  clock: Clock;
  config: ServerConfig;
  /** Derives the template projections and the legacy-hash key. */
  serverSecret: Buffer;
  /** Signs voice proofs and issues their stamps. */
  approval: Pick<ApprovalServices, 'signer' | 'stamps' | 'attester'>;
  /** The speech machinery; by default one is created on first use and closed with the app. */
  engine?: VoiceEngine;
  random?: RandomBytes;
}

/** The `action` of voice proofs. */
export const VOICE_PROOF_ACTION = 'keywave.verify';

/**
 * The `challengeDigest` of a voice proof: hex SHA-256 of the canonical JSON
 * `{"phrase_id", "prompt", "wallet"}` — the one-time phrase the human spoke (docs/proofs.md).
 */
export function voicePhraseDigest(phraseId: string, prompt: string, wallet: string): string {
  return createHash('sha256')
    .update(canonicalJson({ phrase_id: phraseId, prompt, wallet }), 'utf8')
    .digest('hex');
}

/** 5 MiB of audio as base64 plus the other fields. */
const VOICE_BODY_LIMIT = 8 * 1024 * 1024;

/** RFC 9745 `Deprecation` (an IMF date as a structured epoch) and its `Link` for the hash flow. */
const DEPRECATION_HEADERS = {
  Deprecation: '@1735689600',
  Link: '</docs>; rel="deprecation"; type="text/html", </api/v1/phrase>; rel="successor-version"',
};

const errors = { ...ERROR_RESPONSES, 502: ERROR_RESPONSES[400] };

/** Checks the audio fields; `params_version` must be the active back end's (`accepted`). */
async function requireAudioFields(
  body: { projection_id?: string | undefined; params_version?: string | undefined },
  engine: VoiceEngine,
): Promise<{ projectionId: string; paramsVersion: string }> {
  const missing = (['projection_id', 'params_version'] as const).filter(
    (f) => body[f] === undefined,
  );
  if (missing.length > 0) {
    throw new KeyraError(
      'validation_failed',
      `Invalid request: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required with audio (e.g. "projection_id": "p0", "params_version": "v1").`,
      { details: missing.map((field) => ({ field, issue: 'required' })) },
    );
  }
  const paramsVersion = body.params_version!;
  const accepted = (await engine.model()).paramsVersion;
  if (paramsVersion !== accepted) {
    throw new KeyraError(
      'PARAMS_VERSION_UNSUPPORTED',
      `params_version ${JSON.stringify(paramsVersion.slice(0, 32))} is not supported; this server runs ${accepted} (a template enrolled under another back end must be enrolled again).`,
    );
  }
  return { projectionId: body.projection_id!, paramsVersion };
}

function refuseMixed(body: object, legacyField: string): void {
  const extra = Object.keys(body).filter((k) => k !== 'wallet' && k !== legacyField);
  if (extra.length > 0) {
    throw new KeyraError(
      'validation_failed',
      `The deprecated ${legacyField} flow takes only wallet and ${legacyField}; remove ${extra.join(', ')}.`,
      { details: extra.map((field) => ({ field, issue: 'not_with_' + legacyField })) },
    );
  }
}

function sendDeprecated(reply: FastifyReply): void {
  void reply.headers(DEPRECATION_HEADERS);
}

/**
 * The Keywave API (seed 004): `POST /api/v1/phrase`, `POST /api/v1/enroll`, `POST /api/v1/verify`
 * (and the deprecated hash flow on the last two), `GET /api/v1/verify_logs`.
 */
export async function voiceRoutes(
  app: FastifyInstance,
  options: VoiceRoutesOptions,
): Promise<void> {
  const { storage, clock, config, serverSecret, approval } = options;
  const random = options.random ?? systemRandom;
  const engine = options.engine ?? (await defaultEngine(config));
  if (!options.engine) app.addHook('onClose', () => engine.close());
  const audioOptions = { dev: config.dev, resolveHost: engine.resolveHost };

  const projectionFor = async (scope: AuthenticatedKey, wallet: string, projectionId: string) => {
    const model = await engine.model();
    return {
      model,
      projection: deriveProjection(
        serverSecret,
        { tenantId: scope.tenantId, environment: scope.environment, wallet, projectionId },
        model.dimension,
      ),
    };
  };

  app.post<{ Body: PhraseBody }>(
    '/api/v1/phrase',
    {
      schema: {
        tags: ['Voice'],
        summary: 'Get a one-time phrase to speak.',
        description: `Single-use, expires after ${VOICE_LIMITS.phraseTtlSec} s; a prompt is never issued twice to one wallet within a day.`,
        body: PhraseBody,
        response: { 200: IssuedPhrase, ...errors },
      },
    },
    async (request) => {
      const phrase = await issuePhrase(scopeOf(request), request.body.wallet, {
        store: storage.voice,
        now: clock.now(),
        random,
        generatePrompt: (recent) => engine.generatePrompt(recent),
      });
      return {
        phrase_id: phrase.id,
        prompt: phrase.prompt,
        expires_at: formatTimestamp(phrase.expiresAt),
      };
    },
  );

  app.post<{ Body: EnrollBody }>(
    '/api/v1/enroll',
    {
      bodyLimit: VOICE_BODY_LIMIT,
      schema: {
        tags: ['Voice'],
        summary: 'Create or replace a protected voice template.',
        description:
          'Send the recording as `audioUrl` (https) or `audioBase64` with `projection_id` and `params_version`. The deprecated `{wallet, phrase_hash}` form stores a hash instead.',
        body: EnrollBody,
        response: { 200: Enrollment, ...errors },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const body = request.body;
      const now = clock.now();
      if (body.phrase_hash !== undefined) {
        refuseMixed(body, 'phrase_hash');
        const replaced = await storage.voice.upsertLegacyHash({
          tenantId: scope.tenantId,
          environment: scope.environment,
          wallet: body.wallet,
          keyedHash: keyedLegacyHash(serverSecret, scope, body.wallet, body.phrase_hash),
          createdAt: now,
          updatedAt: now,
        });
        sendDeprecated(reply);
        return {
          wallet: body.wallet,
          enrolled: true as const,
          replaced,
          method: 'legacy_hash' as const,
          updated_at: formatTimestamp(now),
        };
      }
      const { projectionId, paramsVersion } = await requireAudioFields(body, engine);
      const bytes = await loadAudioBytes(body, audioOptions);
      const audio = await decodeRecording(bytes, engine);
      const analysis = await analyze(engine, audio.decoded);
      const quality = qualityGate(analysis.quality, QUALITY_THRESHOLDS.minEnrollSpeechSec);
      if (!quality.passed) {
        throw new KeyraError(
          'AUDIO_QUALITY_TOO_LOW',
          `The enrolment recording failed the quality checks (${quality.issues.join(', ')}); record again in a quiet place, speaking for a few seconds.`,
          { details: quality },
        );
      }
      const { model, projection } = await projectionFor(scope, body.wallet, projectionId);
      const cohort = analysis.cohort ?? { mean: 0, sd: 1 };
      const saved = clock.now();
      const replaced = await storage.transaction(async (tx) => {
        const wasThere = await tx.voice.upsertTemplate({
          tenantId: scope.tenantId,
          environment: scope.environment,
          wallet: body.wallet,
          projectionId,
          paramsVersion,
          modelVersion: model.version,
          template: projection.apply(analysis.embedding),
          cohortMean: cohort.mean,
          cohortSd: cohort.sd,
          createdAt: saved,
          updatedAt: saved,
        });
        await tx.voice.insertFingerprint({
          id: `vf_${randomBase62(24, random)}`,
          tenantId: scope.tenantId,
          environment: scope.environment,
          wallet: body.wallet,
          source: 'enroll',
          phraseId: null,
          bytesSha256: audio.bytesSha256,
          fingerprint: analysis.fingerprint,
          createdAt: saved,
        });
        await recordEvent(
          tx,
          scope,
          'voice.enrolled',
          { wallet: body.wallet, projectionId, paramsVersion, replaced: wasThere },
          saved,
        );
        return wasThere;
      });
      return {
        wallet: body.wallet,
        enrolled: true as const,
        replaced,
        method: 'voice' as const,
        projection_id: projectionId,
        params_version: paramsVersion,
        quality,
        updated_at: formatTimestamp(saved),
      };
    },
  );

  app.post<{ Body: VerifyBody }>(
    '/api/v1/verify',
    {
      bodyLimit: VOICE_BODY_LIMIT,
      schema: {
        tags: ['Voice'],
        summary: 'Verify a fresh recording of the prompted phrase.',
        description:
          'Runs every gate (phrase, speaker, replay, quality); `verified` is true only when all pass, and that spends the phrase. A phrase whose verification did not succeed can be reused until it expires (up to 5 attempts). The deprecated `{wallet, probe_hash}` form compares hashes.',
        body: VerifyBody,
        response: { 200: VerifyResult, ...errors },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const body = request.body;
      const started = performance.now();
      const log: VerifyLogRecord = {
        id: `vl_${randomBase62(24, random)}`,
        tenantId: scope.tenantId,
        environment: scope.environment,
        wallet: body.wallet,
        phraseId: body.phrase_id ?? null,
        method: body.probe_hash !== undefined ? 'legacy_hash' : 'voice',
        verified: false,
        status: 200,
        errorCode: null,
        phrasePassed: null,
        speakerPassed: null,
        speakerScore: null,
        speakerThreshold: null,
        replayPassed: null,
        qualityPassed: null,
        speechSec: null,
        audioSec: null,
        latencyMs: 0,
        createdAt: clock.now(),
      };
      const finish = async (): Promise<void> => {
        log.latencyMs = performance.now() - started;
        try {
          await storage.voice.insertVerifyLog(log);
        } catch (error) {
          request.log.error({ reason: (error as Error).message }, 'could not write verify log');
        }
      };
      try {
        const result =
          body.probe_hash !== undefined
            ? await verifyLegacy(scope, body.wallet, body, reply)
            : await verifyVoice(scope, body, log);
        log.verified = result.verified;
        log.latencyMs = performance.now() - started;
        await finish();
        return { ...result, id: log.id, latency_ms: Math.round(log.latencyMs) };
      } catch (error) {
        log.status = isKeyraError(error) ? error.status : 500;
        log.errorCode = isKeyraError(error) ? error.code : 'internal_error';
        await finish();
        throw error;
      }
    },
  );

  async function verifyLegacy(
    scope: AuthenticatedKey,
    wallet: string,
    body: VerifyBody,
    reply: FastifyReply,
  ) {
    refuseMixed(body, 'probe_hash');
    sendDeprecated(reply);
    const stored = await storage.voice.findLegacyHash(scope, wallet);
    if (!stored) {
      throw new KeyraError(
        'VOICE_TEMPLATE_NOT_FOUND',
        'No phrase_hash is enrolled for this wallet; enrol with POST /api/v1/enroll first.',
      );
    }
    const probe = keyedLegacyHash(serverSecret, scope, wallet, body.probe_hash!);
    const match = legacyHashesEqual(probe, stored.keyedHash);
    return {
      verified: match,
      wallet,
      method: 'legacy_hash' as const,
      phrase_id: null,
      gates: {
        phrase: { passed: match, checked: false },
        speaker: { passed: match, score: match ? 1 : 0, threshold: 1, checked: false },
        replay: { passed: true, checked: false },
        quality: { passed: true, checked: false as const },
      },
      proof: null,
      stamp: null,
    };
  }

  async function verifyVoice(scope: AuthenticatedKey, body: VerifyBody, log: VerifyLogRecord) {
    const { projectionId, paramsVersion } = await requireAudioFields(body, engine);
    // Fail fast (502 with the apt command) before spending an attempt when speech is not installed.
    await engine.recognizer();
    const phrase = await beginPhraseAttempt(scope, body.phrase_id, body.wallet, {
      store: storage.voice,
      now: clock.now(),
    });
    const template = await storage.voice.findTemplate(scope, body.wallet);
    if (!template || template.projectionId !== projectionId) {
      throw new KeyraError(
        'VOICE_TEMPLATE_NOT_FOUND',
        template
          ? `No voice template for this wallet under projection_id ${projectionId}; enrol again with it (rotating projection_id revokes the old template).`
          : 'No voice template for this wallet; enrol with POST /api/v1/enroll first.',
      );
    }
    const { model, projection } = await projectionFor(scope, body.wallet, projectionId);
    if (template.paramsVersion !== paramsVersion || template.modelVersion !== model.version) {
      throw new KeyraError(
        'PARAMS_VERSION_UNSUPPORTED',
        `The template was enrolled under params_version ${template.paramsVersion} (${template.modelVersion}); enrol again with ${paramsVersion}.`,
      );
    }
    const bytes = await loadAudioBytes(body, audioOptions);
    const audio = await decodeRecording(bytes, engine);
    const analysis = await analyze(engine, audio.decoded);
    const words = phrase.prompt.split(' ').length;
    const [recognition, history] = await Promise.all([
      engine.recognize(analysis.pcm16k, words),
      storage.voice.recentFingerprints(scope, body.wallet, VOICE_LIMITS.replayHistory),
    ]);
    const heard = checkPhrase(phrase.prompt, recognition.heard);
    const cohort = analysis.cohort ?? { mean: 0, sd: 1 };
    const threshold = analysis.cohort
      ? model.thresholds.recommended
      : model.thresholds.rawRecommended;
    const score = scoreEmbeddings(template.template, projection.apply(analysis.embedding), {
      a: { mean: template.cohortMean, sd: template.cohortSd },
      b: cohort,
    });
    const gates: VoiceGates = {
      phrase: {
        passed: heard.passed,
        heard: recognition.text,
        matched_words: heard.matched,
        required_words: heard.required,
        total_words: heard.expected.length,
      },
      speaker: speakerGate(score, threshold),
      replay: replayGate(
        { bytesSha256: audio.bytesSha256, fingerprint: analysis.fingerprint },
        history,
        phrase.id,
      ),
      quality: qualityGate(analysis.quality),
    };
    const allPassed =
      gates.phrase.passed && gates.speaker.passed && gates.replay.passed && gates.quality.passed;
    Object.assign(log, {
      phrasePassed: gates.phrase.passed,
      speakerPassed: gates.speaker.passed,
      speakerScore: gates.speaker.score,
      speakerThreshold: threshold,
      replayPassed: gates.replay.passed,
      qualityPassed: gates.quality.passed,
      speechSec: analysis.quality.speechSec,
      audioSec: audio.decoded.durationSec,
    });
    const now = clock.now();
    await storage.voice.insertFingerprint({
      id: `vf_${randomBase62(24, random)}`,
      tenantId: scope.tenantId,
      environment: scope.environment,
      wallet: body.wallet,
      source: 'verify',
      phraseId: phrase.id,
      bytesSha256: audio.bytesSha256,
      fingerprint: analysis.fingerprint,
      createdAt: now,
    });
    // A success yields a proof and its stamp; the phrase is spent, the stamp stored, the
    // verification metered and the `voice.verified` event written in one transaction (outbox),
    // so a retry of the same phrase can never meter twice.
    const proof = allPassed
      ? await approval.signer.sign(
          {
            challengeId: phrase.id,
            action: VOICE_PROOF_ACTION,
            userId: body.wallet,
            payload: { phrase_id: phrase.id, prompt: phrase.prompt, projection_id: projectionId },
            challengeDigest: voicePhraseDigest(phrase.id, phrase.prompt, body.wallet),
            environment: scope.environment,
            method: 'voice',
            deviceId: null,
          },
          now,
        )
      : null;
    const stamp = proof
      ? await approval.stamps.issue(scope, { subjectId: phrase.id, method: 'voice', proof }, now)
      : null;
    const consumed =
      allPassed &&
      (await storage.transaction(async (tx) => {
        if (!(await tx.voice.consumePhrase(scope, phrase.id, now))) return false;
        if (stamp) await tx.stamps.insert(stamp);
        await meterVerification(tx, scope, phrase.id, 'voice', now, random);
        await recordEvent(
          tx,
          scope,
          'voice.verified',
          {
            wallet: body.wallet,
            phraseId: phrase.id,
            projectionId,
            speakerScore: gates.speaker.score,
            ...(stamp ? { stampId: stamp.id } : {}),
          },
          now,
        );
        return true;
      }));
    if (allPassed && !consumed) {
      // Another verification of this phrase succeeded first (or it just expired).
      throw now >= phrase.expiresAt
        ? new KeyraError('PHRASE_EXPIRED', `Phrase ${phrase.id} expired; request a new one.`)
        : new KeyraError(
            'PHRASE_ALREADY_USED',
            `Phrase ${phrase.id} was already used for a successful verification; request a new one.`,
          );
    }
    return {
      verified: allPassed,
      wallet: body.wallet,
      method: 'voice' as const,
      phrase_id: phrase.id,
      gates,
      proof: consumed ? proof : null,
      stamp: consumed && stamp ? stampJson(stamp, approval.attester) : null,
    };
  }

  app.get<{ Querystring: ListVerifyLogsQuery }>(
    '/api/v1/verify_logs',
    {
      schema: {
        tags: ['Voice'],
        summary: 'List verification attempts, newest first (ids, gate outcomes, scores, latency).',
        querystring: ListVerifyLogsQuery,
        response: { 200: VerifyLogList, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const time = (field: string, value: string | undefined): number | undefined => {
        if (value === undefined) return undefined;
        const ms = Date.parse(value);
        if (Number.isNaN(ms))
          throw new KeyraError('validation_failed', `${field} is not a valid RFC 3339 timestamp.`);
        return ms;
      };
      const createdFrom = time('created_from', q.created_from);
      const createdTo = time('created_to', q.created_to);
      const page = await listVerifyLogs(
        storage.voice,
        scopeOf(request),
        {
          ...(q.wallet !== undefined ? { wallet: q.wallet } : {}),
          ...(q.verified !== undefined ? { verified: q.verified } : {}),
          ...(q.method !== undefined ? { method: q.method } : {}),
          ...(createdFrom !== undefined ? { createdFrom } : {}),
          ...(createdTo !== undefined ? { createdTo } : {}),
        },
        q.limit ?? 20,
        q.cursor,
      );
      return {
        data: page.data.map(verifyLogJson),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );
}

/**
 * The engine of `KEYRA_VOICE_BACKEND`: the neural model is loaded (hash-checked) here, at boot,
 * so a missing, unpinned or mismatched file fails the start with `NeuralModelError`'s message.
 */
async function defaultEngine(config: ServerConfig): Promise<VoiceEngine> {
  const voice = config.voice;
  if (voice.backend !== 'neural') return createVoiceEngine();
  const model = await loadNeuralModel(voice.modelPath, { sha256: voice.modelSha256 });
  return createVoiceEngine({ embedder: modelEmbedder(model, voice.speakerThreshold) });
}

async function analyze(engine: VoiceEngine, decoded: Parameters<VoiceEngine['analyze']>[0]) {
  try {
    return await engine.analyze(decoded);
  } catch (cause) {
    if (isKeyraError(cause)) throw cause;
    throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Analysing the audio failed; retry.', {
      cause,
    });
  }
}
