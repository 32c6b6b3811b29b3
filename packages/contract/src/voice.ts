import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { PHRASE_ID_PATTERN, VOICE_LIMITS } from '@keyra/core';
import { Timestamp } from './common.js';
import { Stamp } from './stamps.js';

// Keywave (seed 004): field names are snake_case as in the seed, except the seed's own
// `audioUrl` (and its sibling `audioBase64`).

const Wallet = Type.String({
  minLength: 1,
  maxLength: VOICE_LIMITS.walletMaxLength,
  pattern: VOICE_LIMITS.walletPattern,
  description: 'Your identifier for the human (a wallet address or user id; no personal data).',
  examples: ['0x71C7656EC7ab88b098defB751B7401B5f6d8976F'],
});

const PhraseId = Type.String({
  maxLength: 80,
  description: 'The `phrase_id` from `POST /api/v1/phrase`.',
  examples: ['pc_4Fq9XbT2mK8sL1pZ0aQw3eRt'],
});

const AudioUrl = Type.String({
  minLength: 1,
  maxLength: 4096,
  description:
    'Public or signed HTTPS URL of the recording (m4a, mp3, wav or webm; 16-48 kHz; 1-15 s; at most 5 MiB). Fetched with SSRF protection: private, loopback and link-local targets and redirects into them are refused.',
  examples: ['https://example.com/voice/verify.m4a'],
});

const AudioBase64 = Type.String({
  minLength: 1,
  // 5 MiB of audio is 6,990,508 characters of base64; longer text (whitespace, a data: prefix)
  // is measured after decoding, so an oversized recording gets AUDIO_TOO_LARGE.
  maxLength: 8 * 1024 * 1024,
  description: 'The recording itself, base64 (standard or URL-safe). Same limits as `audioUrl`.',
});

const ProjectionId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: VOICE_LIMITS.projectionIdPattern,
  description:
    'Selects the salted projection of the template. Rotating it (and re-enrolling) revokes the old template.',
  examples: ['p0'],
});

const ParamsVersion = Type.String({
  minLength: 1,
  maxLength: 32,
  description:
    "Pins the speaker model and feature set: `v1` with the bundled classical back end; with `KEYRA_VOICE_BACKEND=neural`, the neural model's own version (docs/voice-model.md). Another value is a 400 `PARAMS_VERSION_UNSUPPORTED`.",
  examples: ['v1'],
});

const sha256Hex = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^[0-9a-fA-F]{64}$', description });

export const PhraseBody = Type.Object({ wallet: Wallet }, { additionalProperties: false });
export type PhraseBody = Static<typeof PhraseBody>;

export const IssuedPhrase = Type.Object(
  {
    phrase_id: Type.String({
      pattern: PHRASE_ID_PATTERN,
      examples: ['pc_4Fq9XbT2mK8sL1pZ0aQw3eRt'],
    }),
    prompt: Type.String({
      description: 'What the human must say, e.g. `green mountain three twelve`.',
      examples: ['green mountain three twelve'],
    }),
    expires_at: Timestamp,
  },
  { additionalProperties: false },
);
export type IssuedPhrase = Static<typeof IssuedPhrase>;

