import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashConsoleToken } from '@keyra/core';
import { openStorage } from '@keyra/storage';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/keyra.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-console-cli-'));
const database = `sqlite:${path.join(dir, 'cli.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts) => void out.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...parts) => void err.push(parts.join(' ')));
  const writes = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => (out.push(String(chunk)), true));
  try {
    const code = await main(['node', 'keyra', ...args]);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    writes.mockRestore();
  }
}

describe('keyra console invite', () => {
  it('prints a one-time link whose token only the link holds', async () => {
    const res = await run([
      'console',
      'invite',
      '--email',
      'Ada@Example.com',
      '--role',
      'admin',
      '--tenant',
      'acme',
      '--base-url',
      'https://keyra.example.com/',
      '--database',
      database,
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const printed = JSON.parse(res.stdout) as Record<string, string>;
    expect(printed).toMatchObject({ email: 'ada@example.com', role: 'admin', tenant: 'acme' });
    expect(printed.inviteUrl).toMatch(
      /^https:\/\/keyra\.example\.com\/console\/enrol#token=kci_[A-Za-z0-9_-]{43}$/,
    );
    expect(Date.parse(printed.expiresAt ?? '')).toBeGreaterThan(Date.now() + 71 * 3600_000);
    const token = new URL(printed.inviteUrl ?? '').hash.replace('#token=', '');
    const storage = await openStorage(database);
    try {
      const invite = await storage.console.findInviteByHash(hashConsoleToken(token));
      expect(invite).toMatchObject({ email: 'ada@example.com', role: 'admin', usedAt: null });
    } finally {
      await storage.close();
    }
  });

  it('refuses misuse with a readable error and exit code 2', async () => {
    for (const [args, message] of [
      [[], /--email is required/],
      [['--email', 'a@example.com', '--role', 'king'], /--role must be one of viewer, developer/],
      [['--email', 'not-an-email'], /is not an email address/],
      [['--email', 'a@example.com', '--base-url', 'ftp://x'], /--base-url must be http/],
    ] as const) {
      const res = await run(['console', 'invite', ...args, '--database', database]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(message);
    }
  });

  it('has --help', async () => {
    const res = await run(['console', 'invite', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('--email <address>');
  });
});
