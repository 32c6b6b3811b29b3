import type { ConsoleRole } from '@keyra/core';

/**
 * The one table of what a console session may call on the key-authenticated routes: for each
 * route (`METHOD url`), the weakest role allowed, or `null` when a console session may not call it
 * at all. Every route behind API-key authentication must have an entry: `buildApp` throws at boot
 * otherwise, so a new route cannot slip past it. docs/console.md prints this table.
 *
 * Viewers only read, and no read answers a secret (webhook secrets are only in the answers that
 * create or rotate them). API keys have no /v1 route: owners manage them through
 * `/console/api/keys` (consoleKeyRoutes.ts) or with `keyra keys`.
 */
export const CONSOLE_ACCESS: Readonly<Record<string, ConsoleRole | null>> = {
  'GET /v1/challenges': 'viewer',
  'GET /v1/challenges/:id': 'viewer',
  'POST /v1/challenges': 'developer',
  'POST /v1/challenges/:id/cancel': 'developer',
  'POST /v1/challenges/:id/verify': 'developer',
  'POST /v1/credentials/register': 'developer',
  'POST /v1/credentials/register/verify': 'developer',
  'POST /v1/credentials/authenticate': 'developer',
  'POST /v1/credentials/authenticate/verify': 'developer',
  'GET /v1/devices': 'viewer',
  'GET /v1/devices/:id': 'viewer',
  'PATCH /v1/devices/:id': 'developer',
  'DELETE /v1/devices/:id': 'developer',
  'POST /v1/simulator/attestation-certificates': 'developer',
  'GET /v1/webhook_endpoints': 'viewer',
  'GET /v1/webhook_endpoints/:id': 'viewer',
  'GET /v1/webhook_endpoints/:id/deliveries': 'viewer',
  // Answers the new endpoint's signing secret.
  'POST /v1/webhook_endpoints': 'developer',
  'PATCH /v1/webhook_endpoints/:id': 'developer',
  'POST /v1/webhook_endpoints/:id/test': 'developer',
  'DELETE /v1/webhook_endpoints/:id': 'admin',
  // Answers the new signing secret.
  'POST /v1/webhook_endpoints/:id/rotate_secret': 'admin',
  'GET /v1/events': 'viewer',
  'GET /v1/events/:id': 'viewer',
  'GET /v1/events/:id/deliveries': 'viewer',
  'POST /v1/events/:id/redeliver': 'admin',
  'GET /v1/usage': 'viewer',
  'GET /v1/audit': 'viewer',
  'GET /v1/audit/export': 'admin',
  'GET /v1/audit/checkpoints': 'viewer',
  'POST /v1/audit/checkpoints': 'admin',
  'GET /v1/policies': 'viewer',
  'GET /v1/policies/:id': 'viewer',
  // A dry run: reads the policies, writes nothing.
  'POST /v1/policies/evaluate': 'viewer',
  'POST /v1/policies': 'admin',
  'PATCH /v1/policies/:id': 'admin',
  'DELETE /v1/policies/:id': 'admin',
  'GET /v1/approver_groups': 'viewer',
  'GET /v1/approver_groups/:name': 'viewer',
  'PUT /v1/approver_groups/:name': 'admin',
  'DELETE /v1/approver_groups/:name': 'admin',
  'POST /api/v1/phrase': 'developer',
  'POST /api/v1/enroll': 'developer',
  'POST /api/v1/verify': 'developer',
  'GET /api/v1/verify_logs': 'viewer',
  'GET /api/v1/enrollments/:wallet': 'viewer',
  // Agents connect with a key; a browser session is not an agent.
  'POST /mcp': null,
};

/** The entry of a route: `METHOD url`. */
export function consoleAccessKey(method: string, url: string): string {
  return `${method} ${url}`;
}
