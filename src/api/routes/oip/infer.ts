// POST /v2/models/:model[/versions/:version]/infer: one input tensor `input` ([N, ...inputShape], any
// numeric datatype, flat or nested data) -> `output` [N, K] FP32 and, for classifiers, `classes`
// INT64 ([N] argmax for softmax, [N, K] 0/1 for sigmoid). The request's `outputs` picks which (in its
// order). Request and input `parameters` are accepted; none is defined, so none changes the answer.

import type { FastifyInstance } from 'fastify';
import fastJson from 'fast-json-stringify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, validationError } from '../../../errors.js';
import type { RouteOptions } from '../../deps.js';
import { assertBatchFits } from '../predict/batch-limit.js';
import { CLASSES_NAME, classesShape, INPUT_NAME, OUTPUT_NAME } from './metadata.js';
import { modelParams } from './models.js';
import { packInput } from './tensors.js';
import { findModel, predict } from './serving.js';
import { useFastJsonReader } from '../../plugins/json-body.js';
import { readPackedInferBody } from '../../schemas/number-rows-json.js';

/** The protocol's $parameters: names to strings, numbers or booleans. */
const parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const inferBody = z.strictObject({
  id: z.string().max(256).optional(),
  parameters: parameters.optional(),
  inputs: z
    .array(
      z.strictObject({
        name: z.string(),
        shape: z.array(z.number().int().min(0)).min(1),
        datatype: z.string(),
        parameters: parameters.optional(),
        // As JSON.parse gave it, or [Float32Array] when the route's body reader packed it (number-rows-json.ts).
        data: z.array(z.unknown()),
      }),
    )
    .min(1),
  outputs: z.array(z.strictObject({ name: z.string(), parameters: parameters.optional() })).optional(),
});

const OUTPUT_NAMES = [OUTPUT_NAME, CLASSES_NAME];

/** The 200 answer (openapi.yaml's OipInferResponse), serialized from this schema as /v1 predict's is. */
export const inferResponseSchema = {
  type: 'object',
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          datatype: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer' } },
          data: { type: 'array', items: { type: 'number' } },
        },
        required: ['name', 'datatype', 'shape', 'data'],
      },
    },
  },
  required: ['model_name', 'model_version', 'id', 'outputs'],
} as const;

interface ResponseTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
}

const bad = (path: string, message: string): never => {
  throw validationError(`${path}: ${message}`, [{ path, message }]);
};

/** The outputs asked for, in request order; all of them when the request names none. */
function requestedOutputs(outputs: { name: string }[] | undefined): string[] | null {
  if (!outputs) return null;
  const names: string[] = [];
  outputs.forEach(({ name }, i) => {
    if (!OUTPUT_NAMES.includes(name)) bad(`/outputs/${i}/name`, `no output "${name}"; this model's outputs are "${OUTPUT_NAME}" and, for classifiers, "${CLASSES_NAME}"`);
    if (names.includes(name)) bad(`/outputs/${i}/name`, `output "${name}" requested twice`);
    names.push(name);
  });
  return names;
}

/** Triton's binary tensor extension announces its JSON header's length in this request header. */
const BINARY_HEADER = 'inference-header-content-length';

export async function inferRoutes(scope: FastifyInstance, { deps }: RouteOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  // Triton's Python and C++ HTTP clients post JSON without a Content-Type: read such a body as JSON.
  // Their binary tensor data (the extension) is refused by name rather than misread.
  // Callback style: an async hook costs a promise on every request.
  scope.addHook('onRequest', (request, _reply, done) => {
    if (request.headers[BINARY_HEADER] !== undefined) {
      done(new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'binary tensor data (Inference-Header-Content-Length) is not supported; send JSON tensors (tritonclient: binary_data=False on inputs and outputs)'));
      return;
    }
    if (request.headers['content-type'] === undefined) request.headers['content-type'] = 'application/json';
    done();
  });
  useFastJsonReader(scope, readPackedInferBody);

  for (const url of ['/models/:model/infer', '/models/:model/versions/:version/infer']) {
    const route = {
      schema: { params: modelParams, body: inferBody, response: { 200: inferResponseSchema } },
      serializerCompiler: ({ schema }: { schema: unknown }) => fastJson(schema as Parameters<typeof fastJson>[0]),
    };
    app.post(url, route, async (request) => {
      const model = await findModel(deps, request.params.model);
      const { inputs, outputs, id } = request.body;
      if (inputs.length > 1) bad('/inputs', `this model takes one input, "${INPUT_NAME}"; received ${inputs.length}`);
      if (inputs[0].name !== INPUT_NAME) bad('/inputs/0/name', `no input "${inputs[0].name}"; this model's input is "${INPUT_NAME}"`);
      const wanted = requestedOutputs(outputs);
      const { values, count } = packInput(inputs[0], model.spec.input, deps.config.predictMaxInstances, '/inputs/0');
      assertBatchFits(model, count, deps.config.predictLimits.maxBatchBytes, '/inputs/0/shape');

      const result = await predict(deps, model, request.params.version, values, count);
      const tensors: ResponseTensor[] = [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [count, result.outputSize], data: Array.from(result.outputs) }];
      const shape = classesShape(result.outputActivation, count, result.outputSize);
      if (result.classes && shape) tensors.push({ name: CLASSES_NAME, datatype: 'INT64', shape, data: result.classes.flat() });
      else if (wanted?.includes(CLASSES_NAME)) bad(`/outputs/${wanted.indexOf(CLASSES_NAME)}/name`, `model ${model.id} is not a classifier (its output activation is ${result.outputActivation}); it has no "${CLASSES_NAME}" output`);

      return {
        model_name: model.id,
        model_version: result.checkpoint.id,
        // The protocol echoes the request's id; without one, the request id of our logs and x-request-id.
        id: id ?? request.id,
        outputs: wanted ? wanted.map((name) => tensors.find((t) => t.name === name)) : tensors,
      };
    });
  }
}
