// Turns the engine's per-batch reports into the job's progress (fraction of this job's work,
// samples/s, ETA). Rates are measured over this run only, so a resumed job does not count old time.

import type { BatchInfo } from '../engine/index.js';
import type { JobProgress } from '../storage/job-record.js';

export class ProgressTracker {
  private readonly started: number;
  private batchesThisRun = 0;
  private last: BatchInfo | null = null;

  /**
   * @param firstEpoch trainer epoch (completed epochs) when this job first started
   * @param jobEpochs epochs this job runs in total
   * @param now milliseconds on a monotonic clock (injected by tests)
   */
  constructor(
    private readonly firstEpoch: number,
    private readonly jobEpochs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Progress before the first batch of this run (`completed` = the trainer's completed epochs). */
  initial(completed: number): JobProgress {
    return {
      epoch: completed, epochs: this.firstEpoch + this.jobEpochs, step: 0, steps: this.last?.steps ?? 0,
      fraction: this.fractionAtEpochEnd(completed), samplesPerSecond: null, etaSeconds: null,
    };
  }

  /** Called after every batch; cheap. */
  batch(info: BatchInfo): void {
    this.batchesThisRun++;
    this.last = info;
  }

  /** Progress once `epoch` (the trainer's count) has completed. */
  epochEnd(epoch: number, previous: JobProgress): JobProgress {
    return { ...previous, epoch, step: previous.steps, fraction: this.fractionAtEpochEnd(epoch) };
  }

  current(): JobProgress {
    const info = this.last;
    if (!info) return this.initial(this.firstEpoch);
    const seconds = (this.now() - this.started) / 1000;
    const totalSteps = this.jobEpochs * info.steps;
    const doneSteps = Math.min(totalSteps, (info.epoch - 1 - this.firstEpoch) * info.steps + info.step);
    const secondsPerStep = seconds / this.batchesThisRun;
    return {
      epoch: info.epoch,
      epochs: this.firstEpoch + this.jobEpochs,
      step: info.step,
      steps: info.steps,
      fraction: totalSteps > 0 ? doneSteps / totalSteps : 1,
      samplesPerSecond: seconds > 0 ? round(info.samplesSeen / seconds) : null,
      etaSeconds: round((totalSteps - doneSteps) * secondsPerStep),
    };
  }

  private fractionAtEpochEnd(epoch: number): number {
    return this.jobEpochs > 0 ? Math.min(1, Math.max(0, (epoch - this.firstEpoch) / this.jobEpochs)) : 1;
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;
