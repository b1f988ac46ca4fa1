// ONNX export round trips: every layer type, every activation and the padding, stride and layout
// cases that differ between Keras-style "same" and ONNX, then seeded random specs. Each file runs in
// onnxruntime-node and must give what our predict gives for the same weights (1e-5).

import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { ACTIVATIONS, LAYER_TYPES, Model } from '../../src/engine/index.js';
import { encodeOnnx, exportOnnx } from '../../src/export/onnx.js';
import { WITH_TEST_LAYERS } from '../engine/test-layers.js';
import { expectClose, onnxSession, randomWeights, runOnnx, uniformFloats } from '../helpers/onnx-runtime.js';
import { randomSpec } from './random-spec.js';

const { onnx } = onnxProto;

interface Case {
  name: string;
  spec: { input: number[]; layers: Record<string, unknown>[]; loss: string };
}

const mse = (input: number[], ...layers: Record<string, unknown>[]) => ({ input, layers, loss: 'mse' });

const CASES: Case[] = [
  ...ACTIVATIONS.map((activation) => ({
    name: `dense with ${activation}`,
    spec: mse([6], { type: 'dense', units: 4, activation, ...(activation === 'leakyRelu' ? { alpha: 0.3 } : {}) }),
  })),
  { name: 'dense without bias, stacked', spec: mse([5], { type: 'dense', units: 7, useBias: false, activation: 'relu' }, { type: 'dense', units: 3 }) },
  { name: 'conv2d valid, stride 1', spec: mse([6, 5, 2], { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' }) },
  // Keras "same" with an even kernel and a stride: the odd extra padding row/column goes bottom/right.
  { name: 'conv2d same, asymmetric padding', spec: mse([7, 8, 3], { type: 'conv2d', filters: 4, kernelSize: [4, 2], strides: [2, 3], padding: 'same' }) },
  { name: 'conv2d integer padding wider than the kernel', spec: mse([4, 3, 1], { type: 'conv2d', filters: 2, kernelSize: 2, strides: 2, padding: 3, activation: 'tanh' }) },
  { name: 'conv2d without bias, leakyRelu', spec: mse([5, 5, 2], { type: 'conv2d', filters: 2, kernelSize: [1, 3], useBias: false, activation: 'leakyRelu', alpha: 0.1 }) },
  { name: 'conv2d softmax over the channels', spec: mse([4, 4, 2], { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'softmax' }) },
  { name: 'maxPool2d valid, overlapping windows', spec: mse([7, 6, 2], { type: 'maxPool2d', poolSize: 3, strides: [2, 1] }) },
  { name: 'maxPool2d same, padded windows', spec: mse([5, 7, 3], { type: 'maxPool2d', poolSize: [2, 4], strides: [2, 3], padding: 'same' }) },
  { name: 'avgPool2d valid', spec: mse([6, 6, 2], { type: 'avgPool2d', poolSize: 2 }) },
  // Edge windows average only their real cells: ONNX's count_include_pad = 0.
  { name: 'avgPool2d same, padded windows', spec: mse([5, 7, 3], { type: 'avgPool2d', poolSize: 3, strides: [2, 2], padding: 'same' }) },
  { name: 'avgPool2d same, stride 1', spec: mse([4, 5, 1], { type: 'avgPool2d', poolSize: [2, 3], strides: 1, padding: 'same' }) },
  // Our flatten order is (h, w, c), PyTorch's (c, h, w): the graph must follow ours.
  { name: 'conv2d, flatten, dense', spec: mse([5, 4, 3], { type: 'conv2d', filters: 2, kernelSize: 2, activation: 'sigmoid' }, { type: 'flatten' }, { type: 'dense', units: 3 }) },
  { name: 'flatten of the input image, dense', spec: mse([3, 4, 2], { type: 'flatten' }, { type: 'dense', units: 5, activation: 'absRelu' }) },
  { name: 'flatten of a flat input', spec: mse([4], { type: 'flatten' }, { type: 'dense', units: 2 }) },
  { name: 'dropout is the identity at inference (image and flat)', spec: mse([4, 4, 1], { type: 'dropout', rate: 0.5 }, { type: 'conv2d', filters: 2, kernelSize: 2 }, { type: 'dropout', rate: 0.2 }, { type: 'flatten' }, { type: 'dropout', rate: 0.9 }) },
  { name: 'a model of dropout alone', spec: mse([3], { type: 'dropout', rate: 0.4 }) },
  { name: 'activation layer, softmax over the channels of the input image', spec: mse([3, 2, 4], { type: 'activation', activation: 'softmax' }) },
  { name: 'activation layer, softmax over channels after a conv (channels-first inside the graph)', spec: mse([4, 4, 2], { type: 'conv2d', filters: 3, kernelSize: 1 }, { type: 'activation', activation: 'softmax' }, { type: 'maxPool2d', poolSize: 2 }) },
  ...ACTIVATIONS.map((activation) => ({
    name: `activation layer ${activation} on a flat value`,
    spec: mse([5], { type: 'dense', units: 4 }, { type: 'activation', activation, ...(activation === 'leakyRelu' ? { alpha: 0.25 } : {}) }),
  })),
  // Per-feature constants broadcast over the last axis channels last, as [C, 1, 1] channels first.
  { name: 'batchNorm over the features of a flat value', spec: mse([5], { type: 'dense', units: 4 }, { type: 'batchNorm' }, { type: 'dense', units: 2 }) },
  { name: 'batchNorm over the channels of the input image (channels last)', spec: mse([3, 4, 3], { type: 'batchNorm', epsilon: 0.1 }) },
  { name: 'batchNorm over channels between conv and pooling (channels first)', spec: mse([6, 5, 2], { type: 'conv2d', filters: 3, kernelSize: 3, useBias: false }, { type: 'batchNorm', momentum: 0.5 }, { type: 'activation', activation: 'relu' }, { type: 'maxPool2d', poolSize: 2 }) },
  { name: 'batchNorm after a flatten (features in the engine order)', spec: mse([3, 2, 2], { type: 'conv2d', filters: 2, kernelSize: 1 }, { type: 'flatten' }, { type: 'batchNorm' }, { type: 'dense', units: 3 }) },
  { name: 'normalize of a flat input', spec: mse([4], { type: 'normalize' }, { type: 'dense', units: 2, activation: 'tanh' }) },
  { name: 'normalize of an image input per channel, then a conv', spec: mse([4, 3, 2], { type: 'normalize' }, { type: 'conv2d', filters: 2, kernelSize: 2 }) },
  { name: 'an image output (no flatten) in channels-last order', spec: mse([6, 5, 2], { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same' }, { type: 'avgPool2d', poolSize: 2 }) },
  {
    name: 'the CNN the README trains (final softmax, as predict applies it)',
    spec: {
      input: [12, 12, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 5, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
  },
];

/** Exports `spec` with random weights, runs it in onnxruntime and compares with our predict. */
async function roundTrip(spec: Case['spec'], seed: number, count = 3): Promise<void> {
  const weights = randomWeights(spec, seed);
  const model = Model.fromWeights(spec, weights);
  const inputs = uniformFloats(count * model.inputSize, seed + 1, -2, 2);
  const session = await onnxSession(exportOnnx(spec, weights));
  const { data, dims } = await runOnnx(session, inputs, count, spec.input);
  expect(dims).toEqual([count, model.outputSize]);
  expectClose(data, model.predict(inputs, count), JSON.stringify(spec.layers));
}

describe('ONNX export: every layer type and activation', () => {
  it('the cases cover every registered layer type and every activation', () => {
    const types = new Set(CASES.flatMap((c) => c.spec.layers.map((l) => l.type)));
    expect([...LAYER_TYPES].filter((t) => !types.has(t)), 'layer types without an ONNX case').toEqual([]);
    const activations = new Set(CASES.flatMap((c) => c.spec.layers.map((l) => l.activation)));
    expect(ACTIVATIONS.filter((a) => !activations.has(a)), 'activations without an ONNX case').toEqual([]);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    await roundTrip(c.spec, 100 + i);
  });

  it('layers with buffers export them (a test-only layer that subtracts a mean taken from the data)', async () => {
    const spec = mse([3, 2, 3], { type: 'center' }, { type: 'trackMean' }, { type: 'conv2d', filters: 2, kernelSize: 2 }, { type: 'flatten' }, { type: 'center' });
    const model = Model.fromWeights(spec, randomWeights(spec, 5, WITH_TEST_LAYERS), { layers: WITH_TEST_LAYERS });
    model.adapt(uniformFloats(10 * model.inputSize, 6, 0, 3), 10);
    const means = model.state.filter((s) => s.name.endsWith('.mean')).map((s) => [...s.tensor.value]);
    expect(means.flat().some((v) => Math.abs(v) > 0.1), 'the means are not zero, so the graph must subtract them').toBe(true);
    const inputs = uniformFloats(4 * model.inputSize, 7, 0, 3);
    const session = await onnxSession(encodeOnnx(model.inferenceGraph()));
    expectClose((await runOnnx(session, inputs, 4, spec.input)).data, model.predict(inputs, 4), 'center');
  });
});

describe('ONNX export: the file', () => {
  const spec = CASES[CASES.length - 1].spec;
  const weights = randomWeights(spec, 9);

  it('declares opset 13, input "input" [N, ...inputShape] and output "output" [N, outputs] with a symbolic N', () => {
    const file = onnx.ModelProto.decode(exportOnnx(spec, weights, { metadata: { checkpointId: 'c1' }, name: 'digits' }));
    expect(file.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(Number(file.irVersion)).toBe(7);
    const graph = onnx.GraphProto.fromObject(file.graph ?? {});
    expect(graph.name).toBe('digits');
    expect(file.metadataProps.map((p) => [p.key, p.value])).toEqual([['checkpointId', 'c1']]);
    const dims = (info: onnxProto.onnx.IValueInfoProto) => info.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph.input.map((i) => [i.name, dims(i)])).toEqual([['input', ['N', 12, 12, 1]]]);
    expect(graph.output.map((o) => [o.name, dims(o)])).toEqual([['output', ['N', 10]]]);
    // Constants are initializers, not graph inputs: a runtime asks only for `input`.
    expect(graph.initializer.map((t) => t.name)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.5.weight', 'layers.5.bias']);
  });

  it('transposes only into the convolutions and back before the flatten', () => {
    const ops = Model.fromWeights(spec, weights).inferenceGraph().nodes.map((n) => n.op);
    expect(ops).toEqual(['Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Softmax']);
  });

  it('one session serves any batch size, and each instance gives what it gives alone', async () => {
    const model = Model.fromWeights(spec, weights);
    const session = await onnxSession(exportOnnx(spec, weights));
    const inputs = uniformFloats(7 * model.inputSize, 11, 0, 1);
    const batch = await runOnnx(session, inputs, 7, spec.input);
    expectClose(batch.data, model.predict(inputs, 7), 'batch of 7');
    const alone = await runOnnx(session, inputs.slice(2 * model.inputSize, 3 * model.inputSize), 1, spec.input);
    expectClose(alone.data, batch.data.slice(20, 30), 'instance 2 alone');
  });

  it('refuses weights that do not fit the spec, as the import does (WEIGHTS_INVALID)', () => {
    const other = randomWeights(mse([3], { type: 'dense', units: 2 }), 1);
    expect(() => exportOnnx(spec, other)).toThrow(expect.objectContaining({ code: 'WEIGHTS_INVALID' }));
  });

  it('a layer whose graph reads a value it never made fails loudly, naming the layer', () => {
    const broken = WITH_TEST_LAYERS.with({
      ...WITH_TEST_LAYERS.get('center'),
      type: 'broken',
      normalize: () => ({ type: 'broken' }),
      graph: () => ({ layout: 'channelsLast', initializers: [], nodes: [{ op: 'Relu', inputs: ['nothing'], outputs: ['y'] }] }),
    });
    const model = Model.build(mse([2], { type: 'broken' }), { layers: broken });
    expect(() => model.inferenceGraph()).toThrow(/layers\[0\] \(broken\) graph: a node reads "nothing"/);
  });
});

describe('ONNX export: random specs (seeded)', () => {
  const SPECS = 40;
  it.each(Array.from({ length: SPECS }, (_, seed) => [seed]))('spec %i', async (seed) => {
    const spec = randomSpec(seed);
    await roundTrip(spec, seed, 1 + (seed % 4));
  });
});
