import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests. Each suite creates its own database (`keyra_t_<random>`) through a
 * maintenance connection to {@link TEST_POSTGRES_URL} and drops it afterwards, so concurrent runs
 * never share state. When PostgreSQL is unreachable, suites skip with a warning locally and fail
 * in CI (`CI=true`): a CI run must never pass by silently skipping the PostgreSQL adapter.
 */
export const TEST_POSTGRES_URL =
  process.env.KEYRA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgresDatabase {
  /** Connection URL of the new database (same server and credentials as the maintenance URL). */
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

const isCi = process.env.CI === 'true';

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function withMaintenanceClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: 3000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let probe: Promise<string | null> | undefined;

/** Why PostgreSQL cannot be used for tests, or null when it can. Probed once per process. */
export function postgresUnavailableReason(): Promise<string | null> {
  probe ??= withMaintenanceClient(async (client) => {
    await client.query('select 1');
    return null;
  }).catch((error: unknown) =>
    error instanceof Error ? error.message || error.name : String(error),
  );
  return probe;
}

function unavailableMessage(reason: string): string {
  return (
    `PostgreSQL is not reachable at ${redact(TEST_POSTGRES_URL)} (${reason}). ` +
    'Start one (e.g. `docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`) ' +
    'or point KEYRA_TEST_POSTGRES_URL at a server where the user may CREATE DATABASE.'
  );
}

/**
 * For `describe.skipIf(await shouldSkipPostgres())`: true (after a loud warning) when PostgreSQL
 * is unreachable outside CI. In CI it returns false, so the suite runs and its
 * {@link createTestPostgresDatabase} call fails with the reason.
 */
export async function shouldSkipPostgres(): Promise<boolean> {
  const reason = await postgresUnavailableReason();
  if (reason === null || isCi) return false;
  console.warn(`\n!!! SKIPPING PostgreSQL tests: ${unavailableMessage(reason)}\n`);
  return true;
}

/** Creates a fresh, empty, uniquely named database. Throws (with how to fix it) when PostgreSQL is unreachable. */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase> {
  const reason = await postgresUnavailableReason();
  if (reason !== null) throw new Error(unavailableMessage(reason));
  const name = `keyra_t_${randomBytes(6).toString('hex')}`;
  await withMaintenanceClient((client) =>
    client.query(`create database ${pg.escapeIdentifier(name)}`),
  );
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      dropped ??= withMaintenanceClient(async (client) => {
        await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      });
      return dropped;
    },
  };
}

/** Deletes every row of every application table (not the migration bookkeeping) in `url`'s database. */
export async function truncateTestPostgresDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "select tablename from pg_tables where schemaname = 'public' and tablename not like 'kysely\\_%'",
    );
    if (rows.length === 0) return;
    const tables = rows.map((row) => pg.escapeIdentifier(row.tablename)).join(', ');
    await client.query(`truncate ${tables} cascade`);
  } finally {
    await client.end();
  }
}
