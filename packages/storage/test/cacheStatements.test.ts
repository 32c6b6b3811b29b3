import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cacheStatements } from '../src/internal/cacheStatements.js';

describe('cacheStatements', () => {
  it('prepares each SQL string once and hands the statement out again', () => {
    const database = new BetterSqlite3(':memory:');
    const cached = cacheStatements(database);
    cached.prepare('create table t (id integer primary key, v text)').run();
    const insert = cached.prepare('insert into t (v) values (?)');
    expect(cached.prepare('insert into t (v) values (?)')).toBe(insert);
    insert.run('a');
    cached.prepare('insert into t (v) values (?)').run('b');
    expect(cached.prepare('select v from t order by id').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
    cached.close();
    expect(database.open).toBe(false);
  });

  it('keeps at most `capacity` statements, evicting the least recently used', () => {
    const database = new BetterSqlite3(':memory:');
    const cached = cacheStatements(database, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(one); // now "select 2" is the oldest
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
    cached.close();
  });

  it('a cached statement sees a schema change made after it was prepared', () => {
    const database = new BetterSqlite3(':memory:');
    const cached = cacheStatements(database);
    cached.prepare('create table t (id integer primary key)').run();
    cached.prepare('insert into t (id) values (1)').run();
    const select = cached.prepare('select * from t');
    expect(select.all()).toEqual([{ id: 1 }]);
    cached.prepare("alter table t add column v text default 'x'").run();
    expect(cached.prepare('select * from t').all()).toEqual([{ id: 1, v: 'x' }]);
    cached.close();
  });
});
