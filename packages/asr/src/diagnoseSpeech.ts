import { buildGrammar } from './buildGrammar.js';
import { checkSpeechFiles } from './internal/checkSpeechFiles.js';
import { PhraseDecoder } from './internal/phraseDecoder.js';
import { LibraryLoadError, loadPocketsphinx } from './internal/pocketsphinxLibrary.js';
import { speechPaths } from './internal/speechPaths.js';
import type { SpeechOptions } from './speechOptions.js';

/** What `keyra doctor` prints about speech recognition. */
export interface SpeechDiagnosis {
  /** True when a decoder loaded with the phrase grammar. */
  ok: boolean;
  /** The paths that were checked. */
  pocketsphinxLibrary: string;
  sphinxbaseLibrary: string;
  acousticModel: string;
  dictionary: string;
  /** One line per problem; empty when `ok`. */
  problems: string[];
  /** Debian packages to install; empty when `ok` or when no package would help. */
  packages: string[];
  /** `apt-get install -y …` for `packages`, or null. */
  installCommand: string | null;
}

/**
 * Checks everything phrase recognition needs, the way `createPhraseRecognizer` will use it: the
 * two shared libraries load and export the 0.8+5prealpha API, the model files are readable, and a
 * decoder actually loads with the phrase grammar (~0.2 s). Never throws for a missing piece.
 */
export async function diagnoseSpeech(options: SpeechOptions = {}): Promise<SpeechDiagnosis> {
  const paths = speechPaths(options);
  const problems: string[] = [];
  const packages = new Set<string>();
  for (const file of await checkSpeechFiles(paths)) {
    problems.push(file.problem);
    packages.add(file.package);
  }
  let library = null;
  try {
    library = await loadPocketsphinx(paths);
  } catch (error) {
    if (!(error instanceof LibraryLoadError)) throw error;
    problems.push(...error.problems);
    for (const pkg of error.packages) packages.add(pkg);
  }
  if (library && problems.length === 0) {
    try {
      const grammars = new Map([['n4', buildGrammar({ length: 4 })]]);
      await (await PhraseDecoder.open(library, paths, grammars)).close();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  const list = [...packages];
  return {
    ok: problems.length === 0,
    ...paths,
    problems,
    packages: list,
    installCommand: list.length > 0 ? `apt-get install -y ${list.join(' ')}` : null,
  };
}
