import { performance } from 'node:perf_hooks';
import {
  enrollVoice,
  formatTimestamp,
  issuePhrase,
  listVerifyLogs,
  parseRfc3339Query,
  systemRandom,
  verifyVoice,
  VOICE_LIMITS,
  type AudioLoader,
  type Clock,
  type RandomBytes,
  type Storage,
} from '@keyra/core';
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
import type { FastifyInstance } from 'fastify';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import type { ServerConfig } from '../../config.js';
import { asSpeechEngine } from '../../voice/asSpeechEngine.js';
import { createConfiguredVoiceEngine, type VoiceEngine } from '../../voice/createVoiceEngine.js';
import { loadAudioBytes } from '../../voice/loadAudio.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { isLegacyEnroll, isLegacyVerify, legacyVoiceHandlers } from './legacyVoiceRoutes.js';
import { enrollmentJson, verificationJson, verifyLogJson } from './voiceJson.js';
import { countVoiceGates, observeApproval } from '../../http/metrics.js';

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

/** 5 MiB of audio as base64 plus the other fields. */
const VOICE_BODY_LIMIT = 8 * 1024 * 1024;

const errors = { ...ERROR_RESPONSES, 502: ERROR_RESPONSES[400] };

/**
 * The Keywave API (seed 004): `POST /api/v1/phrase`, `POST /api/v1/enroll`, `POST /api/v1/verify`
 * (and the deprecated hash flow on the last two, see `legacyVoiceRoutes.ts`), `GET /api/v1/verify_logs`.
 */
export async function voiceRoutes(
  app: FastifyInstance,
  options: VoiceRoutesOptions,
): Promise<void> {
  const { storage, clock, config, serverSecret, approval } = options;
  const random = options.random ?? systemRandom;
  const engine = options.engine ?? (await createConfiguredVoiceEngine(config));
  if (!options.engine) app.addHook('onClose', () => engine.close());
  const speech = asSpeechEngine(engine);
  const audioOptions = { dev: config.dev, resolveHost: engine.resolveHost };
  const loadAudio: AudioLoader = (source) => loadAudioBytes(source, audioOptions);
  const legacy = legacyVoiceHandlers(options);

  app.post<{ Body: PhraseBody }>(
    '/api/v1/phrase',
    {
      schema: {
        operationId: 'createVoicePhrase',
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
        operationId: 'enrollVoice',
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
      if (isLegacyEnroll(body)) return legacy.enroll(scope, body, reply, clock.now());
      const enrollment = await enrollVoice(
        scope,
        {
          wallet: body.wallet,
          audioUrl: body.audioUrl,
          audioBase64: body.audioBase64,
          projectionId: body.projection_id,
          paramsVersion: body.params_version,
        },
        { storage, speech, loadAudio, serverSecret, now: clock.now(), random },
      );
      return enrollmentJson(enrollment);
    },
  );

  app.post<{ Body: VerifyBody }>(
    '/api/v1/verify',
    {
      bodyLimit: VOICE_BODY_LIMIT,
      schema: {
        operationId: 'verifyVoice',
        tags: ['Voice'],
        summary: 'Verify a fresh recording of the prompted phrase.',
        description:
          'Runs every gate (phrase, speaker, replay, quality); `verified` is true only when all pass, and that spends the phrase. A phrase whose verification did not succeed can be reused until it expires (up to 5 attempts). The deprecated `{wallet, probe_hash}` form compares hashes.',
        body: VerifyBody,
        response: { 200: VerifyResult, ...errors },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const scope = scopeOf(request);
      const body = request.body;
      const log = {
        now: clock.now(),
        elapsedMs: () => performance.now() - started,
        onLogError: (error: unknown) =>
          request.log.error({ reason: (error as Error).message }, 'could not write verify log'),
        random,
      };
      const describe = (result: { verified: boolean; method: string }) => ({
        method: result.method,
        outcome: result.verified ? 'verified' : 'not_verified',
      });
      if (isLegacyVerify(body)) {
        return observeApproval(
          app.metrics,
          'legacy_hash',
          () => legacy.verify(scope, body, reply, log),
          describe,
        );
      }
      const verification = await observeApproval(
        app.metrics,
        'voice',
        () =>
          verifyVoice(
            scope,
            {
              wallet: body.wallet,
              audience: scope.audience,
              phraseId: body.phrase_id,
              audioUrl: body.audioUrl,
              audioBase64: body.audioBase64,
              projectionId: body.projection_id,
              paramsVersion: body.params_version,
            },
            {
              ...log,
              storage,
              speech,
              loadAudio,
              serverSecret,
              signer: approval.signer,
              stamps: approval.stamps,
            },
          ),
        describe,
      );
      countVoiceGates(app.metrics, verification.gates);
      return verificationJson(verification, approval.attester);
    },
  );

  app.get<{ Querystring: ListVerifyLogsQuery }>(
    '/api/v1/verify_logs',
    {
      schema: {
        operationId: 'listVoiceVerifyLogs',
        tags: ['Voice'],
        summary: 'List verification attempts, newest first (ids, gate outcomes, scores, latency).',
        querystring: ListVerifyLogsQuery,
        response: { 200: VerifyLogList, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const createdFrom = parseRfc3339Query('created_from', q.created_from);
      const createdTo = parseRfc3339Query('created_to', q.created_to);
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
