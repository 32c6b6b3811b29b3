import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { randomBase62, systemRandom } from '../ids.js';
import type { Storage } from '../ports.js';
import type { ProofSigner } from '../proofs/proofSigner.js';
import type { StampIssuer, StampRecord } from '../stamps/stampRecords.js';
import { meterVerification } from '../usage/meterVerification.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';
import { beginPhraseAttempt } from './issuePhrase.js';
import { VOICE_LIMITS } from './limits.js';
import { logVerifyAttempt, type Logged, type VerifyLogDeps } from './logVerifyAttempt.js';
import { walletProjection } from './projectEmbedding.js';
import { requireAudioFields } from './requireAudioFields.js';
import type { AudioLoader, AudioSource, SpeechEngine } from './speechEngine.js';
import {
  qualityGate,
  replayGate,
  speakerGate,
  verifyLogMeasures,
  type VoiceGates,
} from './voiceGates.js';
import { VOICE_PROOF_ACTION, voicePhraseDigest } from './voiceProof.js';

export interface VerifyVoiceInput extends AudioSource {
  wallet: string;
  /** The `aud` of the proof: the authenticated key's audience. */
  audience: string;
  phraseId?: string | undefined;
  projectionId?: string | undefined;
  paramsVersion?: string | undefined;
}

export interface VerifyVoiceDeps extends VerifyLogDeps {
  storage: Storage;
  speech: SpeechEngine;
  loadAudio: AudioLoader;
  /** Derives the wallet's template projection. */
  serverSecret: Uint8Array;
  signer: ProofSigner;
  /** Issues the stamp of every successful verification. */
  stamps: StampIssuer;
}

export type VoiceVerification = Logged<{
  verified: boolean;
  wallet: string;
  method: 'voice';
  phraseId: string;
  gates: VoiceGates;
  /** The proof and stamp of a verification that spent its phrase; null otherwise. */
  proof: string | null;
  stamp: StampRecord | null;
}>;

/**
 * Verifies a fresh recording of a one-time phrase. Checks, in order: `projection_id` and
 * `params_version` are present and the version is the active back end's (400/422); phrase
 * recognition is installed (502, before an attempt is spent); the phrase exists for this wallet,
 * is unused, unexpired and under its attempt limit, and one attempt is counted on it; the wallet
 * has a template under `projection_id` (404) enrolled with this back end and model (422); the audio
 * loads and decodes within the limits. Then every gate runs — phrase (the prompt was heard),
 * speaker (the projected embedding scores at or above the threshold against the template), replay
 * (neither these bytes nor a near-identical recording were seen for the wallet, other attempts of
 * this phrase aside) and quality — and `verified` is true only when all pass. The recording's
 * fingerprint is always kept; a success signs a proof, issues its stamp, and in the same transaction
 * spends the phrase with one conditional write (so of racing successes exactly one wins, and it is
 * metered once), stores the stamp, meters it and writes `voice.verified`. Every attempt, failed or
 * not, writes a verify-log row.
 */
