import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.js';
import { prettyLogLine } from '../src/http/prettyLogLine.js';

describe('log format', () => {
  it('prints a request line readably, other fields as key=value, and the request id last', () => {
    const time = Date.UTC(2026, 4, 29, 18, 41, 12, 345);
    expect(
      prettyLogLine(
        JSON.stringify({
          level: 30,
          time,
          pid: 1,
          hostname: 'h',
          reqId: 'req_abc',
          method: 'POST',
          url: '/v1/challenges',
          statusCode: 201,
          responseTime: 3.14159,
          msg: 'request completed',
        }),
      ),
    ).toBe('18:41:12.345 INFO  request completed POST /v1/challenges 201 3.1 ms req=req_abc\n');
    expect(
      prettyLogLine(
        JSON.stringify({
          level: 50,
          time,
          msg: 'could not deliver',
          endpointId: 'we_1',
          error: 'timeout: 10 s',
        }),
      ),
    ).toBe('18:41:12.345 ERROR could not deliver endpointId=we_1 error="timeout: 10 s"\n');
    // Whatever is not a JSON object passes through.
    expect(prettyLogLine('not json')).toBe('not json\n');
  });

  it('is json unless asked (or on a terminal), and refuses anything else with the fix', () => {
    const base = { database: 'sqlite::memory:' };
    const isTty = process.stdout.isTTY;
    expect(loadConfig(base, {}).logFormat).toBe(isTty ? 'pretty' : 'json');
    expect(loadConfig({ ...base, logFormat: 'pretty' }, {}).logFormat).toBe('pretty');
    expect(loadConfig(base, { KEYRA_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ ...base, logFormat: 'xml' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, logFormat: 'xml' }, {})).toThrow(/json or pretty/);
  });
});
