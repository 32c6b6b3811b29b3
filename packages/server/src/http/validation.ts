import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fastJsonStringify from 'fast-json-stringify';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const shared: Options = {
  allErrors: true,
  // Unknown fields are an error (unknown_field), never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
};

// One pair of Ajv instances for the process. Ajv caches a compiled validator by schema object, and
// route schemas are module constants, so every app built in this process (tests build hundreds,
// and the MCP tools share them) compiles each schema once.
let ajvs: { body: Ajv; text: Ajv } | null = null;

/**
 * Request validators. Bodies are strict JSON: `"120"` is not a number. Query strings and path
 * parameters only ever carry text, so they are coerced to the schema's types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  ajvs ??= {
    body: addFormats(new Ajv({ ...shared, coerceTypes: false })),
    text: addFormats(new Ajv({ ...shared, coerceTypes: true })),
  };
  const { body, text } = ajvs;
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object);
}

type Serializer = (data: unknown) => string;
const serializers = new WeakMap<object, Serializer>();

/**
 * Response serializers (fast-json-stringify, as Fastify's default compiler builds them), one per
 * schema object for the process. Building one costs milliseconds (each builds its own Ajv for
 * `oneOf`/`anyOf`), and every route lists the same error schemas under several status codes:
 * without the cache, starting the app spent seconds compiling the same few schemas again.
 */
export function createSerializerCompiler(): FastifySerializerCompiler<unknown> {
  return ({ schema }) => {
    const key = schema as object;
    let serializer = serializers.get(key);
    if (!serializer) {
      serializer = fastJsonStringify(key) as Serializer;
      serializers.set(key, serializer);
    }
    return serializer;
  };
}
