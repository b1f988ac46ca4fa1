// Activation functions, applied element-wise (softmax: over the last axis) to whole batches.
// Backward takes the pre-activation z and the output y, whichever the derivative is cheaper from.
// Each also names the ONNX operator that computes it at inference (graph.ts).

import { floatAttr, intAttr, type GraphAttribute } from './graph.js';
import type { Float } from './tensor.js';

export const ACTIVATIONS = ['linear', 'relu', 'leakyRelu', 'absRelu', 'sigmoid', 'tanh', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export interface Activation {
  readonly name: ActivationName;
  /** y[0..length) = f(z); `width` is the size of the last axis (softmax normalises over it). */
  forward(z: Float, y: Float, length: number, width: number): void;
  /** dz = dy · f'(z), element-wise (for softmax: the Jacobian-vector product per row). */
  backward(dy: Float, z: Float, y: Float, dz: Float, length: number, width: number): void;
  /** Its ONNX operator (softmax over `channelAxis`, the axis of the last spec dimension); null for linear. */
  graphOp(channelAxis: number): GraphOp | null;
}

export interface GraphOp {
  readonly op: string;
  readonly attributes?: Readonly<Record<string, GraphAttribute>>;
}

const linear: Activation = {
  name: 'linear',
  forward(z, y, length) {
    if (z !== y) for (let i = 0; i < length; i++) y[i] = z[i];
  },
  backward(dy, _z, _y, dz, length) {
    if (dy !== dz) for (let i = 0; i < length; i++) dz[i] = dy[i];
  },
  graphOp: () => null,
};

function leaky(name: ActivationName, alpha: number, graphOp: GraphOp): Activation {
  return {
    name,
    graphOp: () => graphOp,
    forward(z, y, length) {
      for (let i = 0; i < length; i++) {
        const v = z[i];
        y[i] = v > 0 ? v : alpha * v;
      }
    },
    backward(dy, z, _y, dz, length) {
      for (let i = 0; i < length; i++) dz[i] = z[i] > 0 ? dy[i] : alpha * dy[i];
    },
  };
}

/** Absolute-value rectification g(z) = |z|: the generalised rectifier max(0, z) + a·min(0, z) with a = -1. */
const absRelu: Activation = {
  name: 'absRelu',
  graphOp: () => ({ op: 'Abs' }),
  forward(z, y, length) {
    for (let i = 0; i < length; i++) y[i] = Math.abs(z[i]);
  },
  backward(dy, z, _y, dz, length) {
    for (let i = 0; i < length; i++) {
      const v = z[i];
      dz[i] = v > 0 ? dy[i] : v < 0 ? -dy[i] : 0;
    }
  },
};

const sigmoid: Activation = {
  name: 'sigmoid',
  graphOp: () => ({ op: 'Sigmoid' }),
  forward(z, y, length) {
    for (let i = 0; i < length; i++) y[i] = sigmoidOf(z[i]);
  },
  backward(dy, _z, y, dz, length) {
    for (let i = 0; i < length; i++) {
      const s = y[i];
      dz[i] = dy[i] * s * (1 - s);
    }
  },
};

const tanh: Activation = {
  name: 'tanh',
  graphOp: () => ({ op: 'Tanh' }),
  forward(z, y, length) {
    for (let i = 0; i < length; i++) y[i] = Math.tanh(z[i]);
  },
  backward(dy, _z, y, dz, length) {
    for (let i = 0; i < length; i++) {
      const t = y[i];
      dz[i] = dy[i] * (1 - t * t);
    }
  },
};

const softmax: Activation = {
  name: 'softmax',
  // Opset 13's Softmax normalises over exactly this axis (earlier opsets flattened the trailing ones).
  graphOp: (channelAxis) => ({ op: 'Softmax', attributes: { axis: intAttr(channelAxis) } }),
  forward(z, y, length, width) {
    for (let row = 0; row < length; row += width) softmaxRow(z, y, row, width);
  },
  backward(dy, _z, y, dz, length, width) {
    for (let row = 0; row < length; row += width) {
      let dot = 0;
      for (let j = row; j < row + width; j++) dot += dy[j] * y[j];
      for (let j = row; j < row + width; j++) dz[j] = y[j] * (dy[j] - dot);
    }
  },
};

/** Numerically stable: exp(-|z|) never overflows. */
export function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Stable softmax of z[offset .. offset+width) into y (max subtracted before exp). */
export function softmaxRow(z: Float, y: Float, offset: number, width: number): void {
  let max = -Infinity;
  for (let j = offset; j < offset + width; j++) if (z[j] > max) max = z[j];
  let sum = 0;
  for (let j = offset; j < offset + width; j++) {
    const e = Math.exp(z[j] - max);
    y[j] = e;
    sum += e;
  }
  for (let j = offset; j < offset + width; j++) y[j] /= sum;
}

export function createActivation(name: ActivationName, alpha = 0.01): Activation {
  switch (name) {
    case 'linear': return linear;
    case 'relu': return leaky('relu', 0, { op: 'Relu' });
    case 'leakyRelu': return leaky('leakyRelu', alpha, { op: 'LeakyRelu', attributes: { alpha: floatAttr(alpha) } });
    case 'absRelu': return absRelu;
    case 'sigmoid': return sigmoid;
    case 'tanh': return tanh;
    case 'softmax': return softmax;
  }
}

/** Activations that He initialisation suits (the default kernel initialiser after them). */
export const RELU_FAMILY: ReadonlySet<ActivationName> = new Set(['relu', 'leakyRelu', 'absRelu']);
