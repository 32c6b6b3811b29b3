/**
 * The CBOR values an authenticator writes (RFC 8949): unsigned and negative integers, byte and
 * text strings, arrays and maps. Maps are `Map`s so integer keys (COSE) and text keys both work.
 */
export type CborValue = number | string | Uint8Array | readonly CborValue[] | CborMap;
export type CborMap = ReadonlyMap<number | string, CborValue>;

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;

/**
 * Encodes `value` as CTAP2 canonical CBOR: shortest-form lengths and map keys sorted by their
 * encoded bytes, shorter first (CTAP 2.1 §8, "CTAP2 canonical CBOR encoding form").
 */
export function encodeCbor(value: CborValue): Buffer {
  const chunks: Buffer[] = [];
  write(value, chunks);
  return Buffer.concat(chunks);
}

function write(value: CborValue, out: Buffer[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`CBOR: not a safe integer: ${value}`);
    if (value >= 0) out.push(header(MAJOR_UNSIGNED, value));
    else out.push(header(MAJOR_NEGATIVE, -1 - value));
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(header(MAJOR_TEXT, bytes.length), bytes);
  } else if (value instanceof Uint8Array) {
    out.push(header(MAJOR_BYTES, value.length), Buffer.from(value));
  } else if (value instanceof Map) {
    const entries = [...value.entries()].map(
      ([key, entry]) => [encodeCbor(key), encodeCbor(entry)] as const,
    );
    entries.sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b));
    for (let i = 1; i < entries.length; i++) {
      if (Buffer.compare(entries[i - 1]![0], entries[i]![0]) === 0) {
        throw new TypeError('CBOR: duplicate map key');
      }
    }
    out.push(header(MAJOR_MAP, entries.length));
    for (const [key, entry] of entries) out.push(key, entry);
  } else if (Array.isArray(value)) {
    out.push(header(MAJOR_ARRAY, value.length));
    for (const item of value as readonly CborValue[]) write(item, out);
  } else {
    throw new TypeError('CBOR: unsupported value');
  }
}

function header(major: number, argument: number): Buffer {
  const type = major << 5;
  if (argument < 24) return Buffer.from([type | argument]);
  if (argument < 0x100) return Buffer.from([type | 24, argument]);
  if (argument < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = type | 25;
    b.writeUInt16BE(argument, 1);
    return b;
  }
  if (argument < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = type | 26;
    b.writeUInt32BE(argument, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = type | 27;
  b.writeBigUInt64BE(BigInt(argument), 1);
  return b;
}
