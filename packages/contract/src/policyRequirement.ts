import { Type, type Static } from '@sinclair/typebox';
import { CHALLENGE_LIMITS, POLICY_LIMITS, WEEKDAYS } from '@keyra/core';

// The parts of a policy that a challenge's JSON shows; apart from policies.ts, which uses the
// challenge schemas, so neither module needs the other while loading.

export const PolicyId = Type.String({
  pattern: '^pol_[0-9A-Za-z]{4,64}$',
  description: 'Policy id, `pol_…`.',
  examples: ['pol_4Yk2b9Qm0xWcVt7sLp3nRa1e'],
});

export const TimeWindow = Type.Object(
  {
    timeZone: Type.String({ maxLength: 64, examples: ['Europe/Berlin'] }),
    days: Type.Array(Type.Union(WEEKDAYS.map((day) => Type.Literal(day))), {
      minItems: 1,
      maxItems: 7,
    }),
    from: Type.String({ pattern: '^\\d{2}:\\d{2}$', examples: ['09:00'] }),
    to: Type.String({ pattern: '^\\d{2}:\\d{2}$', examples: ['17:00'] }),
  },
  {
    additionalProperties: false,
    description:
      'Approvals allowed on `days` from `from` (inclusive) to `to` (exclusive), wall-clock time in `timeZone`; `from` after `to` spans midnight.',
  },
);

export const PolicyRequirement = Type.Object(
  {
    methods: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('device'), Type.Literal('passkey'), Type.Literal('voice')]),
        {
          minItems: 1,
          maxItems: 3,
          description: 'Approval methods allowed (any of); checked at verify.',
        },
      ),
    ),
    quorum: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: CHALLENGE_LIMITS.approversMax,
        description: 'At least this many distinct approvers; checked at create.',
      }),
    ),
    groups: Type.Optional(
      Type.Array(Type.String({ pattern: POLICY_LIMITS.groupNamePattern }), {
        minItems: 1,
        maxItems: POLICY_LIMITS.groupsMax,
        description:
          'Every approver must be a member of one of these approver groups; checked at create.',
      }),
    ),
    maxExpiresIn: Type.Optional(
      Type.Integer({
        minimum: CHALLENGE_LIMITS.expiresInMin,
        maximum: CHALLENGE_LIMITS.expiresInMax,
        description:
          'A longer `expiresIn` is refused (422 `policy_expires_in_too_long`), not clamped.',
      }),
    ),
    windows: Type.Optional(
      Type.Array(TimeWindow, { minItems: 1, maxItems: POLICY_LIMITS.windowsMax }),
    ),
    stamp: Type.Optional(
      Type.Boolean({
        description: '`true`: the challenge asks for a stamp whatever its creator said.',
      }),
    ),
  },
  { additionalProperties: false, title: 'PolicyRequirement' },
);
export type PolicyRequirement = Static<typeof PolicyRequirement>;

/** The policy a challenge was created under, in the challenge's JSON. */
export const ChallengePolicy = Type.Object(
  {
    id: PolicyId,
    name: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    requirement: PolicyRequirement,
  },
  {
    additionalProperties: false,
    title: 'ChallengePolicy',
    description:
      'The policy version the challenge was created under; its requirement is enforced at verify.',
  },
);
export type ChallengePolicy = Static<typeof ChallengePolicy>;
