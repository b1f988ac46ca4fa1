// Max and average pooling over each channel, for every stride and padding.
// Shape: input [N, H, W, C] -> output [N, H', W', C]. Padding cells are never candidates: max
// pooling ignores them and average pooling averages only real values (Keras "same" semantics).
// Max pooling sends a tie's gradient to the first maximum in scan order, as PyTorch does.
// Inference graph: ONNX MaxPool / AveragePool on NCHW; both skip padding cells as we do (MaxPool
// never takes them, AveragePool with count_include_pad 0 divides by the real cells only).

import { ensureCapacity } from '../allocate.js';
import { intAttr, type GraphAttribute } from '../graph.js';
import { getKernel } from '../kernels/kernel.js';
import type { Window2d } from '../kernels/window2d.js';
import type { FieldSchemas, Pair } from '../spec-fields.js';
import type { Float, Precision, Shape } from '../tensor.js';
import { requireImage } from './common-fields.js';
import { MAX_WINDOW, window2d } from './geometry.js';
import type { Layer, LayerEntry, LayerPlan } from './layer.js';
import { windowAttributes } from './lowering.js';

export type PoolType = 'maxPool2d' | 'avgPool2d';

export interface Pool2dSpec {
  type: PoolType;
  poolSize: Pair;
  strides: Pair;
  padding: 'valid' | 'same';
}

const POOL2D_FIELDS = {
  poolSize: { kind: 'pair', max: MAX_WINDOW, required: true },
  strides: { kind: 'pair', max: MAX_WINDOW, defaultFrom: 'poolSize' },
  padding: { kind: 'enum', values: ['valid', 'same'], default: 'valid' },
} as const satisfies FieldSchemas;

/** `op` and `attributes`: the ONNX operator that pools the same way. */
function poolingEntry<T extends PoolType>(type: T, op: string, attributes: Record<string, GraphAttribute>): LayerEntry<Pool2dSpec & { type: T }, typeof POOL2D_FIELDS, Window2d> {
  return {
    type,
    fields: POOL2D_FIELDS,
    normalize: ({ poolSize, strides, padding }) => ({ type, poolSize, strides: strides ?? poolSize, padding }),
    infer(spec, input, ctx) {
      requireImage(input.shape, ctx);
      const g = window2d(input.shape, spec.poolSize, spec.strides, spec.padding, ctx, 'poolSize');
      const outputShape = [g.outH, g.outW, g.channels];
      return { outputShape, flattenedFrom: null, tensors: [], flops: g.outH * g.outW * g.channels * g.kH * g.kW, scratch: 0, detail: g };
    },
    create: (plan, _tensors, precision) => new Pool2dLayer(plan, precision),
    graph: (plan) => ({
      layout: 'channelsFirst',
      initializers: [],
      nodes: [{ op, inputs: ['input'], outputs: ['y'], attributes: { ...windowAttributes(plan.detail), ...attributes } }],
    }),
  };
}

export const maxPool2dLayer = poolingEntry('maxPool2d', 'MaxPool', {});
export const avgPool2dLayer = poolingEntry('avgPool2d', 'AveragePool', { count_include_pad: intAttr(0) });

export class Pool2dLayer implements Layer {
  readonly activation = null;
  readonly preActivation = null;
  readonly index: number;
  readonly type: PoolType;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  private readonly g: Window2d;
  private y: Float | null = null;
  private dx: Float | null = null;
  /** For max pooling: the flat input index each output came from (within the batch). */
  private argmax: Int32Array | null = null;
  /** Max pooling: the kernel's forward keeps no argmax; its backward finds the maxima again in the input. */
  private input: Float | null = null;
  private argmaxValid = false;

  constructor(plan: LayerPlan<Pool2dSpec, Window2d>, private readonly precision: Precision) {
    this.index = plan.index;
    this.type = plan.spec.type;
    this.inputShape = plan.input.shape;
    this.outputShape = plan.outputShape;
    this.g = plan.detail;
  }

  forward(input: Float, batch: number): Float {
    const outLength = batch * this.g.outH * this.g.outW * this.g.channels;
    this.y = ensureCapacity(this.y, this.precision, outLength);
    if (this.type === 'maxPool2d') {
      this.input = input;
      this.argmaxValid = !getKernel().maxPool?.(input, batch, this.g, this.y);
      if (this.argmaxValid) maxPoolForward(input, batch, this.g, this.y, this.ensureArgmax(outLength));
    } else {
      avgPool(input, batch, this.g, this.y, null);
    }
    return this.y;
  }

  backward(grad: Float, batch: number, _pre: boolean, needInputGrad: boolean): Float | null {
    if (!needInputGrad) return null;
    const inLength = batch * this.g.inH * this.g.inW * this.g.channels;
    this.dx = ensureCapacity(this.dx, this.precision, inLength);
    if (this.type === 'maxPool2d' && !this.argmaxValid && getKernel().maxPoolBackward?.(this.input!, grad, batch, this.g, this.dx)) {
      return this.dx;
    }
    this.dx.fill(0, 0, inLength);
    if (this.type === 'maxPool2d') {
      const outLength = batch * this.g.outH * this.g.outW * this.g.channels;
      if (!this.argmaxValid) maxPoolForward(this.input!, batch, this.g, this.y!, this.ensureArgmax(outLength));
      const argmax = this.argmax!;
      for (let o = 0; o < outLength; o++) this.dx[argmax[o]] += grad[o];
    } else {
      avgPool(grad, batch, this.g, null, this.dx);
    }
    return this.dx;
  }

  private ensureArgmax(length: number): Int32Array {
    if (!this.argmax || this.argmax.length < length) this.argmax = new Int32Array(length);
    return this.argmax;
  }
}

/** Clipped window bounds [start, end) of output position `o` along one axis. */
function span(o: number, stride: number, pad: number, kernel: number, size: number): [number, number] {
  const start = o * stride - pad;
  return [Math.max(start, 0), Math.min(start + kernel, size)];
}

function maxPoolForward(x: Float, batch: number, g: Window2d, y: Float, argmax: Int32Array): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inH * inW * C;
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1] = span(oy, strideH, padTop, kH, inH);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1] = span(ox, strideW, padLeft, kW, inW);
        for (let c = 0; c < C; c++, o++) {
          let best = -Infinity;
          let bestIndex = image + (y0 * inW + x0) * C + c;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = image + (iy * inW + ix) * C + c;
              if (x[i] > best) {
                best = x[i];
                bestIndex = i;
              }
            }
          }
          y[o] = x[bestIndex];
          argmax[o] = bestIndex;
        }
      }
    }
  }
}

/** Forward (x -> y) when `y` is given; otherwise backward, spreading grad (passed as x) into dx. */
function avgPool(x: Float, batch: number, g: Window2d, y: Float | null, dx: Float | null): void {
  const { inH, inW, channels: C, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inH * inW * C;
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1] = span(oy, strideH, padTop, kH, inH);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1] = span(ox, strideW, padLeft, kW, inW);
        const count = (y1 - y0) * (x1 - x0);
        for (let c = 0; c < C; c++, o++) {
          if (y) {
            let sum = 0;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) sum += x[image + (iy * inW + ix) * C + c];
            }
            y[o] = sum / count;
          } else {
            const share = x[o] / count;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) dx![image + (iy * inW + ix) * C + c] += share;
            }
          }
        }
      }
    }
  }
}
