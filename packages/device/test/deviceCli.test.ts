import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { challengeDigest, rejectionChallenge } from '@keyra/core';
import type { DeviceChallenge } from '@keyra/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/cliIo.js';
import { updatePairedState, type PairedState } from '../src/cli/deviceStateFile.js';
import { formatChallenge } from '../src/cli/formatChallenge.js';
import { main } from '../src/cli/keyraDevice.js';
import { digestOfShownChallenge, signAnswer } from '../src/cli/signAnswer.js';
import {
  KEYRA_ONE_ORIGIN,
  loadAuthenticatorState,
  makeCredential,
  parseAuthenticatorState,
  saveAuthenticatorState,
} from '../src/index.js';
import { RP_ID, provisionedDevice, registrationOptions, simulatorRoot } from './support.js';

const NOW = Date.parse('2026-05-29T18:40:00Z');
/** The worked example of docs/challenge-digest.md. */
const SHOWN: DeviceChallenge = {
  id: 'chl_9k2m',
  status: 'pending',
  action: 'transfer.approve',
  userId: 'usr_8f2a',
  payload: { amount: 12500, currency: 'USD' },
  createdAt: '2026-05-29T18:37:00Z',
  expiresAt: '2026-05-29T18:42:00Z',
};

let dir: string;
let paired: PairedState;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyra-device-cli-'));
  const made = makeCredential(
    await provisionedDevice(await simulatorRoot()),
    await registrationOptions(),
    { origin: KEYRA_ONE_ORIGIN },
  );
  paired = {
    ...made.state,
    pairing: {
      api: 'http://127.0.0.1:8787',
      deviceId: 'dev_test0001',
      userId: 'usr_8f2a',
      rpId: RP_ID,
      credentialId: made.response.id,
      pairedAt: '2026-05-29T18:00:00Z',
    },
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function fakeIo(overrides: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    stdin: new PassThrough(),
    isInteractive: false,
    env: {},
    cwd: dir,
    fetch: () => Promise.reject(new Error('no network in this test')),
    now: () => NOW,
    out: () => out,
    err: () => err,
    ...overrides,
  };
}

