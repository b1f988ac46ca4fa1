// Weights export/import in safetensors with PyTorch names and layouts: the byte format read by hand,
// the torch layouts rebuilt by hand and run through an NCHW reference forward pass written here,
// the import's rejections, and a round trip of every registered layer type.

import { describe, expect, it } from 'vitest';
import { EngineError, LAYER_TYPES, Model, Rng, Trainer, decodeSafetensors } from '../../src/engine/index.js';
import { f32Bytes, readSafetensors, uniform, writeSafetensors } from './engine-helpers.js';

function weightsError(model: Model, bytes: Uint8Array): EngineError {
  try {
    model.loadWeights(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('WEIGHTS_INVALID');
    return err as EngineError;
  }
  throw new Error('the weights were accepted');
}

const SMALL = {
  input: [4, 4, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 2 },
  ],
  loss: 'mse',
};

describe('safetensors export', () => {
  it('round-trips: Model.fromWeights(spec, model.exportWeights()) predicts identically', () => {
    const model = Model.build(SMALL, { seed: 3 });
    const copy = Model.fromWeights(SMALL, model.exportWeights());
    const x = Float32Array.from(uniform(5 * 32, 1));
    expect(copy.predict(x, 5)).toEqual(model.predict(x, 5));
    expect(Buffer.from(copy.exportWeights()).equals(Buffer.from(model.exportWeights()))).toBe(true);
    // A model from another seed really differs, so the equality above means something.
    expect(Model.build(SMALL, { seed: 4 }).predict(x, 5)).not.toEqual(model.predict(x, 5));
  });

  it('has the safetensors byte format: u64 LE header length, JSON header, F32 LE data in PyTorch shapes', () => {
    const model = Model.build(SMALL, { seed: 3 });
    const bytes = model.exportWeights();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { headerLength, header, dataStart, tensor } = readSafetensors(bytes);
    expect(view.getUint32(4, true)).toBe(0); // high word of the u64
    expect(headerLength).toBe(view.getUint32(0, true));
    expect(dataStart % 8).toBe(0);
    expect(Object.keys(header).sort()).toEqual(['layers.0.bias', 'layers.0.weight', 'layers.2.bias', 'layers.2.weight']);
    expect(header['layers.0.weight']).toMatchObject({ dtype: 'F32', shape: [3, 2, 2, 2] }); // [F, C, kH, kW]
    expect(header['layers.0.bias']).toMatchObject({ dtype: 'F32', shape: [3] });
    expect(header['layers.2.weight']).toMatchObject({ dtype: 'F32', shape: [2, 27] }); // [units, in]; 3x3x3 = 27 after flatten
    expect(header['layers.2.bias']).toMatchObject({ dtype: 'F32', shape: [2] });
    // Offsets tile the data section exactly.
    const ranges = Object.values(header).map((e) => e.data_offsets).sort((a, b) => a[0] - b[0]);
    let end = 0;
    for (const [b, e] of ranges) {
      expect(b).toBe(end);
      end = e;
    }
    expect(dataStart + end).toBe(bytes.length);

    // Conv: torch[f][c][ky][kx] = engine[ky][kx][c][f].
    const [convW, convB, denseW, denseB] = model.parameters.map((p) => p.param.value);
    const torchConv = tensor('layers.0.weight');
    for (let f = 0; f < 3; f++) for (let c = 0; c < 2; c++) for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) {
      expect(torchConv[((f * 2 + c) * 2 + ky) * 2 + kx]).toBe(convW[((ky * 2 + kx) * 2 + c) * 3 + f]);
    }
    expect(Array.from(tensor('layers.0.bias'))).toEqual(Array.from(convB));
    expect(Array.from(tensor('layers.2.bias'))).toEqual(Array.from(denseB));
    // Dense after flatten: torch[u][(c, h, w)] = engine[(h, w, c)][u] on the 3x3x3 conv output.
    const torchDense = tensor('layers.2.weight');
    for (let u = 0; u < 2; u++) for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 3; c++) {
      expect(torchDense[u * 27 + (c * 3 + h) * 3 + w]).toBe(denseW[((h * 3 + w) * 3 + c) * 2 + u]);
    }
  });

  it('a plain dense layer (no flatten before it) is just transposed: torch [units, in]', () => {
    const model = Model.build({ input: [3], layers: [{ type: 'dense', units: 4, useBias: false }], loss: 'mse' }, { seed: 2 });
    const { header, tensor } = readSafetensors(model.exportWeights());
    expect(Object.keys(header)).toEqual(['layers.0.weight']);
    const w = model.parameters[0].param.value;
    const torch = tensor('layers.0.weight');
    for (let u = 0; u < 4; u++) for (let i = 0; i < 3; i++) expect(torch[u * 3 + i]).toBe(w[i * 4 + u]);
  });
});

