/*
 * RFC 8785 JSON Canonicalization Scheme, as the server computes a proof's `payloadDigest`
 * (`@keyra/core`'s canonicalJson, docs/challenge-digest.md). The SDK has no runtime dependencies,
 * so it carries these few lines; `test/proofs.test.ts` checks them against the server's digest.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws a `TypeError` for what JSON cannot hold (non-finite numbers, lone surrogates, bigint). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError('a string has a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('a number is not finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const object = value as Record<string, unknown>;
      return `{${Object.keys(object)
        .filter((key) => object[key] !== undefined)
        // The default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
        .sort()
        .map((key) => {
          if (LONE_SURROGATE.test(key)) throw new TypeError('a key has a lone surrogate');
          return `${JSON.stringify(key)}:${canonicalJson(object[key])}`;
        })
        .join(',')}}`;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value}`);
  }
}
