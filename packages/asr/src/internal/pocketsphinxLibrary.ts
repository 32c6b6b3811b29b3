import type Koffi from 'koffi';
import { SPEECH_PACKAGES } from '../speechUnavailableError.js';
import type { SpeechPaths } from './speechPaths.js';

/** An opaque C pointer as koffi hands it back; never dereferenced on this side. */
export type Handle = unknown;

/**
 * The slice of the pocketsphinx 0.8+5prealpha C API (libpocketsphinx.so.3, libsphinxbase.so.3)
 * the recognizer uses. The slow calls (model loading, search) run on libuv's thread pool through
 * koffi's async calls, so they never block the event loop; a decoder is not thread-safe, so the
 * caller must not overlap calls on the same decoder.
 */
export interface PocketsphinxLibrary {
  /** `cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE)`. */
  parseConfig(argv: readonly string[]): Handle;
  freeConfig(config: Handle): void;
  /** `ps_init(config)` on the thread pool; the decoder keeps its own reference to `config`. */
  init(config: Handle): Promise<Handle>;
  free(decoder: Handle): void;
  setJsgfString(decoder: Handle, name: string, grammar: string): number;
  setSearch(decoder: Handle, name: string): number;
  startUtt(decoder: Handle): number;
  /** `ps_process_raw(decoder, data, n, FALSE, TRUE)` on the thread pool: frames searched or < 0. */
  processRaw(decoder: Handle, data: Int16Array): Promise<number>;
  endUtt(decoder: Handle): Promise<number>;
  /** `ps_get_hyp`: the best path's words (null when no path reached the grammar's end). */
  getHyp(decoder: Handle): { text: string | null; score: number };
}

/** Thrown by `loadPocketsphinx` with one line per problem and the packages that fix them. */
export class LibraryLoadError extends Error {
  constructor(
    readonly problems: string[],
    readonly packages: string[],
    options?: ErrorOptions,
  ) {
    super(problems.join('; '), options);
  }
}

const loaded = new Map<string, Promise<PocketsphinxLibrary>>();

/** Loads (once per pair of paths) and binds the two libraries. Rejects with `LibraryLoadError`. */
export function loadPocketsphinx(paths: SpeechPaths): Promise<PocketsphinxLibrary> {
  const key = `${paths.sphinxbaseLibrary}\0${paths.pocketsphinxLibrary}`;
  let library = loaded.get(key);
  if (!library) {
    library = bind(paths);
    loaded.set(key, library);
    // A failed load is not cached: the packages may be installed while the server runs.
    library.catch(() => loaded.delete(key));
  }
  return library;
}

function nullish(pointer: unknown): boolean {
  return pointer === null || pointer === undefined || pointer === 0 || pointer === 0n;
}

async function bind(paths: SpeechPaths): Promise<PocketsphinxLibrary> {
  let koffi: typeof Koffi;
  try {
    koffi = (await import('koffi')).default;
  } catch (cause) {
    throw new LibraryLoadError([`the koffi FFI module cannot be loaded: ${String(cause)}`], [], {
      cause,
    });
  }
  const problems: string[] = [];
  const packages: string[] = [];
  const open = (path: string, pkg: string): ReturnType<typeof koffi.load> | null => {
    try {
      return koffi.load(path);
    } catch (cause) {
      problems.push(`${path} cannot be loaded (${firstLine(cause)})`);
      packages.push(pkg);
      return null;
    }
  };
  const sphinxbase = open(paths.sphinxbaseLibrary, SPEECH_PACKAGES[0]!);
  const pocketsphinx = open(paths.pocketsphinxLibrary, SPEECH_PACKAGES[1]!);
  if (!sphinxbase || !pocketsphinx) throw new LibraryLoadError(problems, packages);

  try {
    const errSetLogfp = sphinxbase.func('void err_set_logfp(void *stream)');
    const cmdLnParseR = sphinxbase.func(
      'void *cmd_ln_parse_r(void *inout, void *defn, int32_t argc, const char **argv, int32_t strict)',
    );
    const cmdLnFreeR = sphinxbase.func('int cmd_ln_free_r(void *config)');
    const psArgs = pocketsphinx.func('void *ps_args(void)');
    const psInit = pocketsphinx.func('void *ps_init(void *config)');
    const psFree = pocketsphinx.func('int ps_free(void *ps)');
    const psSetJsgfString = pocketsphinx.func(
      'int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)',
    );
    const psSetSearch = pocketsphinx.func('int ps_set_search(void *ps, const char *name)');
    const psStartUtt = pocketsphinx.func('int ps_start_utt(void *ps)');
    const psProcessRaw = pocketsphinx.func(
      'int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)',
    );
    const psEndUtt = pocketsphinx.func('int ps_end_utt(void *ps)');
    const psGetHyp = pocketsphinx.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)');

    // The library logs every decode to stderr by default. Disabling the log once, globally, is
    // also the thread-safe choice: `-logfn` would make each ps_init reopen a shared FILE.
    errSetLogfp(null);
    const defn = psArgs() as Handle;

    const async = <T>(
      fn: { async: (...args: unknown[]) => void },
      ...args: unknown[]
    ): Promise<T> =>
      new Promise((resolve, reject) => {
        fn.async(...args, (error: unknown, result: T) => (error ? reject(error) : resolve(result)));
      });

    return {
      parseConfig: (argv) => {
        const config = cmdLnParseR(null, defn, argv.length, [...argv], 1) as Handle;
        return nullish(config) ? null : config;
      },
      freeConfig: (config) => void cmdLnFreeR(config),
      init: async (config) => {
        const decoder = await async<Handle>(psInit, config);
        return nullish(decoder) ? null : decoder;
      },
      free: (decoder) => void psFree(decoder),
      setJsgfString: (decoder, name, grammar) => psSetJsgfString(decoder, name, grammar) as number,
      setSearch: (decoder, name) => psSetSearch(decoder, name) as number,
      startUtt: (decoder) => psStartUtt(decoder) as number,
      processRaw: (decoder, data) => async<number>(psProcessRaw, decoder, data, data.length, 0, 1),
      endUtt: (decoder) => async<number>(psEndUtt, decoder),
      getHyp: (decoder) => {
        const score = [0];
        const text = psGetHyp(decoder, score) as string | null;
        return { text: text ?? null, score: score[0] ?? 0 };
      },
    };
  } catch (cause) {
    throw new LibraryLoadError(
      [
        `the pocketsphinx libraries lack a required function (${firstLine(cause)}); ` +
          'version 0.8+5prealpha (soname .so.3) is required',
      ],
      [SPEECH_PACKAGES[0]!, SPEECH_PACKAGES[1]!],
      { cause },
    );
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!;
}
