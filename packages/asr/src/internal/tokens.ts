/** Lower-cased words of a phrase given as text or tokens; punctuation and extra spaces dropped. */
export function toTokens(phrase: string | readonly string[]): string[] {
  const text = typeof phrase === 'string' ? phrase : phrase.join(' ');
  return text
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter((token) => token.length > 0);
}
