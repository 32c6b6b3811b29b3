#!/usr/bin/env node
// node scripts/bench-pg-prepared.mjs [--database postgres://USER@HOST:PORT/DB] [--queries N]
//
// What a named prepared statement saves on PostgreSQL, the way KEYRA's storage sends them
// (packages/storage/src/internal/namedStatements.ts): a primary-key read of a 10,000-row table
// shaped like `events`, N times through 4 pooled connections, unnamed (parsed and planned on every
// call) and named (once per connection), alternating, two rounds each. Prints queries per second
// and this process's CPU per query. Creates and drops its own table in the database given.
import pg from 'pg';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('Usage: node scripts/bench-pg-prepared.mjs [--database URL] [--queries N]');
  process.exit(0);
}
const url = flag('database', 'postgres://postgres@127.0.0.1:5432/test');
const N = Number(flag('queries', '20000'));
const table = `keyra_bench_prepared_${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  await pool.query(
    `create table ${table} (id text primary key, tenant_id text not null, environment text not null, type text not null, data text not null, created_at bigint not null)`,
  );
  await pool.query(
    `insert into ${table} select 'evt_' || g, 'tnt_a', 'sandbox', 'challenge.approved', '{}', g from generate_series(1, 10000) g`,
  );
  await pool.query(`analyze ${table}`);
  const text = `select * from "${table}" where "id" = $1 and ("tenant_id" = $2 and "environment" = $3)`;
  const run = async (named) => {
    let i = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (i < N) {
          const values = [`evt_${(i++ % 10000) + 1}`, 'tnt_a', 'sandbox'];
          await pool.query(named ? { name: 'bench_read', text, values } : { text, values });
        }
      }),
    );
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { qps: Math.round((N / ms) * 1000), cpuUs: (used.user + used.system) / N };
  };
  console.log(
    `PostgreSQL primary-key read, ${N} queries × 4 connections, ${new Date().toISOString()}`,
  );
  for (const named of [false, true, false, true]) {
    const { qps, cpuUs } = await run(named);
    console.log(
      `${named ? 'named  ' : 'unnamed'}  ${qps} queries/s, client CPU ${cpuUs.toFixed(1)} µs/query`,
    );
  }
} finally {
  await pool.query(`drop table if exists ${table}`).catch(() => undefined);
  await pool.end();
}
