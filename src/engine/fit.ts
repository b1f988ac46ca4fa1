// Training-loop types: the data a fit consumes, its configuration and what it reports.

export interface TrainingData {
  /** count x inputSize values, row-major (channels last for images). */
  inputs: Float32Array;
  count: number;
  /** Class indices (categoricalCrossentropy, or 0/1 for a single sigmoid output). */
  labels?: Int32Array;
  /** count x outputSize target values (regression, multi-label, one-hot or soft labels). */
  targets?: Float32Array;
}

export interface EarlyStoppingConfig {
  /** Default: valLoss when there is validation data, loss otherwise. */
  monitor?: 'valLoss' | 'loss' | 'valAccuracy' | 'accuracy';
  patience: number;
  minDelta?: number;
  /** On an early stop, go back to the weights of the best epoch. */
  restoreBest?: boolean;
}

export interface BatchInfo {
  /** 1-based number of the epoch in progress. */
  epoch: number;
  /** The epoch number this fit ends at. */
  epochs: number;
  /** Batches done in this epoch (1-based), of `steps`. */
  step: number;
  steps: number;
  loss: number;
  /** Samples trained on in this fit call so far. */
  samplesSeen: number;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  /** The rate this epoch trained with (absent in history recorded before schedules existed). */
  learningRate: number;
}

export interface FitConfig {
  /** Epochs this call runs, continuing the trainer's epoch count (an epoch in progress counts as the first). */
  epochs: number;
  batchSize: number;
  shuffle?: boolean;
  /** Fraction held out for validation, chosen with the seed (never shifts with resumption). */
  validationSplit?: number;
  validationData?: TrainingData;
  earlyStopping?: EarlyStoppingConfig;
  /** Checked between batches; when aborted, fit throws CANCELLED with the trainer at a batch boundary. */
  signal?: AbortSignal;
  /** Awaited after every batch: return a promise to yield to the event loop. */
  onBatchEnd?: (info: BatchInfo) => void | Promise<void>;
  /** Awaited after every epoch; trainer.checkpoint() inside it captures the end of that epoch. */
  onEpochEnd?: (metrics: EpochMetrics) => void | Promise<void>;
  /**
   * torch.nn.utils.clip_grad_norm_: the L2 norm of all gradients together is scaled down to at most
   * this, after the backward pass and before the optimizer step (so before weight decay).
   */
  clipGradNorm?: number;
  /** Cap on activation memory for a batch (batchSize x per-sample bytes). */
  maxActivationBytes?: number;
}

export interface FitResult {
  history: EpochMetrics[];
  stoppedEarly: boolean;
  bestEpoch: number | null;
}
