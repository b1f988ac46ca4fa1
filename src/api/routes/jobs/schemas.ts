// Request schemas of /v1/jobs. POST's body gets every default filled in here, so the stored job
// config is complete and says exactly what ran. Unknown keys are rejected: a typo must not train.

import { z } from 'zod';
import { JOB_STATES } from '../../../storage/job-record.js';
import { pageQuery } from '../../schemas/common.js';

const finite = z.number().finite();
const fraction = finite.min(0).lt(1);

const earlyStopping = z.strictObject({
  /** Defaults to valLoss when the job has validation data, else loss (filled in by the route). */
  monitor: z.enum(['valLoss', 'loss', 'valAccuracy', 'accuracy']).optional(),
  patience: z.number().int().min(0).max(10_000).default(3),
  minDelta: finite.min(0).default(0),
  restoreBest: z.boolean().default(false),
});

/** Any string: a malformed id is an unknown one (404), as for path ids. */
const id = z.string();

export const createJobBody = z.strictObject({
  modelId: id,
  datasetId: id,
  /** Capped by MAX_EPOCHS in the route (422 LIMIT_EXCEEDED), so the cap is configurable. */
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1).max(65_536).default(32),
  /**
   * The engine validates it and fills its defaults (one validator; 422 CONFIG_INVALID naming the
   * field). Omitted: the optimizer of the job that wrote `resumeFrom`, else Adam at 0.001.
   */
  optimizer: z.record(z.string(), z.unknown()).optional(),
  /**
   * Validated and defaulted by the engine, like the optimizer. Omitted: the schedule of the job that
   * wrote `resumeFrom`, else none (null). Sent with `resumeFrom`, it starts afresh from the base rate.
   */
  lrSchedule: z.record(z.string(), z.unknown()).nullable().optional(),
  /** torch.nn.utils.clip_grad_norm_ over all trainable tensors; null: no clipping. */
  clipGradNorm: finite.gt(0).nullable().default(null),
  validationSplit: fraction.default(0),
  validationDatasetId: id.nullable().default(null),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(42),
  shuffle: z.boolean().default(true),
  earlyStopping: earlyStopping.nullable().default(null),
  checkpointEvery: z.number().int().min(1).max(100_000).default(1),
  resumeFrom: id.nullable().default(null),
});

export type CreateJobBody = z.output<typeof createJobBody>;

export const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional(),
});

export const listJobsQuery = pageQuery.extend({
  modelId: z.string().optional(),
  state: z.enum(JOB_STATES).optional(),
});

/** Any Last-Event-ID is accepted: one this server never issued just gets a fresh snapshot. */
export const eventsHeaders = z.object({
  'last-event-id': z.string().optional(),
});
