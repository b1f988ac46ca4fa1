// Everything a run needs before fit: the model, the data (and validation data), and a Trainer built
// fresh, from `resumeFrom`, or from the job's own last checkpoint after a crash or restart.

import { Trainer, type FitConfig, type LrScheduleConfig, type ModelLimits, type TrainingData } from '../engine/index.js';
import { isAppError } from '../errors.js';
import type { JobRecord } from '../storage/job-record.js';
import type { CheckpointRecord, DatasetTensors, ModelRecord, Storage } from '../storage/index.js';
import { assertDatasetFits } from './dataset-fit.js';

export interface PreparedJob {
  trainer: Trainer;
  data: TrainingData;
  fitConfig: Omit<FitConfig, 'epochs' | 'signal' | 'onBatchEnd' | 'onEpochEnd'>;
  /** The checkpoint the trainer was built from, if any. */
  resumedFrom: CheckpointRecord | null;
}

export async function prepareJob(job: JobRecord, storage: Storage, limits: ModelLimits): Promise<PreparedJob> {
  const { config } = job;
  const model = await storage.models.get(job.modelId);
  const train = await storage.datasets.load(job.datasetId);
  assertDatasetFits(model, train.record);
  let validationData: TrainingData | undefined;
  if (config.validationDatasetId) {
    const validation = await storage.datasets.load(config.validationDatasetId);
    assertDatasetFits(model, validation.record, '/validationDatasetId');
    validationData = toTrainingData(validation.tensors, validation.record.count);
  }
  const { trainer, resumedFrom } = await buildTrainer(job, model, storage, limits);
  return {
    trainer,
    resumedFrom,
    data: toTrainingData(train.tensors, train.record.count),
    fitConfig: {
      batchSize: config.batchSize,
      shuffle: config.shuffle,
      validationData,
      validationSplit: validationData || config.validationSplit === 0 ? undefined : config.validationSplit,
      earlyStopping: config.earlyStopping ?? undefined,
      clipGradNorm: config.clipGradNorm ?? undefined,
    },
  };
}

async function buildTrainer(
  job: JobRecord, model: ModelRecord, storage: Storage, limits: ModelLimits,
): Promise<{ trainer: Trainer; resumedFrom: CheckpointRecord | null }> {
  const { seed, optimizer } = job.config;
  const lrSchedule = job.config.lrSchedule ?? null;
  // Newest own checkpoint first: an exact resume (same optimizer state and PRNG) after a crash. The
  // store is asked too: a crash between writing a checkpoint and the job record must not lose it.
  const stored = (await storage.checkpoints.all(job.modelId)).filter((c) => c.jobId === job.id).map((c) => c.id);
  const own = [...new Set([...stored, ...[...job.checkpointIds].reverse()])];
  for (const id of own) {
    const resumed = await tryLoad(id, job.modelId, storage);
    if (resumed?.state) return { trainer: Trainer.fromCheckpoint(resumed.state, { limits }), resumedFrom: resumed.record };
  }
  if (job.config.resumeFrom) {
    const record = await storage.checkpoints.get(job.config.resumeFrom, job.modelId);
    const options = { seed, optimizer, lrSchedule, restartSchedule: job.restartSchedule === true, limits };
    return { trainer: await resumeTrainer(record, model, storage, options), resumedFrom: record };
  }
  return { trainer: Trainer.create(model.spec, { seed, optimizer, lrSchedule, limits }), resumedFrom: null };
}

/**
 * The trainer a `resumeFrom` checkpoint gives: its full training state, or its weights alone (an
 * import). Both reads verify the sha256 (409 CHECKPOINT_CORRUPT) and the engine decodes the bytes
 * (409 CHECKPOINT_INVALID). `POST /v1/jobs` calls this too, so a checkpoint the run could not resume
 * from is refused at submission.
 */
export async function resumeTrainer(
  record: CheckpointRecord, model: ModelRecord, storage: Storage,
  options: { seed: number; optimizer: JobRecord['config']['optimizer']; lrSchedule: LrScheduleConfig | null; restartSchedule: boolean; limits: ModelLimits },
): Promise<Trainer> {
  const { seed, optimizer, lrSchedule, restartSchedule, limits } = options;
  const state = await storage.checkpoints.readState(record.id);
  // The schedule continues from the checkpoint unless this job sent its own optimizer or schedule.
  return state
    ? Trainer.fromCheckpoint(state, { optimizer, lrSchedule, restartSchedule, limits })
    : Trainer.fromWeights(model.spec, await storage.checkpoints.readWeights(record.id), { seed, optimizer, lrSchedule, limits });
}

/** An own checkpoint that was removed or fails its checksum is skipped for the one before it. */
async function tryLoad(id: string, modelId: string, storage: Storage): Promise<{ record: CheckpointRecord; state: Uint8Array | null } | null> {
  try {
    const record = await storage.checkpoints.get(id, modelId);
    return { record, state: await storage.checkpoints.readState(id) };
  } catch (err) {
    if (isAppError(err) && (err.code === 'CHECKPOINT_NOT_FOUND' || err.code === 'CHECKPOINT_CORRUPT')) return null;
    throw err;
  }
}

function toTrainingData(tensors: DatasetTensors, count: number): TrainingData {
  return { inputs: tensors.inputs, count, labels: tensors.labels ?? undefined, targets: tensors.targets ?? undefined };
}
