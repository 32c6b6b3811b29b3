// A minimal ONNX protobuf writer for tests: just enough of ModelProto / GraphProto / NodeProto /
// TensorProto / ValueInfoProto (field numbers from onnx/onnx.proto) to build small float32 graphs
// with the WeSpeaker signature, so the neural back end is exercised without the real model.

class Writer {
  readonly #parts: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n;
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.#parts.push(byte);
    } while (v > 0n);
    return this;
  }

  int(field: number, value: number): this {
    return this.varint(field << 3).varint(value);
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2).varint(data.length);
    for (const b of data) this.#parts.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  values: Float32Array;
}

export interface OnnxValue {
  name: string;
  /** Numbers are fixed sizes, strings symbolic ones. */
  shape: Array<number | string>;
}

/** Encodes a float32 graph as an ONNX model (IR 8, default opset 13). */
export function encodeOnnxModel(graph: {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  metadata?: Record<string, string>;
}): Uint8Array {
  const valueInfo = (w: Writer, v: OnnxValue): void => {
    w.string(1, v.name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, FLOAT).message(2, (shape) => {
          for (const d of v.shape)
            shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }),
      ),
    );
  };
  const w = new Writer();
  w.int(1, 8).string(2, 'keyra-test');
  w.message(7, (g) => {
    graph.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `n${i}`).string(4, node.op);
        for (const [name, values] of Object.entries(node.ints ?? {}))
          n.message(5, (a) => {
            a.string(1, name);
            for (const v of values) a.int(8, v);
            a.int(20, ATTR_INTS);
          });
        for (const [name, value] of Object.entries(node.int ?? {}))
          n.message(5, (a) => a.string(1, name).int(3, value).int(20, ATTR_INT));
      }),
    );
    g.string(2, 'tiny');
    for (const t of graph.initializers)
      g.message(5, (tensor) => {
        for (const d of t.dims) tensor.int(1, d);
        tensor.int(2, FLOAT).string(8, t.name);
        const raw = new Uint8Array(t.values.length * 4);
        const view = new DataView(raw.buffer);
        t.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
        tensor.bytes(9, raw);
      });
    for (const v of graph.inputs) g.message(11, (x) => valueInfo(x, v));
    for (const v of graph.outputs) g.message(12, (x) => valueInfo(x, v));
  });
  w.message(8, (opset) => opset.string(1, '').int(2, 13));
  for (const [key, value] of Object.entries(graph.metadata ?? {}))
    w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) / Math.sqrt(rows);
  }
  return out;
}

const SIGNATURE = {
  inputs: [{ name: 'feats', shape: ['B', 'T', 80] }],
  outputs: [{ name: 'embs', shape: ['B', 256] }],
  metadata: { framework: 'keyra-test', output_dim: '256', sample_rate: '16000' },
};

/**
 * The WeSpeaker signature (`feats` float32 [B, T, 80] -> `embs` float32 [B, 256]) with a tiny
 * deterministic body: the per-band standard deviation of the (mean-normalised) fbank over time,
 * times a fixed random 80 x 256 matrix. A crude speaker statistic, enough to make same-speaker
 * scores differ from different-speaker ones; no accuracy is claimed.
 */
export function tinySpeakerModel(seed = 1): Uint8Array {
  return encodeOnnxModel({
    ...SIGNATURE,
    nodes: [
      { op: 'Mul', inputs: ['feats', 'feats'], outputs: ['sq'] },
      {
        op: 'ReduceMean',
        inputs: ['sq'],
        outputs: ['var'],
        ints: { axes: [1] },
        int: { keepdims: 0 },
      },
      { op: 'Sqrt', inputs: ['var'], outputs: ['sd'] },
      { op: 'MatMul', inputs: ['sd', 'W'], outputs: ['embs'] },
    ],
    initializers: [{ name: 'W', dims: [80, 256], values: randomMatrix(80, 256, seed) }],
  });
}

/**
 * Same signature, but with `layers` 1024 x 1024 matrix products over every frame, so one
 * inference takes long enough (hundreds of ms on 15 s of audio) to show whether the event loop
 * stays responsive while it runs.
 */
export function heavySpeakerModel(layers = 4): Uint8Array {
  const nodes: OnnxNode[] = [{ op: 'MatMul', inputs: ['feats', 'W1'], outputs: ['h0'] }];
  for (let i = 0; i < layers; i++) {
    nodes.push({ op: 'MatMul', inputs: [`h${i}`, 'W2'], outputs: [`m${i}`] });
    nodes.push({ op: 'Relu', inputs: [`m${i}`], outputs: [`h${i + 1}`] });
  }
  nodes.push(
    {
      op: 'ReduceMean',
      inputs: [`h${layers}`],
      outputs: ['pooled'],
      ints: { axes: [1] },
      int: { keepdims: 0 },
    },
    { op: 'MatMul', inputs: ['pooled', 'W3'], outputs: ['embs'] },
  );
  return encodeOnnxModel({
    ...SIGNATURE,
    nodes,
    initializers: [
      { name: 'W1', dims: [80, 1024], values: randomMatrix(80, 1024, 11) },
      { name: 'W2', dims: [1024, 1024], values: randomMatrix(1024, 1024, 12) },
      { name: 'W3', dims: [1024, 256], values: randomMatrix(1024, 256, 13) },
    ],
  });
}