export const EnrollBody = Type.Object(
  {
    wallet: Wallet,
    audioUrl: Type.Optional(AudioUrl),
    audioBase64: Type.Optional(AudioBase64),
    projection_id: Type.Optional(ProjectionId),
    params_version: Type.Optional(ParamsVersion),
    phrase_hash: Type.Optional(
      sha256Hex(
        'Deprecated hash flow: enrol a SHA-256 (64 hex digits) instead of audio, with no other field. Answers carry `Deprecation` and `Link` headers.',
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Either `audioUrl` or `audioBase64` with `projection_id` and `params_version`, or (deprecated) `phrase_hash` alone.',
  },
);
export type EnrollBody = Static<typeof EnrollBody>;

const QualityGate = Type.Object(
  {
    passed: Type.Boolean(),
    speech_seconds: Type.Number(),
    min_speech_seconds: Type.Number(),
    clipping_ratio: Type.Number(),
    max_clipping_ratio: Type.Number(),
    level_dbfs: Type.Number(),
    min_level_dbfs: Type.Number(),
    bandwidth_hz: Type.Optional(
      Type.Number({
        description:
          'Measured audio bandwidth: highest frequency of the speech within 50 dB of its spectral peak.',
      }),
    ),
    min_bandwidth_hz: Type.Number(),
    snr_db: Type.Optional(
      Type.Number({ description: 'Speech power over the quietest tenth of the recording, dB.' }),
    ),
    min_snr_db: Type.Number(),
    issues: Type.Array(Type.String(), {
      description: '`too_little_speech`, `clipping`, `too_quiet`, `narrow_band`, `noisy`.',
    }),
    advice: Type.Array(Type.String(), {
      description: 'What to do about each issue, in the same order.',
    }),
    checked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Enrollment = Type.Object(
  {
    wallet: Type.String(),
    enrolled: Type.Literal(true),
    replaced: Type.Boolean({ description: 'True when an earlier template was replaced.' }),
    method: Type.Union([Type.Literal('voice'), Type.Literal('legacy_hash')]),
    projection_id: Type.Optional(Type.String()),
    params_version: Type.Optional(Type.String()),
    quality: Type.Optional(QualityGate),
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);
export type Enrollment = Static<typeof Enrollment>;

export const EnrollmentParams = Type.Object({ wallet: Wallet }, { additionalProperties: false });
export type EnrollmentParams = Static<typeof EnrollmentParams>;

export const EnrollmentStatus = Type.Object(
  {
    wallet: Type.String(),
    method: Type.Union([Type.Literal('voice'), Type.Literal('legacy_hash')]),
    projection_id: Type.Union([Type.String(), Type.Null()]),
    params_version: Type.Union([Type.String(), Type.Null()]),
    model_version: Type.Union([Type.String(), Type.Null()], {
      description: 'The speaker model the template was made with.',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, description: 'What is enrolled; never the template or hash.' },
);
export type EnrollmentStatus = Static<typeof EnrollmentStatus>;

export const VerifyBody = Type.Object(
  {
    wallet: Wallet,
    audioUrl: Type.Optional(AudioUrl),
    audioBase64: Type.Optional(AudioBase64),
    projection_id: Type.Optional(ProjectionId),
    params_version: Type.Optional(ParamsVersion),
    phrase_id: Type.Optional(PhraseId),
    probe_hash: Type.Optional(
      sha256Hex(
        'Deprecated hash flow: a SHA-256 (64 hex digits) compared in constant time with the enrolled `phrase_hash`, with no other field.',
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'A fresh recording of the prompt (`audioUrl` or `audioBase64`) with `projection_id`, `params_version` and `phrase_id`; or (deprecated) `probe_hash` alone.',
  },
);
export type VerifyBody = Static<typeof VerifyBody>;

export const VerifyResult = Type.Object(
  {
    id: Type.String({ description: 'The verify log id, `vl_…`.' }),
    verified: Type.Boolean({ description: 'True only when every gate passed.' }),
    wallet: Type.String(),
    method: Type.Union([Type.Literal('voice'), Type.Literal('legacy_hash')]),
    phrase_id: Type.Union([Type.String(), Type.Null()]),
    gates: Type.Object(
      {
        phrase: Type.Object(
          {
            passed: Type.Boolean(),
            heard: Type.Optional(Type.String({ description: 'What the recognizer heard.' })),
            matched_words: Type.Optional(Type.Integer()),
            required_words: Type.Optional(Type.Integer()),
            total_words: Type.Optional(Type.Integer()),
            checked: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        speaker: Type.Object(
          {
            passed: Type.Boolean(),
            score: Type.Number(),
            threshold: Type.Number(),
            checked: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        replay: Type.Object(
          {
            passed: Type.Boolean(),
            reason: Type.Optional(
              Type.Union([
                Type.Literal('same_recording'),
                Type.Literal('near_identical_recording'),
                Type.Literal('enrollment_recording'),
                Type.Null(),
              ]),
            ),
            similarity: Type.Optional(Type.Number()),
            threshold: Type.Optional(Type.Number()),
            checked: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        quality: Type.Union([
          QualityGate,
          Type.Object(
            { passed: Type.Boolean(), checked: Type.Literal(false) },
            { additionalProperties: false },
          ),
        ]),
      },
      { additionalProperties: false },
    ),
    proof: Type.Union([Type.String(), Type.Null()], {
      description:
        'When verified by voice: the signed proof (compact JWS, `method: voice`; verify with /.well-known/jwks.json). Null otherwise and for the deprecated hash flow.',
    }),
    stamp: Type.Union([Stamp, Type.Null()], {
      description:
        'When verified by voice: the stamp, a public minimal receipt of the proof with its EAS attestation. Null otherwise.',
    }),
    latency_ms: Type.Integer(),
  },
  { additionalProperties: false },
);
export type VerifyResult = Static<typeof VerifyResult>;

export const ListVerifyLogsQuery = Type.Object(
  {
    wallet: Type.Optional(Wallet),
    verified: Type.Optional(Type.Boolean()),
    method: Type.Optional(Type.Union([Type.Literal('voice'), Type.Literal('legacy_hash')])),
    created_from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Inclusive lower bound on created_at.' }),
    ),
    created_to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Exclusive upper bound on created_at.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: '`next_cursor` from the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListVerifyLogsQuery = Static<typeof ListVerifyLogsQuery>;

const NullableBoolean = Type.Union([Type.Boolean(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

const Measured = <T extends TProperties>(properties: T, description: string) =>
  Type.Union([Type.Object(properties, { additionalProperties: false }), Type.Null()], {
    description,
  });

/** What each gate measured against its threshold; a gate is null when it did not run. */
const VerifyLogMeasures = Type.Object(
  {
    phrase: Measured(
      {
        matched_words: Type.Integer(),
        required_words: Type.Integer(),
        total_words: Type.Integer(),
      },
      'Prompt words the recognizer matched, against the number required.',
    ),
    speaker: Measured(
      { score: Type.Number(), threshold: Type.Number() },
      's-norm score of the probe against the template; passes at or above the threshold.',
    ),
    replay: Measured(
      { similarity: Type.Number(), threshold: Type.Number() },
      'Highest fingerprint similarity (0..1) with an earlier recording of the wallet; fails at or above the threshold (an exact copy counts as 1).',
    ),
    quality: Measured(
      {
        speech_seconds: Type.Number(),
        min_speech_seconds: Type.Number(),
        clipping_ratio: Type.Number(),
        max_clipping_ratio: Type.Number(),
        level_dbfs: Type.Number(),
        min_level_dbfs: Type.Number(),
        bandwidth_hz: NullableNumber,
        min_bandwidth_hz: Type.Number(),
        snr_db: NullableNumber,
        min_snr_db: Type.Number(),
      },
      'Speech length, clipping, level, bandwidth and SNR as measured, with their limits (bandwidth_hz, snr_db: null when not measured).',
    ),
  },
  {
    additionalProperties: false,
    description:
      'Each gate as measured against its threshold; null for a gate that did not run (and for rows logged before these were kept).',
  },
);

export const VerifyLog = Type.Object(
  {
    id: Type.String(),
    wallet: Type.String(),
    phrase_id: Type.Union([Type.String(), Type.Null()]),
    method: Type.Union([Type.Literal('voice'), Type.Literal('legacy_hash')]),
    verified: Type.Boolean(),
    status: Type.Integer({ description: 'The HTTP status answered.' }),
    error_code: Type.Union([Type.String(), Type.Null()]),
    gates: Type.Object(
      {
        phrase: NullableBoolean,
        speaker: NullableBoolean,
        replay: NullableBoolean,
        quality: NullableBoolean,
      },
      { additionalProperties: false },
    ),
    speaker_score: NullableNumber,
    speaker_threshold: NullableNumber,
    speech_seconds: NullableNumber,
    audio_seconds: NullableNumber,
    measures: VerifyLogMeasures,
    latency_ms: Type.Integer(),
    created_at: Timestamp,
  },
  { additionalProperties: false },
);
export type VerifyLog = Static<typeof VerifyLog>;

export const VerifyLogList = Type.Object(
  {
    data: Type.Array(VerifyLog),
    has_more: Type.Boolean(),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type VerifyLogList = Static<typeof VerifyLogList>;
