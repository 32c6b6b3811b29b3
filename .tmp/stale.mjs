import pg from 'pg';
const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
const o = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
await c.connect(); await o.connect();
await c.query('drop table if exists mv; create table mv (id int primary key); insert into mv values (1)');
const q = () => c.query({ name: 's1', text: 'select * from mv where id = $1', values: [1] });
console.log((await q()).rows);
await o.query('alter table mv add column note text');
try { console.log('outside', (await q()).rows); } catch (e) { console.log('outside err', e.code, e.message); }
await o.query('alter table mv add column size int');
await c.query('begin');
try { console.log('inside', (await q()).rows); } catch (e) { console.log('inside err', e.code, e.message); }
await c.query('rollback');
await c.end(); await o.end();
