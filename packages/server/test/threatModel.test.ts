import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const doc = readFileSync(new URL('docs/threat-model.md', root), 'utf8');

/** Quotes and dashes differ between prose and test titles; compare without them. */
const plain = (text: string) =>
  text
    .replace(/[’‘]/g, "'")
    .replace(/[:—–-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Each table cell of the last column names tests as `` `FILE` › NAME; › NAME; `FILE2` › NAME ``:
 * a `›` without a file refers to the last file named in the cell.
 */
function references(): { file: string; name: string | null; row: string }[] {
  const found: { file: string; name: string | null; row: string }[] = [];
  for (const line of doc.split('\n')) {
    if (!/^\| [STRIDE /]+ \|/.test(line)) continue;
    const cells = line.split(' | ');
    const cell = cells[cells.length - 1]!.replace(/\|$/, '');
    let file: string | null = null;
    for (const part of cell.split(/(`[^`]+`)/)) {
      const path = /^`([^`]+\.(?:ts|md))`$/.exec(part);
      if (path) {
        file = path[1]!;
        found.push({ file, name: null, row: line });
        continue;
      }
      for (const name of part.split('›').slice(1)) {
        const title = name
          .replace(/;\s*$/, '')
          .replace(/\(.*\)\s*$/, '')
          .split('…')[0]!
          .trim();
        if (file && title) found.push({ file, name: title.replace(/;$/, ''), row: line });
      }
    }
  }
  return found;
}

describe('docs/threat-model.md', () => {
  const refs = references();

  it('links a test to every threat row', () => {
    const rows = doc.split('\n').filter((line) => /^\| [STRIDE /]+ \|/.test(line));
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows)
      expect(
        refs.some((ref) => ref.row === row),
        row,
      ).toBe(true);
  });

  it('names only test files and test titles that exist', () => {
    for (const { file, name } of refs) {
      expect(existsSync(new URL(file, root)), file).toBe(true);
      if (name === null) continue;
      const source = plain(readFileSync(new URL(file, root), 'utf8'));
      expect(source, `${file} › ${name}`).toContain(plain(name));
    }
  });
});
