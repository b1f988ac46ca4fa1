// An inference graph as plain data: ONNX operators (opset 13 semantics), their attributes and
// float32 constants, nothing encoded. Each layer entry lowers itself to a LayerGraph; the model joins
// them (inference-graph.ts); src/export encodes the result as an ONNX file with protobufjs.

/** The ONNX default-domain opset whose operator semantics the lowerings use (Softmax over one axis). */
export const GRAPH_OPSET = 13;

/** ONNX attributes are typed: an integer, a list of integers, or a float. */
export type GraphAttribute = { readonly int: number } | { readonly ints: readonly number[] } | { readonly float: number };

export const intAttr = (value: number): GraphAttribute => ({ int: value });
export const intsAttr = (value: readonly number[]): GraphAttribute => ({ ints: value });
export const floatAttr = (value: number): GraphAttribute => ({ float: value });

export interface GraphNode {
  /** An ONNX operator of the default domain: `Gemm`, `Conv`, `Relu`, ... */
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, GraphAttribute>>;
  /** Set by the model when it joins the layers' graphs (`layers.3.Conv`). */
  readonly name?: string;
}

/** A constant (an initializer): float32 values in row-major order of `dims`. */
export interface GraphTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/**
 * How the axes of an image value are ordered: `channelsLast` (NHWC: the engine's and the API's) or
 * `channelsFirst` (NCHW: what ONNX Conv and pooling take). Flat values ([N, features]) are always
 * in the engine's feature order, so per-feature tensors use the engine layout.
 */
export type GraphLayout = 'channelsLast' | 'channelsFirst';

/**
 * One layer's inference graph. Names are the layer's own: `input` is its input value, initializers
 * and node outputs are named freely (the model prefixes them with `layers.{i}.`), and the last
 * node's first output is the layer's output (no nodes: the output is the input, as for dropout).
 */
export interface LayerGraph {
  /** The layout the layer takes an image input in and gives its image output in. */
  readonly layout: GraphLayout;
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly GraphTensor[];
}

/** A whole model: input `input` [N, ...inputShape] channels last, output `output` [N, outputSize]. */
export interface InferenceGraph {
  readonly opset: number;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly GraphTensor[];
}

export const GRAPH_INPUT = 'input';
export const GRAPH_OUTPUT = 'output';
