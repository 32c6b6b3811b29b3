#!/usr/bin/env node
// npm run bench:voice [-- --verifies N] [--no-write]
//
// The voice benchmark, in one run (after `npm run build`):
// 1. speaker EER on LibriSpeech test-other (all pairs; full and 3 s crops; raw cosine and s-norm)
//    with the voice package's own evaluation (packages/voice/scripts/eval.ts, compiled here);
// 2. phrase-check false rejects / false accepts on shared/voice/phrases (and the chance level on
//    LibriSpeech sentences) with the asr package's measurement (packages/asr/scripts/measure.ts);
// 3. latency of POST /api/v1/verify through a real `keyra serve --dev`, per request and per second
//    of audio, for wav, mp3, m4a and webm recordings of the server's random prompts synthesised
//    with Debian's flite (voice slt) at bench time, beside the ceilings measured in this process
//    on the same bytes right after each request: decode (as the server decodes), embedding and
//    phrase recognition. The API latency is reported as a ratio to the sum of those stages.
// Prints a Markdown section and writes it into docs/benchmarks.md under "## Voice" (replacing
// only that section), and the raw figures to bench-results/voice.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPhraseRecognizer } from '@keyra/asr';
import { decodeAudio, extractEmbedding, loadModel, toMono16k } from '@keyra/voice';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(
    'Usage: npm run bench:voice -- [--verifies N (per format, default 10)] [--no-write] [--latency-only (implies --no-write)]',
  );
  process.exit(0);
}
const verifiesPerFormat = Number(flag('verifies', '10'));
const latencyOnly = args.includes('--latency-only');
const writeDoc = !args.includes('--no-write') && !latencyOnly;
const root = fileURLToPath(new URL('..', import.meta.url));
const voiceData = path.resolve(root, process.env.KEYRA_VOICE_DATA ?? '../shared/voice');
const bin = path.join(root, 'packages/server/bin/keyra.js');
const docFile = path.join(root, 'docs/benchmarks.md');
const FORMATS = ['wav', 'mp3', 'm4a', 'webm'];
// Same encodings as shared/voice/phrases/make_phrases.sh.
const ENCODE = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  m4a: ['-c:a', 'aac', '-b:a', '64k', '-f', 'ipod'],
  webm: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'webm'],
};
const ENROLL_TEXT =
  'My voice is my password. I am enrolling it today so that later I can approve transfers by speaking a short phrase.';
const AUDIO = { projection_id: 'p0', params_version: 'v1' };

const started = performance.now();
const startLoad = os.loadavg();
const log = (line) => process.stderr.write(`${line}\n`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

for (const [tool, probe] of [
  ['flite', ['-lv']],
  ['ffmpeg', ['-version']],
]) {
  if (spawnSync(tool, probe, { stdio: 'ignore' }).status !== 0) {
    console.error(`bench:voice needs ${tool}: apt-get install -y ${tool}`);
    process.exit(1);
  }
}
if (!existsSync(path.join(voiceData, 'phrases/phrases.json'))) {
  console.error(`bench:voice needs the shared voice data at ${voiceData} (KEYRA_VOICE_DATA)`);
  process.exit(1);
}

// --- Compile the packages' evaluation scripts and import them ---------------------------------
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const compile = (project) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`tsc -p ${project} exited with ${code}`)),
    );
  });
log('• compiling packages/voice and packages/asr scripts…');
await Promise.all([
  compile('packages/voice/tsconfig.scripts.json'),
  compile('packages/asr/tsconfig.scripts.json'),
]);
const scriptUrl = (pkg, name) =>
  pathToFileURL(path.join(root, `packages/${pkg}/dist/.scripts/scripts/${name}.js`)).href;
const { evaluateTestOther } = await import(scriptUrl('voice', 'eval'));
const { measurePhraseCheck } = await import(scriptUrl('asr', 'measure'));

// --- 1. Speaker EER --------------------------------------------------------------------------
let eer = null;
if (!latencyOnly) {
  log(`• speaker EER on LibriSpeech test-other… (${elapsed()})`);
  eer = await evaluateTestOther({ dataDir: voiceData });
  log(
    `  3 s vs 3 s: raw ${(100 * eer.threeVs3s.rawEer).toFixed(2)} %, s-norm ${(100 * eer.threeVs3s.snormEer).toFixed(2)} %`,
  );
}

