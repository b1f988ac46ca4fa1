// ONNX export: the engine's inference graph of a model (plain data, LayerEntry.graph) encoded as an
// ONNX ModelProto with protobufjs (onnx-proto's compiled onnx.proto). One input `input`
// [N, ...inputShape] channels last, one output `output` [N, outputs] equal to predict's; opset 13.

import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { GRAPH_INPUT, GRAPH_OUTPUT, Model, type GraphAttribute, type GraphTensor, type InferenceGraph } from '../engine/index.js';

const { onnx } = onnxProto;

/** IR version 7 came with opset 13 (ONNX 1.8): every runtime that runs opset 13 reads it. */
const IR_VERSION = 7;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A spec met the configured caps when its model was created; exporting does not judge it again. */
const NO_LIMITS = { maxParams: Number.MAX_SAFE_INTEGER, maxActivationBytesPerSample: Number.MAX_SAFE_INTEGER };

export interface OnnxOptions {
  /** Stored in the file's metadata_props (model and checkpoint ids, for example). */
  metadata?: Readonly<Record<string, string>>;
  /** The graph's name; default "nn-service". */
  name?: string;
}

/** The ONNX file of a model spec with the weights of a safetensors file (what /weights serves). */
export function exportOnnx(spec: unknown, weights: Uint8Array, options: OnnxOptions = {}): Uint8Array {
  return encodeOnnx(Model.fromWeights(spec, weights, { limits: NO_LIMITS }).inferenceGraph(), options);
}

export function encodeOnnx(graph: InferenceGraph, options: OnnxOptions = {}): Uint8Array {
  const model: OnnxTypes.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'nn-service',
    opsetImport: [{ domain: '', version: graph.opset }],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.name ?? 'nn-service',
      // The batch dimension is symbolic: any N runs.
      input: [floatTensorInfo(GRAPH_INPUT, ['N', ...graph.inputShape])],
      output: [floatTensorInfo(GRAPH_OUTPUT, ['N', graph.outputSize])],
      initializer: graph.initializers.map(floatTensor),
      node: graph.nodes.map((node) => ({
        name: node.name,
        opType: node.op,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

function floatTensorInfo(name: string, dims: readonly (number | string)[]): OnnxTypes.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/** Constants go as raw_data: little-endian float32 bytes, the compact form runtimes read directly. */
function floatTensor(tensor: GraphTensor): OnnxTypes.ITensorProto {
  const { data } = tensor;
  let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!LITTLE_ENDIAN) {
    bytes = new Uint8Array(data.byteLength);
    const view = new DataView(bytes.buffer);
    data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  }
  return { name: tensor.name, dims: [...tensor.dims], dataType: FLOAT, rawData: bytes };
}

function attribute(name: string, value: GraphAttribute): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
