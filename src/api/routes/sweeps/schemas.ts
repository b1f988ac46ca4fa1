// Request schemas of /v1/sweeps. The body's envelope is checked here; what each trial becomes (a job
// body and a model spec) is checked trial by trial in plan.ts, by the same validators as /v1/jobs.

import { z } from 'zod';
import { SWEEP_METRICS } from '../../../sweeps/config.js';
import { pageQuery, resourceName } from '../../schemas/common.js';

const finite = z.number().finite();
const range = z.tuple([finite, finite]).refine(([a, b]) => a <= b, 'the range must be [low, high] with low <= high');

/** One parameter's domain: exactly one of the four forms. */
const domain = z.union([
  z.strictObject({ values: z.array(z.unknown()).min(1).max(1000) }),
  z.strictObject({ uniform: range }),
  z.strictObject({ logUniform: range.refine(([a]) => a > 0, 'logUniform needs a positive low end') }),
  z.strictObject({ intUniform: z.tuple([z.number().int(), z.number().int()]).refine(([a, b]) => a <= b, 'the range must be [low, high] with low <= high') }),
], { error: 'a domain is {"values": [...]}, {"uniform": [a, b]}, {"logUniform": [a, b]} or {"intUniform": [a, b]}' });

const earlyTermination = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('successiveHalving'),
    minEpochs: z.number().int().min(1).max(100_000),
    reductionFactor: z.number().int().min(2).max(100).default(3),
  }),
]);

export const createSweepBody = z.strictObject({
  name: resourceName,
  datasetId: z.string(),
  baseModelId: z.string(),
  /** A job body without modelId and datasetId (plan.ts checks each trial's with the jobs schema). */
  base: z.record(z.string(), z.unknown()),
  space: z.record(z.string().min(1).max(200), domain).refine((space) => Object.keys(space).length > 0, 'the space needs at least one path'),
  search: z.enum(['grid', 'random']),
  /** Required for random search; for a grid, omitted (or the number of combinations). */
  trials: z.number().int().min(1).optional(),
  parallelism: z.number().int().min(1).max(1000),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  /** Defaults to valLoss when the base has validation data, else loss (filled in by the route). */
  metric: z.enum(SWEEP_METRICS).optional(),
  earlyTermination: earlyTermination.default({ type: 'none' }),
});

export type CreateSweepBody = z.output<typeof createSweepBody>;

export const listSweepsQuery = pageQuery;

export const sweepEventsHeaders = z.object({ 'last-event-id': z.string().optional() });
