// What the layers' graph lowerings share: their tensors as graph constants (engine or PyTorch
// layout), the output activation as a node, a sliding window as ONNX attributes, and which axis of a
// value holds the channels in a given layout.

import { createActivation, type ActivationName } from '../activations.js';
import { intsAttr, type GraphAttribute, type GraphLayout, type GraphNode, type GraphTensor } from '../graph.js';
import type { Window2d } from '../kernels/window2d.js';
import type { Shape } from '../tensor.js';
import type { StateTensor } from './tensors.js';

/** The tensor in the engine's layout (dense weight [in, units]: what Gemm multiplies by as is). */
export function engineLayout(tensor: StateTensor): GraphTensor {
  // A copy: the value may live in WebAssembly memory, whose views a later allocation can detach.
  return { name: tensor.name, dims: [...tensor.shape], data: new Float32Array(tensor.value) };
}

/** The tensor in PyTorch's layout, which is ONNX's too (conv2d weight [filters, inC, kH, kW]). */
export function torchLayout(tensor: StateTensor): GraphTensor {
  const data = new Float32Array(tensor.value.length);
  for (let i = 0; i < data.length; i++) data[tensor.toTorchIndex(i)] = tensor.value[i];
  return { name: tensor.name, dims: [...tensor.torchShape], data };
}

/** The node applying `activation` to value `input` (none for linear), its output named `output`. */
export function activationNodes(activation: ActivationName, alpha: number | undefined, input: string, channelAxis: number, output = 'y'): GraphNode[] {
  const op = createActivation(activation, alpha).graphOp(channelAxis);
  return op ? [{ ...op, inputs: [input], outputs: [output] }] : [];
}

/** The axis of the last spec dimension (features, or an image's channels) of a value in `layout`. */
export function channelAxis(shape: Shape, layout: GraphLayout): number {
  return shape.length === 3 && layout === 'channelsFirst' ? 1 : -1;
}

/**
 * ONNX's kernel_shape, strides and pads ([top, left, bottom, right]) of a window. The padding at
 * the end is what the last window reaches (Keras "same" puts an odd extra row there); ONNX floors
 * the output size as we do, so padding no window reaches is left out.
 */
export function windowAttributes(g: Window2d): Record<string, GraphAttribute> {
  const padBottom = Math.max(0, (g.outH - 1) * g.strideH + g.kH - g.inH - g.padTop);
  const padRight = Math.max(0, (g.outW - 1) * g.strideW + g.kW - g.inW - g.padLeft);
  return {
    kernel_shape: intsAttr([g.kH, g.kW]),
    strides: intsAttr([g.strideH, g.strideW]),
    pads: intsAttr([g.padTop, g.padLeft, padBottom, padRight]),
  };
}