// --- 2. Phrase check -------------------------------------------------------------------------
let phrase = null;
if (!latencyOnly) {
  log(`• phrase check on shared/voice/phrases and LibriSpeech sentences… (${elapsed()})`);
  phrase = await measurePhraseCheck({ dataDir: voiceData, sentences: true });
  const rule3 = phrase.rules.find((r) => r.required === 3);
  log(
    `  rule 3 of 4: false reject ${rule3.falseRejects}/${phrase.recordings}, false accept ${rule3.falseAccepts}/${phrase.wrongPairs}`,
  );
}

// --- 3. Verify latency through the API -------------------------------------------------------
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-voice-'));

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--dev',
        '--port',
        '0',
        '--database',
        `sqlite:${path.join(dir, 'bench.db')}`,
        '--data-dir',
        dir,
      ],
      {
        env: {
          ...process.env,
          KEYRA_LOG_LEVEL: 'info',
          KEYRA_RATE_LIMIT_PER_KEY: '10000000',
          KEYRA_RATE_LIMIT_PER_IP: '10000000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buffer = '';
    let stderr = '';
    // The banner (where the sandbox key is) goes to stderr: keep it for errors only.
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    let found = false;
    child.stdout.on('data', (chunk) => {
      if (found) return;
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.includes('keyra listening'));
      if (line) {
        found = true;
        resolve({ child, url: JSON.parse(line).url });
      }
    });
    child.on('exit', (code) => {
      if (!found) reject(new Error(`keyra serve exited with ${code}\n${stderr}`));
    });
  });
}