describe('PyTorch equivalence: an NCHW forward pass with the exported tensors gives the engine\'s outputs', () => {
  // In PyTorch: Conv2d(2, 3, (3, 2), stride=(1, 2), padding=1), ReLU, MaxPool2d(2), Flatten, Linear(18, 5), Tanh, Linear(5, 3), Softmax.
  const spec = {
    input: [7, 6, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 2], strides: [1, 2], padding: 1, activation: 'relu', biasInitializer: 'glorotUniform' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'tanh', biasInitializer: 'glorotUniform' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  };

  it('conv -> relu -> maxpool -> flatten (c, h, w) -> linear -> tanh -> linear -> softmax', () => {
    const model = Model.build(spec, { seed: 8 });
    const file = readSafetensors(model.exportWeights());
    const [N, H, W, C, F] = [3, 7, 6, 2, 3];
    const x = Float32Array.from(uniform(N * H * W * C, 9));
    // Conv output: H' = 7 + 2 - 3 + 1 = 7, W' = floor((6 + 2 - 2)/2) + 1 = 4; pool -> 3 x 2; flatten 3·3·2 = 18.
    const [PH, PW] = [3, 2];
    expect(model.summary.layers[0].outputShape).toEqual([7, 4, F]);
    expect(file.header['layers.3.weight'].shape).toEqual([5, F * PH * PW]);
    const cw = file.tensor('layers.0.weight');
    const cb = file.tensor('layers.0.bias');
    const w1 = file.tensor('layers.3.weight');
    const b1 = file.tensor('layers.3.bias');
    const w2 = file.tensor('layers.4.weight');
    const b2 = file.tensor('layers.4.bias');
    const expected: number[] = [];
    for (let n = 0; n < N; n++) {
      // NCHW input, as a PyTorch user would pass it (x.permute(0, 3, 1, 2)).
      const nchw = (c: number, h: number, w: number) => x[((n * H + h) * W + w) * C + c];
      const conv = (f: number, oy: number, ox: number) => {
        let s = cb[f];
        for (let c = 0; c < C; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 2; kx++) {
          const iy = oy - 1 + ky;
          const ix = ox * 2 - 1 + kx;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += cw[((f * C + c) * 3 + ky) * 2 + kx] * nchw(c, iy, ix);
        }
        return Math.max(s, 0);
      };
      const flat: number[] = [];
      for (let f = 0; f < F; f++) for (let py = 0; py < PH; py++) for (let px = 0; px < PW; px++) {
        flat.push(Math.max(conv(f, 2 * py, 2 * px), conv(f, 2 * py, 2 * px + 1), conv(f, 2 * py + 1, 2 * px), conv(f, 2 * py + 1, 2 * px + 1)));
      }
      const hidden = Array.from({ length: 5 }, (_, u) => Math.tanh(flat.reduce((s, v, i) => s + w1[u * flat.length + i] * v, b1[u])));
      const logits = Array.from({ length: 3 }, (_, k) => hidden.reduce((s, v, i) => s + w2[k * 5 + i] * v, b2[k]));
      const max = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - max));
      const total = exps.reduce((a, b) => a + b, 0);
      expected.push(...exps.map((e) => e / total));
    }
    const y = model.predict(x, N);
    expected.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(1e-6));
  });
});

