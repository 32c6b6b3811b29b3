import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/** The most distinct statements prepared per connection (server memory is bounded by it). */
export const MAX_NAMED_STATEMENTS = 256;
/** A statement is prepared once it has been run this many times (one-offs never are). */
const PREPARE_AFTER_RUNS = 3;
/** The most distinct statement texts counted; beyond, new texts simply run unnamed. */
const MAX_COUNTED = 4096;
/** Only plain DML and queries: utility statements (DDL, BEGIN…) gain nothing from a plan. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const TRANSACTION_START = /^\s*(begin|start\s+transaction)\b/i;
const TRANSACTION_END = /^\s*(commit|rollback|end|abort)\b/i;

/** PostgreSQL's answer when a prepared statement's result columns changed under it (a migration). */
export function isStalePreparedStatement(error: unknown): boolean {
  // Duck-typed: node-postgres' DatabaseError may come from another realm (test runners).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === '0A000' &&
    typeof message === 'string' &&
    message.includes('cached plan must not change result type')
  );
}

interface PgQueryable {
  query(config: {
    name?: string;
    text: string;
    values?: readonly unknown[];
  }): Promise<PostgresQueryResult<unknown>>;
  release(): void;
}

/**
 * Wraps a node-postgres pool for Kysely so that the statements the server runs over and over
 * are sent as named prepared statements: PostgreSQL then parses and plans each once per
 * connection, not on every call (a primary-key read runs 1.7× as fast on this project's 2-core
 * machine; docs/benchmarks.md). node-postgres prepares a name on a connection the first time it is
 * used there and reuses it after.
 *
 * Bounded: a text is named after {@link PREPARE_AFTER_RUNS} runs and at most
 * {@link MAX_NAMED_STATEMENTS} texts are, so dynamic statements (IN lists of any length) cannot
 * fill the server's memory; the rest run unnamed as before. Names are a hash of the text, so two
 * texts never share one.
 *
 * A migration that changes a table's columns invalidates statements reading `*` from it, which
 * PostgreSQL reports once per connection (SQLSTATE 0A000). The text is then renamed, so it is
 * prepared afresh; outside a transaction the query is retried at once, inside one the error
 * stands (the transaction is already aborted) and the server answers 503 with `Retry-After`.
 */
export function withNamedStatements(pool: {
  connect(): Promise<PgQueryable>;
  end(): Promise<void>;
}): PostgresPool {
  const runs = new Map<string, number>();
  const names = new Map<string, string>();
  let generation = 0;
  // Names given up after a migration stay prepared on the connections that used them: counted
  // against the quota, so no connection ever holds more than MAX_NAMED_STATEMENTS.
  let retired = 0;
  const nameFor = (text: string): string => {
    generation += 1;
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 24);
    return `keyra_${digest}_${generation.toString(36)}`;
  };
  const nameOf = (text: string): string | undefined => {
    const name = names.get(text);
    if (name !== undefined) return name;
    if (names.size + retired >= MAX_NAMED_STATEMENTS || !PREPARABLE.test(text)) return undefined;
    const count = (runs.get(text) ?? 0) + 1;
    if (count < PREPARE_AFTER_RUNS) {
      if (runs.has(text) || runs.size < MAX_COUNTED) runs.set(text, count);
      return undefined;
    }
    runs.delete(text);
    const fresh = nameFor(text);
    names.set(text, fresh);
    return fresh;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let inTransaction = false;
      const run = (text: string, values: readonly unknown[] | undefined) => {
        const name = values && values.length > 0 ? nameOf(text) : undefined;
        return name === undefined
          ? client.query({ text, ...(values ? { values } : {}) })
          : client.query({ name, text, values: values ?? [] });
      };
      // Kysely's client type also allows a cursor, for streaming, which this project never asks for.
      const wrapped = {
        async query<R>(text: string, values?: readonly unknown[]) {
          if (TRANSACTION_START.test(text)) inTransaction = true;
          else if (TRANSACTION_END.test(text)) inTransaction = false;
          try {
            return (await run(text, values)) as PostgresQueryResult<R>;
          } catch (error) {
            if (!isStalePreparedStatement(error)) throw error;
            if (names.has(text)) {
              names.set(text, nameFor(text));
              retired += 1;
            }
            if (inTransaction) throw error;
            return (await run(text, values)) as PostgresQueryResult<R>;
          }
        },
        release: () => client.release(),
      };
      return wrapped as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
