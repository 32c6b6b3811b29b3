// `keyra voice score` and `keyra voice eval` on the TTS phrase recordings of shared/voice (WAV, so
// no ffmpeg is needed except for the codec channel).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '@keyra/voice';
import { runKeyra } from './helpers/keyraProcess.js';

const VOICE_DATA =
  process.env.KEYRA_VOICE_DATA ?? fileURLToPath(new URL('../../shared/voice/', import.meta.url));
const phrase = (voice: string, n: number): string =>
  path.join(VOICE_DATA, 'phrases', 'wav', `${voice}_${String(n).padStart(2, '0')}.wav`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-voice-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keyra voice score', () => {
  it('scores each pair with the shipped threshold, one JSON line per pair', async () => {
    const pairs = path.join(dir, 'pairs.tsv');
    writeFileSync(
      pairs,
      [
        `${phrase('flite_slt', 1)}\t${phrase('flite_slt', 2)}`,
        `${phrase('flite_slt', 1)}\t${phrase('espeak-ng_en-us', 2)}`,
        '',
      ].join('\n'),
    );
    const res = await runKeyra(['voice', 'score', '--pairs', pairs, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const model = await loadModel();
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['enroll', 'probe', 'score', 'threshold', 'accepted']);
      expect(line.threshold).toBe(model.thresholds.recommended);
      expect(line.accepted).toBe((line.score as number) >= model.thresholds.recommended);
    }
    expect(lines[0]!.score as number).toBeGreaterThan(lines[1]!.score as number);
    expect(lines[1]!.accepted).toBe(false);
  });

  it('refuses a line that is not ENROLL<TAB>PROBE', async () => {
    const pairs = path.join(dir, 'bad.tsv');
    writeFileSync(pairs, `${phrase('flite_slt', 1)} ${phrase('flite_slt', 2)}\n`);
    const res = await runKeyra(['voice', 'score', '--pairs', pairs, '--json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/bad\.tsv:1: expected ENROLL_AUDIO<TAB>PROBE_AUDIO/);
  });
});

describe('keyra voice eval', () => {
  const data = path.join(dir, 'speakers');
  for (const voice of ['flite_slt', 'espeak-ng_en-us', 'festival_kal']) {
    mkdirSync(path.join(data, voice), { recursive: true });
    for (const n of [1, 2, 3]) copyFileSync(phrase(voice, n), path.join(data, voice, `${n}.wav`));
  }

  it('prints EER and the error rates at the shipped threshold', async () => {
    const res = await runKeyra(['voice', 'eval', '--data', data, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as Record<string, number | string | null>;
    expect(report).toMatchObject({ speakers: 3, files: 9, targetTrials: 9, nontargetTrials: 27 });
    expect(report.threshold).toBe((await loadModel()).thresholds.recommended);
    expect(report.falseAcceptRate).toBe(0);
  });

  it('degrades the verifying side through a channel chain, and names a bad step', async () => {
    const res = await runKeyra([
      'voice',
      'eval',
      '--data',
      data,
      '--channel',
      'band:300-3400,mulaw',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      channel: 'band:300-3400,mulaw',
      enrollChannel: null,
    });
    const bad = await runKeyra([
      'voice',
      'eval',
      '--data',
      data,
      '--channel',
      'band:3400',
      '--json',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/channel step 1 \(band:3400\)/);
  });
});
