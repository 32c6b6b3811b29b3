/**
 * Limits of the Keywave voice API (seed 004 and SPEC §3). The route schemas, the audio pipeline and
 * the docs all read them from here.
 */
export const VOICE_LIMITS = {
  /** Seconds a phrase stays usable after `POST /api/v1/phrase`. */
  phraseTtlSec: 120,
  /** A prompt is never issued twice to the same wallet within this window. */
  promptReuseWindowMs: 24 * 60 * 60 * 1000,
  /** Verification attempts one phrase allows before it is spent (a success spends it at once). */
  phraseMaxAttempts: 5,
  /** Largest audio accepted, as fetched or after base64 decoding. */
  audioMaxBytes: 5 * 1024 * 1024,
  minSampleRate: 16_000,
  maxSampleRate: 48_000,
  minDurationSec: 1,
  maxDurationSec: 15,
  /** Wallet ids: your identifier for the human (no personal data, please). */
  walletMaxLength: 128,
  walletPattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$',
  projectionIdPattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  /** How many earlier recordings of a wallet the replay gate compares with. */
  replayHistory: 200,
} as const;

/** Quality-gate thresholds (see docs/voice-api.md for how they were chosen). */
export const QUALITY_THRESHOLDS = {
  /** Seconds of speech the VAD must keep (a 4-word phrase is about 1.2-2 s). */
  minSpeechSec: 0.6,
  /** Seconds of speech an enrolment needs. */
  minEnrollSpeechSec: 1.5,
  /** Largest fraction of samples at full scale. */
  maxClippingRatio: 0.01,
  /** Speech frames quieter than this (RMS, dBFS) are too faint to score reliably. */
  minLevelDbfs: -45,
  /**
   * Audio bandwidth (Hz) below which a recording is refused: telephone lines and low-rate codecs
   * measure 3,700-4,000 Hz, wideband microphones 7,000-8,000; of 204 real 3 s training-corpus
   * crops the lowest measured 2,375 Hz. Below 2 kHz too little of the voice is left to compare.
   */
  minBandwidthHz: 2000,
  /**
   * Speech-to-background ratio (dB) below which the noise, not the voice, dominates: 0 dB pink
   * noise measures ~5 dB; of 204 real 3 s crops the lowest measured 11 dB (docs/voice-model.md).
   */
  minSnrDb: 6,
} as const;

/** The `params_version` values this server accepts: each pins a model and its feature spec. */
export const PARAMS_VERSIONS = ['v1'] as const;
export type ParamsVersion = (typeof PARAMS_VERSIONS)[number];
