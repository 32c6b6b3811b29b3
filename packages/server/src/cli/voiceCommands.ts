import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from './CliError.js';

/** `keyra voice embed` and `keyra voice train`. */
export function registerVoiceCommands(program: Command): void {
  const voice = program
    .command('voice')
    .description(
      'Speaker-model tools: embeddings for evaluation, and training the classical back end.',
    );

  voice
    .command('embed')
    .description(
      'Print the speaker embedding of each audio file, with the same model and preprocessing as the API.',
    )
    .argument('<files...>', 'audio files (wav, mp3, m4a, webm, flac, ogg)')
    .option('--json', 'print [{"file", "embedding": [numbers…]}] (the only output format)')
    .option('--model <file>', 'model file (default: the committed classical model)')
    .action(async (files: string[], flags: { json?: boolean; model?: string }) => {
      const { decodeAudio, createVoiceAnalyzer, AudioError } = await import('@keyra/voice');
      const analyzer = await createVoiceAnalyzer({
        inline: true,
        ...(flags.model ? { modelPath: path.resolve(flags.model) } : {}),
      });
      const out: Array<{ file: string; embedding: number[] }> = [];
      for (const file of files) {
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
        }
        try {
          const analysis = await analyzer.analyze(await decodeAudio(bytes));
          out.push({
            file,
            embedding: Array.from(analysis.embedding, (x) => Number(x.toPrecision(7))),
          });
        } catch (error) {
          if (error instanceof AudioError || error instanceof RangeError)
            throw new CliError(`${file}: ${error.message}`);
          throw error;
        }
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });

  voice
    .command('train')
    .description(
      'Fit the classical speaker back end (GMM-UBM, LDA, cohort, thresholds) on a LibriSpeech-style folder, deterministically.',
    )
    .requiredOption(
      '--data <dir>',
      'folder of speech files named SPEAKER-…, e.g. librispeech_train-clean-100',
    )
    .option('--out <file>', 'where to write the model JSON (default: print to stdout)')
    .option('--seed <n>', 'k-means seed (default 1, the committed model)', '1')
    .option('--max-speakers <n>', 'train on the first N speakers only (quick checks)')
    .action(async (flags: { data: string; out?: string; seed: string; maxSpeakers?: string }) => {
      const { trainModel } = await import('@keyra/voice');
      const started = Date.now();
      const trained = await trainModel({
        dataDir: path.resolve(flags.data),
        seed: Number(flags.seed),
        ...(flags.maxSpeakers ? { maxSpeakers: Number(flags.maxSpeakers) } : {}),
        onProgress: (stage, detail) =>
          process.stderr.write(
            `[${((Date.now() - started) / 1000).toFixed(1)} s] ${stage}: ${detail}\n`,
          ),
      });
      if (flags.out) {
        await writeFile(flags.out, trained.json);
        process.stderr.write(`wrote ${flags.out} (${trained.file.paramsVersion})\n`);
      } else {
        process.stdout.write(trained.json);
      }
    });
}
