/** The Debian packages that provide speech recognition, in install order. */
export const SPEECH_PACKAGES: readonly string[] = Object.freeze([
  'libsphinxbase3',
  'libpocketsphinx3',
  'pocketsphinx-en-us',
]);

/** The command that installs `SPEECH_PACKAGES`; named in every "unavailable" message. */
export const SPEECH_INSTALL_COMMAND = `apt-get install -y ${SPEECH_PACKAGES.join(' ')}`;

/**
 * Speech recognition cannot run on this host: a pocketsphinx library, the acoustic model or the
 * dictionary is missing or unusable. The message names what is missing and the apt command that
 * installs it; servers answer 502 with it, and `keyra doctor` prints it.
 */
export class SpeechUnavailableError extends Error {
  /** Stable code for error tables. */
  readonly code = 'SPEECH_UNAVAILABLE' as const;
  /** One line per problem found, e.g. "libpocketsphinx.so.3 cannot be loaded: …". */
  readonly problems: readonly string[];
  /** Debian packages that provide the missing pieces. */
  readonly packages: readonly string[];
  /** `apt-get install -y …` for `packages`. */
  readonly installCommand: string;

  constructor(problems: readonly string[], packages: readonly string[], options?: ErrorOptions) {
    const wanted = packages.length > 0 ? packages : SPEECH_PACKAGES;
    const installCommand = `apt-get install -y ${wanted.join(' ')}`;
    super(
      `speech recognition is unavailable (${problems.join('; ')}); install it with: ${installCommand}`,
      options,
    );
    this.name = 'SpeechUnavailableError';
    this.problems = Object.freeze([...problems]);
    this.packages = Object.freeze([...wanted]);
    this.installCommand = installCommand;
  }
}
