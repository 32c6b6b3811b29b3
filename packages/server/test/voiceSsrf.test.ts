import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../src/net/classifyAddress.js';
import { safeFetch, SafeFetchError } from '../src/net/safeFetch.js';
import { createVoiceEngine, type VoiceEngine } from '../src/voice/createVoiceEngine.js';
import { createVoiceTestApp, phraseFile, type VoiceTestApp } from './helpers/voiceTestApp.js';

// Every SSRF attempt is aimed at a local listener that records each TCP connection it accepts:
// a refusal must leave it untouched, proving the server never connected.

interface Listener {
  port: number;
  connections: number;
  requests: Array<{ url: string; host: string | undefined }>;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Listener> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  const state: Listener = {
    port: 0,
    connections: 0,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
  });
  server.on('request', (req) =>
    state.requests.push({ url: req.url ?? '', host: req.headers.host }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const audio = phraseFile('flite_slt', 1, 'wav').bytes;
let engine: VoiceEngine;
let fakeDns: Record<string, string[]> = {};
let target: Listener;
let redirector: Listener;
let prod: VoiceTestApp;
let dev: VoiceTestApp;
let prodKey: string;
let devKey: string;

beforeAll(async () => {
  const real = createVoiceEngine({ threads: 1 });
  engine = Object.assign(Object.create(real) as VoiceEngine, {
    resolveHost: async (host: string) => {
      const found = fakeDns[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found;
    },
    close: () => real.close(),
  });
  target = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(audio);
  });
  redirector = await listen((req, res) => {
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
    res.writeHead(302, { location: to });
    res.end();
  });
  prod = await createVoiceTestApp(engine);
  dev = await createVoiceTestApp(engine, { KEYRA_DEV: 'true' });
  prodKey = await prod.key();
  devKey = await dev.key();
});

afterAll(async () => {
  await prod?.close();
  await dev?.close();
  await target?.close();
  await redirector?.close();
  await engine?.close();
});

async function enroll(t: VoiceTestApp, key: string, audioUrl: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/enroll',
    headers: { 'x-api-key': key },
    payload: { wallet: 'ssrf', audioUrl, projection_id: 'p0', params_version: 'v1' },
  });
  return { status: res.statusCode, code: res.json().code as string | undefined, body: res.json() };
}

describe('audioUrl SSRF protection (production mode)', () => {
  it.each([
    ['loopback', (p: number) => `https://127.0.0.1:${p}/a.wav`],
    ['loopback, short form', (p: number) => `https://127.1:${p}/a.wav`],
    ['decimal integer host', (p: number) => `https://2130706433:${p}/a.wav`],
    ['hex host', (p: number) => `https://0x7f.1:${p}/a.wav`],
    ['octal host', (p: number) => `https://0177.0.0.1:${p}/a.wav`],
    ['IPv4-mapped IPv6', (p: number) => `https://[::ffff:127.0.0.1]:${p}/a.wav`],
    ['IPv6 loopback', (p: number) => `https://[::1]:${p}/a.wav`],
    ['unspecified', (p: number) => `https://0.0.0.0:${p}/a.wav`],
    ['name resolving to loopback', (p: number) => `https://localhost:${p}/a.wav`],
    ['plain http', (p: number) => `http://127.0.0.1:${p}/a.wav`],
  ])('refuses %s without connecting', async (_label, url) => {
    fakeDns = { localhost: ['127.0.0.1'] };
    const before = target.connections;
    const result = await enroll(prod, prodKey, url(target.port));
    expect(result.status).toBe(400);
    expect(['AUDIO_URL_BLOCKED', 'INVALID_AUDIO_URL']).toContain(result.code);
    expect(target.connections).toBe(before);
  });

  it('refuses a name if any of its addresses is private (no choice left to DNS)', async () => {
    fakeDns = { 'audio.example': ['93.184.216.34', '10.0.0.7'] };
    const result = await enroll(prod, prodKey, 'https://audio.example/a.wav');
    expect(result.code).toBe('AUDIO_URL_BLOCKED');
  });

  it('refuses private, link-local and CGNAT targets', async () => {
    for (const host of [
      '10.1.2.3',
      '192.168.1.1',
      '172.20.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '[fe80::1]',
      '[fd00::1]',
      '224.0.0.1',
    ]) {
      const result = await enroll(prod, prodKey, `https://${host}/a.wav`);
      expect(result.code, host).toBe('AUDIO_URL_BLOCKED');
    }
  });
});

