import { Type, type Static } from '@sinclair/typebox';
import { CHALLENGE_LIMITS } from '@keyra/core';
import { Timestamp } from './common.js';
import { Stamp } from './stamps.js';
import { ChallengeId, ChallengeStatus, ChallengeVote } from './challenges.js';

const UserId = Type.String({
  minLength: 1,
  maxLength: CHALLENGE_LIMITS.userIdMaxLength,
  pattern: CHALLENGE_LIMITS.userIdPattern,
  description: 'Your identifier for the human.',
  examples: ['usr_8f2a'],
});

export const DeviceId = Type.String({
  pattern: '^dev_[0-9A-Za-z]{4,64}$',
  description: 'Device id, `dev_…`.',
});

/** A WebAuthn credential response in its JSON form (`credential.toJSON()`), checked by the server. */
export const WebAuthnResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1366 }),
    rawId: Type.String({ minLength: 1, maxLength: 1366 }),
    type: Type.Literal('public-key'),
    response: Type.Object(
      { clientDataJSON: Type.String({ maxLength: 4096 }) },
      { additionalProperties: true },
    ),
  },
  {
    additionalProperties: true,
    description: 'The browser’s `credential.toJSON()` (or the KEYRA ONE simulator’s).',
  },
);

/** WebAuthn options JSON, to pass to `navigator.credentials.create/get` (`PublicKeyCredential*OptionsJSON`). */
const OptionsJson = (description: string) =>
  Type.Object({ challenge: Type.String() }, { additionalProperties: true, description });

export const RegistrationOptionsBody = Type.Object(
  {
    userId: UserId,
    displayName: Type.String({ minLength: 1, maxLength: 128, examples: ['Jane Founder'] }),
  },
  { additionalProperties: false },
);
export type RegistrationOptionsBody = Static<typeof RegistrationOptionsBody>;
export const RegistrationOptions = OptionsJson('PublicKeyCredentialCreationOptionsJSON');

export const VerifyRegistrationBody = Type.Object(
  {
    userId: UserId,
    response: WebAuthnResponse,
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'A label for the device.' }),
    ),
  },
  { additionalProperties: false },
);
export type VerifyRegistrationBody = Static<typeof VerifyRegistrationBody>;

export const Device = Type.Object(
  {
    deviceId: DeviceId,
    userId: UserId,
    kind: Type.Union([Type.Literal('keyra_one'), Type.Literal('passkey')]),
    name: Type.String(),
    aaguid: Type.String(),
    attestation: Type.Object(
      {
        format: Type.String(),
        trusted: Type.Boolean({
          description: 'Chains to a KEYRA ONE root trusted in this environment.',
        }),
        rootFingerprint: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    signCount: Type.Integer(),
    status: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('disabled')]),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type Device = Static<typeof Device>;

export const AuthenticationOptionsBody = Type.Object(
  {
    userId: UserId,
    challengeId: Type.Optional(ChallengeId),
  },
  { additionalProperties: false },
);
export type AuthenticationOptionsBody = Static<typeof AuthenticationOptionsBody>;
export const AuthenticationOptions = OptionsJson(
  'PublicKeyCredentialRequestOptionsJSON; with `challengeId`, its challenge is the challenge digest.',
);

export const VerifyAuthenticationBody = Type.Object(
  { userId: UserId, response: WebAuthnResponse },
  { additionalProperties: false },
);
export type VerifyAuthenticationBody = Static<typeof VerifyAuthenticationBody>;
export const VerifiedAuthentication = Type.Object(
  { verified: Type.Literal(true), userId: UserId, deviceId: DeviceId },
  { additionalProperties: false },
);

export const VerifyChallengeBody = Type.Object(
  {
    deviceId: DeviceId,
    attestation: WebAuthnResponse,
  },
  { additionalProperties: false },
);
export type VerifyChallengeBody = Static<typeof VerifyChallengeBody>;

export const VerifiedChallenge = Type.Object(
  {
    id: ChallengeId,
    status: ChallengeStatus,
    proof: Type.Union([Type.String(), Type.Null()], {
      description:
        'Compact JWS (ES256) signed by the server; verify with /.well-known/jwks.json. Null for a rejection, and for a quorum vote that leaves the challenge `pending`.',
    }),
    deviceId: DeviceId,
    method: Type.Union([Type.Literal('device'), Type.Literal('passkey')]),
    decidedAt: Timestamp,
    stamp: Type.Union([Stamp, Type.Null()], {
      description: 'The stamp, when the challenge was created with `stamp: true` and approved.',
    }),
    approvals: Type.Optional(
      Type.Array(ChallengeVote, {
        description: 'A quorum challenge only: the approvals so far, this one included.',
      }),
    ),
    remaining: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'A quorum challenge only: approvals still needed (0 once approved).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type VerifiedChallenge = Static<typeof VerifiedChallenge>;

export const ListDevicesQuery = Type.Object(
  {
    userId: Type.Optional(UserId),
    includeRevoked: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type ListDevicesQuery = Static<typeof ListDevicesQuery>;
export const DeviceList = Type.Object(
  { data: Type.Array(Device) },
  { additionalProperties: false },
);
export const DeviceParams = Type.Object({ id: Type.String() }, { additionalProperties: false });
export type DeviceParams = Static<typeof DeviceParams>;
export const UpdateDeviceBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type UpdateDeviceBody = Static<typeof UpdateDeviceBody>;

export const SimulatorCertificateBody = Type.Object(
  {
    publicKey: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'The simulator’s attestation public key, SPKI PEM (P-256).',
    }),
    aaguid: Type.String({
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    }),
  },
  { additionalProperties: false },
);
export type SimulatorCertificateBody = Static<typeof SimulatorCertificateBody>;
export const SimulatorCertificate = Type.Object(
  {
    certificateChain: Type.Array(Type.String(), {
      description: 'Device certificate first, then the simulator root (PEM).',
    }),
  },
  { additionalProperties: false },
);

export const Jwks = Type.Object(
  { keys: Type.Array(Type.Object({}, { additionalProperties: true })) },
  { additionalProperties: false },
);
