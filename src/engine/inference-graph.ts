// Joins the layers' inference graphs (LayerEntry.graph) into the model's: names each layer's values
// and constants `layers.{i}.*`, transposes an image between NHWC and NCHW where a layer takes the
// other layout, and ends in `output` [N, outputSize] in the engine's order, as predict returns it.

import {
  GRAPH_INPUT, GRAPH_OPSET, GRAPH_OUTPUT, intAttr, intsAttr,
  type GraphLayout, type GraphNode, type GraphTensor, type InferenceGraph, type LayerGraph,
} from './graph.js';
import type { LayerPlan } from './layers/layer.js';
import type { Shape } from './tensor.js';

/** A layer to lower: its plan, and its entry's `graph` bound to its tensors. */
export interface LoweredLayer {
  plan: LayerPlan;
  lower(layout: GraphLayout): LayerGraph;
}

interface Value {
  name: string;
  /** Meaningful for images only: flat values are in the engine's feature order. */
  layout: GraphLayout;
  isImage: boolean;
}

const PERMUTATION: Record<GraphLayout, number[]> = { channelsFirst: [0, 3, 1, 2], channelsLast: [0, 2, 3, 1] };
const LOCAL_INPUT = 'input';

export function joinLayerGraphs(inputShape: Shape, outputSize: number, layers: readonly LoweredLayer[]): InferenceGraph {
  const nodes: GraphNode[] = [];
  const initializers: GraphTensor[] = [];
  const add = (node: GraphNode) => nodes.push(node);
  let value: Value = { name: GRAPH_INPUT, layout: 'channelsLast', isImage: inputShape.length === 3 };

  for (const { plan, lower } of layers) {
    const lowered = lower(value.isImage ? value.layout : 'channelsLast');
    const input = inLayout(value, lowered.layout, add);
    const output = addLayer(plan, lowered, input, nodes, initializers);
    value = { name: output, layout: lowered.layout, isImage: plan.outputShape.length === 3 };
  }

  let output = inLayout(value, 'channelsLast', add);
  if (value.isImage) add({ op: 'Flatten', name: 'output.Flatten', inputs: [output], outputs: [output = `${output}.flat`], attributes: { axis: intAttr(1) } });
  // The last node makes the final value and nothing reads it yet, so it can simply be renamed.
  const last = nodes[nodes.length - 1];
  if (last && last.outputs[0] === output) nodes[nodes.length - 1] = { ...last, outputs: [GRAPH_OUTPUT, ...last.outputs.slice(1)] };
  else add({ op: 'Identity', name: 'output.Identity', inputs: [output], outputs: [GRAPH_OUTPUT] });
  return { opset: GRAPH_OPSET, inputShape: [...inputShape], outputSize, nodes, initializers };
}

/** The value in `layout`, transposed by a new node when it is an image in the other one. */
function inLayout(value: Value, layout: GraphLayout, add: (node: GraphNode) => void): string {
  if (!value.isImage || value.layout === layout) return value.name;
  const name = `${value.name}.${layout}`;
  add({ op: 'Transpose', name: `${name}.Transpose`, inputs: [value.name], outputs: [name], attributes: { perm: intsAttr(PERMUTATION[layout]) } });
  return name;
}

/** Adds a layer's nodes and constants under `layers.{i}.`; returns the name of its output value. */
function addLayer(plan: LayerPlan, lowered: LayerGraph, input: string, nodes: GraphNode[], initializers: GraphTensor[]): string {
  const scope = `layers.${plan.index}.`;
  const names = new Map([[LOCAL_INPUT, input]]);
  // A lowering that names a value twice or reads one it never made is a bug in that layer's file.
  const define = (local: string) => {
    if (names.has(local)) throw new Error(`layers[${plan.index}] (${plan.spec.type}) graph: "${local}" is defined twice`);
    names.set(local, scope + local);
    return scope + local;
  };
  const read = (local: string) => {
    const name = names.get(local);
    if (name === undefined) throw new Error(`layers[${plan.index}] (${plan.spec.type}) graph: a node reads "${local}", which nothing before it defines`);
    return name;
  };
  for (const tensor of lowered.initializers) initializers.push({ ...tensor, name: define(tensor.name) });
  const nodeNames = new Set<string>();
  lowered.nodes.forEach((node, k) => {
    const inputs = node.inputs.map(read);
    const outputs = node.outputs.map(define);
    const name = nodeNames.has(scope + node.op) ? `${scope}${node.op}_${k}` : scope + node.op;
    nodeNames.add(name);
    nodes.push({ ...node, name, inputs, outputs });
  });
  const last = lowered.nodes[lowered.nodes.length - 1];
  return last ? read(last.outputs[0]) : input;
}
