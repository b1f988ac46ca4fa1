// The training processor: runs one job from its stored record to a final state. It runs inside a
// worker thread (embedded pool or BullMQ sandbox) and is safe to run again after a crash: it resumes
// from the job's own last checkpoint, and a job already finished is left alone.

import { isEngineError, type EpochMetrics, type FitResult, type Trainer } from '../engine/index.js';
import { finishedRecord, isTerminal, type JobRecord } from '../storage/job-record.js';
import { JobStore } from '../storage/job-store.js';
import { openStorage, type CheckpointRecord, type CheckpointTag, type Storage } from '../storage/index.js';
import { asJobFailure, JobFailure } from './job-failure.js';
import { prepareJob, type PreparedJob } from './prepare-job.js';
import { ProgressTracker } from './progress.js';
import { pruneCheckpoints } from './retention.js';
import { stopReason, type JobLimits, type JobOutcome, type JobRuntime } from './runtime.js';

export interface TrainingDeps {
  storage: Storage;
  jobs: JobStore;
  limits: JobLimits;
}

/** How often progress is written to the record (events go out more often). */
const RECORD_EVERY_MS = 2000;
const PROGRESS_EVENT_EVERY_MS = 500;
const YIELD_EVERY_MS = 100;

export async function runTrainingJob(jobId: string, runtime: JobRuntime, deps: TrainingDeps): Promise<JobOutcome> {
  const job = await deps.jobs.get(jobId);
  if (!job || isTerminal(job.state)) return 'skipped';
  // The run stops on the runtime's signal (cancel, shutdown) or at the job's time limit.
  const controller = new AbortController();
  const follow = () => controller.abort(runtime.signal.reason);
  if (runtime.signal.aborted) follow();
  runtime.signal.addEventListener('abort', follow, { once: true });
  const timer = timeLimit(job, deps.limits, () => controller.abort('timeout'));
  const run = new JobRun(job, { ...runtime, signal: controller.signal }, deps);
  try {
    return await run.execute();
  } catch (err) {
    const failure = asJobFailure(err);
    if (!failure) throw err; // transient: the queue retries (bounded attempts)
    await run.finish('failed', failure);
    return 'failed';
  } finally {
    clearTimeout(timer);
    runtime.signal.removeEventListener('abort', follow);
  }
}

function timeLimit(job: JobRecord, limits: JobLimits, onTimeout: () => void): NodeJS.Timeout | undefined {
  if (limits.timeLimitMs <= 0) return undefined;
  const elapsed = job.startedAt ? Date.now() - Date.parse(job.startedAt) : 0;
  return setTimeout(onTimeout, Math.max(0, limits.timeLimitMs - elapsed));
}

class JobRun {
  private lastRecordWrite = -Infinity;
  private lastProgressEvent = -Infinity;
  private lastYield = -Infinity;
  private lastCheckpoint: CheckpointRecord | null = null;
  private batchesSinceCheckpoint = 0;
  private bestMetric: number | null = null;
  private trainer: Trainer | null = null;

  constructor(
    private job: JobRecord,
    private readonly runtime: JobRuntime,
    private readonly deps: TrainingDeps,
  ) {}

