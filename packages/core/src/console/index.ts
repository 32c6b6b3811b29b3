export {
  CONSOLE_ROLES,
  hasConsoleRole,
  type ConsoleActionRecord,
  type ConsoleCeremonyRecord,
  type ConsoleInviteRecord,
  type ConsolePasskeyRecord,
  type ConsoleRole,
  type ConsoleSessionRecord,
  type ConsoleStore,
  type ConsoleUserRecord,
} from './consoleRecords.js';
export {
  CONSOLE_CEREMONY_TTL_MS,
  CONSOLE_INVITE_PREFIX,
  CONSOLE_INVITE_TTL_MS,
  CONSOLE_SESSION_PREFIX,
  DEFAULT_CONSOLE_SESSION_POLICY,
  checkConsoleCsrf,
  consoleCsrfToken,
  hashConsoleToken,
  normalizeConsoleEmail,
  type ConsoleSessionPolicy,
} from './consoleTokens.js';
export { consoleOrigin } from './consoleOrigin.js';
export type { OpenedConsoleSession } from './createConsoleSession.js';
export { inviteConsoleUser, type InviteConsoleUserInput } from './inviteConsoleUser.js';
export { beginEnrolment, type BeginEnrolmentResult } from './beginEnrolment.js';
export { finishEnrolment, type FinishEnrolmentInput } from './finishEnrolment.js';
export { beginSignIn } from './beginSignIn.js';
export { finishSignIn } from './finishSignIn.js';
export {
  resolveSession,
  SESSION_TOUCH_INTERVAL_MS,
  type ResolvedConsoleSession,
} from './resolveSession.js';
export { signOut } from './signOut.js';
export { signOutEverywhere } from './signOutEverywhere.js';
export { requireConsoleRole } from './requireConsoleRole.js';
export { changeConsoleRole } from './changeConsoleRole.js';
export { disableConsoleUser } from './disableConsoleUser.js';