async function run(args: string[], overrides: Partial<CliIo> = {}) {
  const io = fakeIo(overrides);
  const code = await main(['node', 'keyra-device', ...args], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('the digest the device signs', () => {
  it('is computed from the fields shown, matching the documented example', () => {
    expect(digestOfShownChallenge(SHOWN)).toBe(
      '15c275ce711e87286c48aef7fe71f52d6b50131b95d700841c0cd36a29a2a4ed',
    );
  });

  it.each(['2026-05-29T18:42:00.000Z', '2026-05-29T20:42:00+02:00', 'soon'])(
    'refuses an expiresAt it cannot sign as shown: %s',
    (expiresAt) => {
      expect(() => digestOfShownChallenge({ ...SHOWN, expiresAt })).toThrow(/cannot sign it/);
    },
  );

  it('signs approval and rejection over the shown challenge and saves the counter', async () => {
    const path = join(dir, 'sign.json');
    await saveAuthenticatorState(path, paired);
    const approval = await signAnswer(path, SHOWN, 'approve');
    const rejection = await signAnswer(path, SHOWN, 'reject');
    expect(approval.deviceId).toBe('dev_test0001');
    const challengeOf = (body: typeof approval): string =>
      JSON.parse(Buffer.from(body.attestation.response.clientDataJSON, 'base64url').toString())
        .challenge;
    expect(challengeOf(approval)).toBe('FcJ1znEehyhsSK73_nH1LWtQExuV1wCEHAzTaimipO0');
    expect(challengeOf(rejection)).toBe(
      rejectionChallenge(digestOfShownChallenge(SHOWN)).toString('base64url'),
    );
    const saved = await loadAuthenticatorState(path);
    expect(saved.credentials[0]!.signCount).toBe(2);
    expect(saved.pairing).toEqual(paired.pairing);
  });

  it('signs a quorum challenge that lists its user over the quorum digest, and refuses one that does not', async () => {
    const quorum = { ...SHOWN, userId: null, approvers: ['usr_a', 'usr_8f2a'], quorum: 2 };
    const expected = challengeDigest({
      id: SHOWN.id,
      action: SHOWN.action,
      approvers: ['usr_a', 'usr_8f2a'],
      quorum: 2,
      payload: SHOWN.payload,
      expiresAt: Date.parse(SHOWN.expiresAt),
    });
    expect(digestOfShownChallenge(quorum)).toBe(expected);
    expect(digestOfShownChallenge({ ...quorum, quorum: 1 })).not.toBe(expected);
    const path = join(dir, 'quorum.json');
    await saveAuthenticatorState(path, paired);
    const approval = await signAnswer(path, quorum, 'approve');
    expect(
      JSON.parse(Buffer.from(approval.attestation.response.clientDataJSON, 'base64url').toString())
        .challenge,
    ).toBe(Buffer.from(expected, 'hex').toString('base64url'));
    await expect(
      signAnswer(path, { ...quorum, approvers: ['usr_a', 'usr_b'] }, 'approve'),
    ).rejects.toThrow(/is for approvers usr_a, usr_b, but this device is paired with usr_8f2a/);
    expect(formatChallenge(quorum, NOW)).toContain('quorum   2 of usr_a, usr_8f2a');
  });

  it("refuses to sign another user's challenge", async () => {
    const path = join(dir, 'other-user.json');
    await saveAuthenticatorState(path, paired);
    await expect(signAnswer(path, { ...SHOWN, userId: 'usr_eve' }, 'approve')).rejects.toThrow(
      /is for user usr_eve, but this device is paired with usr_8f2a/,
    );
    expect((await loadAuthenticatorState(path)).credentials[0]!.signCount).toBe(0);
  });

  it('never hands out the same counter twice, even to concurrent signers', async () => {
    const path = join(dir, 'concurrent.json');
    await saveAuthenticatorState(path, paired);
    const bodies = await Promise.all(
      Array.from({ length: 12 }, () => signAnswer(path, SHOWN, 'approve')),
    );
    const counters = bodies.map((b) =>
      Buffer.from(b.attestation.response.authenticatorData, 'base64url').readUInt32BE(33),
    );
    expect(new Set(counters).size).toBe(12);
    expect((await loadAuthenticatorState(path)).credentials[0]!.signCount).toBe(12);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('takes over a lock left by a process that died', async () => {
    const path = join(dir, 'stale.json');
    await saveAuthenticatorState(path, paired);
    await writeFile(`${path}.lock`, '999999999');
    await updatePairedState(path, (state) => ({ state, result: undefined }));
    await expect(stat(`${path}.lock`)).rejects.toThrow();
  });
});

describe('formatChallenge', () => {
  it('shows action, user, expiry and every payload field', () => {
    const text = formatChallenge(
      { ...SHOWN, payload: { amount: 12500, to: { iban: 'DE89', name: 'Acme' }, tags: ['a'] } },
      NOW,
    );
    expect(text).toContain('│ action   transfer.approve');
    expect(text).toContain('│ expires  2026-05-29T18:42:00Z (in 2m 0s)');
    expect(text).toContain('│   amount: 12500');
    expect(text).toContain('│   to:\n│     iban: "DE89"\n│     name: "Acme"');
    expect(text).toContain('│   tags: ["a"]');
  });

  it('cannot be spoofed by control, bidirectional or invisible characters', () => {
    const text = formatChallenge(
      {
        ...SHOWN,
        action: 'pay\u001b[2K',
        payload: {
          memo: 'ok\u202eevil\u200b',
          'x\nfake': 1,
          csi: '\u009b31m',
        },
      },
      NOW,
    );
    const unsafe = [...text].filter((c) => {
      const code = c.codePointAt(0)!;
      return (
        (code < 0x20 && c !== '\n') || (code >= 0x7f && code <= 0x9f) || /[\u200b\u202e]/.test(c)
      );
    });
    expect(unsafe).toEqual([]);
    expect(text).toContain('│ action   "pay\\u001b[2K"');
    expect(text).toContain('memo: "ok\\u202eevil\\u200b"');
    expect(text).toContain('"x\\nfake": 1');
    expect(text).toContain('csi: "\\u009b31m"');
  });

  it('shows the binding message of a CIBA request beside the action, escaped', () => {
    expect(formatChallenge({ ...SHOWN, bindingMessage: 'Code 7F3K' }, NOW)).toContain(
      '│ user     usr_8f2a\n│ binding  "Code 7F3K"\n',
    );
    expect(formatChallenge({ ...SHOWN, bindingMessage: 'a\u202eb' }, NOW)).toContain(
      '│ binding  "a\\u202eb"',
    );
    expect(formatChallenge(SHOWN, NOW)).not.toContain('binding');
  });
});

describe('state pairing', () => {
  it('round-trips through parseAuthenticatorState, session included', () => {
    const withSession = {
      ...paired,
      pairing: {
        ...paired.pairing,
        session: { token: 'dst_x', expiresAt: '2026-05-29T18:55:00Z' },
      },
    };
    expect(parseAuthenticatorState(JSON.parse(JSON.stringify(withSession)))).toEqual(withSession);
  });

  it.each([
    [{ api: 'ftp://x' }, /pairing\.api must be an http\(s\) URL/],
    [{ deviceId: '' }, /pairing\.deviceId must be a non-empty string/],
    [{ credentialId: 'AAAA' }, /pairing\.credentialId must name one of credentials/],
    [{ pairedAt: 'yesterday' }, /pairing\.pairedAt must be an RFC 3339 timestamp/],
    [{ session: { token: 'dst_x' } }, /pairing\.session\.expiresAt/],
  ])('refuses a bad pairing %j', (change, message) => {
    expect(() =>
      parseAuthenticatorState({ ...paired, pairing: { ...paired.pairing, ...change } }),
    ).toThrow(message);
  });
});

describe('keyra-device arguments', () => {
  it('prints help with exit code 0 and the state file default', async () => {
    const res = await run(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('.keyra/device.json');
    for (const command of ['pair', 'approve', 'reject', 'watch', 'list', 'show']) {
      const sub = await run([command, '--help']);
      expect(sub.code, command).toBe(0);
      expect(sub.stdout).toMatch(new RegExp(`^Usage: keyra-device ${command}`));
    }
  });

  it.each([
    [['pair', '--key', 'sk_test_x'], /required option '--user <userId>'/],
    [
      ['pair', '--user', 'usr_1'],
      /pairing needs a sandbox key: pass --key sk_test_… or set KEYRA_API_KEY/,
    ],
    [
      ['pair', '--user', 'usr_1', '--key', 'k', '--api', 'localhost:8787'],
      /--api must be an http\(s\) URL/,
    ],
    [['pair', '--user', 'usr_1', '--key', 'k', '--name', 'x'.repeat(65)], /--name must be 1 to 64/],
    [['approve'], /missing required argument 'challengeId'/],
    [['approve', 'chl_x!'], /"chl_x!" is not a challenge id/],
    [['watch', '--wait', '90'], /--wait must be a whole number of seconds from 1 to 30/],
    [['watch', '--auto', 'maybe'], /Allowed choices are approve, reject/],
    [['list', '--frobnicate'], /unknown option '--frobnicate'/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const res = await run(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });

  it('explains a missing, unpaired or corrupt state file', async () => {
    const missing = await run(['show', '--state', 'missing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `keyra-device: no state file at ${join(dir, 'missing.json')}: run keyra-device pair first (or pass --state FILE)\n`,
    );
    const env = await run(['list'], { env: { KEYRA_DEVICE_STATE: 'from-env.json' } });
    expect(env.stderr).toContain(join(dir, 'from-env.json'));

    const { pairing: _pairing, ...unpaired } = paired;
    await saveAuthenticatorState(join(dir, 'unpaired.json'), unpaired);
    const res = await run(['approve', 'chl_9k2m', '--state', 'unpaired.json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/holds a KEYRA ONE that is not paired: run keyra-device pair/);

    await writeFile(join(dir, 'corrupt.json'), '{');
    const corrupt = await run(['show', '--state', 'corrupt.json']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/is not valid JSON: fix or delete it/);
  });

  it('will not overwrite an existing device without --force', async () => {
    await saveAuthenticatorState(join(dir, 'taken.json'), paired);
    const res = await run([
      'pair',
      '--user',
      'usr_1',
      '--key',
      'sk_test_x',
      '--state',
      'taken.json',
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/already holds a device: pass --force/);
    expect(JSON.parse(await readFile(join(dir, 'taken.json'), 'utf8')).pairing).toEqual(
      paired.pairing,
    );
  });

  it('shows the identity without secrets', async () => {
    await saveAuthenticatorState(join(dir, 'show.json'), {
      ...paired,
      pairing: {
        ...paired.pairing,
        session: { token: 'dst_secret', expiresAt: '2026-05-29T18:55:00Z' },
      },
    });
    const res = await run(['show', '--state', 'show.json', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      deviceId: 'dev_test0001',
      userId: 'usr_8f2a',
      api: 'http://127.0.0.1:8787',
      rpId: RP_ID,
      credentialId: paired.pairing.credentialId,
      signCount: 0,
      aaguid: paired.aaguid,
      provisioned: true,
      pairedAt: '2026-05-29T18:00:00Z',
      stateFile: join(dir, 'show.json'),
    });
    expect(res.stdout).not.toMatch(/PRIVATE KEY|dst_secret/);
  });

  it('reports an unreachable server with exit code 1 and what to check', async () => {
    await saveAuthenticatorState(join(dir, 'offline.json'), paired);
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED' },
    });
    const res = await run(['list', '--state', 'offline.json'], {
      fetch: () => Promise.reject(refused),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'keyra-device: cannot reach the KEYRA server at http://127.0.0.1:8787 (ECONNREFUSED): is keyra serve running there?\n',
    );
  });
});
