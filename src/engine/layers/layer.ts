// The protocol every layer implements, and the entry that describes a layer type to the rest of the
// engine (its spec fields, shape inference with its tensors, construction, its inference graph for
// the ONNX export). Layers work on whole batches stored contiguously, channels last ([N, H, W, C]
// or [N, F]); their working arrays are sized once per batch size and reused, so a training step
// allocates nothing.

import type { Activation } from '../activations.js';
import type { GraphLayout, LayerGraph } from '../graph.js';
import type { Rng } from '../random.js';
import type { FieldContext, FieldSchemas, FieldValues } from '../spec-fields.js';
import type { Float, Precision, Shape } from '../tensor.js';
import type { LayerTensors, TensorSpec } from './tensors.js';

export interface ForwardContext {
  training: boolean;
  rng: Rng | null;
}

export interface Layer {
  readonly index: number;
  readonly type: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The activation applied at the end of forward, if the layer has one (last layer: losses fuse with it). */
  readonly activation: Activation | null;
  /** Pre-activation of the last forward pass (losses that fuse with the activation read it). */
  readonly preActivation: Float | null;
  forward(input: Float, batch: number, ctx: ForwardContext): Float;
  /**
   * Gradient of the loss w.r.t. this layer's input, from the gradient w.r.t. its output (or w.r.t.
   * its pre-activation when `gradIsPreActivation`). Sets the parameters' gradients. Returns null
   * when `needInputGrad` is false (the first layer).
   */
  backward(grad: Float, batch: number, gradIsPreActivation: boolean, needInputGrad: boolean): Float | null;
  /**
   * Optional: sets buffers from statistics of the training data (a normalization's mean and
   * variance, as Keras' `adapt`). Called once, when a new trainer first fits (never when it resumes a
   * checkpoint or starts from imported weights), with this layer's input for every training sample
   * (the validation split excluded), `count` rows of `inputShape`.
   */
  adapt?(input: Float, count: number): void;
}

export interface LayerInput {
  readonly shape: Shape;
  /** True for the first layer, whose input is the data itself. */
  readonly isModelInput: boolean;
  /**
   * For a flat input that a flatten made from an image: that [h, w, c] shape. The engine flattens in
   * (h, w, c) order and PyTorch in (c, h, w) order, so per-feature tensors map their indices with it.
   */
  readonly flattenedFrom: Shape | null;
}

/** What shape inference learns about one layer, before anything is allocated. */
export interface LayerInference<Detail = unknown> {
  outputShape: number[];
  /** The image the (flat) output's features come from: a flatten's input, passed on by elementwise layers. */
  flattenedFrom: Shape | null;
  /** Parameters and buffers, in PyTorch's state_dict order. */
  tensors: TensorSpec[];
  /** Forward FLOPs per sample: a multiply-add counts 2, a bias add 1, a pooling window element 1. */
  flops: number;
  /** Per-sample elements of scratch buffers beyond the output (im2col columns). */
  scratch: number;
  /** Whatever else the constructor needs from inference (the window geometry of conv2d and pooling). */
  detail: Detail;
}

export interface LayerPlan<Spec = { type: string }, Detail = unknown> extends LayerInference<Detail> {
  index: number;
  spec: Spec;
  input: LayerInput;
  /** Trainable parameter count (buffers are state, not parameters, as in PyTorch's numel over parameters()). */
  params: number;
}

/**
 * Everything the engine knows about one layer type; the registry is a list of these. Adding a layer
 * type is one file with its class and its entry, plus a line in registry.ts.
 */
export interface LayerEntry<Spec extends { type: string } = { type: string }, Fields extends FieldSchemas = FieldSchemas, Detail = unknown> {
  readonly type: Spec['type'];
  /** The spec's fields besides `type`: read (validated, defaults filled) before normalize sees them. */
  readonly fields: Fields;
  /**
   * The normalised spec from the read fields: cross-field rules and defaults that depend on other
   * fields. `given` holds the field names the raw spec actually had.
   */
  normalize(values: FieldValues<Fields>, ctx: FieldContext, given: ReadonlySet<string>): Spec;
  /** Shape inference: throws SPEC_INVALID naming the field when the layer cannot take `input`. */
  infer(spec: Spec, input: LayerInput, ctx: FieldContext): LayerInference<Detail>;
  /** The layer, from its plan (shapes are not computed again) and its allocated tensors. */
  create(plan: LayerPlan<Spec, Detail>, tensors: LayerTensors, precision: Precision): Layer;
  /**
   * The layer at inference as graph data (ONNX operators, graph.ts), from its plan and its tensors'
   * values; what the ONNX export writes. `layout` is how an image input arrives: a layer may take it
   * in another (the model transposes it) and says which in the result.
   */
  graph(plan: LayerPlan<Spec, Detail>, tensors: LayerTensors, layout: GraphLayout): LayerGraph;
}