  async execute(): Promise<JobOutcome> {
    // Counted before anything can fail, so every run (and every crash) spends an attempt.
    await this.save((job) => ({ ...job, attempts: job.attempts + 1 }));
    const prepared = await prepareJob(this.job, this.deps.storage, this.deps.limits.model);
    const { trainer } = prepared;
    this.trainer = trainer;
    const firstEpoch = this.job.startEpoch ?? trainer.epoch;
    const remaining = firstEpoch + this.job.config.epochs - trainer.epoch;
    const tracker = new ProgressTracker(firstEpoch, this.job.config.epochs);
    this.lastCheckpoint = prepared.resumedFrom;
    this.bestMetric = await this.currentBestMetric();
    await this.save((job) => ({
      ...job,
      state: 'running',
      startedAt: job.startedAt ?? new Date().toISOString(),
      startEpoch: firstEpoch,
      history: resumedHistory(job.history, trainer, firstEpoch),
      checkpointIds: withOwn(job.checkpointIds, job.id, prepared.resumedFrom),
      progress: tracker.initial(trainer.epoch),
      error: null,
    }));
    await this.publishState();
    if (remaining <= 0) return this.succeed(trainer, prepared, null);

    let result: FitResult;
    try {
      result = await trainer.fit(prepared.data, {
        ...prepared.fitConfig,
        epochs: remaining,
        signal: this.runtime.signal,
        maxActivationBytes: this.deps.limits.maxActivationBytes,
        onBatchEnd: async (info) => {
          this.batchesSinceCheckpoint++;
          tracker.batch(info);
          const now = performance.now();
          if (now - this.lastProgressEvent >= PROGRESS_EVENT_EVERY_MS) {
            this.lastProgressEvent = now;
            const progress = tracker.current();
            this.job.progress = progress;
            await this.runtime.publish({ type: 'progress', jobId: this.job.id, data: progress });
            if (now - this.lastRecordWrite >= RECORD_EVERY_MS) await this.save();
          }
          if (now - this.lastYield >= YIELD_EVERY_MS) {
            this.lastYield = now;
            await this.runtime.tick();
          }
        },
        onEpochEnd: (metrics) => this.onEpochEnd(trainer, metrics, tracker),
      });
    } catch (err) {
      if (isEngineError(err) && err.code === 'CANCELLED') return this.stopped(trainer);
      if (isEngineError(err) && err.code === 'DIVERGED') {
        await this.writeCheckpoint(trainer, ['diverged'], this.job.history.at(-1) ?? null);
        throw new JobFailure('DIVERGED', err.message);
      }
      throw err;
    }
    return this.succeed(trainer, prepared, result);
  }

  async finish(state: 'succeeded' | 'failed' | 'cancelled', error: JobFailure | null): Promise<void> {
    await this.save((job) => finishedRecord(job, state, error ? { code: error.code, message: error.message } : null));
    await this.publishState();
  }

  private async onEpochEnd(trainer: Trainer, metrics: EpochMetrics, tracker: ProgressTracker): Promise<void> {
    this.job.history = [...this.job.history.filter((entry) => entry.epoch < metrics.epoch), { ...metrics }];
    this.job.progress = tracker.epochEnd(metrics.epoch, tracker.current());
    await this.runtime.publish({ type: 'epoch', jobId: this.job.id, data: metrics });
    // Checkpoints only every `checkpointEvery` epochs (the user's I/O budget); `best` moves among them.
    if ((metrics.epoch - (this.job.startEpoch ?? 0)) % this.job.config.checkpointEvery === 0) {
      await this.writeCheckpoint(trainer, this.improvesBest(metrics) ? ['best'] : [], metrics);
    } else if (performance.now() - this.lastRecordWrite >= RECORD_EVERY_MS) {
      await this.save();
    }
  }

  private async succeed(trainer: Trainer, prepared: PreparedJob, result: FitResult | null): Promise<JobOutcome> {
    const restored = result !== null && result.stoppedEarly && prepared.fitConfig.earlyStopping?.restoreBest === true;
    const last = this.lastCheckpoint;
    if (last && last.jobId === this.job.id && last.epoch === trainer.epoch && !restored) {
      await this.runtime.assertOwnership();
      this.lastCheckpoint = await this.deps.storage.checkpoints.addTag(last.id, 'final');
      await this.runtime.publish({ type: 'checkpoint', jobId: this.job.id, data: this.lastCheckpoint });
    } else {
      const metrics = restored && result.bestEpoch !== null
        ? (this.job.history.find((entry) => entry.epoch === result.bestEpoch) ?? null)
        : (this.job.history.at(-1) ?? null);
      await this.writeCheckpoint(trainer, metrics && this.improvesBest(metrics) ? ['final', 'best'] : ['final'], metrics);
    }
    await this.finish('succeeded', null);
    return 'succeeded';
  }

  /** Cancelled or shut down at a batch boundary: keep the work done as an `interrupted` checkpoint. */
  private async stopped(trainer: Trainer): Promise<JobOutcome> {
    const reason = stopReason(this.runtime.signal);
    if (this.batchesSinceCheckpoint > 0) await this.writeCheckpoint(trainer, ['interrupted'], this.job.history.at(-1) ?? null);
    if (reason === 'timeout') throw new JobFailure('TIMEOUT', 'the job ran past its time limit');
    if (reason === 'cancel') {
      await this.finish('cancelled', null);
      return 'cancelled';
    }
    // Shutdown: back to the queue, and the run does not spend an attempt (it did not fail); the
    // next run resumes from the checkpoint just written.
    await this.save((job) => ({ ...job, state: 'queued', attempts: job.attempts - 1 }));
    await this.publishState();
    return 'interrupted';
  }

