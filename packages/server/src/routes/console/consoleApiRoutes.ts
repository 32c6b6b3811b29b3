import {
  beginEnrolment,
  beginSignIn,
  changeConsoleRole,
  disableConsoleUser,
  finishEnrolment,
  finishSignIn,
  formatTimestamp,
  inviteConsoleUser,
  KeyraError,
  requireConsoleRole,
  resolveSession,
  signOut,
  signOutEverywhere,
  type Clock,
  type ConsoleRole,
  type ConsoleSessionPolicy,
  type ConsoleUserRecord,
  type OpenedConsoleSession,
  type RelyingParty,
  type ResolvedConsoleSession,
  type Storage,
} from '@keyra/core';
import {
  ConsoleActionList,
  ConsoleInvite,
  ConsoleMemberList,
  ConsoleMemberParams,
  ConsoleSession,
  ConsoleSessionList,
  ConsoleUser,
  EnrolmentOptions,
  EnrolmentOptionsBody,
  FinishEnrolmentBody,
  FinishSignInBody,
  InviteMemberBody,
  SignedOutEverywhere,
  SignInOptions,
  UpdateMemberBody,
} from '@keyra/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkConsoleChange } from '../../http/authenticateConsole.js';
import {
  checkConsoleOrigin,
  consoleCookie,
  isSecureRequest,
  readConsoleCookie,
} from '../../http/consoleCookies.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { consoleKeyRoutes } from './consoleKeyRoutes.js';

export interface ConsoleApiRoutesOptions {
  storage: Storage;
  clock: Clock;
  rp: RelyingParty;
  policy: ConsoleSessionPolicy;
  /** Origins a change may come from besides the server's own. */
  allowedOrigins: readonly string[];
  /** Where invite links point (`KEYRA_PUBLIC_URL`). */
  publicUrl: () => string;
  /** Drops a key from this process's key cache after the console revoked or rotated it. */
  forgetApiKey: (keyId: string) => void;
  /** The per-user rate limit, like the per-key one. */
  limitUser: (userId: string, request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** The path of the enrolment page; the token rides in the fragment, so it never reaches a log. */
export function inviteUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/console/enrol#token=${token}`;
}

function userJson(user: ConsoleUserRecord): ConsoleUser {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    createdAt: formatTimestamp(user.createdAt),
    disabledAt: user.disabledAt === null ? null : formatTimestamp(user.disabledAt),
  };
}

/**
 * The console's own API: passkey enrolment from an invite, sign-in, the session, sign-out
 * (here and everywhere), and members. Cookie-authenticated and for the console page only, so out
 * of the public OpenAPI document (`hide`); the contract schemas still validate every request and
 * response. Every change checks Origin, and with a session also `X-CSRF-Token`.
 */
