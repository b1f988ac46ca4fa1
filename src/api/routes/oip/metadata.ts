// What /v2 says about a model (the protocol's $metadata_model_response, minus `name` and `versions`):
// one FP32 input `input` shaped [-1, ...inputShape] (channels last, as everywhere in this API), an FP32
// output `output` [-1, K] and, for classifiers, an INT64 `classes` output. Derived from the stored
// spec alone, so metadata needs no weights.

import type { ModelRecord } from '../../../storage/types.js';

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
export const CLASSES_NAME = 'classes';
/** "<project>_<format>" as the protocol asks: our own engine, from a JSON spec and safetensors weights. */
export const PLATFORM = 'nn-service_spec';

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** The final layer's activation ('linear' when it has none), as the engine reports it after a forward pass. */
export function outputActivation(model: ModelRecord): string {
  const last = model.spec.layers[model.spec.layers.length - 1] as { activation?: unknown } | undefined;
  return typeof last?.activation === 'string' ? last.activation : 'linear';
}

export const outputSize = (model: ModelRecord): number => model.summary.outputShape.reduce((a, b) => a * b, 1);

/** Shape of the `classes` output for a batch of `count` (-1: any): argmax per row for softmax, 0/1 per output for sigmoid. */
export function classesShape(activation: string, count: number, size: number): number[] | null {
  if (activation === 'softmax') return [count];
  if (activation === 'sigmoid') return [count, size];
  return null;
}

export function tensorsMetadata(model: ModelRecord): { inputs: TensorMetadata[]; outputs: TensorMetadata[] } {
  const size = outputSize(model);
  const outputs: TensorMetadata[] = [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, size] }];
  const classes = classesShape(outputActivation(model), -1, size);
  if (classes) outputs.push({ name: CLASSES_NAME, datatype: 'INT64', shape: classes });
  return { inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, ...model.spec.input] }], outputs };
}
