import pg from 'pg';
const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'bench_wh', max: 4 });
const ids = (await pool.query('select id, tenant_id, environment from events limit 500')).rows;
const text = 'select * from "events" where "id" = $1 and ("tenant_id" = $2 and "environment" = $3)';
async function run(named) {
  const N = 20000; let i = 0;
  const t0 = performance.now(); const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 4 }, async () => { while (i < N) { const r = ids[i++ % ids.length];
    await pool.query(named ? { name: 'ev_find', text, values: [r.id, r.tenant_id, r.environment] } : { text, values: [r.id, r.tenant_id, r.environment] }); } }));
  const t = performance.now() - t0; const c = process.cpuUsage(c0);
  console.log(named ? 'named  ' : 'unnamed', Math.round(N / t * 1000), 'q/s; client µs/q', ((c.user + c.system) / N).toFixed(1));
}
for (const n of [false, true, false, true]) await run(n);
await pool.end();
