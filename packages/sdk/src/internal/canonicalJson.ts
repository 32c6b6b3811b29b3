/**
 * RFC 8785 (JCS) canonical JSON, as the server computes a proof's `payloadDigest`. The SDK has no
 * runtime dependencies and cannot import the server's core, so it keeps its own copy; the test
 * vectors in `fixtures/canonical-json/vectors.json` hold the server, this SDK, Python and Go to one output.
 * Members sort by UTF-16 code units (the default sort), numbers and strings print as
 * `JSON.stringify` prints them (RFC 8785 §3.2.2), and a lone surrogate has no canonical form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('A non-finite number has no JSON form.');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${quote(key)}:${canonicalJson(object[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`A ${typeof value} has no JSON form.`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function quote(text: string): string {
  if (LONE_SURROGATE.test(text))
    throw new TypeError('A string with a lone surrogate has no JSON form.');
  return JSON.stringify(text);
}
