import { describe, expect, it } from 'vitest';
import { cibaIssuer, ConfigError, loadConfig } from '../src/config.js';

const load = (env: NodeJS.ProcessEnv, dev = false) =>
  loadConfig({ database: 'sqlite::memory:', dataDir: '/tmp/keyra-config-test', dev }, env);

describe('CIBA configuration', () => {
  it('defaults the issuer to the public URL and the poll interval to 5 s', () => {
    const config = load({ KEYRA_PUBLIC_URL: 'https://keyra.example.com' });
    expect(cibaIssuer(config)).toBe('https://keyra.example.com');
    expect(config.ciba.intervalSeconds).toBe(5);
  });

  it('takes KEYRA_ISSUER and KEYRA_CIBA_INTERVAL_SECONDS', () => {
    const config = load({
      KEYRA_ISSUER: 'https://id.example.com/keyra',
      KEYRA_CIBA_INTERVAL_SECONDS: '2',
    });
    expect(cibaIssuer(config)).toBe('https://id.example.com/keyra');
    expect(config.ciba.intervalSeconds).toBe(2);
    expect(cibaIssuer(load({ KEYRA_ISSUER: 'http://localhost:8787' }, true))).toBe(
      'http://localhost:8787',
    );
  });

  it.each([
    ['not a URL', { KEYRA_ISSUER: 'keyra' }],
    ['http outside --dev', { KEYRA_ISSUER: 'http://keyra.example.com' }],
    ['a query', { KEYRA_ISSUER: 'https://keyra.example.com/?a=1' }],
    ['a fragment', { KEYRA_ISSUER: 'https://keyra.example.com/#x' }],
    ['credentials', { KEYRA_ISSUER: 'https://u:p@keyra.example.com' }],
    ['another scheme', { KEYRA_ISSUER: 'ftp://keyra.example.com' }],
    ['an interval of 0', { KEYRA_CIBA_INTERVAL_SECONDS: '0' }],
    ['a fractional interval', { KEYRA_CIBA_INTERVAL_SECONDS: '1.5' }],
  ])('refuses %s at boot', (_name, env) => {
    expect(() => load(env)).toThrow(ConfigError);
  });
});
