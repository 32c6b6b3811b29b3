import type { DecodedAudio } from '../audio/decodedAudio.js';

/**
 * A FLAC decoder in process, for the training and evaluation corpora: spawning ffmpeg for each of
 * ~2,000 short files costs more than all the training arithmetic. Lossless, so the samples are
 * exactly what ffmpeg decodes. Handles every subframe type (constant, verbatim, fixed, LPC),
 * wasted bits, Rice and escaped partitions, and the stereo decorrelation modes; CRCs are not
 * checked (the corpora are trusted files, never user input).
 */
export function decodeFlac(bytes: Uint8Array): DecodedAudio {
  const r = new BitReader(bytes);
  if (r.bits(32) !== 0x664c6143) throw new Error('not a FLAC stream');
  let sampleRate = 0;
  let channels = 0;
  let bps = 0;
  let total = 0;
  for (let last = false; !last;) {
    last = r.bits(1) === 1;
    const type = r.bits(7);
    const length = r.bits(24);
    if (type === 0) {
      r.skip(16 + 16 + 24 + 24);
      sampleRate = r.bits(20);
      channels = r.bits(3) + 1;
      bps = r.bits(5) + 1;
      total = r.bits(4) * 2 ** 32 + r.bits(32);
      r.skip(128);
    } else {
      r.skip(length * 8);
    }
  }
  const chunks: Float32Array[] = [];
  let decoded = 0;
  const scale = 1 / 2 ** (bps - 1);
  while (r.remaining() > 16 && (total === 0 || decoded < total)) {
    const block = decodeFrame(r, bps);
    const n = block[0]!.length;
    const out = new Float32Array(n * channels);
    for (let c = 0; c < channels; c++) {
      const ch = block[c]!;
      for (let i = 0; i < n; i++) out[i * channels + c] = ch[i]! * scale;
    }
    chunks.push(out);
    decoded += n;
  }
  const samples = new Float32Array(decoded * channels);
  let at = 0;
  for (const chunk of chunks) {
    samples.set(chunk, at);
    at += chunk.length;
  }
  return { samples, sampleRate, channels, durationSec: decoded / sampleRate };
}

const SIZES = [0, 8, 12, 0, 16, 20, 24, 32];

function decodeFrame(r: BitReader, streamBps: number): Float64Array[] {
  r.align();
  if (r.bits(14) !== 0x3ffe) throw new Error('FLAC frame sync lost');
  r.skip(2);
  const sizeCode = r.bits(4);
  const rateCode = r.bits(4);
  const assignment = r.bits(4);
  const bpsCode = r.bits(3);
  r.skip(1);
  // The UTF-8-style coded frame/sample number, and the explicit size and rate when coded here.
  const first = r.bits(8);
  let extra = 0;
  for (let mask = 0x80; first & mask && mask > 1; mask >>= 1) extra++;
  r.skip(8 * Math.max(0, extra - 1));
  let size: number;
  if (sizeCode === 1) size = 192;
  else if (sizeCode <= 5) size = 576 << (sizeCode - 2);
  else if (sizeCode === 6) size = r.bits(8) + 1;
  else if (sizeCode === 7) size = r.bits(16) + 1;
  else size = 256 << (sizeCode - 8);
  if (rateCode === 12) r.skip(8);
  else if (rateCode === 13 || rateCode === 14) r.skip(16);
  const bps = bpsCode === 0 ? streamBps : SIZES[bpsCode]!;
  r.skip(8); // CRC-8
  const channels = assignment < 8 ? assignment + 1 : 2;
  const out: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    const side =
      (assignment === 8 && c === 1) ||
      (assignment === 9 && c === 0) ||
      (assignment === 10 && c === 1);
    out.push(decodeSubframe(r, size, bps + (side ? 1 : 0)));
  }
  if (assignment >= 8) {
    const [a, b] = out as [Float64Array, Float64Array];
    for (let i = 0; i < size; i++) {
      if (assignment === 8) b[i] = a[i]! - b[i]!;
      else if (assignment === 9) a[i] = a[i]! + b[i]!;
      else {
        const side = b[i]!;
        const mid = a[i]! * 2 + (side & 1);
        a[i] = Math.floor((mid + side) / 2);
        b[i] = Math.floor((mid - side) / 2);
      }
    }
  }
  r.align();
  r.skip(16); // CRC-16
  return out;
}

