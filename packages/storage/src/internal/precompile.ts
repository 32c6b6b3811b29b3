import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

const SLOT = '\u0000keyra-slot-';

interface Template {
  compiled: CompiledQuery;
  /** For each parameter of the compiled query: the argument it takes, or -1 for a constant. */
  slots: number[];
}

/**
 * A query of the request path, built and compiled to SQL once per dialect and then run with new
 * argument values. Kysely otherwise builds an immutable operation tree and compiles it on every
 * call (15–25 µs a query on the benchmark machine: a fifth of a challenge creation's CPU).
 *
 * `build` is called once per dialect with a placeholder in place of each argument; every
 * placeholder must reach the compiled parameters unchanged (a plain value in `where`, `values`
 * or `set`), which is checked then: a builder that inlined or transformed one would otherwise
 * send the placeholder to the database. Arguments are the values themselves, never SQL.
 */
export function precompile<Args extends unknown[], Row>(
  arity: Args['length'],
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): (db: Kysely<Database>, ...args: Args) => Promise<QueryResult<Row>> {
  // Keyed by the dialect's adapter: the SQL differs between SQLite and PostgreSQL.
  const templates = new Map<unknown, Template>();
  const templateFor = (db: Kysely<Database>): Template => {
    const adapter = db.getExecutor().adapter;
    let template = templates.get(adapter.constructor);
    if (template) return template;
    const placeholders = Array.from({ length: arity }, (_, i) => `${SLOT}${i}`) as Args;
    const compiled = build(db, ...placeholders).compile();
    const slots = compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(SLOT) ? Number(value.slice(SLOT.length)) : -1,
    );
    for (let i = 0; i < arity; i++)
      if (!slots.includes(i))
        throw new Error(
          `precompile: argument ${i} does not reach the parameters of: ${compiled.sql}`,
        );
    if (compiled.sql.includes(SLOT))
      throw new Error(`precompile: a placeholder was inlined into: ${compiled.sql}`);
    template = { compiled, slots };
    templates.set(adapter.constructor, template);
    return template;
  };
  return (db, ...args) => {
    const { compiled, slots } = templateFor(db);
    return db.executeQuery<Row>({
      ...compiled,
      parameters: slots.map((slot, i) => (slot < 0 ? compiled.parameters[i] : args[slot])),
    });
  };
}

/**
 * An insert of one row into `table`, precompiled per set of columns: the row's keys (in their
 * order) pick the template, so rows that leave optional columns out get their own.
 */
export function precompileInsert<T extends keyof Database & string>(
  table: T,
): (db: Kysely<Database>, row: Record<string, unknown>) => Promise<QueryResult<never>> {
  const byColumns = new Map<
    string,
    (db: Kysely<Database>, ...values: unknown[]) => Promise<QueryResult<never>>
  >();
  return (db, row) => {
    const columns = Object.keys(row);
    const key = columns.join(',');
    let insert = byColumns.get(key);
    if (!insert) {
      insert = precompile(columns.length, (db: Kysely<Database>, ...values: unknown[]) =>
        db
          .insertInto(table)
          .values(Object.fromEntries(columns.map((column, i) => [column, values[i]])) as never),
      ) as (db: Kysely<Database>, ...values: unknown[]) => Promise<QueryResult<never>>;
      byColumns.set(key, insert);
    }
    return insert(db, ...columns.map((column) => row[column]));
  };
}
