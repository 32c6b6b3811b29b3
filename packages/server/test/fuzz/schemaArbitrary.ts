import fc from 'fast-check';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON Schema documents are untyped JSON. */
type Schema = any;

/** Strings that are URLs the server must refuse or cannot reach quickly (never the public net). */
const BLOCKED_URLS = [
  'http://127.0.0.1:1/x',
  'https://10.0.0.1/hook',
  'https://169.254.169.254/latest/meta-data',
  'http://[::1]/',
  'file:///etc/passwd',
  'ftp://example.com/a.wav',
  'https://user:pass@192.168.1.1/x',
  'not a url',
  '',
];

/** Any JSON value, including the awkward ones (deep nesting, huge numbers, odd strings). */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** Odd strings: empty, long, control and non-BMP characters, lone surrogates, injection-looking. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '%00',
    '__proto__',
    'constructor',
    'a'.repeat(5000),
    '😀'.repeat(100),
  ),
);

/**
 * An arbitrary for a JSON Schema (the subset the KEYRA document uses), resolving
 * `#/components/schemas/…` references in `components`. Values mostly satisfy the schema, so
 * requests get past validation and reach the handlers; `mutate` (below) breaks them on purpose.
 */
export function schemaArbitrary(
  schema: Schema,
  components: Record<string, Schema>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 6) return anyJson;
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    return schemaArbitrary(components[name], components, depth + 1);
  }
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options)
    return fc.oneof(...options.map((option) => schemaArbitrary(option, components, depth + 1)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'string': {
      if (schema.format === 'uri' || /url/i.test(String(schema.description ?? ''))) {
        return fc.constantFrom(...BLOCKED_URLS);
      }
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (schema.pattern) {
        try {
          return fc
            .stringMatching(new RegExp(schema.pattern))
            .filter(
              (s) =>
                s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 10_000),
            );
        } catch {
          return oddString;
        }
      }
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 60, 60),
      });
    }
    case 'array':
      return fc.array(schemaArbitrary(schema.items, components, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object':
    default: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) {
        record[name] = schemaArbitrary(property, components, depth + 1);
      }
      if (Object.keys(record).length === 0) {
        return fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 4 });
      }
      return fc.record(record, { requiredKeys: [...required].filter((name) => name in record) });
    }
  }
}

/** Breaks a valid-looking value: a field dropped, retyped, or added; or something else entirely. */
export function mutate(value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: value },
    {
      weight: 2,
      arbitrary: fc
        .tuple(value, oddString, anyJson)
        .map(([v, key, junk]) =>
          v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [key]: junk } : junk,
        ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(value, fc.nat(), anyJson).map(([v, index, junk]) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return junk;
        const keys = Object.keys(v);
        if (keys.length === 0) return junk;
        const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
        const key = keys[index % keys.length]!;
        if (index % 2 === 0) delete copy[key];
        else copy[key] = junk;
        return copy;
      }),
    },
    { weight: 1, arbitrary: anyJson },
  );
}