function decodeSubframe(r: BitReader, size: number, bps: number): Float64Array {
  r.skip(1);
  const type = r.bits(6);
  let wasted = 0;
  if (r.bits(1) === 1) wasted = r.unary() + 1;
  const width = bps - wasted;
  const s = new Float64Array(size);
  if (type === 0) {
    s.fill(r.signed(width));
  } else if (type === 1) {
    for (let i = 0; i < size; i++) s[i] = r.signed(width);
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    for (let i = 0; i < order; i++) s[i] = r.signed(width);
    residual(r, s, size, order);
    for (let i = order; i < size; i++) {
      let p = 0;
      if (order === 1) p = s[i - 1]!;
      else if (order === 2) p = 2 * s[i - 1]! - s[i - 2]!;
      else if (order === 3) p = 3 * s[i - 1]! - 3 * s[i - 2]! + s[i - 3]!;
      else if (order === 4) p = 4 * s[i - 1]! - 6 * s[i - 2]! + 4 * s[i - 3]! - s[i - 4]!;
      s[i] = s[i]! + p;
    }
  } else if (type >= 32) {
    const order = type - 31;
    for (let i = 0; i < order; i++) s[i] = r.signed(width);
    const precision = r.bits(4) + 1;
    const shift = r.signed(5);
    const coefs = Array.from({ length: order }, () => r.signed(precision));
    residual(r, s, size, order);
    const div = 2 ** shift;
    for (let i = order; i < size; i++) {
      let sum = 0;
      for (let j = 0; j < order; j++) sum += coefs[j]! * s[i - 1 - j]!;
      s[i] = s[i]! + Math.floor(sum / div);
    }
  } else {
    throw new Error(`reserved FLAC subframe type ${type}`);
  }
  if (wasted > 0) for (let i = 0; i < size; i++) s[i] = s[i]! * 2 ** wasted;
  return s;
}

/** Rice-coded residual, written into s[order..size). */
function residual(r: BitReader, s: Float64Array, size: number, order: number): void {
  const method = r.bits(2);
  const paramBits = method === 0 ? 4 : 5;
  const escape = method === 0 ? 15 : 31;
  const partitionOrder = r.bits(4);
  const partitions = 1 << partitionOrder;
  let i = order;
  for (let p = 0; p < partitions; p++) {
    const count = (size >> partitionOrder) - (p === 0 ? order : 0);
    const k = r.bits(paramBits);
    if (k === escape) {
      const n = r.bits(5);
      for (let j = 0; j < count; j++) s[i++] = n === 0 ? 0 : r.signed(n);
    } else {
      for (let j = 0; j < count; j++) {
        const u = r.unary() * 2 ** k + (k > 0 ? r.bits(k) : 0);
        s[i++] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      }
    }
  }
}

class BitReader {
  #bytes: Uint8Array;
  #pos = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  remaining(): number {
    return this.#bytes.length * 8 - this.#pos;
  }
  align(): void {
    this.#pos = (this.#pos + 7) & ~7;
  }
  skip(n: number): void {
    this.#pos += n;
  }
  /** Unsigned, up to 32 bits. */
  bits(n: number): number {
    if (n === 0) return 0;
    const used = this.#pos & 7;
    if (n + used <= 32) {
      const b = this.#bytes;
      const i = this.#pos >> 3;
      if (i >= b.length) throw new Error('FLAC stream ends early');
      // Bytes past the end read as 0 (undefined | 0); only the first one must exist.
      const word =
        ((b[i]! << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
      this.#pos += n;
      return ((word << used) >>> 0) >>> (32 - n);
    }
    const high = this.bits(n - 16);
    return high * 65536 + this.bits(16);
  }
  signed(n: number): number {
    const v = this.bits(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }
  /** Counts zero bits up to (and consumes) the next one bit. */
  unary(): number {
    let count = 0;
    for (;;) {
      const byte = this.#bytes[this.#pos >> 3];
      if (byte === undefined) throw new Error('FLAC stream ends early');
      const used = this.#pos & 7;
      const rest = (byte << used) & 0xff;
      if (rest === 0) {
        count += 8 - used;
        this.#pos += 8 - used;
        continue;
      }
      const z = Math.clz32(rest) - 24;
      count += z;
      this.#pos += z + 1;
      return count;
    }
  }
}
