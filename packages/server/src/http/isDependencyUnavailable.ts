import { isStalePreparedStatement } from '@keyra/storage';

// Socket-level failures reaching PostgreSQL (or any TCP dependency).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // SQLite: another process holds the write lock past the busy timeout.
  'SQLITE_BUSY',
]);

// SQLSTATEs meaning "the database cannot serve you right now": connection exceptions (class 08),
// shutting down or starting up (57P01–57P03), out of connections (53300).
const SQLSTATE = /^(08...|57P0[123]|53300)$/;

// node-postgres reports a lost or never-established connection with plain messages.
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout)/;

/**
 * Whether `error` (or an error in its `cause` chain, or inside an AggregateError) says a
 * dependency is unreachable rather than that the request or the code is wrong: the database
 * restarting, refusing or timing out connections, or dropped by the network. Those become
 * `503 service_unavailable` with `Retry-After`, which clients retry; anything else stays a 500.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (PG_MESSAGES.test(error.message)) return true;
  // A migration changed a table under a prepared statement inside a transaction; the statement
  // is prepared afresh on the retry (packages/storage, namedStatements.ts).
  if (isStalePreparedStatement(error)) return true;
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => isDependencyUnavailable(e, depth + 1))
  )
    return true;
  return isDependencyUnavailable(error.cause, depth + 1);
}
