import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

// Whole voice flow against a real `keyra serve --dev` process, with speech synthesised at test
// time by Debian's flite (voice slt) and espeak-ng, so the words match the server's random prompt.

function hasTool(name: string): boolean {
  // flite has no --version; `-lv` lists its voices.
  return (
    spawnSync(name, [name === 'flite' ? '-lv' : '--version'], { stdio: 'ignore' }).status === 0
  );
}
const tools = ['flite', 'espeak-ng'].filter((tool) => !hasTool(tool));
if (tools.length > 0) {
  const message = `voice e2e needs ${tools.join(' and ')}: apt-get install -y flite espeak-ng`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n⚠️  SKIPPING voice e2e: ${message}\n`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-voice-e2e-'));
let server: KeyraServer;
let key: string;
let files: http.Server;
let filesUrl = '';
const served = new Map<string, Buffer>();

function say(voice: 'slt' | 'espeak', text: string): Buffer {
  const out = path.join(
    dir,
    `tts-${createHash('sha1')
      .update(voice + text)
      .digest('hex')}.wav`,
  );
  const run =
    voice === 'slt'
      ? spawnSync('flite', ['-voice', 'slt', '-t', text, '-o', out])
      : spawnSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', out, text]);
  if (run.status !== 0) throw new Error(`${voice} failed: ${run.stderr}`);
  const bytes = readFileSync(out);
  rmSync(out);
  return bytes;
}

async function call(
  route: string,
  body: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

// Loose view of response bodies: the route tests check their exact shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const AUDIO = { projection_id: 'p0', params_version: 'v1' };
const ENROLL_TEXT =
  'My voice is my password. I am enrolling it today so that later I can approve transfers by speaking a short phrase.';
let enrollAudio: Buffer;

describe.skipIf(tools.length > 0)('voice end to end', () => {
  beforeAll(async () => {
    server = await startKeyra(['--dev'], { cwd: dir });
    key = readFileSync(path.join(dir, '.keyra', 'sandbox-key'), 'utf8').trim();
    files = http.createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404, { 'content-type': 'audio/wav' });
      res.end(body);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    enrollAudio = say('slt', ENROLL_TEXT);
  }, 60_000);

  afterAll(async () => {
    await server?.stop('SIGTERM');
    await new Promise((resolve) => files?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const verifyWith = async (wallet: string, audio: Buffer, phraseId: string) =>
    call('/api/v1/verify', {
      wallet,
      audioBase64: audio.toString('base64'),
      ...AUDIO,
      phrase_id: phraseId,
    });
  const newPhrase = async (wallet: string): Promise<{ phrase_id: string; prompt: string }> => {
    const res = await call('/api/v1/phrase', { wallet });
    expect(res.status).toBe(200);
    return res.json as { phrase_id: string; prompt: string };
  };

  it('enrolls from an audioUrl and verifies the same voice saying the prompt; rejects the rest', async () => {
    served.set('/enroll.wav', enrollAudio);
    const enroll = await call('/api/v1/enroll', {
      wallet: 'alice',
      audioUrl: `${filesUrl}/enroll.wav`,
      ...AUDIO,
    });
    expect(enroll.status, JSON.stringify(enroll.json)).toBe(200);

    // Same voice, right phrase.
    const first = await newPhrase('alice');
    const good = say('slt', first.prompt);
    const ok = await verifyWith('alice', good, first.phrase_id);
    expect(ok.status).toBe(200);
    expect(ok.json.verified, JSON.stringify(ok.json.gates)).toBe(true);
    // The phrase gate allows one word of four misheard ("red" for "blue" happens with flite's
    // voice): the rest must be heard in place.
    const heard = String(ok.json.gates.phrase.heard).split(' ');
    const said = first.prompt.split(' ');
    expect(said.filter((word, i) => heard[i] === word).length).toBeGreaterThanOrEqual(
      said.length - 1,
    );
    const again = await verifyWith('alice', good, first.phrase_id);
    expect([again.status, again.json.code]).toEqual([400, 'PHRASE_ALREADY_USED']);

    // Another voice, right phrase: speaker gate.
    const second = await newPhrase('alice');
    const other = await verifyWith('alice', say('espeak', second.prompt), second.phrase_id);
    expect(other.json.verified).toBe(false);
    expect(other.json.gates.speaker.passed).toBe(false);

    // Same voice, wrong words: phrase gate.
    const third = await newPhrase('alice');
    const wrong = await verifyWith(
      'alice',
      say('slt', 'purple meadow eight fifty nine'),
      third.phrase_id,
    );
    expect(wrong.json.verified).toBe(false);
    expect(wrong.json.gates.phrase.passed).toBe(false);
    // ...and the phrase still works for a correct answer.
    const retry = await verifyWith('alice', say('slt', third.prompt), third.phrase_id);
    expect(retry.json.verified, JSON.stringify(retry.json.gates)).toBe(true);

    // Replay of the first, successful recording: replay gate.
    const fourth = await newPhrase('alice');
    const replay = await verifyWith('alice', good, fourth.phrase_id);
    expect(replay.json.verified).toBe(false);
    expect(replay.json.gates.replay.passed).toBe(false);
  });

  it('runs the deprecated hash flow with Deprecation and Link headers', async () => {
    const hash = createHash('sha256').update('correct horse').digest('hex');
    const enroll = await call('/api/v1/enroll', { wallet: 'bob', phrase_hash: hash });
    expect(enroll.status).toBe(200);
    expect(enroll.headers.get('deprecation')).toBeTruthy();
    const verify = await call('/api/v1/verify', { wallet: 'bob', probe_hash: hash });
    expect(verify.json.verified).toBe(true);
    expect(verify.headers.get('link')).toContain('deprecation');
  });

  it('leaves no raw audio in the data directory', async () => {
    const at = enrollAudio.indexOf('data', 12) + 8;
    // 64 bytes of PCM from the middle of the enrolment recording, and from a verify recording.
    const needles = [
      enrollAudio.subarray(at + 20_000, at + 20_064),
      enrollAudio.subarray(at + 40_000, at + 40_064),
    ];
    const dataDir = path.join(dir, '.keyra');
    for (const name of readdirSync(dataDir)) {
      const content = readFileSync(path.join(dataDir, name));
      for (const needle of needles) {
        expect(content.includes(needle), name).toBe(false);
        expect(content.includes(Buffer.from(needle.toString('base64').slice(8, 60))), name).toBe(
          false,
        );
      }
    }
  });
});
