import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';
import { WebAuthnResponse } from './credentials.js';

/**
 * The console's own API under `/console/api/…`: passkey sign-in, the session, members. It is
 * authenticated by the `keyra_console` cookie (and `X-CSRF-Token` on changes), for the console
 * page only, so these schemas validate requests and responses but stay out of the public OpenAPI
 * document and the SDK (see docs/console.md).
 */

export const ConsoleRole = Type.Union(
  [Type.Literal('viewer'), Type.Literal('developer'), Type.Literal('admin'), Type.Literal('owner')],
  { description: 'What the user may see and change; see docs/console.md.' },
);
export type ConsoleRole = Static<typeof ConsoleRole>;

export const ConsoleUserId = Type.String({ pattern: '^cu_[0-9A-Za-z]{4,64}$' });

export const ConsoleUser = Type.Object(
  {
    id: ConsoleUserId,
    email: Type.String(),
    role: ConsoleRole,
    createdAt: Timestamp,
    disabledAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type ConsoleUser = Static<typeof ConsoleUser>;

const InviteToken = Type.String({
  pattern: '^kci_[A-Za-z0-9_-]{43}$',
  description: 'The token of the invite link.',
});

export const EnrolmentOptionsBody = Type.Object(
  { token: InviteToken },
  { additionalProperties: false },
);
export type EnrolmentOptionsBody = Static<typeof EnrolmentOptionsBody>;

export const EnrolmentOptions = Type.Object(
  {
    options: Type.Object({ challenge: Type.String() }, { additionalProperties: true }),
    email: Type.String(),
    role: ConsoleRole,
  },
  { additionalProperties: false },
);

export const FinishEnrolmentBody = Type.Object(
  { token: InviteToken, response: WebAuthnResponse },
  { additionalProperties: false },
);
export type FinishEnrolmentBody = Static<typeof FinishEnrolmentBody>;

export const SignInOptions = Type.Object(
  { challenge: Type.String() },
  { additionalProperties: true, description: 'PublicKeyCredentialRequestOptionsJSON' },
);

export const FinishSignInBody = Type.Object(
  { response: WebAuthnResponse },
  { additionalProperties: false },
);
export type FinishSignInBody = Static<typeof FinishSignInBody>;

export const ConsoleSession = Type.Object(
  {
    user: ConsoleUser,
    tenant: Type.Object(
      { id: Type.String(), name: Type.String() },
      { additionalProperties: false },
    ),
    csrfToken: Type.String({ description: 'Send it back as `X-CSRF-Token` with every change.' }),
    session: Type.Object(
      {
        id: Type.String(),
        createdAt: Timestamp,
        expiresAt: Timestamp,
        idleTimeoutSeconds: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ConsoleSession = Static<typeof ConsoleSession>;

export const ConsoleSessionList = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          createdAt: Timestamp,
          lastSeenAt: Timestamp,
          expiresAt: Timestamp,
          current: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SignedOutEverywhere = Type.Object(
  { revoked: Type.Integer({ description: 'How many sessions ended.' }) },
  { additionalProperties: false },
);

export const ConsoleMemberList = Type.Object(
  { data: Type.Array(ConsoleUser) },
  { additionalProperties: false },
);

export const InviteMemberBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    role: ConsoleRole,
  },
  { additionalProperties: false },
);
export type InviteMemberBody = Static<typeof InviteMemberBody>;

export const ConsoleInvite = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: ConsoleRole,
    inviteUrl: Type.String({ description: 'The one-time enrolment link. Shown once.' }),
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);

export const ConsoleMemberParams = Type.Object(
  { id: ConsoleUserId },
  { additionalProperties: false },
);
export type ConsoleMemberParams = Static<typeof ConsoleMemberParams>;

export const UpdateMemberBody = Type.Object({ role: ConsoleRole }, { additionalProperties: false });
export type UpdateMemberBody = Static<typeof UpdateMemberBody>;

export const ConsoleActionList = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          userId: Type.String(),
          environment: Type.Union([
            Type.Literal('sandbox'),
            Type.Literal('production'),
            Type.Null(),
          ]),
          method: Type.String(),
          route: Type.String(),
          targetId: Type.Union([Type.String(), Type.Null()]),
          statusCode: Type.Integer(),
          at: Timestamp,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
