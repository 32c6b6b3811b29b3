import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const load = (env: NodeJS.ProcessEnv) =>
  loadConfig({ database: 'sqlite::memory:', dataDir: '/tmp/keyra-config-test' }, env);

describe('database configuration', () => {
  it('opens at most 10 PostgreSQL connections per instance unless KEYRA_DATABASE_POOL_SIZE says otherwise', () => {
    expect(load({}).databasePoolSize).toBe(10);
    expect(load({ KEYRA_DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    expect(load({ KEYRA_DATABASE_POOL_SIZE: '500' }).databasePoolSize).toBe(500);
  });

  it.each(['0', '-1', '1.5', 'ten', '501'])(
    'refuses KEYRA_DATABASE_POOL_SIZE=%s at boot, naming the range',
    (value) => {
      expect(() => load({ KEYRA_DATABASE_POOL_SIZE: value })).toThrow(ConfigError);
      expect(() => load({ KEYRA_DATABASE_POOL_SIZE: value })).toThrow(/between 1 and 500/);
    },
  );
});
