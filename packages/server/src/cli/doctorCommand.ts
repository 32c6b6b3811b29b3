import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { redactUrl } from '../config.js';
import { CliError } from './cliError.js';
import { DATABASE_OPTION_HELP, resolveDatabaseUrl } from './databaseOption.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Debian packages that fix it. */
  packages: string[];
}

const MIN_NODE_MAJOR = 20;
const CHECK_TIMEOUT_MS = 3000;

async function checkRedis(url: string): Promise<Check> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis reports the cause (ECONNREFUSED, auth) as an event, then rejects with "Connection is closed".
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    return {
      name: 'redis',
      ok: pong === 'PONG',
      detail: `${redactUrl(url)} reachable`,
      packages: [],
    };
  } catch (error) {
    return {
      name: 'redis',
      ok: false,
      detail: `${redactUrl(url)}: ${(cause ?? (error as Error)).message}`,
      packages: [],
    };
  } finally {
    redis.disconnect();
  }
}

/** A running server's own view of its health: alive (/healthz) and ready (/readyz). */
async function checkServer(base: string): Promise<Check> {
  const get = async (path: string): Promise<string> => {
    const response = await fetch(new URL(path, base), {
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    const text = (await response.text()).slice(0, 200);
    if (!response.ok) throw new Error(`${path} answered ${response.status} ${text}`);
    return text;
  };
  try {
    await get('/healthz');
    await get('/readyz');
    return { name: 'server', ok: true, detail: `${base}: /healthz and /readyz ok`, packages: [] };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message;
    return {
      name: 'server',
      ok: false,
      detail: `${base}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      packages: [],
    };
  }
}

/** `keyra doctor`: checks what the server needs on this host and names the apt packages. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check this host: Node.js, ffmpeg, pocketsphinx, the voice model, the database, Redis (when set) and a running server (when given).',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option(
      '--redis <url>',
      'Redis to check (default KEYRA_REDIS_URL; skipped when neither is set)',
    )
    .option(
      '--url <url>',
      'a running server to check with /healthz and /readyz (default KEYRA_BASE_URL; skipped when neither is set)',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (flags: { database?: string; redis?: string; url?: string; json?: boolean }) => {
      const checks: Check[] = [];

      const major = Number(process.versions.node.split('.')[0]);
      checks.push({
        name: 'node',
        ok: major >= MIN_NODE_MAJOR,
        detail:
          major >= MIN_NODE_MAJOR
            ? `v${process.versions.node}`
            : `v${process.versions.node} is too old: KEYRA needs Node.js ${MIN_NODE_MAJOR} or newer`,
        packages: [],
      });

      const ffmpeg = process.env['KEYRA_FFMPEG'] ?? 'ffmpeg';
      const run = spawnSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8' });
      checks.push(
        run.status === 0
          ? { name: 'ffmpeg', ok: true, detail: run.stdout.split('\n')[0] ?? 'ok', packages: [] }
          : {
              name: 'ffmpeg',
              ok: false,
              detail: `${ffmpeg} is not runnable (needed for mp3, m4a and webm audio)`,
              packages: ['ffmpeg'],
            },
      );

      const { diagnoseSpeech } = await import('@keyra/asr');
      const speech = await diagnoseSpeech();
      checks.push({
        name: 'pocketsphinx',
        ok: speech.ok,
        detail: speech.ok
          ? `${speech.pocketsphinxLibrary}, model ${speech.acousticModel}`
          : speech.problems.join('; '),
        packages: speech.packages,
      });

      const { loadModel, DEFAULT_MODEL_PATH } = await import('@keyra/voice');
      try {
        const model = await loadModel();
        checks.push({
          name: 'voice model',
          ok: true,
          detail: `${DEFAULT_MODEL_PATH} (${model.paramsVersion}, threshold ${model.thresholds.recommended})`,
          packages: [],
        });
      } catch (error) {
        checks.push({
          name: 'voice model',
          ok: false,
          detail: `${DEFAULT_MODEL_PATH}: ${(error as Error).message}`,
          packages: [],
        });
      }

      const url = resolveDatabaseUrl(flags.database);
      try {
        const { openStorage, getMigrationStatus } = await import('@keyra/storage');
        const storage = await openStorage(url);
        try {
          const status = await getMigrationStatus(storage);
          checks.push({
            name: 'database',
            ok: true,
            detail: `${redactUrl(url)} reachable; ${status.pending.length === 0 ? 'schema up to date' : `${status.pending.length} migration(s) pending (run keyra migrate)`}`,
            packages: [],
          });
        } finally {
          await storage.close();
        }
      } catch (error) {
        checks.push({
          name: 'database',
          ok: false,
          detail: `${redactUrl(url)}: ${(error as Error).message}`,
          packages: [],
        });
      }

      const redisUrl = flags.redis ?? process.env['KEYRA_REDIS_URL'];
      if (redisUrl) checks.push(await checkRedis(redisUrl));
      const serverUrl = flags.url ?? process.env['KEYRA_BASE_URL'];
      if (serverUrl) checks.push(await checkServer(serverUrl));

      const packages = [...new Set(checks.flatMap((c) => c.packages))];
      const install = packages.length > 0 ? `apt-get install -y ${packages.join(' ')}` : null;
      if (flags.json) {
        console.log(JSON.stringify({ ok: checks.every((c) => c.ok), checks, install }));
      } else {
        for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
        if (install) console.log(`\nInstall the missing Debian packages with:\n  ${install}`);
      }
      const failed = checks.filter((c) => !c.ok).length;
      if (failed > 0) throw new CliError(`${failed} check(s) failed`);
    });
}
