import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toKeyraError } from '../src/http/errorHandler.js';
import { isDependencyUnavailable } from '../src/http/isDependencyUnavailable.js';

/** What node-postgres really throws when the server is unreachable: the query's rejection. */
async function pgFailure(port: number): Promise<Error> {
  const pool = new pg.Pool({ host: '127.0.0.1', port, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  try {
    await pool.query('select 1');
  } catch (error) {
    return error as Error;
  } finally {
    await pool.end().catch(() => undefined);
  }
  throw new Error('the query unexpectedly succeeded');
}

function databaseError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

describe('an unreachable database is a 503 with Retry-After, not a 500', () => {
  let closedPort: number;
  // Accepts, then hangs up at once: PostgreSQL dying mid-handshake.
  const hangUp = net.createServer((socket) => socket.destroy());
  let hangUpPort: number;

  beforeAll(async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    hangUpPort = (hangUp.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => hangUp.close(resolve)));

  it('recognises refused and dropped connections, restarts and exhausted connection slots', async () => {
    const failures = [
      await pgFailure(closedPort),
      await pgFailure(hangUpPort),
      databaseError('57P01', 'terminating connection due to administrator command'),
      databaseError('57P03', 'the database system is starting up'),
      databaseError('08006', 'connection failure'),
      databaseError('53300', 'sorry, too many clients already'),
      // A migration changed a table under a prepared statement, inside a transaction: retry.
      databaseError('0A000', 'cached plan must not change result type'),
      new Error('wrapped', { cause: databaseError('57P01', 'terminating connection') }),
    ];
    for (const error of failures) {
      expect(isDependencyUnavailable(error), error.message).toBe(true);
      const mapped = toKeyraError(error);
      expect(mapped.status).toBe(503);
      expect(mapped.code).toBe('service_unavailable');
      expect(mapped.headers['Retry-After']).toBe('1');
    }
  });

  it('leaves bugs and constraint failures as 500s', () => {
    for (const error of [
      new Error('undefined is not a function'),
      databaseError('23505', 'duplicate key value violates unique constraint'),
      databaseError('42P01', 'relation "nope" does not exist'),
      // Another feature_not_supported is a bug, not a stale statement.
      databaseError('0A000', 'FOR UPDATE is not allowed with aggregate functions'),
    ]) {
      expect(isDependencyUnavailable(error)).toBe(false);
      expect(toKeyraError(error).status).toBe(500);
    }
  });
});
