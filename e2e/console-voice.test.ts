// The playground's voice flow in a real headless Chromium, against a real `keyra serve --dev`.
// Chromium's fake microphone plays a WAV file (--use-file-for-fake-audio-capture, read afresh each
// time the page opens the microphone), so the page records with getUserMedia + MediaRecorder and
// sends WebM/Opus as a browser does. The enrolment is flite-slt phrase recordings from shared/voice;
// each prompt the server picks is synthesised at test time with the same flite voice, as in
// e2e/voice.test.ts (an end-to-end test cannot pin the prompt generator).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestNeeds, consoleBrowser } from './helpers/consoleBrowser.js';
/** shared/voice: `$KEYRA_VOICE_DATA`, else `../shared/voice` relative to the repository root. */
const VOICE_DATA =
  process.env.KEYRA_VOICE_DATA ?? fileURLToPath(new URL('../../shared/voice/', import.meta.url));
const PHRASES = path.join(VOICE_DATA, 'phrases', 'wav');

function hasTool(name: string): boolean {
  // flite has no --version; `-lv` lists its voices.
  return spawnSync(name, [name === 'flite' ? '-lv' : '-version'], { stdio: 'ignore' }).status === 0;
}
const needs = browserTestNeeds('e2e/console-voice.test.ts', [
  ...['flite', 'ffmpeg']
    .filter((tool) => !hasTool(tool))
    .map((tool) => `${tool} (apt-get install ${tool})`),
  ...(existsSync(PHRASES) ? [] : [`the voice recordings at ${PHRASES} (set KEYRA_VOICE_DATA)`]),
]);

/** flite slt saying four phrases: about 10 s of one synthetic voice to enrol. */
const ENROLL_FILES = ['01', '02', '03', '04'].map((n) => `flite_slt_${n}.wav`);
/** Same voice, other words: for the phrase gate. Not part of the enrolment. */
const OTHER_PHRASES = [
  ['flite_slt_09.wav', 'white desert one seventy'],
  ['flite_slt_10.wav', 'golden harbor ten fifteen'],
] as const;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}

/** Seconds of audio in a WAV file (16-bit PCM, as flite and shared/voice write them). */
function wavSeconds(file: string): number {
  const bytes = readFileSync(file);
  const dataAt = bytes.indexOf('data');
  return bytes.readUInt32LE(dataAt + 4) / bytes.readUInt32LE(28);
}

