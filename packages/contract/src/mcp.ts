import { Type, type Static } from '@sinclair/typebox';
import { CHALLENGE_LIMITS } from '@keyra/core';
import {
  Action,
  Approvers,
  ChallengeId,
  ChallengeStatus,
  Payload,
  Quorum,
  UserId,
} from './challenges.js';
import { Timestamp } from './common.js';

/*
 * The input and output JSON Schemas of KEYRA's MCP tools (docs/agents.md). The server lists them in
 * `tools/list`, validates arguments with them, and MCP clients check structured results with the
 * output schemas.
 */

const Method = Type.Union([Type.Literal('device'), Type.Literal('passkey')], {
  description: 'How the human decided: on a KEYRA ONE (`device`) or with a passkey.',
});

export const RequestApprovalInput = Type.Object(
  {
    userId: UserId,
    action: Action,
    payload: Type.Optional(Payload),
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: CHALLENGE_LIMITS.expiresInMin,
        maximum: CHALLENGE_LIMITS.expiresInMax,
        default: CHALLENGE_LIMITS.expiresInDefault,
        description: 'Seconds the human has to decide; the call waits at most this long.',
      }),
    ),
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description:
          'Why the agent asks, in a sentence. Shown to the human and signed with the payload, as `payload.reason`.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RequestApprovalInput = Static<typeof RequestApprovalInput>;

export const ApprovalResult = Type.Object(
  {
    status: Type.Union(
      [
        Type.Literal('approved'),
        Type.Literal('rejected'),
        Type.Literal('expired'),
        Type.Literal('canceled'),
      ],
      {
        description:
          'approved: act, with `proof`. rejected or expired: do not act. canceled: the app withdrew the request.',
      },
    ),
    challengeId: ChallengeId,
    action: Action,
    payload: Payload,
    expiresAt: Timestamp,
    proof: Type.Optional(
      Type.String({
        description: 'The signed proof (compact JWS) of an approval; check it with verify_proof.',
      }),
    ),
    method: Type.Optional(Method),
    decidedAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type ApprovalResult = Static<typeof ApprovalResult>;

export const GetApprovalInput = Type.Object(
  { challengeId: ChallengeId },
  { additionalProperties: false },
);
export type GetApprovalInput = Static<typeof GetApprovalInput>;

export const ApprovalState = Type.Object(
  {
    status: ChallengeStatus,
    challengeId: ChallengeId,
    action: Action,
    userId: Type.Union([UserId, Type.Null()], {
      description:
        'The human asked; null for a quorum challenge created through the API (see `approvers`).',
    }),
    approvers: Type.Optional(Approvers),
    quorum: Type.Optional(Quorum),
    payload: Payload,
    expiresAt: Timestamp,
    proof: Type.Optional(Type.String({ description: 'The signed proof of an approval.' })),
    method: Type.Optional(Method),
    decidedAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type ApprovalState = Static<typeof ApprovalState>;

export const VerifyProofInput = Type.Object(
  {
    proof: Type.String({
      minLength: 1,
      maxLength: 16_384,
      description: 'A KEYRA proof (compact JWS), as request_approval or get_approval returned it.',
    }),
    action: Type.Optional(Action),
    payload: Type.Optional(Payload),
  },
  { additionalProperties: false },
);
export type VerifyProofInput = Static<typeof VerifyProofInput>;

export const ProofCheck = Type.Object(
  {
    valid: Type.Boolean({
      description:
        'true: the signature verifies with the server keys, and the proof is for this environment and the action and payload given.',
    }),
    reason: Type.Optional(
      Type.String({ description: 'Why the proof does not hold (when `valid` is false).' }),
    ),
    code: Type.Optional(
      Type.String({ description: '`proof_invalid` or `proof_claim_mismatch` (when invalid).' }),
    ),
    claims: Type.Optional(
      Type.Object(
        {
          challengeId: Type.String(),
          action: Type.String(),
          userId: Type.String({ description: 'The human who approved (`sub`).' }),
          payloadDigest: Type.String(),
          method: Type.String(),
          deviceId: Type.Union([Type.String(), Type.Null()]),
          env: Type.String(),
          issuer: Type.String(),
          issuedAt: Timestamp,
        },
        { description: 'The verified claims (when `valid` is true).' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProofCheck = Static<typeof ProofCheck>;
