import { Type, type Static } from '@sinclair/typebox';
import { CHALLENGE_LIMITS } from '@keyra/core';
import { Timestamp } from './common.js';
import { ChallengePolicy } from './policyRequirement.js';

export const ChallengeStatus = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
    Type.Literal('expired'),
    Type.Literal('canceled'),
  ],
  { description: 'pending → approved | rejected | expired | canceled' },
);

export const ChallengeId = Type.String({
  pattern: '^chl_[0-9A-Za-z]{4,64}$',
  description: 'Challenge id, `chl_…`.',
  examples: ['chl_9k2m'],
});

export const Action = Type.String({
  minLength: 1,
  maxLength: CHALLENGE_LIMITS.actionMaxLength,
  pattern: CHALLENGE_LIMITS.actionPattern,
  description: 'What the human approves: a dotted lowercase name.',
  examples: ['transfer.approve'],
});

export const UserId = Type.String({
  minLength: 1,
  maxLength: CHALLENGE_LIMITS.userIdMaxLength,
  pattern: CHALLENGE_LIMITS.userIdPattern,
  description: 'Your identifier for the human who must approve.',
  examples: ['usr_8f2a'],
});

export const Payload = Type.Record(Type.String(), Type.Unknown(), {
  description: `The exact data the human sees and signs: a JSON object of at most ${CHALLENGE_LIMITS.payloadMaxBytes} bytes (canonical JSON) and depth ${CHALLENGE_LIMITS.payloadMaxDepth}.`,
  examples: [{ amount: 12500, currency: 'USD' }],
});

const Audience = Type.String({
  minLength: 1,
  maxLength: CHALLENGE_LIMITS.audienceMaxLength,
  pattern: CHALLENGE_LIMITS.audiencePattern,
  description:
    "Who the proof is for: the proof's `aud` claim, checked by `proofs.verify(proof, { audience })`. Defaults to the API key's audience (its tenant's name unless set with `keyra keys create --audience`).",
  examples: ['payments-api'],
});

const Metadata = Type.Record(
  Type.String(),
  Type.String({ maxLength: CHALLENGE_LIMITS.metadataValueMaxLength }),
  {
    maxProperties: CHALLENGE_LIMITS.metadataMaxKeys,
    propertyNames: {
      minLength: 1,
      maxLength: CHALLENGE_LIMITS.metadataKeyMaxLength,
      pattern: CHALLENGE_LIMITS.metadataKeyPattern,
    },
    description: `Your own string labels (at most ${CHALLENGE_LIMITS.metadataMaxKeys} keys of ${CHALLENGE_LIMITS.metadataKeyMaxLength} characters [A-Za-z0-9_.-], values up to ${CHALLENGE_LIMITS.metadataValueMaxLength} characters): echoed back and in webhooks, never shown to the human and not covered by the signature.`,
    examples: [{ orderId: 'ord_1042' }],
  },
);

/** CIBA's `binding_message`, present only on challenges created through `/oauth/bc-authorize`. */
export const BindingMessage = Type.String({
  description:
    'Short text from the OpenID CIBA client (`binding_message`) that the human sees beside the action and payload, to match the request with what the client shows. Present only on challenges created by `POST /oauth/bc-authorize`; display only, not covered by the digest.',
  examples: ['Code 7F3K'],
});

export const Approvers = Type.Array(UserId, {
  minItems: 1,
  maxItems: CHALLENGE_LIMITS.approversMax,
  description: `The distinct humans who may approve a quorum challenge (1 to ${CHALLENGE_LIMITS.approversMax}), each on their own device or passkey. The digest covers them in this order.`,
  examples: [['usr_a', 'usr_b', 'usr_c']],
});

export const Quorum = Type.Integer({
  minimum: 1,
  maximum: CHALLENGE_LIMITS.approversMax,
  description: 'How many distinct `approvers` must approve, 1 to the number of approvers.',
  examples: [2],
});

export const RejectOn = Type.Union([Type.Literal('any'), Type.Literal('impossible')], {
  description:
    'When a quorum challenge is rejected: at the first rejection (`any`), or once too few approvers are left to reach the quorum (`impossible`, the default).',
});

export const ChallengeVote = Type.Object(
  {
    userId: UserId,
    deviceId: Type.String({ description: 'The device or passkey the approver answered with.' }),
    method: Type.Union([Type.Literal('device'), Type.Literal('passkey')]),
    decidedAt: Timestamp,
  },
  { additionalProperties: false, title: 'ChallengeVote' },
);
export type ChallengeVote = Static<typeof ChallengeVote>;