describe.skipIf(needs.skip)('console voice flow in headless Chromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-console-voice-'));
  /** What the fake microphone plays; replaced between recordings. */
  const microphone = path.join(dir, 'microphone.wav');
  const enrollWav = path.join(dir, 'enroll.wav');
  const ui = consoleBrowser({
    name: 'console-voice',
    dir,
    args: [
      // Grant the microphone without a prompt and feed it from the file, once (no loop).
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}%noloop`,
    ],
    outcomeTimeout: 20_000,
  });
  const { outcome, text, shoot } = ui;
  let page: Page;

  /** Makes the fake microphone play `file` the next time the page opens it. */
  function playOnMicrophone(file: string): void {
    const next = path.join(dir, 'next.wav');
    copyFileSync(file, next);
    renameSync(next, microphone);
  }

  /** Records through the page for as long as `file` lasts, then presses Stop. */
  async function speak(step: 'enroll' | 'verify', file: string): Promise<void> {
    playOnMicrophone(file);
    await page.click(`#${step}-record`);
    await page.waitForSelector(`#${step}-recorder:not([hidden])`);
    await page.waitForTimeout(wavSeconds(file) * 1000 + 600);
    await page.click(`#${step}-stop`);
  }

  beforeAll(async () => {
    needs.check();
    run('ffmpeg', [
      '-v',
      'error',
      ...ENROLL_FILES.flatMap((name) => ['-i', path.join(PHRASES, name)]),
      '-filter_complex',
      `concat=n=${ENROLL_FILES.length}:v=0:a=1`,
      enrollWav,
    ]);
    playOnMicrophone(enrollWav);
    page = await ui.open();
  }, 60_000);

  afterAll(() => ui.close());

  /**
   * A screenshot from the top of `first` to the bottom of `last`, as wide as the card (`frame`)
   * they are in; refreshes docs/images/ on request.
   */
  async function shootRange(
    name: string,
    frame: string,
    first: string,
    last: string,
  ): Promise<void> {
    await page.mouse.move(0, 0);
    await ui.shootRange(name, first, last, { frame, margin: 8 });
  }

  /** Each gate row as `name result` (e.g. `speaker passed`). */
  const gates = async (): Promise<string[]> =>
    Promise.all(
      ['phrase', 'speaker', 'replay', 'quality'].map(
        async (gate) =>
          `${gate} ${await text(`#voice-gates tr[data-gate="${gate}"] td:nth-child(2)`)}`,
      ),
    );

  const verifyLogs = async (wallet: string) => {
    const res = await fetch(`${ui.server.url}/api/v1/verify_logs?wallet=${wallet}`, {
      headers: { 'x-api-key': ui.key },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { id: string; verified: boolean }[] }).data;
  };

  it('enrolls from the microphone, says the phrase and gets a verified proof and stamp', async () => {
    await page.fill('#api-key', ui.key);
    await page.click('#setup-form button[type="submit"]');
    await page.fill('#wallet', 'wallet_voice_e2e');

    // V1: about 10 s through the microphone, with the timer running.
    playOnMicrophone(enrollWav);
    await page.click('#enroll-record');
    await page.waitForSelector('#enroll-recorder:not([hidden])');
    // The timer runs (the page's CSP forbids waitForFunction's eval, so a locator waits).
    await page.locator('#enroll-timer', { hasText: '0:02' }).waitFor();
    expect(await page.getAttribute('#enroll-record', 'aria-busy')).toBe('true');
    await page.locator('#enroll-recorder').scrollIntoViewIfNeeded();
    await shoot('playground-voice-recording', 'section:has(#enroll-record)', true);
    await page.waitForTimeout(wavSeconds(enrollWav) * 1000 - 1400);
    await page.click('#enroll-stop');
    expect(await outcome('enroll-result', 'enroll-error')).toBe('ok');
    expect(await page.isVisible('#enroll-recorder')).toBe(false);
    expect(await text('#enroll-summary')).toMatch(/^Voice enrolled for wallet_voice_e2e: [\d.]+ s/);
    const enrolled = JSON.parse(await text('#enroll-json')) as Record<string, unknown>;
    expect(enrolled).toMatchObject({ enrolled: true, method: 'voice', projection_id: 'p0' });

    // V2: the prompt, big, and its countdown.
    await page.click('#get-phrase');
    expect(await outcome('phrase-result', 'phrase-error')).toBe('ok');
    const prompt = await text('#voice-prompt');
    expect(prompt).toMatch(/^[a-z]+( [a-z]+){3}$/);
    const phraseId = await text('#phrase-id');
    expect(phraseId).toMatch(/^pc_/);
    expect(await text('#phrase-expires')).toMatch(/\(in [12]:\d\d\)$/);

    // V3: the same voice says it into the microphone.
    const said = path.join(dir, 'prompt.wav');
    run('flite', ['-voice', 'slt', '-t', prompt, '-o', said]);
    await speak('verify', said);
    expect(await outcome('verify-result', 'verify-error')).toBe('ok');
    expect(await gates()).toEqual([
      'phrase ✓passed',
      'speaker ✓passed',
      'replay ✓passed',
      'quality ✓passed',
    ]);
    // The phrase gate passes at 3 of 4 words; the recognizer may mishear one of flite's words.
    const heard = /heard “([^”]*)”/.exec(await text('#voice-gates tr[data-gate="phrase"]'))?.[1];
    const words = prompt.split(' ');
    expect(heard?.split(' ').filter((word, i) => word === words[i]).length).toBeGreaterThanOrEqual(
      3,
    );
    expect(await text('#voice-verdict')).toBe(
      `Verified: every gate passed. The proof and its stamp are valid for phrase ${phraseId}.`,
    );
    expect(await page.locator('#verify-result .check-fail').count()).toBe(0);
    // The proof's six checks and the stamp's five.
    expect(await page.locator('#voice-proof-checks .check-pass').count()).toBe(6);
    expect(await page.locator('#voice-stamp .check-pass').count()).toBe(5);
    expect(await text('#voice-stamp [data-field="method"]')).toBe('voice');

    // The ids on screen are the server's.
    const logId = await text('#voice-log-id');
    const [latest] = await verifyLogs('wallet_voice_e2e');
    expect(latest).toMatchObject({ id: logId, verified: true });
    const answer = JSON.parse(await text('#verify-json')) as {
      proof: string;
      stamp: { stamp_id: string };
    };
    expect(await text('#voice-proof-jws')).toBe(answer.proof);
    const stamp = await fetch(`${ui.server.url}/v1/stamps/${answer.stamp.stamp_id}`);
    expect(stamp.status).toBe(200);
    expect(await text('#voice-stamp [data-field="stamp_id"]')).toBe(answer.stamp.stamp_id);
    expect(await text('#phrase-expires')).toContain('used: get a new phrase');
    await shootRange(
      'playground-voice',
      'section:has(#get-phrase)',
      'section:has(#get-phrase)',
      '#voice-proof-checks',
    );
    await shootRange(
      'playground-voice-stamp',
      'section:has(#verify-record)',
      '#voice-proof-checks',
      'section:has(#verify-record)',
    );

    // The spent phrase again, recorded through the microphone: the server's error, as is.
    await speak('verify', said);
    expect(await outcome('verify-result', 'verify-error')).toMatch(/^error: /);
    expect(await text('#verify-error .error-title')).toBe('400 PHRASE_ALREADY_USED');
    expect(await text('#verify-error .error-title + p')).toContain(phraseId);
    expect(await page.isVisible('#verify-result')).toBe(false);
  }, 60_000);

  it('shows a failed gate for the wrong words from a picked file, and client-side errors', async () => {
    await page.click('#get-phrase');
    expect(await outcome('phrase-result', 'phrase-error')).toBe('ok');
    const prompt = await text('#voice-prompt');
    const [file] = OTHER_PHRASES.find(([, words]) => words !== prompt) ?? OTHER_PHRASES[0];
    await page.setInputFiles('#verify-file', path.join(PHRASES, file));
    await page.click('#verify-upload');
    expect(await outcome('verify-result', 'verify-error')).toBe('ok');
    expect((await gates())[0]).toBe('phrase ✗failed');
    expect(await text('#voice-verdict')).toMatch(/^Not verified: the phrase gate/);
    expect(await text('#voice-proof-status')).toBe(
      'none: a proof is issued only when every gate passes',
    );
    expect(await page.isVisible('#voice-stamp')).toBe(false);
    const [latest] = await verifyLogs('wallet_voice_e2e');
    expect(latest).toMatchObject({ id: await text('#voice-log-id'), verified: false });
    await shootRange(
      'playground-voice-failed',
      'section:has(#verify-record)',
      'section:has(#verify-record)',
      '#voice-proof-status',
    );

    // Nothing picked, and a wallet id the API would refuse: said before anything is sent.
    await page.setInputFiles('#enroll-file', []);
    await page.click('#enroll-upload');
    expect(await outcome('enroll-result', 'enroll-error')).toMatch(/^error: /);
    expect(await text('#enroll-error .error-title')).toBe('no_file');
    await page.fill('#wallet', 'not a wallet');
    await page.click('#get-phrase');
    expect(await outcome('phrase-result', 'phrase-error')).toMatch(/^error: /);
    expect(await text('#phrase-error .error-title')).toBe('invalid_wallet');

    // A refused microphone says what to do (the browser's refusal, as getUserMedia reports it).
    await page.fill('#wallet', 'wallet_voice_e2e');
    await page.evaluate(
      'navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"))',
    );
    await page.click('#verify-record');
    expect(await outcome('verify-result', 'verify-error')).toMatch(/^error: /);
    expect(await text('#verify-error .error-title')).toBe('microphone_denied');
    expect(await text('#verify-error .error-title + p')).toContain('set Microphone to Allow');
    await shoot('playground-voice-microphone-denied', 'section:has(#verify-record)');

    // Every request went to this origin.
    expect(ui.requested.filter((url) => !url.startsWith(`${ui.origin}/`))).toEqual([]);
  }, 30_000);
});
