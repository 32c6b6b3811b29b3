import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';
import { Approvers, BindingMessage, ChallengeId, ChallengeStatus, Quorum } from './challenges.js';
import { DeviceId, WebAuthnResponse } from './credentials.js';

export const DeviceSessionOptionsBody = Type.Object(
  { deviceId: DeviceId },
  { additionalProperties: false },
);
export type DeviceSessionOptionsBody = Static<typeof DeviceSessionOptionsBody>;

export const DeviceSessionBody = Type.Object(
  { deviceId: DeviceId, response: WebAuthnResponse },
  { additionalProperties: false },
);
export type DeviceSessionBody = Static<typeof DeviceSessionBody>;

export const DeviceSession = Type.Object(
  {
    token: Type.String({
      description: 'Send as `Authorization: Bearer <token>` on the device API.',
    }),
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);

/** What a KEYRA ONE shows its human. No digest: the device computes it from these fields. */
export const DeviceChallenge = Type.Object(
  {
    id: ChallengeId,
    status: ChallengeStatus,
    action: Type.String(),
    userId: Type.Union([Type.String(), Type.Null()], {
      description: 'The one human who must approve; null for a quorum challenge.',
    }),
    payload: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    bindingMessage: Type.Optional(BindingMessage),
    approvers: Type.Optional(Approvers),
    quorum: Type.Optional(Quorum),
  },
  { additionalProperties: false },
);
export type DeviceChallenge = Static<typeof DeviceChallenge>;

export const DeviceChallengeList = Type.Object(
  { data: Type.Array(DeviceChallenge) },
  { additionalProperties: false },
);

export const DeviceChallengesQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30,
        description: 'Long-poll: wait up to this many seconds for a pending challenge.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeviceChallengesQuery = Static<typeof DeviceChallengesQuery>;

export const DeviceRespondBody = Type.Object(
  { attestation: WebAuthnResponse },
  { additionalProperties: false },
);
export type DeviceRespondBody = Static<typeof DeviceRespondBody>;