/** The quorum fields of a challenge's JSON, present only on a quorum challenge. */
export const QuorumFields = {
  approvers: Type.Optional(Approvers),
  quorum: Type.Optional(Quorum),
  rejectOn: Type.Optional(RejectOn),
  approvals: Type.Optional(
    Type.Array(ChallengeVote, { description: 'The approvals so far, oldest first.' }),
  ),
  rejections: Type.Optional(
    Type.Array(ChallengeVote, { description: 'The rejections so far, oldest first.' }),
  ),
  remaining: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Approvals still needed to reach the quorum (0 once approved).',
    }),
  ),
};

export const CreateChallengeBody = Type.Object(
  {
    action: Action,
    userId: Type.Optional(UserId),
    approvers: Type.Optional(Approvers),
    quorum: Type.Optional(Quorum),
    rejectOn: Type.Optional(RejectOn),
    payload: Type.Optional(Payload),
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: CHALLENGE_LIMITS.expiresInMin,
        maximum: CHALLENGE_LIMITS.expiresInMax,
        default: CHALLENGE_LIMITS.expiresInDefault,
        description: 'Seconds until the challenge expires.',
      }),
    ),
    stamp: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Issue a stamp (a public, minimal receipt, with an EAS attestation) when the challenge is approved.',
      }),
    ),
    audience: Type.Optional(Audience),
    metadata: Type.Optional(Metadata),
  },
  {
    additionalProperties: false,
    description:
      'Give `userId` (one human approves) or `approvers` and `quorum` (that many of them must approve); see docs/quorum.md.',
  },
);
export type CreateChallengeBody = Static<typeof CreateChallengeBody>;

export const CreatedChallenge = Type.Object(
  {
    id: ChallengeId,
    status: Type.Literal('pending'),
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);
export type CreatedChallenge = Static<typeof CreatedChallenge>;

export const Challenge = Type.Object(
  {
    id: ChallengeId,
    status: ChallengeStatus,
    action: Action,
    userId: Type.Union([UserId, Type.Null()], {
      description: 'The one human who must approve; null for a quorum challenge (see `approvers`).',
    }),
    payload: Payload,
    digest: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description:
        'SHA-256 (hex) of the canonical challenge document that approvals sign; see docs/challenge-digest.md.',
    }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    decidedAt: Type.Union([Timestamp, Type.Null()]),
    deviceId: Type.Union([Type.String(), Type.Null()], {
      description: 'The device or passkey that decided it.',
    }),
    method: Type.Union([Type.Literal('device'), Type.Literal('passkey'), Type.Null()]),
    proof: Type.Union([Type.String(), Type.Null()], {
      description: 'The signed proof (compact JWS) of an approval.',
    }),
    stampRequested: Type.Boolean({ description: 'Whether an approval issues a stamp.' }),
    stampId: Type.Union([Type.String(), Type.Null()], {
      description: 'The stamp issued with the approval (`GET /v1/stamps/:id`).',
    }),
    audience: Audience,
    metadata: Metadata,
    bindingMessage: Type.Optional(BindingMessage),
    shownAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'When a device of its user (an approver, for a quorum challenge) first fetched it while pending, through the device API; absent until then.',
      }),
    ),
    ...QuorumFields,
    policy: Type.Union([ChallengePolicy, Type.Null()], {
      description:
        'The approval policy version the challenge was created under and its requirement (enforced at verify), or null when no policy matched; see docs/policies.md.',
    }),
  },
  { additionalProperties: false, title: 'Challenge' },
);
export type Challenge = Static<typeof Challenge>;

export const ChallengeParams = Type.Object({ id: Type.String() }, { additionalProperties: false });
export type ChallengeParams = Static<typeof ChallengeParams>;

export const ListChallengesQuery = Type.Object(
  {
    status: Type.Optional(ChallengeStatus),
    userId: Type.Optional(UserId),
    action: Type.Optional(Action),
    createdFrom: Type.Optional(
      Type.String({ format: 'date-time', description: 'Inclusive lower bound on createdAt.' }),
    ),
    createdTo: Type.Optional(
      Type.String({ format: 'date-time', description: 'Exclusive upper bound on createdAt.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: '`nextCursor` from the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListChallengesQuery = Static<typeof ListChallengesQuery>;

export const ChallengeList = Type.Object(
  {
    data: Type.Array(Challenge),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ChallengeList = Static<typeof ChallengeList>;