let n = 0;
function synthesize(text, format) {
  const wav = path.join(dir, `tts-${n++}.wav`);
  const tts = spawnSync('flite', ['-voice', 'slt', '-t', text, '-o', wav]);
  if (tts.status !== 0) throw new Error(`flite failed: ${tts.stderr}`);
  let bytes = readFileSync(wav);
  if (format !== 'wav') {
    // To a file: the mp4 muxer needs a seekable output.
    const encoded = path.join(dir, `tts-${n}.${format}`);
    const enc = spawnSync('ffmpeg', ['-v', 'error', '-i', wav, ...ENCODE[format], encoded]);
    if (enc.status !== 0) throw new Error(`ffmpeg ${format} failed: ${enc.stderr}`);
    bytes = readFileSync(encoded);
    rmSync(encoded);
  }
  rmSync(wav);
  return bytes;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const sum = (values) => values.reduce((a, b) => a + b, 0);
const mean = (values) => sum(values) / values.length;

log(`• verify latency through keyra serve --dev… (${elapsed()})`);
const { child, url } = await startServer();
const model = await loadModel();
const recognizer = await createPhraseRecognizer({ decoders: 1 });
const requests = [];
let enrollMs = 0;
let failures = 0;
try {
  const key = readFileSync(path.join(dir, 'sandbox-key'), 'utf8').trim();
  const call = async (route, body) => {
    const t0 = performance.now();
    const res = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    return { status: res.status, json, ms: performance.now() - t0 };
  };

  const enroll = await call('/api/v1/enroll', {
    wallet: 'bench',
    audioBase64: synthesize(ENROLL_TEXT, 'wav').toString('base64'),
    ...AUDIO,
  });
  if (enroll.status !== 200)
    throw new Error(`enroll: ${enroll.status} ${JSON.stringify(enroll.json)}`);
  enrollMs = enroll.ms;

  // The stages measured in this process on the bytes just sent, one after another: decode the
  // way the server does (Opus straight at 16 kHz) + resampling to 16 kHz mono, embedding (+
  // cohort statistics for s-norm), recognition with the prompt's grammar.
  const stages = async (bytes, words) => {
    let t = performance.now();
    const decoded = await decodeAudio(bytes, { opusSampleRate: 16_000 });
    const pcm = toMono16k(decoded);
    const decodeMs = performance.now() - t;
    t = performance.now();
    model.cohortStats(await extractEmbedding(pcm, model));
    const embedMs = performance.now() - t;
    t = performance.now();
    await recognizer.recognize(pcm, { length: words });
    const recognizeMs = performance.now() - t;
    return { audioSec: decoded.durationSec, decodeMs, embedMs, recognizeMs };
  };

  const verifyOnce = async (format) => {
    const issued = await call('/api/v1/phrase', { wallet: 'bench' });
    if (issued.status !== 200) throw new Error(`phrase: ${issued.status}`);
    const { phrase_id: phraseId, prompt } = issued.json;
    const bytes = synthesize(prompt, format);
    const res = await call('/api/v1/verify', {
      wallet: 'bench',
      audioBase64: bytes.toString('base64'),
      ...AUDIO,
      phrase_id: phraseId,
    });
    if (res.status !== 200) {
      failures += 1;
      log(`  ${format} verify answered ${res.status}: ${JSON.stringify(res.json)}`);
    }
    const stage = await stages(bytes, prompt.split(' ').length);
    return {
      format,
      prompt,
      status: res.status,
      verified: res.json.verified === true,
      heard: res.json.gates?.phrase?.heard,
      apiMs: res.ms,
      serverMs: res.json.latency_ms,
      bytes: bytes.length,
      ...stage,
    };
  };

  // Warm up the server's model, worker and recognizer, and this process's JIT, per format.
  for (const format of FORMATS) await verifyOnce(format);
  failures = 0;
  for (let i = 0; i < verifiesPerFormat; i += 1) {
    for (const format of FORMATS) requests.push(await verifyOnce(format));
  }
} finally {
  await recognizer.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
if (failures > 0) process.exitCode = 1;

const latencyRow = (label, rows) => {
  const audio = sum(rows.map((r) => r.audioSec));
  const api = rows.map((r) => r.apiMs);
  const stageSum = rows.map((r) => r.decodeMs + r.embedMs + r.recognizeMs);
  return {
    label,
    requests: rows.length,
    verified: rows.filter((r) => r.verified).length,
    meanAudioSec: audio / rows.length,
    apiMedianMs: quantile(api, 0.5),
    apiMaxMs: Math.max(...api),
    apiMsPerAudioSec: sum(api) / audio,
    serverMedianMs: quantile(
      rows.map((r) => r.serverMs),
      0.5,
    ),
    decodeMs: mean(rows.map((r) => r.decodeMs)),
    embedMs: mean(rows.map((r) => r.embedMs)),
    recognizeMs: mean(rows.map((r) => r.recognizeMs)),
    decodeMsPerAudioSec: sum(rows.map((r) => r.decodeMs)) / audio,
    embedMsPerAudioSec: sum(rows.map((r) => r.embedMs)) / audio,
    recognizeMsPerAudioSec: sum(rows.map((r) => r.recognizeMs)) / audio,
    stagesMs: mean(stageSum),
    stagesMsPerAudioSec: sum(stageSum) / audio,
    ratio: sum(api) / sum(stageSum),
  };
};
const latency = [
  ...FORMATS.map((f) =>
    latencyRow(
      f,
      requests.filter((r) => r.format === f),
    ),
  ),
  latencyRow('all', requests),
];

// --- Report ----------------------------------------------------------------------------------
const totalSec = (performance.now() - started) / 1000;
const cpus = os.cpus();
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus.length,
  cpuModel: cpus[0]?.model,
  platform: `${os.type()} ${os.release()}`,
  loadAverageAtStart: startLoad.map((x) => Number(x.toFixed(2))),
  loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
  seconds: Number(totalSec.toFixed(1)),
  verifiesPerFormat,
};
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const int = (x) => x.toLocaleString('en-US');
const ms = (x) => `${Math.round(x)}`;
const ms1 = (x) => x.toFixed(1);

const md = [];
const out = (line = '') => md.push(line);
out('## Voice');
out();
out(
  `\`npm run bench:voice\`, ${meta.date.slice(0, 10)}: ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${meta.platform}; 1-minute load average ${meta.loadAverageAtStart[0]} at start and ${meta.loadAverageAtEnd[0]} at the end; the whole run took ${Math.round(totalSec)} s. Data: \`shared/voice\`. Code: \`scripts/bench-voice.mjs\`, which runs \`packages/voice/scripts/eval.ts\` and \`packages/asr/scripts/measure.ts\` (see [voice-model.md](voice-model.md), [phrase-check.md](phrase-check.md)).`,
);
out();
if (eer) {
  out(
    `### Speaker verification, LibriSpeech test-other (${eer.files} files, 10 speakers, all pairs)`,
  );
  out();
  out(
    `Model \`${eer.model}\`. A 3 s crop is the window starting at 0.5 s of the file. Accept when score ≥ threshold; the API uses s-norm with the recommended threshold ${eer.recommendedThreshold}.`,
  );
  out();
  out(
    `| trials | target / non-target | raw cosine EER (threshold) | s-norm EER (threshold) | at ${eer.recommendedThreshold} (s-norm) |`,
  );
  out('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, t] of [
    ['full vs full', eer.fullVsFull],
    ['full enrolment vs 3 s', eer.fullVs3s],
    ['3 s vs 3 s', eer.threeVs3s],
  ]) {
    out(
      `| ${label} | ${int(t.targets)} / ${int(t.nontargets)} | ${pct(t.rawEer)} (${t.rawThreshold.toFixed(3)}) | ${pct(t.snormEer)} (${t.snormThreshold.toFixed(3)}) | FAR ${pct(t.far)}, FRR ${pct(t.frr)} |`,
    );
  }
  out();
  out(
    `Embedding with cohort statistics: ${eer.embedMsPerSecondOfAudio.toFixed(2)} ms per second of audio (in process, one thread; ${Math.round(eer.audioSeconds)} s of audio decoded by ffmpeg in ${(eer.decodeMs / 1000).toFixed(1)} s, two at a time).`,
  );
  out();
}
if (phrase) {
  out(
    `### Phrase check (${phrase.recordings} recordings: 10 phrases × ${phrase.voices.length} voices × ${phrase.formats.length} formats)`,
  );
  out();
  out(
    'Right phrase accepted with the 4-token grammar and the 3-of-4 rule (false rejects are the rest):',
  );
  out();
  out(`| voice | ${phrase.formats.join(' | ')} | all |`);
  out(`| --- | ${phrase.formats.map(() => '---:').join(' | ')} | ---: |`);
  for (const voice of [...phrase.voices, 'all']) {
    const cells = [...phrase.formats, 'all'].map((format) => {
      const c = phrase.right.find((r) => r.voice === voice && r.format === format);
      return `${c.accepted}/${c.total}`;
    });
    out(`| ${voice} | ${cells.join(' | ')} |`);
  }
  out();
  out('| rule | false reject (right prompt) | false accept (the 9 other prompts) |');
  out('| --- | ---: | ---: |');
  for (const r of phrase.rules) {
    out(
      `| ${r.required} of 4 | ${r.falseRejects}/${phrase.recordings} | ${r.falseAccepts}/${int(phrase.wrongPairs)} |`,
    );
  }
  out();
  if (phrase.sentences) {
    const s = phrase.sentences;
    out(
      `Chance level (speech that is not the prompt): ${s.files} LibriSpeech sentences (${Math.round(s.audioSeconds)} s) pass 3 of 4 against ${s.phraseAccepted}/${int(s.phrasePairs)} phrase prompts and ${s.generatedAccepted}/${int(s.generatedPairs)} generated prompts (${pct(s.generatedAccepted / s.generatedPairs)}); 4 of 4: ${s.generatedAcceptedAllFour}/${int(s.generatedPairs)}.`,
    );
    out();
  }
  const lp = phrase.latency.phrases;
  out(
    `\`recognize\` (audio already decoded, one decoder): phrase clips median ${ms(lp.medianMs)} ms, p95 ${ms(lp.p95Ms)} ms, ${ms1(lp.msPerSecondOfAudio)} ms per second of audio${phrase.latency.sentences ? `; LibriSpeech sentences ${ms1(phrase.latency.sentences.msPerSecondOfAudio)} ms per second of audio` : ''}; decoder init ${ms(phrase.initMs)} ms.`,
  );
  out();
}
out('### Verify latency through the API');
out();
out(
  `\`keyra serve --dev\` (SQLite, default worker and decoder pool) on the same machine; one wallet enrolled with ${(enrollMs / 1000).toFixed(2)} s of API time from a flite slt recording; then, per format, ${verifiesPerFormat} sequential \`POST /api/v1/verify\` calls (after one warm-up each) with \`audioBase64\` of flite slt saying the server's random prompt (synthesised and encoded at bench time: mp3 64 kb/s, m4a AAC 64 kb/s, webm Opus 32 kb/s). "API" is the client's time from sending the request to parsing the answer (the route's own \`latency_ms\` beside it). The ceilings are measured in the bench process on the same bytes right after each request: decode = \`decodeAudio\` as the server calls it (in process for wav, mp3 and Opus in WebM, Opus decoded straight at 16 kHz; a warm ffmpeg process for m4a) + resampling to 16 kHz; embed = \`extractEmbedding\` + cohort statistics; recognize = pocketsphinx \`recognize\` with the prompt's grammar.`,
);
out();
out(
  '| format | verified | audio s (mean) | API median ms (max) | API ms per s audio | route latency_ms median | decode ms | embed ms | recognize ms | stages sum ms | stages ms per s audio | API / stages |',
);
out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of latency) {
  out(
    `| ${r.label} | ${r.verified}/${r.requests} | ${r.meanAudioSec.toFixed(2)} | ${ms(r.apiMedianMs)} (${ms(r.apiMaxMs)}) | ${ms1(r.apiMsPerAudioSec)} | ${ms(r.serverMedianMs)} | ${ms1(r.decodeMs)} | ${ms1(r.embedMs)} | ${ms1(r.recognizeMs)} | ${ms1(r.stagesMs)} | ${ms1(r.stagesMsPerAudioSec)} | ${r.ratio.toFixed(2)}× |`,
  );
}
out();
const all = latency.at(-1);
out(
  `Per second of audio over all ${all.requests} requests: API ${ms1(all.apiMsPerAudioSec)} ms; decode ${ms1(all.decodeMsPerAudioSec)} ms, embedding ${ms1(all.embedMsPerAudioSec)} ms, recognition ${ms1(all.recognizeMsPerAudioSec)} ms (sum ${ms1(all.stagesMsPerAudioSec)} ms). The API takes ${all.ratio.toFixed(2)}× the sum of its stages, measured one after another here. The server does not run them one after another: recognition starts as soon as the worker thread has resampled the audio, while the same worker computes the embedding, the quality measures and the replay fingerprint, so a request can take less than the sum. What the API adds is HTTP and JSON/base64 of a ~${Math.round(mean(requests.map((r) => r.bytes)) / 1024)} KiB body, the worker-thread hops, quality measures and the replay fingerprint (when they outlast recognition), the database (phrase, template, fingerprints, verify log) and the projection.`,
);
const section = md.join('\n');
console.log(`\n${section}`);

mkdirSync(path.join(root, 'bench-results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench-results/voice.json'),
  JSON.stringify(
    {
      meta,
      eer,
      phrase: phrase && { ...phrase, trials: undefined, lines: undefined },
      latency,
      enrollMs,
      requests,
    },
    null,
    2,
  ),
);

if (writeDoc) {
  // Re-read right before writing: other benchmarks own the other sections of this file.
  const current = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '# Benchmarks\n';
  const lines = current.split('\n');
  const begin = lines.findIndex((l) => /^## Voice\s*$/.test(l));
  let next;
  if (begin >= 0) {
    const after = lines.slice(begin + 1).findIndex((l) => /^## /.test(l));
    const end = after >= 0 ? begin + 1 + after : lines.length;
    const before = lines.slice(0, begin).join('\n');
    const rest = lines.slice(end).join('\n');
    next = `${before}${before ? '\n' : ''}${section}\n${rest ? `\n${rest}` : ''}`;
  } else {
    next = `${current.replace(/\s*$/, '')}\n\n${section}\n`;
  }
  writeFileSync(docFile, next.replace(/\n*$/, '\n'));
  log(`• wrote the Voice section of docs/benchmarks.md (${elapsed()})`);
}
