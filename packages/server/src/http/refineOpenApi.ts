import { EVENT_TYPES } from '@keyra/core';

/* eslint-disable @typescript-eslint/no-explicit-any -- an OpenAPI document is untyped JSON here. */
type Json = any;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Tags in the order a reader meets them, with what each covers. */
export const OPENAPI_TAGS = [
  {
    name: 'Challenges',
    description: 'Ask a human to approve an action; verify the answer; get the proof.',
  },
  {
    name: 'Credentials',
    description: 'Pair a KEYRA ONE or register a passkey (WebAuthn ceremonies).',
  },
  { name: 'Devices', description: "A user's paired KEYRA ONEs and passkeys." },
  { name: 'Webhooks', description: 'Endpoints, events and the delivery log.' },
  { name: 'Proofs', description: 'The public keys that verify proofs offline.' },
  { name: 'Stamps', description: 'Public receipts of proofs, with their EAS attestation.' },
  { name: 'Usage', description: 'Metered verifications and free credits.' },
  {
    name: 'Audit',
    description:
      'The tamper-evident audit log: entries, NDJSON export and signed checkpoints (docs/audit.md).',
  },
  {
    name: 'Policies',
    description:
      'Approval policies and approver groups: what challenges must meet, versioned (docs/policies.md).',
  },
  { name: 'Voice', description: 'Voice enrolment and verification (the Keywave API).' },
  {
    name: 'OpenID CIBA',
    description: 'The OpenID Connect CIBA front door for standard clients (docs/ciba.md).',
  },
  {
    name: 'Agents (MCP)',
    description: 'The Model Context Protocol endpoint for AI agents (docs/agents.md).',
  },
  {
    name: 'Device API',
    description: 'What a KEYRA ONE calls: its session and the challenges for its user.',
  },
];

/** The error statuses, named once under `components.responses`. */
const ERROR_RESPONSES: Record<string, [string, string]> = {
  '400': [
    'BadRequest',
    'The request is malformed: `validation_failed`, `unknown_field`, `invalid_json`, `invalid_id`, …',
  ],
  '401': ['Unauthorized', 'Missing or invalid API key (`invalid_api_key`).'],
  '403': ['Forbidden', 'Not allowed in this environment or for this key.'],
  '404': ['NotFound', 'No such object in this tenant and environment.'],
  '409': [
    'Conflict',
    'The object changed state, or an idempotency key is in use (retry after `Retry-After`).',
  ],
  '410': ['Gone', 'The challenge or phrase expired.'],
  '413': ['PayloadTooLarge', 'The body is over the limit.'],
  '415': ['UnsupportedMediaType', 'Send JSON with `Content-Type: application/json`.'],
  '422': [
    'Unprocessable',
    'Well-formed but refused: a signature, attestation or audio that does not hold.',
  ],
  '429': ['TooManyRequests', 'Rate limited: retry after `Retry-After` seconds.'],
  '502': ['BadGateway', 'A dependency (speech tools, audio URL) failed.'],
  '503': [
    'ServiceUnavailable',
    'Shutting down or a dependency is down: retry after `Retry-After`.',
  ],
};

const EVENT_SUMMARIES: Record<string, string> = {
  'challenge.approved': 'A human approved a challenge (carries the method, device and metadata).',
  'challenge.rejected': 'A human rejected a challenge on their device.',
  'challenge.expired': 'A pending challenge passed its expiresAt.',
  'device.paired': 'A KEYRA ONE or passkey finished registration.',
  'device.revoked': 'A device was revoked.',
  'voice.enrolled': 'A voice template was created or replaced.',
  'voice.verified': 'A voice verification passed every gate.',
  'stamp.mirrored': "A stamp's EAS attestation was mined on chain.",
  'webhook_endpoint.disabled': 'An endpoint was disabled after failing for 72 hours.',
  ping: 'A test event sent with POST /v1/webhook_endpoints/{id}/test.',
};

const pascal = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** A schema that allows exactly one string: `{const: "x"}` or `{enum: ["x"]}` (how 3.x prints const). */
function singleString(schema: Json): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  if (!Object.keys(schema).every((key) => ['const', 'enum', 'type'].includes(key)))
    return undefined;
  if (typeof schema.const === 'string') return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length === 1 && typeof schema.enum[0] === 'string')
    return schema.enum[0];
  return undefined;
}

/** `anyOf` of string constants → one `enum` (what generators turn into a union type). */
function compactEnums(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(compactEnums);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = compactEnums(value);
  const members = out.anyOf as Json[] | undefined;
  const values = Array.isArray(members) ? members.map(singleString) : [];
  if (values.length > 0 && values.every((value) => value !== undefined)) {
    delete out.anyOf;
    out.type = 'string';
    out.enum = values;
  }
  return out;
}

/**
 * Finishes the generated OpenAPI 3.1 document for client generators and linters (redocly's
 * recommended rules): bodies and responses become named `components.schemas` referenced with
 * `$ref` (a schema with a `title` is named after it, others after their operation, and identical
 * schemas share one component), the error statuses become `components.responses` over one
 * `Error` schema, unions of constants become enums, tags get an order and descriptions, and every
 * event type is described in the `webhooks` section.
 */
