import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiKey, ensureTenant, type Storage } from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type ServerConfig } from '../../src/config.js';
import type { VoiceEngine } from '../../src/voice/createVoiceEngine.js';
import { manualClock, type ManualClock } from './testApp.js';

/** shared/voice: `$KEYRA_VOICE_DATA`, else `../shared/voice` next to the repository. */
export const VOICE_DATA = path.resolve(
  process.env['KEYRA_VOICE_DATA'] ??
    new URL('../../../../../shared/voice', import.meta.url).pathname,
);

export interface PhraseFile {
  path: string;
  text: string;
  voice: 'espeak-ng_en-us' | 'flite_slt' | 'festival_kal';
  format: 'wav' | 'mp3' | 'm4a' | 'webm';
  phrase_id: number;
}

export function phraseFiles(): PhraseFile[] {
  return JSON.parse(
    readFileSync(path.join(VOICE_DATA, 'phrases', 'phrases.json'), 'utf8'),
  ) as PhraseFile[];
}

export function phraseFile(
  voice: PhraseFile['voice'],
  id: number,
  format: PhraseFile['format'],
): PhraseFile & { bytes: Buffer } {
  const file = phraseFiles().find(
    (f) => f.voice === voice && f.phrase_id === id && f.format === format,
  );
  if (!file) throw new Error(`no phrase file ${voice} ${id} ${format}`);
  return { ...file, bytes: readFileSync(path.join(VOICE_DATA, 'phrases', file.path)) };
}

/** 16-bit mono WAV of `samples` (in [-1, 1]) at `rate`. */
export function wav(samples: Float32Array | number[], rate = 16_000, channels = 1): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++)
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The PCM payloads of several 16 kHz mono 16-bit WAV files, joined into one WAV. */
export function concatWavs(files: Buffer[]): Buffer {
  const parts = files.map((file) => {
    const at = file.indexOf('data', 12);
    return file.subarray(at + 8, at + 8 + file.readUInt32LE(at + 4));
  });
  const data = Buffer.concat(parts);
  const samples = new Float32Array(data.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2) / 32768;
  return wav(samples);
}

export interface VoiceTestApp {
  app: FastifyInstance;
  storage: Storage;
  clock: ManualClock;
  config: ServerConfig;
  dir: string;
  key(tenant?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * An app on a fresh SQLite file with a given voice engine (shared between apps of a file), or,
 * with `undefined`, the one the app builds from its configuration (`env`).
 */
export async function createVoiceTestApp(
  engine: VoiceEngine | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<VoiceTestApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-voice-'));
  const config = loadConfig(
    { database: `sqlite:${path.join(dir, 'keyra.db')}`, dataDir: dir },
    env,
  );
  await migrateToLatest(config.databaseUrl);
  const storage = await openStorage(config.databaseUrl);
  const clock = manualClock();
  const app = await buildApp({
    config,
    storage,
    serverSecret: randomBytes(32),
    clock,
    logger: false,
    ...(engine ? { voiceEngine: engine } : {}),
  });
  try {
    await app.ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    storage,
    clock,
    config,
    dir,
    async key(tenant = 'acme') {
      const { tenant: record } = await ensureTenant(storage.tenants, tenant, clock.now());
      return (
        await createApiKey(storage, {
          tenantId: record.id,
          environment: 'sandbox',
          audience: record.name,
          now: clock.now(),
        })
      ).secret;
    },
    async close() {
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
