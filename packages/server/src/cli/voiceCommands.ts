import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { DecodeAudioOptions, VoiceAnalyzer } from '@keyra/voice';
import { CliError } from './cliError.js';

/** `keyra voice embed`, `score`, `eval` and `train`. */
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
      const { createVoiceAnalyzer } = await import('@keyra/voice');
      const analyzer = await createVoiceAnalyzer({
        inline: true,
        ...(flags.model ? { modelPath: path.resolve(flags.model) } : {}),
      });
      const out: Array<{ file: string; embedding: number[] }> = [];
      for (const file of files) {
        const analysis = await analyseFile(analyzer, file);
        out.push({
          file,
          embedding: Array.from(analysis.embedding, (x) => Number(x.toPrecision(7))),
        });
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });

  voice
    .command('score')
    .description(
      'Score enrolment/probe pairs exactly as POST /api/v1/verify scores the speaker (same decoding, cohort normalisation and threshold); each file is embedded once.',
    )
    .requiredOption('--pairs <file>', 'text file of lines ENROLL_AUDIO<TAB>PROBE_AUDIO')
    .option(
      '--json',
      'print one {"enroll", "probe", "score", "threshold", "accepted"} line per pair (the only output format)',
    )
    .option('--model <file>', 'model file (default: the committed classical model)')
    .action(async (flags: { pairs: string; model?: string }) => {
      const { createVoiceAnalyzer } = await import('@keyra/voice');
      const { scoreSpeaker } = await import('../voice/scoreSpeaker.js');
      let text: string;
      try {
        text = await readFile(flags.pairs, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${flags.pairs}: ${(error as Error).message}`);
      }
      const pairs = text
        .split(/\r?\n/)
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => line.trim() !== '' && !line.startsWith('#'))
        .map(({ line, index }) => {
          const fields = line.split('\t');
          if (fields.length !== 2 || !fields[0] || !fields[1])
            throw new CliError(
              `${flags.pairs}:${index + 1}: expected ENROLL_AUDIO<TAB>PROBE_AUDIO`,
            );
          return [fields[0], fields[1]] as const;
        });
      const analyzer = await createVoiceAnalyzer({
        inline: true,
        ...(flags.model ? { modelPath: path.resolve(flags.model) } : {}),
      });
      const cache = new Map<
        string,
        Promise<{ embedding: Float32Array; cohort: { mean: number; sd: number } | null }>
      >();
      const embed = (file: string) => {
        let job = cache.get(file);
        if (!job) {
          job = (async () => {
            // The verify route's decoding limits (createVoiceEngine: 10 s ffmpeg timeout, 60 s audio).
            return analyseFile(analyzer, file, { timeoutMs: 10_000, maxDurationSec: 60 });
          })();
          cache.set(file, job);
        }
        return job;
      };
      for (const [enroll, probe] of pairs) {
        const a = await embed(enroll);
        const b = await embed(probe);
        // The verify route's own speaker-gate function: s-norm score and the threshold it uses.
        const { score, threshold } = scoreSpeaker(analyzer.thresholds, a, b);
        process.stdout.write(
          `${JSON.stringify({ enroll, probe, score: Number(score.toFixed(4)), threshold, accepted: score >= threshold })}\n`,
        );
      }
      await analyzer.close();
    });

  voice
    .command('eval')
    .description(
      'Measure the speaker model on your own speakers: every pair of files under DIR/SPEAKER/ is a trial; prints the EER and the false accepts/rejects at the shipped threshold.',
    )
    .requiredOption('--data <dir>', 'folder laid out SPEAKER/FILE (wav, flac, mp3, m4a, webm, ogg)')
    .option(
      '--channel <chain>',
      'degrade the verifying side, e.g. band:300-3400,opus:12 (see docs/voice-model.md)',
    )
    .option('--enroll-channel <chain>', 'degrade the enrolling side the same way')
    .option('--json', 'print one JSON object (the only output format)')
    .option('--model <file>', 'model file (default: the committed classical model)')
    .action(
      async (flags: { data: string; channel?: string; enrollChannel?: string; model?: string }) => {
        const { evaluateFolder, loadModel, parseChannelChain, AudioError } =
          await import('@keyra/voice');
        for (const chain of [flags.channel, flags.enrollChannel]) {
          try {
            if (chain) parseChannelChain(chain);
          } catch (error) {
            throw new CliError((error as Error).message);
          }
        }
        const model = await loadModel(...(flags.model ? [path.resolve(flags.model)] : []));
        try {
          const report = await evaluateFolder({
            dataDir: path.resolve(flags.data),
            model,
            ...(flags.channel ? { channel: flags.channel } : {}),
            ...(flags.enrollChannel ? { enrollChannel: flags.enrollChannel } : {}),
          });
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } catch (error) {
          if (error instanceof AudioError || error instanceof RangeError)
            throw new CliError(error.message);
          if ((error as NodeJS.ErrnoException).code === 'ENOENT')
            throw new CliError(`cannot read ${flags.data}: ${(error as Error).message}`);
          throw error;
        }
      },
    );

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
    .option(
      '--extra <dir>',
      'also train on the training speakers of a train-extra folder (with manifest.json), as the committed model does',
    )
    .option('--seed <n>', 'k-means and augmentation seed (default 1, the committed model)', '1')
    .option('--max-speakers <n>', 'train on the first N speakers only (quick checks)')
    .action(
      async (flags: {
        data: string;
        extra?: string;
        out?: string;
        seed: string;
        maxSpeakers?: string;
      }) => {
        const { trainModel } = await import('@keyra/voice');
        const started = Date.now();
        const trained = await trainModel({
          dataDir: path.resolve(flags.data),
          ...(flags.extra ? { extraDir: path.resolve(flags.extra) } : {}),
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
      },
    );
}

/** Reads, decodes and analyses one audio file; a file that cannot be read or decoded is a CliError. */
async function analyseFile(
  analyzer: VoiceAnalyzer,
  file: string,
  options: DecodeAudioOptions = {},
): Promise<Awaited<ReturnType<VoiceAnalyzer['analyze']>>> {
  const { decodeAudio, AudioError } = await import('@keyra/voice');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return await analyzer.analyze(await decodeAudio(bytes, options));
  } catch (error) {
    if (error instanceof AudioError || error instanceof RangeError)
      throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}
