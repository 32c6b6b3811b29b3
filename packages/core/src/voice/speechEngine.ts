import type { QualityMeasures } from './voiceGates.js';

/** The active speaker back end: what clients must send and what templates are stored under. */
export interface SpeechModelInfo {
  /** The `params_version` clients send (`v1` for the classical model). */
  paramsVersion: string;
  /** The model's own version string, stored with each template so a model change is detected. */
  version: string;
  /** Length of the embeddings `analyse` returns. */
  dimension: number;
}

/** PCM as decoded: interleaved samples in [-1, 1], `frames * channels` long. */
export interface DecodedRecording {
  samples: Float32Array;
  sampleRate: number;
  channels: number;
  durationSec: number;
}

/** A recording that passed the format, sample-rate and duration checks. */
export interface Recording {
  /** SHA-256 (hex) of the bytes as received: the replay gate's exact match. */
  bytesSha256: string;
  decoded: DecodedRecording;
}

/** Where an embedding's scores against the model's cohort sit (adaptive s-norm). */
export interface CohortStats {
  mean: number;
  sd: number;
}

/** What the speech machinery measured of one recording. */
export interface SpeechAnalysis {
  /** 16 kHz mono samples, for the recognizer; kept in memory only. */
  pcm16k: Float32Array;
  /** The speaker embedding, before any projection. */
  embedding: Float32Array;
  /** Null when the back end has no cohort (scores are then plain cosines). */
  cohort: CohortStats | null;
  quality: QualityMeasures;
  /** 16-bit sub-fingerprints per frame, for the replay gate. */
  fingerprint: Uint16Array;
}

/**
 * An analysis under way: `pcm16k` resolves as soon as the recording is resampled, so phrase
 * recognition can run while the embedding and the measures are computed; `result` resolves with
 * everything. Both reject with the analysis's error; `pcm16k` may be left unobserved.
 */
export interface SpeechAnalysing {
  pcm16k: Promise<Float32Array>;
  result: Promise<SpeechAnalysis>;
}

/** What the recognizer heard, word by word against the prompt. */
export interface PhraseRecognition {
  /** The words recognised, joined by spaces (empty when nothing was recognised). */
  text: string;
  /** Prompt words heard in their place. */
  matchedWords: number;
  /** How many must match for the phrase gate to pass. */
  requiredWords: number;
  totalWords: number;
}

/** One side of a speaker comparison: an embedding (projected or not) and its cohort numbers. */
export interface Voiceprint {
  embedding: Float32Array;
  cohort: CohortStats | null;
}

/** A speaker score and the threshold it is held to (accept when `score >= threshold`). */
export interface SpeakerScore {
  score: number;
  threshold: number;
}

/**
 * The speech port: everything the voice verbs need from decoding, the speaker model and the phrase
 * recognizer. The server implements it with ffmpeg, `@keyra/voice` and `@keyra/asr`; failures
 * arrive as coded errors (`SPEECH_UNAVAILABLE`, `SPEECH_PROCESSING_FAILED`, the audio codes).
 */
export interface SpeechEngine {
  model(): Promise<SpeechModelInfo>;
  /** Throws `SPEECH_UNAVAILABLE` when phrase recognition is not installed (before an attempt is spent). */
  requireRecognizer(): Promise<void>;
  /** Checks the container and decodes, enforcing 16-48 kHz and 1-15 s with their codes. */
  decode(bytes: Uint8Array): Promise<Recording>;
  analyse(recording: Recording): SpeechAnalysing;
  recognise(pcm16k: Float32Array, prompt: string): Promise<PhraseRecognition>;
  /** Scores an enrolment against a probe: normalised by the cohorts, with the matching threshold. */
  scoreSpeaker(enrolled: Voiceprint, probe: Voiceprint): Promise<SpeakerScore>;
}

/** Where a recording comes from: the request's `audioUrl` or `audioBase64` (exactly one). */
export interface AudioSource {
  audioUrl?: string | undefined;
  audioBase64?: string | undefined;
}

/** Fetches or decodes the recording's bytes (the server's SSRF-safe fetcher and base64 reader). */
export type AudioLoader = (source: AudioSource) => Promise<Uint8Array>;
