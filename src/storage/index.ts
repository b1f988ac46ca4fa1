// The service's storage under DATA_DIR: datasets, models and checkpoints (job records have their own
// store beside them, job-store.ts). `openStorage` creates the directories; `checkWritable` backs /readyz.

import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-file.js';
import { ChangeFeed } from './change-feed.js';
import { CheckpointStore } from './checkpoint-store.js';
import { DatasetStore } from './dataset-store.js';
import { LabelStore } from './label-store.js';
import { ModelStore } from './model-store.js';
import { ensureDir, listDir, removeFiles } from './record-files.js';

/** Temp files this old cannot belong to a live writer (an atomic write takes well under a second). */
const STALE_TEMP_MS = 10 * 60 * 1000;

export { CheckpointStore } from './checkpoint-store.js';
export { DatasetStore } from './dataset-store.js';
export { ModelStore } from './model-store.js';
export { ChangeFeed, type StorageChange, type StorageChangeKind } from './change-feed.js';
export { LabelStore, isLabel, LABEL_PATTERN, type LabelRecord } from './label-store.js';
export { isUuid, newId } from './ids.js';
export type * from './types.js';

export interface Storage {
  dataDir: string;
  datasets: DatasetStore;
  models: ModelStore;
  checkpoints: CheckpointStore;
  labels: LabelStore;
  /** Announces every change of models, checkpoints, labels and datasets to this process's threads. */
  changes: ChangeFeed;
  /** Resolves when DATA_DIR accepts an atomic write; rejects otherwise. */
  checkWritable(): Promise<void>;
}

export async function openStorage(dataDir: string): Promise<Storage> {
  await ensureDir(dataDir);
  const changes = new ChangeFeed(dataDir);
  const [datasets, models, checkpoints, labels] = await Promise.all([
    DatasetStore.open(dataDir, changes),
    ModelStore.open(dataDir, changes),
    CheckpointStore.open(dataDir, changes),
    LabelStore.open(dataDir, changes),
  ]);
  await sweepTempFiles(dataDir);
  const probe = join(dataDir, '.ready-probe');
  return {
    dataDir,
    datasets,
    models,
    checkpoints,
    labels,
    changes,
    async checkWritable() {
      await writeFileAtomic(probe, new Date().toISOString());
      await removeFiles(probe);
    },
  };
}

/** Clears what writers killed between write and rename left in DATA_DIR's record directories. */
async function sweepTempFiles(dataDir: string): Promise<void> {
  const checkpoints = join(dataDir, 'checkpoints');
  const dirs = [dataDir, join(dataDir, 'datasets'), join(dataDir, 'models'), join(dataDir, 'labels'), join(dataDir, 'jobs'), join(dataDir, 'jobs', 'idempotency-keys'), join(dataDir, 'sweeps'), checkpoints];
  for (const model of await listDir(checkpoints)) dirs.push(join(checkpoints, model));
  for (const dir of dirs) await removeStaleTempFiles(dir, STALE_TEMP_MS);
}
