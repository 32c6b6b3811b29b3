import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpeakerSex } from '../src/internal/corpus.js';

describe('readSpeakerSex', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("reads LibriSpeech's SPEAKERS.TXT, skipping comments and unknown values", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyra-speakers-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'SPEAKERS.TXT'),
      [
        ';ID  |SEX| SUBSET           |MINUTES| NAME',
        '14   | F | train-clean-360  | 25.03 | Kristin LeMoine',
        '17   | M | train-clean-360  | 25.04 | Gord Mackenzie',
        '99   | ? | dev-clean        | 8.00  | Nobody',
        '',
      ].join('\n'),
    );
    expect([...(await readSpeakerSex(dir))]).toEqual([
      ['14', 'F'],
      ['17', 'M'],
    ]);
  });

  it('is empty for a folder without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyra-speakers-'));
    dirs.push(dir);
    expect((await readSpeakerSex(dir)).size).toBe(0);
  });
});
