import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { randomBase62, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';
import { QUALITY_THRESHOLDS } from './limits.js';
import { walletProjection } from './projectEmbedding.js';
import { requireAudioFields } from './requireAudioFields.js';
import type { AudioLoader, AudioSource, SpeechEngine } from './speechEngine.js';
import { qualityGate, type QualityGate } from './voiceGates.js';

export interface EnrollVoiceInput extends AudioSource {
  wallet: string;
  projectionId?: string | undefined;
  paramsVersion?: string | undefined;
}

export interface EnrollVoiceDeps {
  storage: Storage;
  speech: SpeechEngine;
  loadAudio: AudioLoader;
  /** Derives the wallet's template projection. */
  serverSecret: Uint8Array;
  now: EpochMs;
  random?: RandomBytes;
}

export interface VoiceEnrollment {
  wallet: string;
  /** True when an earlier template of the wallet was replaced. */
  replaced: boolean;
  projectionId: string;
  paramsVersion: string;
  quality: QualityGate;
  updatedAt: EpochMs;
}

/**
 * Creates or replaces a wallet's voice template from one recording. Checks, in order:
 * `projection_id` and `params_version` are present and the version is the active back end's
 * (400/422); the audio loads and decodes within the limits; the recording passes the quality gate
 * with the enrolment's longer minimum of speech (400 `AUDIO_QUALITY_TOO_LOW`). Then, in one
 * transaction, the embedding is stored only through the salted projection of (tenant, environment,
 * wallet, `projection_id`) — never as is — with the model version and cohort numbers, the
 * recording's fingerprint is kept (so replaying the enrolment fails verification), and
 * `voice.enrolled` is written.
 */
export async function enrollVoice(
  scope: Scope,
  input: EnrollVoiceInput,
  deps: EnrollVoiceDeps,
): Promise<VoiceEnrollment> {
  const { storage, speech, now } = deps;
  const random = deps.random ?? systemRandom;
  const { projectionId, paramsVersion } = await requireAudioFields(input, speech);
  const recording = await speech.decode(await deps.loadAudio(input));
  const analysis = await speech.analyse(recording).result;
  const quality = qualityGate(analysis.quality, QUALITY_THRESHOLDS.minEnrollSpeechSec);
  if (!quality.passed) {
    throw new KeyraError(
      'AUDIO_QUALITY_TOO_LOW',
      `The enrolment recording failed the quality checks (${quality.issues.join(', ')}); record again in a quiet place, speaking for a few seconds.`,
      { details: quality },
    );
  }
  const model = await speech.model();
  const projection = walletProjection(
    deps.serverSecret,
    scope,
    input.wallet,
    projectionId,
    model.dimension,
  );
  const cohort = analysis.cohort ?? { mean: 0, sd: 1 };
  const replaced = await storage.transaction(async (tx) => {
    const wasThere = await tx.voice.upsertTemplate({
      tenantId: scope.tenantId,
      environment: scope.environment,
      wallet: input.wallet,
      projectionId,
      paramsVersion,
      modelVersion: model.version,
      template: projection.apply(analysis.embedding),
      cohortMean: cohort.mean,
      cohortSd: cohort.sd,
      createdAt: now,
      updatedAt: now,
    });
    await tx.voice.insertFingerprint({
      id: `vf_${randomBase62(24, random)}`,
      tenantId: scope.tenantId,
      environment: scope.environment,
      wallet: input.wallet,
      source: 'enroll',
      phraseId: null,
      bytesSha256: recording.bytesSha256,
      fingerprint: analysis.fingerprint,
      createdAt: now,
    });
    await recordEvent(
      tx,
      scope,
      'voice.enrolled',
      { wallet: input.wallet, projectionId, paramsVersion, replaced: wasThere },
      now,
      random,
    );
    await appendAudit(
      tx,
      scope,
      {
        type: 'voice.enrolled',
        subject: input.wallet,
        data: { projectionId, paramsVersion, replaced: wasThere },
      },
      now,
      random,
    );
    return wasThere;
  });
  return { wallet: input.wallet, replaced, projectionId, paramsVersion, quality, updatedAt: now };
}
