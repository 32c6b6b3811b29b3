/** Where the pocketsphinx libraries and model are; every field has the Debian default. */
export interface SpeechOptions {
  /** Model directory (default `/usr/share/pocketsphinx/model/en-us`, from `pocketsphinx-en-us`). */
  modelDir?: string;
  /** Acoustic model directory (default `<modelDir>/en-us`). */
  acousticModel?: string;
  /** Pronunciation dictionary (default `<modelDir>/cmudict-en-us.dict`). */
  dictionary?: string;
  /** `libpocketsphinx.so.3` (from `libpocketsphinx3`), a path or a name for the dynamic loader. */
  pocketsphinxLibrary?: string;
  /** `libsphinxbase.so.3` (from `libsphinxbase3`), a path or a name for the dynamic loader. */
  sphinxbaseLibrary?: string;
}
