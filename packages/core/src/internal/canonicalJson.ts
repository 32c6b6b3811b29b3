/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Devices and SDKs sign bytes derived from the challenge, so every party must produce exactly
 * the same text for the same value: object members sorted by their UTF-16 code units, no
 * whitespace, numbers in the ECMAScript shortest form (which is what `JSON.stringify` prints for
 * finite numbers), strings escaped as `JSON.stringify` does (RFC 8785 §3.2.2.2 matches it).
 *
 * Throws a `TypeError` for values JSON cannot represent (non-finite numbers, undefined, functions,
 * bigint, symbols): callers validate input before they canonicalize it.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      // RFC 8785 §3.2.2.2: a lone surrogate has no UTF-8 form, so no canonical one either.
      if (LONE_SURROGATE.test(value))
        throw new TypeError('canonicalJson: string has a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      // -0 serializes as 0 in RFC 8785.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      const keys = Object.keys(value as object);
      for (const key of keys)
        if (LONE_SURROGATE.test(key))
          throw new TypeError('canonicalJson: key has a lone surrogate');
      const entries = keys
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
        .sort()
        .map(
          (key) =>
            `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
        );
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}
