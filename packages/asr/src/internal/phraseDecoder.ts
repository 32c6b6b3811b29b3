import type { Handle, PocketsphinxLibrary } from './pocketsphinxLibrary.js';
import type { SpeechPaths } from './speechPaths.js';

/** Raw decoder output for one utterance. */
export interface DecodeResult {
  /** Best path's words, or null when no path reached the grammar's end state. */
  text: string | null;
  /** Path score (log domain, larger is better; comparable only on the same audio). */
  score: number;
  /** 10 ms frames searched. */
  frames: number;
}

/**
 * One pocketsphinx decoder with a named JSGF search per grammar. Calls are queued: a decoder
 * is not thread-safe, and each utterance must run start → process → end → hypothesis alone.
 */
export class PhraseDecoder {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private handle: Handle;

  private constructor(
    private readonly library: PocketsphinxLibrary,
    handle: Handle,
  ) {
    this.handle = handle;
  }

  /** Loads the model (slow: ~0.1 s and ~20 MB per decoder) and registers the grammars. */
  static async open(
    library: PocketsphinxLibrary,
    paths: SpeechPaths,
    grammars: ReadonlyMap<string, string>,
  ): Promise<PhraseDecoder> {
    const config = library.parseConfig([
      '-hmm',
      paths.acousticModel,
      '-dict',
      paths.dictionary,
      '-samprate',
      '16000',
    ]);
    if (config === null) throw new Error('pocketsphinx rejected its configuration');
    let handle: Handle;
    try {
      handle = await library.init(config);
    } finally {
      library.freeConfig(config);
    }
    if (handle === null) {
      throw new Error(
        `pocketsphinx could not load the model (${paths.acousticModel}, ${paths.dictionary})`,
      );
    }
    const decoder = new PhraseDecoder(library, handle);
    for (const [name, grammar] of grammars) {
      if (library.setJsgfString(handle, name, grammar) < 0) {
        decoder.free();
        throw new Error(
          `pocketsphinx rejected grammar ${name} (a word missing from the dictionary?)`,
        );
      }
    }
    return decoder;
  }

  /** Utterances queued or running on this decoder. */
  get load(): number {
    return this.pending;
  }

  /** Decodes one whole utterance of 16 kHz mono PCM with the named grammar. */
  decode(pcm: Int16Array, search: string): Promise<DecodeResult> {
    this.pending++;
    const run = this.tail.then(async () => {
      try {
        return await this.run(pcm, search);
      } finally {
        this.pending--;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for queued utterances, then frees the decoder; later `decode` calls reject. */
  async close(): Promise<void> {
    await this.tail;
    this.free();
  }

  private async run(pcm: Int16Array, search: string): Promise<DecodeResult> {
    const handle = this.handle;
    if (handle === null) throw new Error('the phrase decoder is closed');
    const lib = this.library;
    if (lib.setSearch(handle, search) < 0) throw new Error(`no such search: ${search}`);
    if (lib.startUtt(handle) < 0) throw new Error('ps_start_utt failed');
    let frames = -1;
    let ended = -1;
    try {
      frames = await lib.processRaw(handle, pcm);
    } finally {
      // Always close the utterance, or the decoder refuses the next one.
      ended = await lib.endUtt(handle);
    }
    if (frames < 0 || ended < 0) throw new Error('pocketsphinx failed to decode the audio');
    return { ...lib.getHyp(handle), frames };
  }

  private free(): void {
    if (this.handle !== null) this.library.free(this.handle);
    this.handle = null;
  }
}
