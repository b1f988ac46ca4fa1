// Where a predict runs: small ones on the event loop (a built model per checkpoint kept here), larger
// ones in the predict pool's threads. A thread round trip costs more than a small model's forward pass
// (the MLP 784-128-64-10 takes ~50 us per instance), so the pool only pays off once a call would hold
// the event loop for longer than `inlineMaxFlops` worth of work. The figures behind the default are in
// docs/benchmarks.md ("Serving").

import { Model, type ModelSpec } from '../engine/index.js';
import { predictRows } from './batch-invariant.js';
import type { PredictPool } from './predict-pool.js';
import type { PredictOutput } from './tasks.js';

export interface EngineCall {
  checkpointId: string;
  spec: ModelSpec;
  /** FLOPs of one instance (the model summary's flopsPerSample). */
  flopsPerSample: number;
  weights: Uint8Array;
  inputs: Float32Array;
  count: number;
}

export interface EngineRunnerOptions {
  /** Calls with at most this many FLOPs in all run on the event loop (0: every call goes to the pool). */
  inlineMaxFlops: number;
  /** Built models kept on the event loop's side, by checkpoint. */
  modelCacheEntries: number;
}

const NO_LIMITS = { maxParams: Number.MAX_SAFE_INTEGER, maxActivationBytesPerSample: Number.MAX_SAFE_INTEGER };

export class EngineRunner {
  private readonly models = new Map<string, Model>();

  constructor(
    private readonly pool: PredictPool,
    private readonly options: EngineRunnerOptions,
  ) {}

  runsInline(call: Pick<EngineCall, 'flopsPerSample' | 'count'>): boolean {
    return call.flopsPerSample * call.count <= this.options.inlineMaxFlops;
  }

  async predict(call: EngineCall): Promise<PredictOutput> {
    if (!this.runsInline(call)) return this.pool.predict(call);
    const model = this.modelFor(call);
    return { outputs: predictRows(model, call.inputs, call.count), outputSize: model.outputSize, outputActivation: model.outputActivation };
  }

  private modelFor(call: EngineCall): Model {
    let model = this.models.get(call.checkpointId);
    if (model) {
      this.models.delete(call.checkpointId); // re-inserted below: most recently used last
    } else {
      // The spec passed the configured caps when the model was created; do not re-judge it here.
      model = Model.fromWeights(call.spec, call.weights, { limits: NO_LIMITS });
    }
    this.models.set(call.checkpointId, model);
    while (this.models.size > this.options.modelCacheEntries) this.models.delete(this.models.keys().next().value as string);
    return model;
  }
}
