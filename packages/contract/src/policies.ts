import { Type, type Static } from '@sinclair/typebox';
import { CHALLENGE_LIMITS, CONDITION_OPS, POLICY_LIMITS } from '@keyra/core';
import { Timestamp } from './common.js';
import { Action, Approvers, Payload, Quorum, UserId } from './challenges.js';
import { ChallengePolicy, PolicyId, PolicyRequirement, TimeWindow } from './policyRequirement.js';

export { ChallengePolicy, PolicyId, PolicyRequirement, TimeWindow };

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const PolicyCondition = Type.Union(
  [
    Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'The CLI form: `payload.amount >= 10000`, `payload.currency in [EUR, USD]`.',
    }),
    Type.Object(
      {
        field: Type.String({
          maxLength: 200,
          description:
            '`action` or a dotted path into the payload (`payload.beneficiary.country`).',
        }),
        op: Type.Union(CONDITION_OPS.map((op) => Type.Literal(op))),
        value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { maxItems: 100 })])),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'A condition on the challenge: a field, an operator and a value. Ordering compares numbers with numbers and strings with strings; `in`/`not_in` take a list; `exists` takes no value. Stored and returned in the object form.',
  },
);

const PolicyMatch = Type.Object(
  {
    action: Type.String({
      pattern: POLICY_LIMITS.actionGlobPattern,
      description: 'Action glob: `*` matches any run of characters, dots included (`wire.*`).',
      examples: ['wire.*'],
    }),
    conditions: Type.Optional(
      Type.Array(PolicyCondition, {
        maxItems: POLICY_LIMITS.conditionsMax,
        description: 'All must hold.',
      }),
    ),
  },
  { additionalProperties: false },
);

const PolicyFields = {
  name: Type.String({ minLength: 1, maxLength: POLICY_LIMITS.nameMaxLength }),
  description: Type.Optional(
    Type.Union([Type.String({ maxLength: POLICY_LIMITS.descriptionMaxLength }), Type.Null()]),
  ),
  priority: Type.Optional(
    Type.Integer({
      minimum: POLICY_LIMITS.priorityMin,
      maximum: POLICY_LIMITS.priorityMax,
      default: POLICY_LIMITS.priorityDefault,
      description:
        'Rules are tried lowest first (ties by id); the first that matches applies, alone.',
    }),
  ),
  match: PolicyMatch,
  require: PolicyRequirement,
};

export const CreatePolicyBody = Type.Object(PolicyFields, { additionalProperties: false });
export type CreatePolicyBody = Static<typeof CreatePolicyBody>;

export const UpdatePolicyBody = Type.Object(
  {
    name: Type.Optional(PolicyFields.name),
    description: PolicyFields.description,
    priority: Type.Optional(
      Type.Integer({ minimum: POLICY_LIMITS.priorityMin, maximum: POLICY_LIMITS.priorityMax }),
    ),
    match: Type.Optional(PolicyMatch),
    require: Type.Optional(PolicyRequirement),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'The fields given replace the current version’s (`match` and `require` whole); a new version is written.',
  },
);
export type UpdatePolicyBody = Static<typeof UpdatePolicyBody>;

const StoredCondition = Type.Object(
  {
    field: Type.String(),
    op: Type.Union(CONDITION_OPS.map((op) => Type.Literal(op))),
    value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar)])),
  },
  { additionalProperties: false },
);

export const Policy = Type.Object(
  {
    id: PolicyId,
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    priority: Type.Integer(),
    version: Type.Integer({ minimum: 1, description: 'Each change writes the next version.' }),
    match: Type.Object(
      { action: Type.String(), conditions: Type.Array(StoredCondition) },
      { additionalProperties: false },
    ),
    require: PolicyRequirement,
    createdAt: Timestamp,
    updatedAt: Type.String({ format: 'date-time', description: 'When this version was written.' }),
    deletedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false, title: 'Policy' },
);
export type Policy = Static<typeof Policy>;

export const PolicyList = Type.Object(
  {
    data: Type.Array(Policy),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type PolicyList = Static<typeof PolicyList>;

export const PolicyParams = Type.Object({ id: Type.String() }, { additionalProperties: false });
export type PolicyParams = Static<typeof PolicyParams>;

export const GetPolicyQuery = Type.Object(
  {
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'A past version (deleted policies keep theirs).' }),
    ),
  },
  { additionalProperties: false },
);
export type GetPolicyQuery = Static<typeof GetPolicyQuery>;

export const ListPoliciesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: '`nextCursor` from the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListPoliciesQuery = Static<typeof ListPoliciesQuery>;

export const EvaluatePolicyBody = Type.Object(
  {
    action: Action,
    payload: Type.Optional(Payload),
    userId: Type.Optional(UserId),
    approvers: Type.Optional(Approvers),
    quorum: Type.Optional(Quorum),
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: CHALLENGE_LIMITS.expiresInMin,
        maximum: CHALLENGE_LIMITS.expiresInMax,
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'A would-be challenge; with `userId` or `approvers` the create-time checks run too.',
  },
);
export type EvaluatePolicyBody = Static<typeof EvaluatePolicyBody>;

export const PolicyEvaluation = Type.Object(
  {
    policy: Type.Union([
      Type.Object(
        { id: PolicyId, name: Type.String(), version: Type.Integer() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    requirement: Type.Union([PolicyRequirement, Type.Null()]),
    reasons: Type.Array(Type.String(), {
      description: 'One line per rule tried, in order: why it matched or not.',
    }),
    refusal: Type.Union([
      Type.Object(
        { code: Type.String(), message: Type.String(), details: Type.Unknown() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false, title: 'PolicyEvaluation' },
);
export type PolicyEvaluation = Static<typeof PolicyEvaluation>;

export const ApproverGroup = Type.Object(
  {
    name: Type.String({ pattern: POLICY_LIMITS.groupNamePattern }),
    members: Type.Array(UserId),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, title: 'ApproverGroup' },
);
export type ApproverGroup = Static<typeof ApproverGroup>;

export const ApproverGroupList = Type.Object(
  { data: Type.Array(ApproverGroup) },
  { additionalProperties: false },
);
export type ApproverGroupList = Static<typeof ApproverGroupList>;

export const ApproverGroupParams = Type.Object(
  { name: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);
export type ApproverGroupParams = Static<typeof ApproverGroupParams>;

export const PutApproverGroupBody = Type.Object(
  {
    members: Type.Array(UserId, {
      maxItems: POLICY_LIMITS.groupMembersMax,
      description: 'Distinct user ids.',
    }),
  },
  { additionalProperties: false },
);
export type PutApproverGroupBody = Static<typeof PutApproverGroupBody>;
