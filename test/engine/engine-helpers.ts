// Shared test helpers for the engine suite: float64 models, a loss/gradient driver built on the
// layer protocol (it also returns dL/dinput, which Model.backward skips), and finite differences.

import { expect } from 'vitest';
import { Model, Rng } from '../../src/engine/index.js';
import type { ForwardContext } from '../../src/engine/layers/layer.js';

export interface Targets {
  labels?: Int32Array;
  values?: Float64Array;
}

export type ContextFactory = () => ForwardContext;

export const INFERENCE: ContextFactory = () => ({ training: false, rng: null });

export function f64Model(spec: unknown, seed = 1): Model {
  return Model.build(spec, { seed, precision: 'float64' });
}

/** Uniform values in [lo, hi) from a seeded stream (independent of the engine's own draws). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const rng = new Rng(seed, 'test-data');
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
}

/** n distinct values, pairwise at least `gap` apart, in random order (no ties for max pooling). */
export function distinct(n: number, seed: number, gap = 0.05): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i);
  new Rng(seed, 'distinct').shuffle(order);
  return Float64Array.from(order, (k) => (k - n / 2) * gap);
}

/** Mean loss of one batch, as the trainer computes it. */
type Values = Float64Array | Float32Array;

/** A buffer in the model's precision (layers and kernels expect one precision throughout). */
function buffer(model: Model, length: number): Values {
  return model.precision === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function lossOf(model: Model, x: Values, batch: number, targets: Targets, ctx: ContextFactory = INFERENCE): number {
  const y = model.forward(x, batch, ctx());
  const last = model.layers[model.layers.length - 1];
  const grad = buffer(model, batch * model.outputSize);
  return model.loss.compute(y, last.preActivation ?? y, { labels: targets.labels ?? null, values: targets.values ?? null }, batch, model.outputSize, grad);
}

/** Analytic gradients: loss, dL/dparam for every parameter (in model.parameters order) and dL/dinput. */
export function analyticGradients(model: Model, x: Values, batch: number, targets: Targets, ctx: ContextFactory = INFERENCE) {
  const y = model.forward(x, batch, ctx());
  const last = model.layers[model.layers.length - 1];
  const grad = buffer(model, batch * model.outputSize);
  const loss = model.loss.compute(y, last.preActivation ?? y, { labels: targets.labels ?? null, values: targets.values ?? null }, batch, model.outputSize, grad);
  let g: Values | null = grad;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    g = model.layers[i].backward(g!, batch, model.loss.fused && i === model.layers.length - 1, true);
  }
  return {
    loss,
    params: model.parameters.map(({ param }) => Float64Array.from(param.grad)),
    input: Float64Array.from(g!),
  };
}

/** Central differences of the loss with respect to each entry of `values` (perturbed in place). */
export function numericGradient(values: Float64Array | Float32Array, evaluate: () => number, eps = 1e-6): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const saved = values[i];
    values[i] = saved + eps;
    const plus = evaluate();
    values[i] = saved - eps;
    const minus = evaluate();
    values[i] = saved;
    out[i] = (plus - minus) / (2 * eps);
  }
  return out;
}

/**
 * Relative error |a - n| / max(|a|, |n|, floor) must stay under `tolerance`. The floor keeps entries
 * whose true gradient is ~0 from dividing rounding noise by almost nothing.
 */
export function expectClose(analytic: Float64Array, numeric: Float64Array, what: string, tolerance = 1e-6, floor = 1e-3): void {
  expect(analytic.length, `${what}: length`).toBe(numeric.length);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < analytic.length; i++) {
    const err = Math.abs(analytic[i] - numeric[i]) / Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]), floor);
    if (err > worst) {
      worst = err;
      worstIndex = i;
    }
  }
  expect(worst, `${what}: worst relative error at ${worstIndex} (analytic ${analytic[worstIndex]}, numeric ${numeric[worstIndex]})`).toBeLessThan(tolerance);
}

/** Checks dL/dparams and dL/dinput of `model` on (x, targets) against central differences. */
export function gradientCheck(model: Model, x: Float64Array, batch: number, targets: Targets, opts: { ctx?: ContextFactory; tolerance?: number; what?: string } = {}): void {
  const ctx = opts.ctx ?? INFERENCE;
  const what = opts.what ?? 'model';
  const analytic = analyticGradients(model, x, batch, targets, ctx);
  const evaluate = () => lossOf(model, x, batch, targets, ctx);
  // Guard against a silently trivial check: some gradient must be clearly non-zero.
  const magnitude = Math.max(...analytic.input.map(Math.abs), ...analytic.params.flatMap((p) => [...p].map(Math.abs)));
  expect(magnitude, `${what}: gradients are all ~0`).toBeGreaterThan(1e-6);
  model.parameters.forEach(({ name, param }, i) => {
    expectClose(analytic.params[i], numericGradient(param.value, evaluate), `${what} d/d${name}`, opts.tolerance);
  });
  expectClose(analytic.input, numericGradient(x, evaluate), `${what} d/dinput`, opts.tolerance);
}

/** Asserts every pre-activation of kinked activations stays at least `margin` from 0. */
export function expectAwayFromKinks(model: Model, x: Float64Array, batch: number, margin = 1e-4): void {
  model.forward(x, batch, INFERENCE());
  for (const layer of model.layers) {
    const name = layer.activation?.name;
    if (name !== 'relu' && name !== 'leakyRelu' && name !== 'absRelu') continue;
    const z = layer.preActivation!;
    const n = batch * layer.outputShape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) expect(Math.abs(z[i]), `layers[${layer.index}] pre-activation ${i} too close to the kink`).toBeGreaterThan(margin);
  }
}

/** Row-major float32 copy (the public predict() takes float32 inputs). */
export function f32(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values);
}

/** Minimal safetensors writer, written independently of the engine's encoder. */
export function writeSafetensors(entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array; offsets?: [number, number] }[], headerLengthOverride?: number): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: e.offsets ?? [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLengthOverride ?? json.length, true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, position);
    position += e.bytes.length;
  }
  return out;
}

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  const data = Float32Array.from(values);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes;
}

/** Parses a safetensors file by hand: header JSON and a reader of little-endian F32 tensors. */
export function readSafetensors(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const dataStart = 8 + headerLength;
  const tensor = (name: string): Float32Array => {
    const [begin, end] = header[name].data_offsets;
    const out = new Float32Array((end - begin) / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    return out;
  };
  return { headerLength, header, dataStart, tensor };
}
