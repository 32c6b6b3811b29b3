import { describe, expect, it } from 'vitest';
import {
  createPhraseRecognizer,
  diagnoseSpeech,
  SPEECH_INSTALL_COMMAND,
  SpeechUnavailableError,
} from '../src/index.js';

describe('missing speech packages', () => {
  it('names the apt command for a missing library', async () => {
    const error = await createPhraseRecognizer({
      pocketsphinxLibrary: '/nonexistent/libpocketsphinx.so.3',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechUnavailableError);
    const unavailable = error as SpeechUnavailableError;
    expect(unavailable.code).toBe('SPEECH_UNAVAILABLE');
    expect(unavailable.packages).toEqual(['libpocketsphinx3']);
    expect(unavailable.installCommand).toBe('apt-get install -y libpocketsphinx3');
    expect(unavailable.message).toContain('/nonexistent/libpocketsphinx.so.3 cannot be loaded');
    expect(unavailable.message).toContain('apt-get install -y libpocketsphinx3');
  });

  it('names the model package for a missing model', async () => {
    const error = await createPhraseRecognizer({ modelDir: '/nonexistent/en-us' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpeechUnavailableError);
    expect((error as SpeechUnavailableError).packages).toEqual(['pocketsphinx-en-us']);
    expect((error as SpeechUnavailableError).message).toMatch(
      /acoustic model \/nonexistent\/en-us\/en-us lacks mdef.*dictionary .* is missing.*apt-get install -y pocketsphinx-en-us/,
    );
  });

  it('lists every package in the full install command', () => {
    expect(SPEECH_INSTALL_COMMAND).toBe(
      'apt-get install -y libsphinxbase3 libpocketsphinx3 pocketsphinx-en-us',
    );
  });

  it('diagnoses a broken setup without throwing', async () => {
    const diagnosis = await diagnoseSpeech({
      sphinxbaseLibrary: 'libsphinxbase-missing.so.3',
      modelDir: '/nonexistent',
    });
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.packages.sort()).toEqual(['libsphinxbase3', 'pocketsphinx-en-us']);
    expect(diagnosis.installCommand).toMatch(/^apt-get install -y /);
    expect(diagnosis.problems).toHaveLength(3);
  });

  it.skipIf(process.env['KEYRA_SKIP_SPEECH'] === '1')('diagnoses this host as ready', async () => {
    const diagnosis = await diagnoseSpeech();
    expect(diagnosis).toMatchObject({ ok: true, problems: [], packages: [], installCommand: null });
  });
});
