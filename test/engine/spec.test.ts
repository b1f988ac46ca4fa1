// Spec validation and shape inference: every error names the layer index, the field, what was
// expected and what was received (with a JSON pointer); caps are checked before allocation; summary
// shapes, parameter counts and FLOPs are checked against numbers worked out here.

import { describe, expect, it } from 'vitest';
import { EngineError, Model, validateSpec } from '../../src/engine/index.js';

function specError(raw: unknown, limits?: Parameters<typeof validateSpec>[1]): EngineError {
  try {
    validateSpec(raw, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error(`spec was accepted: ${JSON.stringify(raw)}`);
}

const conv = (extra: Record<string, unknown> = {}) => ({ type: 'conv2d', filters: 2, kernelSize: 3, ...extra });
const image = (layers: unknown[], input = [8, 8, 1], loss = 'mse') => ({ input, layers, loss });

describe('spec errors name the layer, field, expectation and received value', () => {
  it('the issue\'s example: a kernel that does not fit', () => {
    const err = specError(image([conv({ padding: 'same' }), { type: 'maxPool2d', poolSize: 2 }, { type: 'dropout', rate: 0.1 }, conv({ kernelSize: 5 })], [8, 8, 1]));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toBe('layers[3] (conv2d): kernelSize 5 does not fit the 4x4 input with padding "valid"');
    expect(err.details).toEqual([{ path: '/layers/3/kernelSize', message: err.message }]);
  });

  it('pool sizes and non-square kernels that do not fit', () => {
    const err = specError(image([{ type: 'maxPool2d', poolSize: [2, 9] }]));
    expect(err.message).toBe('layers[0] (maxPool2d): poolSize [2,9] does not fit the 8x8 input with padding "valid"');
    expect(err.details[0].path).toBe('/layers/0/poolSize');
    // Integer padding pads both sides: a kernel of 11 needs 8 + 2·p >= 11, so p = 1 fails and p = 2 fits.
    expect(specError(image([conv({ kernelSize: 11, padding: 1 })])).message).toBe('layers[0] (conv2d): kernelSize 11 does not fit the 8x8 input with padding 1');
    expect(validateSpec(image([conv({ kernelSize: 11, padding: 2 })])).summary.outputShape).toEqual([2, 2, 2]);
  });

  it('unknown layer types and unknown keys', () => {
    const type = specError(image([{ type: 'lstm', units: 3 }]));
    expect(type.code).toBe('SPEC_INVALID');
    expect(type.message).toContain('layers[0]');
    expect(type.message).toContain('"lstm"');
    expect(type.message).toContain('conv2d');
    expect(type.details[0].path).toBe('/layers/0/type');

    const key = specError(image([conv(), { type: 'flatten' }, { type: 'dense', units: 2, kernelSize: 3 }]));
    expect(key.message).toContain('layers[2] (dense)');
    expect(key.message).toContain('kernelSize');
    expect(key.details[0].path).toBe('/layers/2/kernelSize');

    const top = specError({ ...image([conv()]), optimizer: 'adam' });
    expect(top.details[0].path).toBe('/optimizer');
    expect(specError(image([{ units: 3 }])).details[0].path).toBe('/layers/0/type');
    expect(specError(image(['dense'])).details[0].path).toBe('/layers/0');
  });

  const numbers: [string, unknown][] = [['zero', 0], ['negative', -3], ['fractional', 2.5], ['huge', 1e12], ['a string', '4'], ['NaN', NaN]];
  for (const [what, value] of numbers) {
    it(`${what} units, filters, kernels, strides and pool sizes`, () => {
      const received = JSON.stringify(value) ?? String(value);
      const cases: [unknown, string, string][] = [
        [{ input: [4], layers: [{ type: 'dense', units: value }], loss: 'mse' }, '/layers/0/units', 'layers[0] (dense)'],
        [image([conv({ filters: value })]), '/layers/0/filters', 'layers[0] (conv2d)'],
        [image([conv({ kernelSize: value })]), '/layers/0/kernelSize', 'layers[0] (conv2d)'],
        [image([conv({ kernelSize: [3, value] })]), '/layers/0/kernelSize', 'layers[0] (conv2d)'],
        [image([conv(), conv({ strides: value })]), '/layers/1/strides', 'layers[1] (conv2d)'],
        [image([{ type: 'avgPool2d', poolSize: value }]), '/layers/0/poolSize', 'layers[0] (avgPool2d)'],
        [image([{ type: 'maxPool2d', poolSize: 2, strides: value }]), '/layers/0/strides', 'layers[0] (maxPool2d)'],
      ];
      for (const [raw, path, label] of cases) {
        const err = specError(raw);
        expect(err.code).toBe('SPEC_INVALID');
        expect(err.details[0].path).toBe(path);
        expect(err.message.startsWith(`${label}: `)).toBe(true);
        const field = path.split('/').pop()!;
        expect(err.message).toContain(`${field} must be`);
        expect(err.message).toContain('received');
        if (typeof value === 'number' && Number.isFinite(value) && !Array.isArray((raw as { layers: { kernelSize?: unknown }[] }).layers.at(-1)!.kernelSize)) {
          expect(err.message).toContain(received);
        }
      }
    });
  }

  it('other fields: padding, activation, alpha, rate, useBias, initializers, input, loss', () => {
    const cases: [unknown, string][] = [
      [image([conv({ padding: 'full' })]), '/layers/0/padding'],
      [image([conv({ padding: -1 })]), '/layers/0/padding'],
      [image([{ type: 'maxPool2d', poolSize: 2, padding: 1 }]), '/layers/0/padding'],
      [image([conv({ activation: 'gelu' })]), '/layers/0/activation'],
      [image([conv({ activation: 'relu', alpha: 0.1 })]), '/layers/0/alpha'],
      [image([conv({ activation: 'leakyRelu', alpha: 1 })]), '/layers/0/alpha'],
      [image([{ type: 'dropout', rate: 1 }]), '/layers/0/rate'],
      [image([{ type: 'dropout' }]), '/layers/0/rate'],
      [image([conv({ useBias: 'yes' })]), '/layers/0/useBias'],
      [image([conv({ kernelInitializer: 'ones' })]), '/layers/0/kernelInitializer'],
      [image([{ type: 'activation' }]), '/layers/0/activation'],
      [image([conv()], [8, 8]), '/input'],
      [image([conv()], [8, 0, 1]), '/input'],
      [image([conv()], [8, 8, 1], 'hinge'), '/loss'],
      [image([]), '/layers'],
      [null, '/'],
    ];
    for (const [raw, path] of cases) {
      const err = specError(raw);
      expect(err.code, path).toBe('SPEC_INVALID');
      expect(err.details[0].path, err.message).toBe(path);
      expect(err.message).toContain('received');
    }
  });

  it('dense on a 3-D input asks for a flatten; conv and pooling on a flat input ask for an image', () => {
    const dense = specError(image([conv(), { type: 'dense', units: 3 }]));
    expect(dense.message).toBe('layers[1] (dense): expects a flat [features] input but received 6x6x2; add a flatten layer before it');
    expect(dense.details[0].path).toBe('/layers/1');
    const flat = specError({ input: [16], layers: [conv()], loss: 'mse' });
    expect(flat.message).toContain('layers[0] (conv2d)');
    expect(flat.message).toContain('[16]');
    expect(specError({ input: [16], layers: [{ type: 'dense', units: 4 }, { type: 'avgPool2d', poolSize: 2 }], loss: 'mse' }).message).toContain('layers[1] (avgPool2d)');
  });

  it('a loss that does not fit the output activation is SPEC_INVALID at /loss', () => {
    const flatDense = (activation: string, units = 3) => [{ type: 'flatten' }, { type: 'dense', units, activation }];
    const cce = specError(image(flatDense('sigmoid'), [4, 4, 1], 'categoricalCrossentropy'));
    expect(cce.code).toBe('SPEC_INVALID');
    expect(cce.details[0].path).toBe('/loss');
    expect(cce.message).toContain('softmax');
    expect(cce.message).toContain('"sigmoid"');
    expect(cce.message).toContain('layers[1]');
    const bce = specError(image(flatDense('softmax'), [4, 4, 1], 'binaryCrossentropy'));
    expect(bce.details[0].path).toBe('/loss');
    expect(bce.message).toContain('sigmoid');
    expect(specError(image(flatDense('linear'), [4, 4, 1], 'categoricalCrossentropy')).details[0].path).toBe('/loss');
    expect(specError(image(flatDense('softmax', 1), [4, 4, 1], 'categoricalCrossentropy')).details[0].path).toBe('/loss');
    // A trailing dropout hides the activation: still an error.
    expect(specError(image([...flatDense('softmax'), { type: 'dropout', rate: 0.5 }], [4, 4, 1], 'categoricalCrossentropy')).details[0].path).toBe('/loss');
    // mse fits anything; a standalone final activation fits the cross-entropies.
    expect(() => validateSpec(image(flatDense('softmax'), [4, 4, 1], 'mse'))).not.toThrow();
    expect(() => validateSpec(image([{ type: 'flatten' }, { type: 'dense', units: 3 }, { type: 'activation', activation: 'softmax' }], [4, 4, 1], 'categoricalCrossentropy'))).not.toThrow();
  });
});

describe('caps are checked before anything is allocated', () => {
  /** Model.build's error: a cap must refuse the spec before any weights or buffers exist. */
  function buildError(spec: unknown): unknown {
    try {
      Model.build(spec);
    } catch (err) {
      return err;
    }
    throw new Error('the model was built');
  }

  it('billions of parameters: LIMIT_EXCEEDED naming the layer, before any weight is allocated', () => {
    const err = specError({ input: [1_000_000], layers: [{ type: 'dense', units: 1_000_000 }], loss: 'mse' });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toContain('layers[0] (dense)');
    expect(err.message).toContain('1,000,001,000,000');
    expect(err.details[0].path).toBe('/layers/0');
    // 1e11 weights cannot even be allocated (a RangeError): the EngineError proves the cap ran first.
    const built = buildError({ input: [1_000_000], layers: [{ type: 'dense', units: 100_000 }], loss: 'mse' });
    expect(built).toBeInstanceOf(EngineError);
    expect((built as EngineError).code).toBe('LIMIT_EXCEEDED');
  });

  it('the parameter cap counts the running total and honours custom limits', () => {
    // 10·20 + 20 = 220, then 20·5 + 5 = 105: 325 in all.
    const spec = { input: [10], layers: [{ type: 'dense', units: 20 }, { type: 'dense', units: 5 }], loss: 'mse' };
    expect(validateSpec(spec, { maxParams: 325 }).summary.totalParams).toBe(325);
    const err = specError(spec, { maxParams: 324 });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toContain('layers[1] (dense)');
    expect(err.message).toContain('324');
  });

  it('activation memory: LIMIT_EXCEEDED for huge feature maps, with nothing of their size allocated', () => {
    // One 4000x4000x64 float32 feature map is 4 GB; the cap must refuse it from the shapes alone.
    const huge = { input: [4000, 4000, 3], layers: [{ type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same' }], loss: 'mse' };
    const buffersBefore = process.memoryUsage().arrayBuffers;
    const err = specError(huge);
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toContain('layers[0] (conv2d)');
    expect(err.message).toContain('activation memory');
    const built = buildError(huge);
    expect(built).toBeInstanceOf(EngineError);
    expect((built as EngineError).code).toBe('LIMIT_EXCEEDED');
    expect(process.memoryUsage().arrayBuffers - buffersBefore).toBeLessThan(64 * 1024 * 1024);
    expect(specError({ input: [32, 32, 3], layers: [{ type: 'conv2d', filters: 8, kernelSize: 3 }], loss: 'mse' }, { maxActivationBytesPerSample: 1024 }).code).toBe('LIMIT_EXCEEDED');
  });
});

describe('summary', () => {
  it('the issue\'s MNIST CNN: output shapes, parameter counts and FLOPs per sample', () => {
    const spec = {
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 5, strides: 1, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'conv2d', filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    };
    const { summary } = validateSpec(spec);
    expect(summary.layers.map((l) => l.type)).toEqual(['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense']);
    expect(summary.layers.map((l) => l.outputShape)).toEqual([[28, 28, 8], [14, 14, 8], [14, 14, 16], [7, 7, 16], [784], [10]]);
    expect(summary.layers.map((l) => l.params)).toEqual([208, 0, 3216, 0, 0, 7850]);
    expect(summary.totalParams).toBe(208 + 3216 + 7850);
    expect(summary.inputShape).toEqual([28, 28, 1]);
    expect(summary.outputShape).toEqual([10]);
    // conv1: 28·28 positions x 8 filters x (2·25 multiply-adds + 1 bias) = 784·8·51 = 319,872
    // pool1: 14·14·8 outputs x 4 window elements = 6,272
    // conv2: 14·14 x 16 x (2·200 + 1) = 196·16·401 = 1,257,536
    // pool2: 7·7·16 x 4 = 3,136
    // dense: 784·10 multiply-adds x 2 + 10 bias = 15,690
    expect(summary.flopsPerSample).toBe(319_872 + 6_272 + 1_257_536 + 3_136 + 15_690);
    expect(Model.build(spec).summary).toEqual(summary);
  });

  it('no bias, strides and avg pooling in the FLOP count; flatten, dropout and activation are free', () => {
    const { summary } = validateSpec({
      input: [9, 7, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: [3, 2], strides: [2, 3], padding: 1, useBias: false },
        { type: 'avgPool2d', poolSize: [2, 1], strides: 1, padding: 'same' },
        { type: 'activation', activation: 'tanh' },
        { type: 'dropout', rate: 0.3 },
        { type: 'flatten' },
        { type: 'dense', units: 4, useBias: false },
      ],
      loss: 'mse',
    });
    // conv: out H = floor((9 + 2 - 3)/2) + 1 = 5, W = floor((7 + 2 - 2)/3) + 1 = 3; 15 positions x 3 x 2·12 = 1,080; params 3·2·2·3 = 36
    // avgPool same stride 1: 5x3x3 outputs x 2 = 90; flatten 45; dense 45·4 = 180 params, 360 FLOPs
    expect(summary.layers.map((l) => l.outputShape)).toEqual([[5, 3, 3], [5, 3, 3], [5, 3, 3], [5, 3, 3], [45], [4]]);
    expect(summary.layers.map((l) => l.params)).toEqual([36, 0, 0, 0, 0, 180]);
    expect(summary.flopsPerSample).toBe(1_080 + 90 + 360);
  });

  it('normalises the spec with defaults (strides = poolSize, valid padding, relu-family heNormal)', () => {
    const { spec } = validateSpec({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, kernelSize: 2, activation: 'relu' }, { type: 'maxPool2d', poolSize: [1, 3] }], loss: 'mse' });
    expect(spec.layers[0]).toMatchObject({ strides: 1, padding: 'valid', useBias: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros' });
    expect(spec.layers[1]).toMatchObject({ strides: [1, 3], padding: 'valid' });
  });
});

describe('spec errors on pathological values', () => {
  it('names a field holding an array nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => validateSpec({ input: deep, layers: [{ type: 'flatten' }], loss: 'mse' })).toThrow(/input must be .* received an array nested too deeply to show/);
  });
});