export async function consoleApiRoutes(
  app: FastifyInstance,
  options: ConsoleApiRoutesOptions,
): Promise<void> {
  const { storage, clock, rp, policy, allowedOrigins } = options;
  const schema = (rest: Record<string, unknown>) => ({ hide: true, tags: ['Console'], ...rest });

  /** The signed-in user, after the CSRF and Origin checks on a change and the role check. */
  const signedIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    minimum: ConsoleRole = 'viewer',
    what = 'This',
  ): Promise<ResolvedConsoleSession & { token: string }> => {
    const token = readConsoleCookie(request);
    const resolved = await resolveSession(storage.console, token, clock.now());
    request.consoleSession = resolved;
    await options.limitUser(resolved.user.id, request, reply);
    checkConsoleChange(request, token as string, allowedOrigins);
    requireConsoleRole(resolved.user, minimum, what);
    return { ...resolved, token: token as string };
  };

  const sessionJson = async (
    opened: Pick<OpenedConsoleSession, 'session' | 'user' | 'csrfToken'>,
  ): Promise<ConsoleSession> => {
    const tenant = await storage.tenants.findById(opened.user.tenantId);
    return {
      user: userJson(opened.user),
      tenant: { id: opened.user.tenantId, name: tenant?.name ?? opened.user.tenantId },
      csrfToken: opened.csrfToken,
      session: {
        id: opened.session.id,
        createdAt: formatTimestamp(opened.session.createdAt),
        expiresAt: formatTimestamp(opened.session.expiresAt),
        idleTimeoutSeconds: Math.round(opened.session.idleTimeoutMs / 1000),
      },
    };
  };

  /** Sets the cookie of a session just opened; it lives as long as the session may. */
  const startSession = async (
    request: FastifyRequest,
    reply: FastifyReply,
    opened: OpenedConsoleSession,
  ): Promise<ConsoleSession> => {
    request.consoleSession = opened;
    reply.header(
      'Set-Cookie',
      consoleCookie(
        opened.token,
        isSecureRequest(request),
        Math.floor((opened.session.expiresAt - clock.now()) / 1000),
      ),
    );
    return sessionJson(opened);
  };

  const clearCookie = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('Set-Cookie', consoleCookie('', isSecureRequest(request), 0));
  };

  app.addHook('onSend', async (_request, reply, payload) => {
    // Sessions and CSRF tokens must never sit in a cache.
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.post<{ Body: EnrolmentOptionsBody }>(
    '/console/api/enrolment/options',
    {
      schema: schema({
        summary: 'Passkey creation options for an invite link.',
        body: EnrolmentOptionsBody,
        response: { 200: EnrolmentOptions, ...ERROR_RESPONSES },
      }),
    },
    async (request) => {
      checkConsoleOrigin(request, allowedOrigins);
      return beginEnrolment(storage.console, rp, request.body.token, clock.now());
    },
  );

  app.post<{ Body: FinishEnrolmentBody }>(
    '/console/api/enrolment',
    {
      schema: schema({
        summary: 'Redeem an invite with a new passkey; signs in.',
        body: FinishEnrolmentBody,
        response: { 201: ConsoleSession, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      checkConsoleOrigin(request, allowedOrigins);
      const opened = await finishEnrolment(storage, rp, request.body, policy, clock.now());
      return reply.status(201).send(await startSession(request, reply, opened));
    },
  );

  app.post(
    '/console/api/sign-in/options',
    {
      schema: schema({
        summary: 'Passkey request options for signing in.',
        response: { 200: SignInOptions, ...ERROR_RESPONSES },
      }),
    },
    async (request) => {
      checkConsoleOrigin(request, allowedOrigins);
      return beginSignIn(storage.console, rp, clock.now());
    },
  );

  app.post<{ Body: FinishSignInBody }>(
    '/console/api/sign-in',
    {
      schema: schema({
        summary: 'Sign in with a console passkey.',
        body: FinishSignInBody,
        response: { 200: ConsoleSession, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      checkConsoleOrigin(request, allowedOrigins);
      try {
        const opened = await finishSignIn(
          storage.console,
          rp,
          request.body.response,
          policy,
          clock.now(),
        );
        return await startSession(request, reply, opened);
      } catch (error) {
        if (error instanceof KeyraError && error.code === 'console_sign_in_failed')
          request.log.info({ reason: String(error.cause) }, 'console sign-in refused');
        throw error;
      }
    },
  );

  app.get(
    '/console/api/session',
    {
      schema: schema({
        summary: 'Who is signed in, and the CSRF token for changes.',
        response: { 200: ConsoleSession, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => sessionJson(await signedIn(request, reply)),
  );

  app.post(
    '/console/api/sign-out',
    { schema: schema({ summary: 'End this session.', response: { ...ERROR_RESPONSES } }) },
    async (request, reply) => {
      const { token } = await signedIn(request, reply);
      await signOut(storage.console, token, clock.now());
      clearCookie(request, reply);
      return reply.status(204).send();
    },
  );

  app.post(
    '/console/api/sign-out-everywhere',
    {
      schema: schema({
        summary: 'End every session of the signed-in user, this one included.',
        response: { 200: SignedOutEverywhere, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply);
      const revoked = await signOutEverywhere(storage.console, user, clock.now());
      clearCookie(request, reply);
      return { revoked };
    },
  );

  app.get(
    '/console/api/sessions',
    {
      schema: schema({
        summary: "The signed-in user's open sessions.",
        response: { 200: ConsoleSessionList, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user, session } = await signedIn(request, reply);
      const now = clock.now();
      const sessions = await storage.console.listSessions(user.tenantId, user.id, now);
      return {
        data: sessions
          .filter((s) => now < s.lastSeenAt + s.idleTimeoutMs)
          .map((s) => ({
            id: s.id,
            createdAt: formatTimestamp(s.createdAt),
            lastSeenAt: formatTimestamp(s.lastSeenAt),
            expiresAt: formatTimestamp(s.expiresAt),
            current: s.id === session.id,
          })),
      };
    },
  );

  app.get(
    '/console/api/members',
    {
      schema: schema({
        summary: "The tenant's console users.",
        response: { 200: ConsoleMemberList, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'admin', 'Listing members');
      return { data: (await storage.console.listUsers(user.tenantId)).map(userJson) };
    },
  );

  app.post<{ Body: InviteMemberBody }>(
    '/console/api/members',
    {
      schema: schema({
        summary: 'Invite a member (owners): a one-time enrolment link.',
        body: InviteMemberBody,
        response: { 201: ConsoleInvite, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Inviting members');
      const { invite, token } = await inviteConsoleUser(
        storage.console,
        { tenantId: user.tenantId, ...request.body, invitedBy: user.id },
        clock.now(),
      );
      return reply.status(201).send({
        id: invite.id,
        email: invite.email,
        role: invite.role,
        inviteUrl: inviteUrl(options.publicUrl(), token),
        expiresAt: formatTimestamp(invite.expiresAt),
      });
    },
  );

  app.patch<{ Params: ConsoleMemberParams; Body: UpdateMemberBody }>(
    '/console/api/members/:id',
    {
      schema: schema({
        summary: "Change a member's role (owners).",
        params: ConsoleMemberParams,
        body: UpdateMemberBody,
        response: { 200: ConsoleUser, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Changing roles');
      return userJson(
        await changeConsoleRole(storage.console, user, request.params.id, request.body.role),
      );
    },
  );

  app.post<{ Params: ConsoleMemberParams }>(
    '/console/api/members/:id/disable',
    {
      schema: schema({
        summary: 'Disable a member (owners): they are signed out everywhere.',
        params: ConsoleMemberParams,
        response: { 200: ConsoleUser, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Disabling members');
      return userJson(await disableConsoleUser(storage, user, request.params.id, clock.now()));
    },
  );

  app.get(
    '/console/api/actions',
    {
      schema: schema({
        summary: 'What was done through console sessions, newest first (admins and owners).',
        response: { 200: ConsoleActionList, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'admin', 'Reading the console log');
      const actions = await storage.console.listActions(user.tenantId, 200);
      return {
        data: actions.map((action) => ({
          id: action.id,
          userId: action.userId,
          environment: action.environment,
          method: action.method,
          route: action.route,
          targetId: action.targetId,
          statusCode: action.statusCode,
          at: formatTimestamp(action.at),
        })),
      };
    },
  );

  consoleKeyRoutes(app, { storage, clock, signedIn, forget: options.forgetApiKey });
}