export function refineOpenApi(document: Json): Json {
  const doc: Json = compactEnums(document);
  const schemas: Record<string, Json> = {};
  const byJson = new Map<string, string>();
  const register = (preferred: string, schema: Json): Json => {
    const json = JSON.stringify(schema);
    let name = byJson.get(json);
    if (!name) {
      name = preferred;
      for (let i = 2; schemas[name] !== undefined; i += 1) name = `${preferred}${i}`;
      schemas[name] = schema;
      byJson.set(json, name);
    }
    return { $ref: `#/components/schemas/${name}` };
  };
  /** The schema without its own title, its titled descendants replaced by references. */
  const nameNested = (schema: Json): Json => {
    const walk = (node: Json): Json => {
      if (Array.isArray(node)) return node.map(walk);
      if (node === null || typeof node !== 'object') return node;
      const out: Json = {};
      for (const [key, value] of Object.entries(node)) out[key] = walk(value);
      return typeof out.title === 'string' ? register(out.title, stripTitle(out)) : out;
    };
    return stripTitle(walk(stripTitle(schema)));
  };
  const errorRef = register('Error', stripTitle(errorSchema(doc)));
  const responses: Record<string, Json> = {};
  const errorResponse = (status: string): Json => {
    const [name, description] = ERROR_RESPONSES[status]!;
    responses[name] ??= { description, content: { 'application/json': { schema: errorRef } } };
    return { $ref: `#/components/responses/${name}` };
  };

  for (const item of Object.values(doc.paths ?? {}) as Json[]) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const op = pascal(String(operation.operationId ?? `${method}Operation`));
      const body = operation.requestBody?.content?.['application/json'];
      if (body?.schema && !body.schema.$ref) {
        body.schema = register(
          body.schema.title ?? `${op}Request`,
          defaultsInWords(nameNested(body.schema)),
        );
      }
      for (const [status, response] of Object.entries(operation.responses ?? {}) as [
        string,
        Json,
      ][]) {
        if (ERROR_RESPONSES[status]) {
          operation.responses[status] = errorResponse(status);
          continue;
        }
        const content = response.content?.['application/json'];
        if (content?.schema && !content.schema.$ref) {
          content.schema = register(
            content.schema.title ?? `${op}Response`,
            nameNested(content.schema),
          );
        }
        if (response.description === 'Default Response')
          response.description = status.startsWith('2') ? 'OK' : 'Error';
      }
      if (!Object.keys(operation.responses ?? {}).some((status) => status.startsWith('4'))) {
        operation.responses = {
          ...operation.responses,
          '429': errorResponse('429'),
        };
      }
    }
  }

  const eventRef = schemas.Event ? { $ref: '#/components/schemas/Event' } : { type: 'object' };
  doc.webhooks = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `on${type.split(/[._]/).map(pascal).join('')}`,
          summary: EVENT_SUMMARIES[type] ?? `The ${type} event.`,
          description: `Sent to endpoints subscribed to \`${type}\` (or \`*\`), signed as docs/webhooks.md describes.`,
          tags: ['Webhooks'],
          requestBody: { required: true, content: { 'application/json': { schema: eventRef } } },
          responses: {
            '200': { description: 'Any 2xx acknowledges the event; anything else is retried.' },
          },
        },
      },
    ]),
  );
  doc.tags = OPENAPI_TAGS;
  doc.components = {
    ...doc.components,
    schemas: { ...doc.components?.schemas, ...schemas },
    responses,
  };
  return doc;
}

/** The error body schema as the routes declare it (any error response carries it). */
function errorSchema(doc: Json): Json {
  for (const item of Object.values(doc.paths ?? {}) as Json[]) {
    for (const method of METHODS) {
      const schema = item[method]?.responses?.['400']?.content?.['application/json']?.schema;
      if (schema) return schema;
    }
  }
  return { type: 'object' };
}

/**
 * A request field's `default` said in its description instead: openapi-typescript 7 (by default)
 * types a property with a `default` as required, even in a request body, so a generated client
 * would have to send `expiresIn` and `stamp` (openapi-ts/openapi-typescript#1741, #2012).
 */
function defaultsInWords(schema: Json): Json {
  if (!schema?.properties) return schema;
  const properties: Json = {};
  for (const [name, property] of Object.entries(schema.properties) as [string, Json][]) {
    if (property && typeof property === 'object' && 'default' in property) {
      const { default: value, ...rest } = property;
      const said = `Default: \`${JSON.stringify(value)}\`.`;
      properties[name] = {
        ...rest,
        description: rest.description ? `${rest.description} ${said}` : said,
      };
    } else properties[name] = property;
  }
  return { ...schema, properties };
}

function stripTitle(schema: Json): Json {
  const { title: _title, ...rest } = schema;
  return rest;
}