  private async writeCheckpoint(trainer: Trainer, tags: CheckpointTag[], metrics: EpochMetrics | null): Promise<void> {
    await this.runtime.assertOwnership();
    const record = await this.deps.storage.checkpoints.create({
      modelId: this.job.modelId,
      jobId: this.job.id,
      datasetId: this.job.datasetId,
      epoch: trainer.epoch,
      metrics: metrics ? { loss: metrics.loss, accuracy: metrics.accuracy, valLoss: metrics.valLoss, valAccuracy: metrics.valAccuracy } : {},
      tags,
      weights: trainer.exportWeights(),
      state: trainer.checkpoint(),
    });
    if (tags.includes('best') && metrics) this.bestMetric = bestMetricOf(metrics);
    this.lastCheckpoint = record;
    this.batchesSinceCheckpoint = 0;
    this.job.checkpointIds = [...this.job.checkpointIds, record.id];
    await this.runtime.assertOwnership();
    const pruned = await pruneCheckpoints(this.deps.storage, this.deps.jobs, this.job, this.deps.limits.keepLastCheckpoints);
    this.job.checkpointIds = this.job.checkpointIds.filter((id) => !pruned.includes(id));
    await this.save();
    await this.runtime.publish({ type: 'checkpoint', jobId: this.job.id, data: record });
  }

  /** `best` is the lowest validation loss, or training loss without validation, across the model. */
  private improvesBest(metrics: EpochMetrics): boolean {
    const value = bestMetricOf(metrics);
    return Number.isFinite(value) && (this.bestMetric === null || value < this.bestMetric);
  }

  private async currentBestMetric(): Promise<number | null> {
    const best = await this.deps.storage.checkpoints.best(this.job.modelId);
    const value = best ? (best.metrics.valLoss ?? best.metrics.loss) : null;
    return typeof value === 'number' ? value : null;
  }

  private async save(change?: (job: JobRecord) => JobRecord): Promise<void> {
    await this.runtime.assertOwnership();
    if (change) this.job = change(this.job);
    // A fit records a kernel switch as it starts; every write after that carries it (issue 10, finding 11).
    const switches = this.trainer?.kernelSwitches ?? [];
    if (switches.length > 0) this.job.kernelSwitches = switches;
    this.lastRecordWrite = performance.now();
    await this.deps.jobs.save(this.job);
  }

  /** A copy: the run keeps replacing this.job's fields, and an in-process event log keeps what it is given. */
  private publishState(): Promise<void> {
    return this.runtime.publish({ type: 'state', jobId: this.job.id, data: { ...this.job } });
  }
}

/**
 * The job's history as of the checkpoint it resumes from: epochs after it are trained again, so
 * their old entries go; epochs up to it that the record missed (a crash between writing a checkpoint
 * and the record) come back from the checkpoint's own history. Epochs before this job's first are
 * another job's (a `resumeFrom`) and stay out.
 */
function resumedHistory(history: JobRecord['history'], trainer: Trainer, firstEpoch: number): JobRecord['history'] {
  const kept = history.filter((entry) => entry.epoch <= trainer.epoch);
  const known = new Set(kept.map((entry) => entry.epoch));
  const recovered = trainer.history.filter((entry) => entry.epoch > firstEpoch && entry.epoch <= trainer.epoch && !known.has(entry.epoch));
  return [...kept, ...recovered.map((entry) => ({ ...entry }))].sort((a, b) => a.epoch - b.epoch);
}

/** A checkpoint this job wrote but had not yet recorded when it crashed joins its list. */
function withOwn(ids: string[], jobId: string, checkpoint: CheckpointRecord | null): string[] {
  return checkpoint && checkpoint.jobId === jobId && !ids.includes(checkpoint.id) ? [...ids, checkpoint.id] : ids;
}

function bestMetricOf(metrics: Pick<EpochMetrics, 'loss' | 'valLoss'>): number {
  return metrics.valLoss ?? metrics.loss;
}

/** Stores opened on DATA_DIR, as a worker thread needs them (threads share no objects with the main thread). */
export async function openTrainingDeps(dataDir: string, limits: JobLimits): Promise<TrainingDeps> {
  const jobs = new JobStore(dataDir);
  await jobs.init();
  return { storage: await openStorage(dataDir), jobs, limits };
}