describe('audioUrl in --dev mode', () => {
  it('fetches from loopback over http, connecting to the resolved address only', async () => {
    fakeDns = { 'audio.example': ['127.0.0.1'] };
    const before = target.requests.length;
    const result = await enroll(dev, devKey, `http://audio.example:${target.port}/voice.wav`);
    // One phrase recording is short for an enrolment: the audio was fetched and analysed.
    expect(result.code === undefined || result.code === 'AUDIO_QUALITY_TOO_LOW').toBe(true);
    expect(target.requests.length).toBe(before + 1);
    expect(target.requests.at(-1)).toEqual({
      url: '/voice.wav',
      host: `audio.example:${target.port}`,
    });
  });

  it('still refuses redirects into private, mapped or unspecified addresses', async () => {
    const before = target.connections;
    for (const to of [
      `http://[::ffff:127.0.0.1]:${target.port}/a.wav`,
      `http://0.0.0.0:${target.port}/a.wav`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/a.wav',
    ]) {
      const url = `http://127.0.0.1:${redirector.port}/r?to=${encodeURIComponent(to)}`;
      const result = await enroll(dev, devKey, url);
      expect(result.code, to).toBe('AUDIO_URL_BLOCKED');
    }
    expect(target.connections).toBe(before);
  });

  it('follows a few redirects, then gives up', async () => {
    const loop = `http://127.0.0.1:${redirector.port}/r?to=${encodeURIComponent(`http://127.0.0.1:${redirector.port}/r?to=/r`)}`;
    const result = await enroll(dev, devKey, loop);
    expect(result.code).toBe('AUDIO_FETCH_FAILED');
  });

  it('reports non-2xx answers and unresolvable hosts as fetch failures', async () => {
    fakeDns = {};
    expect((await enroll(dev, devKey, 'http://nowhere.example/a.wav')).code).toBe(
      'AUDIO_FETCH_FAILED',
    );
    const missing = await listen((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    try {
      expect((await enroll(dev, devKey, `http://127.0.0.1:${missing.port}/a.wav`)).code).toBe(
        'AUDIO_FETCH_FAILED',
      );
    } finally {
      await missing.close();
    }
  });

  it('stops reading past 5 MiB, declared or streamed', async () => {
    const big = await listen((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(6 * 1024 * 1024) });
        res.end(Buffer.alloc(6 * 1024 * 1024));
        return;
      }
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 8 && res.write(chunk)) sent++;
        if (sent < 8) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    try {
      expect((await enroll(dev, devKey, `http://127.0.0.1:${big.port}/declared`)).code).toBe(
        'AUDIO_TOO_LARGE',
      );
      expect((await enroll(dev, devKey, `http://127.0.0.1:${big.port}/streamed`)).code).toBe(
        'AUDIO_TOO_LARGE',
      );
    } finally {
      await big.close();
    }
  });
});

describe('safeFetch', () => {
  it('times out slow servers', async () => {
    const slow = await listen(() => undefined);
    try {
      const error = await safeFetch(`http://127.0.0.1:${slow.port}/`, {
        allowHttp: true,
        allowLoopback: true,
        maxBytes: 1000,
        timeoutMs: 200,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafeFetchError);
      expect((error as SafeFetchError).reason).toBe('timeout');
    } finally {
      await slow.close();
    }
  });

  it('classifies addresses', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:8.8.8.8')).toBe('ipv4_mapped');
    expect(classifyAddress('64:ff9b::a00:1')).toBe('ipv4_mapped');
    expect(classifyAddress('2002:a00:1::')).toBe('ipv4_mapped');
    expect(classifyAddress('100.100.1.1')).toBe('carrier_nat');
    expect(classifyAddress('169.254.1.1')).toBe('link_local');
    expect(classifyAddress('239.1.1.1')).toBe('multicast');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
    expect(classifyAddress('::')).toBe('unspecified');
    expect(classifyAddress('255.255.255.255')).toBe('reserved');
    expect(classifyAddress('not-an-ip')).toBe('invalid');
  });
});
