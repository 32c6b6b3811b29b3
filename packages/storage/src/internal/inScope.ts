import type { Environment, Scope } from '@keyra/core';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from './schema.js';

/** The tables whose rows belong to one tenant and environment. */
export type ScopedTable = {
  [T in keyof Database]: Database[T] extends { tenant_id: string; environment: Environment }
    ? T
    : never;
}[keyof Database];

/**
 * The tenant filter, said once: `.where(inScope(scope))` keeps the rows of `scope`'s tenant and
 * environment (`tenant_id = ? and environment = ?`, the leading columns of every scoped index).
 * Only tables with both columns accept it.
 */
export function inScope(
  scope: Scope,
): <TB extends ScopedTable>(eb: ExpressionBuilder<Database, TB>) => Expression<SqlBool> {
  // Raw comparisons because Kysely cannot resolve a column's type over a generic table; `ref`
  // still checks the column names.
  return (eb) =>
    eb.and([
      sql<SqlBool>`${eb.ref('tenant_id')} = ${scope.tenantId}`,
      sql<SqlBool>`${eb.ref('environment')} = ${scope.environment}`,
    ]);
}

/** The scope columns of a row to insert, from a record or a `Scope`. */
export function scopeColumns(scope: Scope): { tenant_id: string; environment: Environment } {
  return { tenant_id: scope.tenantId, environment: scope.environment };
}