export async function verifyVoice(
  scope: Scope,
  input: VerifyVoiceInput,
  deps: VerifyVoiceDeps,
): Promise<VoiceVerification> {
  const { storage, speech, now } = deps;
  const random = deps.random ?? systemRandom;
  const subject = {
    wallet: input.wallet,
    phraseId: input.phraseId ?? null,
    method: 'voice' as const,
  };
  return logVerifyAttempt(scope, subject, deps, async (log) => {
    const { projectionId, paramsVersion } = await requireAudioFields(input, speech);
    await speech.requireRecognizer();
    const phrase = await beginPhraseAttempt(scope, input.phraseId, input.wallet, {
      store: storage.voice,
      now,
    });
    const template = await storage.voice.findTemplate(scope, input.wallet);
    if (!template || template.projectionId !== projectionId) {
      throw new KeyraError(
        'VOICE_TEMPLATE_NOT_FOUND',
        template
          ? `No voice template for this wallet under projection_id ${projectionId}; enrol again with it (rotating projection_id revokes the old template).`
          : 'No voice template for this wallet; enrol with POST /api/v1/enroll first.',
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
    if (template.paramsVersion !== paramsVersion || template.modelVersion !== model.version) {
      throw new KeyraError(
        'PARAMS_VERSION_UNSUPPORTED',
        `The template was enrolled under params_version ${template.paramsVersion} (${template.modelVersion}); enrol again with ${paramsVersion}.`,
      );
    }

    const recording = await speech.decode(await deps.loadAudio(input));
    // Recognition starts on the resampled audio while the embedding and the measures go on.
    const analysing = speech.analyse(recording);
    const [analysis, heard, history] = await Promise.all([
      analysing.result,
      analysing.pcm16k.then((pcm16k) => speech.recognise(pcm16k, phrase.prompt)),
      storage.voice.recentFingerprints(scope, input.wallet, VOICE_LIMITS.replayHistory),
    ]);
    const speaker = await speech.scoreSpeaker(
      {
        embedding: template.template,
        cohort: { mean: template.cohortMean, sd: template.cohortSd },
      },
      { embedding: projection.apply(analysis.embedding), cohort: analysis.cohort },
    );
    const gates: VoiceGates = {
      phrase: {
        passed: heard.matchedWords >= heard.requiredWords,
        heard: heard.text,
        matched_words: heard.matchedWords,
        required_words: heard.requiredWords,
        total_words: heard.totalWords,
      },
      speaker: speakerGate(speaker.score, speaker.threshold),
      replay: replayGate(
        { bytesSha256: recording.bytesSha256, fingerprint: analysis.fingerprint },
        history,
        phrase.id,
      ),
      quality: qualityGate(analysis.quality),
    };
    const verified =
      gates.phrase.passed && gates.speaker.passed && gates.replay.passed && gates.quality.passed;
    Object.assign(log, {
      phrasePassed: gates.phrase.passed,
      speakerPassed: gates.speaker.passed,
      speakerScore: gates.speaker.score,
      speakerThreshold: speaker.threshold,
      replayPassed: gates.replay.passed,
      qualityPassed: gates.quality.passed,
      speechSec: analysis.quality.speechSec,
      audioSec: recording.decoded.durationSec,
      gateMeasures: verifyLogMeasures(gates),
    });

    const proof = verified
      ? await deps.signer.sign(
          {
            challengeId: phrase.id,
            action: VOICE_PROOF_ACTION,
            userId: input.wallet,
            payload: { phrase_id: phrase.id, prompt: phrase.prompt, projection_id: projectionId },
            challengeDigest: voicePhraseDigest(phrase.id, phrase.prompt, input.wallet),
            environment: scope.environment,
            method: 'voice',
            deviceId: null,
            audience: input.audience,
          },
          now,
        )
      : null;
    const stamp = proof
      ? await deps.stamps.issue(scope, { subjectId: phrase.id, method: 'voice', proof }, now)
      : null;
    const spent = await storage.transaction(async (tx) => {
      // Failed attempts keep their fingerprint too: a later replay of them must fail.
      await tx.voice.insertFingerprint({
        id: `vf_${randomBase62(24, random)}`,
        tenantId: scope.tenantId,
        environment: scope.environment,
        wallet: input.wallet,
        source: 'verify',
        phraseId: phrase.id,
        bytesSha256: recording.bytesSha256,
        fingerprint: analysis.fingerprint,
        createdAt: now,
      });
      if (!verified || !(await tx.voice.consumePhrase(scope, phrase.id, now))) return false;
      if (stamp) await tx.stamps.insert(stamp);
      await meterVerification(tx, scope, phrase.id, 'voice', now, random);
      await recordEvent(
        tx,
        scope,
        'voice.verified',
        {
          wallet: input.wallet,
          phraseId: phrase.id,
          projectionId,
          speakerScore: gates.speaker.score,
          ...(stamp ? { stampId: stamp.id } : {}),
        },
        now,
        random,
      );
      await appendAudit(
        tx,
        scope,
        {
          type: 'voice.verified',
          subject: input.wallet,
          data: { phraseId: phrase.id, ...(stamp ? { stampId: stamp.id } : {}) },
        },
        now,
        random,
      );
      return true;
    });
    if (verified && !spent) {
      // Another verification of this phrase succeeded first (or it expired meanwhile).
      throw now >= phrase.expiresAt
        ? new KeyraError('PHRASE_EXPIRED', `Phrase ${phrase.id} expired; request a new one.`)
        : new KeyraError(
            'PHRASE_ALREADY_USED',
            `Phrase ${phrase.id} was already used for a successful verification; request a new one.`,
          );
    }
    return {
      verified,
      wallet: input.wallet,
      method: 'voice' as const,
      phraseId: phrase.id,
      gates,
      proof: spent ? proof : null,
      stamp: spent ? stamp : null,
    };
  });
}
