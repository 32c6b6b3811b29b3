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

/** `keyra doctor`: checks what the server needs on this host and names the apt packages. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check this host: ffmpeg, pocketsphinx libraries and model, the voice model file, database reachability.',
    )
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--json', 'print the checks as JSON')
    .action(async (flags: { database?: string; json?: boolean }) => {
      const checks: Check[] = [];

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
