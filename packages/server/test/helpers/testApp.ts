import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createApiKey,
  ensureTenant,
  type Clock,
  type Environment,
  type Storage,
} from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type ServerConfig } from '../../src/config.js';
import type { RateLimitStore } from '../../src/ratelimit/rateLimitStore.js';

/** A clock tests move by hand. Starts at a whole second. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 4, 29, 18, 40, 0)): ManualClock {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  storage: Storage;
  clock: ManualClock;
  config: ServerConfig;
  serverSecret: Buffer;
  /** Issues a key for a tenant (created on demand) and environment. */
  key(tenant?: string, environment?: Environment): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  rateLimitStore?: RateLimitStore;
  databaseUrl?: string;
  /** Start the manual clock here (default 2026-05-29T18:40:00Z). */
  clockStart?: number;
}

/** A fully wired app on a fresh SQLite file in a temp dir, with a manual clock. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-test-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${path.join(dir, 'keyra.db')}`;
  const config = loadConfig({ database: databaseUrl, dataDir: dir }, { ...options.env });
  await migrateToLatest(config.databaseUrl);
  const storage = await openStorage(config.databaseUrl);
  const clock = manualClock(options.clockStart);
  const serverSecret = randomBytes(32);
  const app = await buildApp({
    config,
    storage,
    serverSecret,
    clock,
    logger: options.logger ?? false,
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
  });
  await app.ready();
  return {
    app,
    storage,
    clock,
    config,
    serverSecret,
    async key(tenant = 'acme', environment: Environment = 'sandbox') {
      const { tenant: record } = await ensureTenant(storage.tenants, tenant, clock.now());
      const issued = await createApiKey(storage, {
        tenantId: record.id,
        environment,
        audience: record.name,
        now: clock.now(),
      });
      return issued.secret;
    },
    async close() {
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