describe('safetensors import rejects bad files with WEIGHTS_INVALID, naming the tensor', () => {
  const model = Model.build(SMALL, { seed: 3 });
  const good = model.exportWeights();
  const parsed = readSafetensors(good);
  const entries = () => Object.keys(parsed.header).map((name) => ({ name, dtype: 'F32', shape: [...parsed.header[name].shape], bytes: f32Bytes(parsed.tensor(name)) }));

  it('accepts the untouched file written by the independent writer', () => {
    const target = Model.build(SMALL, { seed: 99 });
    target.loadWeights(writeSafetensors(entries()));
    expect(Buffer.from(target.exportWeights()).equals(Buffer.from(good))).toBe(true);
  });

  it('wrong names and extra tensors', () => {
    const renamed = entries().map((e) => (e.name === 'layers.2.weight' ? { ...e, name: 'layers.1.weight' } : e));
    expect(weightsError(model, writeSafetensors(renamed)).message).toContain('layers.1.weight');
    const extra = [...entries(), { name: 'fc.weight', dtype: 'F32', shape: [1], bytes: f32Bytes([1]) }];
    const err = weightsError(model, writeSafetensors(extra));
    expect(err.message).toContain('fc.weight');
    expect(err.details[0].path).toBe('/fc.weight');
  });

  it('missing tensors', () => {
    const err = weightsError(model, writeSafetensors(entries().filter((e) => e.name !== 'layers.0.bias')));
    expect(err.message).toContain('layers.0.bias');
    expect(err.message).toContain('missing');
  });

  it('wrong shapes, including the transposed engine layout', () => {
    const transposed = entries().map((e) => (e.name === 'layers.2.weight' ? { ...e, shape: [27, 2] } : e));
    const err = weightsError(model, writeSafetensors(transposed));
    expect(err.message).toContain('layers.2.weight');
    expect(err.message).toContain('[27, 2]');
    expect(err.message).toContain('[2, 27]');
    const flat = entries().map((e) => (e.name === 'layers.0.weight' ? { ...e, shape: [24] } : e));
    expect(weightsError(model, writeSafetensors(flat)).message).toContain('layers.0.weight');
  });

  it('dtypes other than F32', () => {
    const f64 = entries().map((e) => {
      if (e.name !== 'layers.0.bias') return e;
      const values = Float64Array.from(parsed.tensor(e.name));
      const bytes = new Uint8Array(values.length * 8);
      values.forEach((v, i) => new DataView(bytes.buffer).setFloat64(8 * i, v, true));
      return { ...e, dtype: 'F64', bytes };
    });
    const err = weightsError(model, writeSafetensors(f64));
    expect(err.message).toContain('layers.0.bias');
    expect(err.message).toContain('F64');
    for (const dtype of ['F16', 'BF16', 'I32', 'U8', 'Q4']) {
      const bytesPer = dtype === 'I32' ? 4 : dtype === 'U8' ? 1 : 2;
      const other = entries().map((e) => (e.name === 'layers.2.bias' ? { ...e, dtype, bytes: new Uint8Array(2 * bytesPer) } : e));
      const error = weightsError(model, writeSafetensors(other));
      expect(error.message, dtype).toContain('layers.2.bias');
      expect(error.message, dtype).toContain(dtype);
    }
  });

  it('NaN and infinite values', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const poisoned = entries().map((e) => (e.name === 'layers.2.bias' ? { ...e, bytes: f32Bytes([0.5, bad]) } : e));
      const err = weightsError(model, writeSafetensors(poisoned));
      expect(err.message).toContain('layers.2.bias');
      expect(err.message).toContain(String(bad));
    }
  });

  it('truncated files, bad header lengths and overlapping offsets', () => {
    const truncated = weightsError(model, good.subarray(0, good.length - 4));
    expect(truncated.message).toMatch(/layers\.\d\.(weight|bias)|bytes/);
    weightsError(model, good.subarray(0, 5));
    weightsError(model, good.subarray(0, 8 + parsed.headerLength - 3));
    weightsError(model, writeSafetensors(entries(), 10_000_000));
    weightsError(model, writeSafetensors(entries(), 5));
    const hugeHigh = Uint8Array.from(good);
    new DataView(hugeHigh.buffer).setUint32(4, 1, true);
    weightsError(model, hugeHigh);

    // layers.0.bias claims the bytes of layers.0.weight's tail: an overlap (and a gap later).
    const list = entries();
    const offsets: [number, number][] = [];
    let o = 0;
    for (const e of list) {
      offsets.push([o, o + e.bytes.length]);
      o += e.bytes.length;
    }
    const biasIndex = list.findIndex((e) => e.name === 'layers.0.bias');
    offsets[biasIndex] = [offsets[biasIndex][0] - 4, offsets[biasIndex][1] - 4];
    const overlapping = writeSafetensors(list.map((e, i) => ({ ...e, offsets: offsets[i] })));
    const err = weightsError(model, overlapping);
    expect(err.message).toMatch(/overlap|gap/);
    expect(err.message).toMatch(/layers\.\d\.(weight|bias)/);
  });

  it('headers that are not JSON objects', () => {
    const raw = (text: string) => {
      const json = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + json.length);
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 8);
      return out;
    };
    weightsError(model, raw('not json'));
    weightsError(model, raw('[1, 2]'));
    weightsError(model, raw('{"layers.0.weight": {"dtype": "F32", "shape": [3, 2, 2, 2], "data_offsets": [0, -4]}}'));
  });

  it('a failed import leaves the model untouched (all or nothing)', () => {
    const target = Model.build(SMALL, { seed: 5 });
    const before = target.exportWeights();
    const poisoned = entries().map((e) => (e.name === 'layers.2.bias' ? { ...e, bytes: f32Bytes([NaN, 0]) } : e));
    weightsError(target, writeSafetensors(poisoned));
    expect(Buffer.from(target.exportWeights()).equals(Buffer.from(before))).toBe(true);
  });

  it('a weights file is not a checkpoint (CHECKPOINT_INVALID)', () => {
    expect(() => Trainer.fromCheckpoint(good)).toThrowError(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
    expect(() => Model.fromCheckpoint(new Uint8Array(3))).toThrowError(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
  });

  it('decodeSafetensors reads F32 data back exactly', () => {
    const decoded = decodeSafetensors(good);
    expect(Array.from(decoded.tensors.get('layers.2.bias')!.data)).toEqual(Array.from(parsed.tensor('layers.2.bias')));
  });
});

