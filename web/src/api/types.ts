// The HTTP contract (API.md, openapi.yaml) as the dashboard reads it. The dashboard is a client like
// any other, so it types the wire format, not the server's internals; test/web/contract-types.test.ts
// checks at compile time that the server's own types still fit these.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[]; requestId: string };
}

export interface Dataset {
  id: string;
  name: string;
  inputShape: number[];
  count: number;
  kind: 'classification' | 'regression';
  numClasses: number | null;
  classCounts: number[] | null;
  classNames: string[] | null;
  /** Width of a target row (regression); null for classification. */
  targetSize: number | null;
  stats: { min: number; max: number; mean: number; std: number };
  sha256: string;
  createdAt: string;
}

/** GET /v1/datasets/:id/samples: rows in the upload body's fields (flat inputs). */
export interface DatasetSamples {
  datasetId: string;
  offset: number;
  count: number;
  inputs: number[][];
  labels: number[] | null;
  targets: number[][] | null;
}

/** The engine's spec is open-ended JSON here: the server validates it (one validator). */
export type Spec = { input: number[]; layers: Record<string, unknown>[]; loss: string } & Record<string, unknown>;

export interface ModelSummary {
  layers: { index: number; type: string; outputShape: number[]; params: number }[];
  totalParams: number;
  flopsPerSample: number;
}

export interface Model {
  id: string;
  name: string;
  spec: Spec;
  summary: ModelSummary;
  createdAt: string;
}

export interface ValidatedSpec {
  spec: Spec;
  summary: ModelSummary;
  activationBytesPerSample: number;
}

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface HistoryEntry {
  epoch: number;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  /** The rate the epoch trained with (engine v2); absent on servers without learning-rate schedules. */
  learningRate?: number | null;
}

export interface JobProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  fraction: number;
  samplesPerSecond: number | null;
  etaSeconds: number | null;
}

/** Sent back whole when resuming, so fields this dashboard does not know (lrSchedule, ...) survive. */
export type JobConfig = { epochs: number; batchSize: number; optimizer: { type: string; learningRate?: number } & Record<string, unknown> } & Record<string, unknown>;

export interface Job {
  id: string;
  modelId: string;
  datasetId: string;
  state: JobState;
  config: JobConfig;
  progress: JobProgress;
  history: HistoryEntry[];
  checkpointIds: string[];
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Checkpoint {
  id: string;
  modelId: string;
  jobId: string | null;
  epoch: number;
  metrics: Record<string, number | null>;
  tags: string[];
  weightsSha256: string;
  createdAt: string;
}

/** Serving issue: PUT/GET/DELETE /v1/models/:id/labels/:label. */
export interface Label {
  label: string;
  checkpointId: string;
  updatedAt: string;
}

export interface Prediction {
  predictions: number[][];
  classes: (number | number[])[] | null;
  classNames: string[] | null;
  checkpoint: string;
}

export interface Evaluation {
  loss: number;
  accuracy: number | null;
  confusionMatrix: number[][] | null;
  count: number;
  classNames: string[] | null;
  datasetId: string;
  checkpoint: string;
}

export type JobEvent =
  | { type: 'snapshot'; data: Job }
  | { type: 'progress'; data: JobProgress }
  | { type: 'epoch'; data: HistoryEntry }
  | { type: 'checkpoint'; data: Checkpoint }
  | { type: 'state'; data: Job };

/** A sweep trial (API.md "Sweeps"): `params` keyed by the space's dotted paths. */
export interface SweepTrial {
  index: number;
  params: Record<string, unknown>;
  modelId: string | null;
  jobId: string | null;
  state: JobState;
  metric: number | null;
  epochs: number;
}

export interface Sweep {
  id: string;
  name: string;
  state: JobState;
  config: { metric: string; search: string; parallelism: number; trials: number; space: Record<string, unknown> };
  trials: SweepTrial[];
  best: { index: number; modelId: string; jobId: string; checkpointId: string | null; metric: number } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
