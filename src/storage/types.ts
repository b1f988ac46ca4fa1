// The records of datasets, models and checkpoints (jobs: job-record.ts) and the page types every
// store's list uses. Ids are server-generated UUIDs; no client string ever becomes part of a path.

import type { ModelSpec, ModelSummary } from '../engine/index.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number; // 1..500
  cursor?: string;
}

export interface FeatureStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

export interface DatasetRecord {
  id: string;
  name: string;
  inputShape: number[];
  count: number;
  kind: 'classification' | 'regression';
  numClasses: number | null;
  classCounts: number[] | null;
  classNames: string[] | null;
  /** Width of each target row for regression datasets (null for classification). */
  targetSize: number | null;
  stats: FeatureStats;
  sha256: string;
  createdAt: string;
}

/** The binary payload of a dataset: float32 inputs (count x prod(inputShape)), and labels or targets. */
export interface DatasetTensors {
  inputs: Float32Array;
  labels: Int32Array | null;
  targets: Float32Array | null;
}

export interface ModelRecord {
  id: string;
  name: string;
  spec: ModelSpec;
  summary: ModelSummary;
  createdAt: string;
}

export type CheckpointTag = 'best' | 'final' | 'diverged' | 'imported' | 'interrupted';

export interface CheckpointRecord {
  id: string;
  modelId: string;
  jobId: string | null;
  epoch: number;
  metrics: Record<string, number | null>;
  tags: CheckpointTag[];
  /** sha256 of exactly the safetensors bytes that `/weights` serves. */
  weightsSha256: string;
  /** sha256 of the full training-state bytes (null for imported weights, which carry no state). */
  stateSha256: string | null;
  /** The dataset the weights were trained on (null when imported): predict takes classNames from it. */
  datasetId: string | null;
  createdAt: string;
}

/** What a writer (the training processor, the import route) hands the checkpoint store. */
export interface NewCheckpoint {
  modelId: string;
  jobId?: string | null;
  datasetId?: string | null;
  epoch: number;
  metrics?: Record<string, number | null>;
  tags?: CheckpointTag[];
  /** safetensors bytes: what `/weights` serves, hashed into weightsSha256. */
  weights: Uint8Array;
  /** The engine's full training state (Model/Trainer checkpoint bytes) for resume; null when none. */
  state?: Uint8Array | null;
}

export interface NewDataset {
  name: string;
  inputShape: number[];
  tensors: DatasetTensors;
  /** Classification only; null lets the store number the classes 0..max(label). */
  classNames: string[] | null;
}

export interface NewModel {
  name: string;
  spec: ModelSpec;
  summary: ModelSummary;
}