describe('every registered layer type round-trips', () => {
  const spec = {
    input: [8, 7, 2],
    layers: [
      { type: 'normalize' },
      { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'glorotUniform' },
      { type: 'batchNorm' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'avgPool2d', poolSize: [2, 1], strides: 1, padding: 'same' },
      { type: 'activation', activation: 'leakyRelu', alpha: 0.1 },
      { type: 'dropout', rate: 0.3 },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  };

  it('the test model covers every registered type', () => {
    expect(new Set(spec.layers.map((l) => l.type))).toEqual(new Set(LAYER_TYPES));
  });

  it('export -> import and checkpoint -> fromCheckpoint give identical predictions', async () => {
    const rng = new Rng(4, 'round-trip');
    const count = 12;
    const data = { inputs: Float32Array.from({ length: count * 112 }, () => rng.nextFloat()), count, labels: Int32Array.from({ length: count }, (_, i) => i % 3) };
    const trainer = Trainer.create(spec, { seed: 6, optimizer: { type: 'adam', learningRate: 0.01 } });
    await trainer.fit(data, { epochs: 1, batchSize: 4 });
    const x = data.inputs.subarray(0, 5 * 112);
    const expected = trainer.model.predict(x, 5);
    expect(Model.fromWeights(spec, trainer.exportWeights()).predict(x, 5)).toEqual(expected);
    const checkpoint = trainer.checkpoint();
    expect(Model.fromCheckpoint(checkpoint).predict(x, 5)).toEqual(expected);
    const restored = Trainer.fromCheckpoint(checkpoint);
    expect(restored.model.predict(x, 5)).toEqual(expected);
    expect(restored.model.spec).toEqual(trainer.model.spec);
  });

  it('float64 checkpoints keep full precision', async () => {
    const trainer = Trainer.create(spec, { seed: 6, optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.5 }, precision: 'float64' });
    const restored = Trainer.fromCheckpoint(trainer.checkpoint());
    expect(restored.model.precision).toBe('float64');
    restored.model.parameters.forEach(({ param }, i) => expect(param.value).toEqual(trainer.model.parameters[i].param.value));
  });
});
