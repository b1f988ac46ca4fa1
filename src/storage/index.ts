// The service's storage under DATA_DIR: datasets, models and checkpoints (H2's job store lives beside
// them in job-store.ts). `openStorage` creates the directories; `checkWritable` backs /readyz.

import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { CheckpointStore } from './checkpoint-store.js';
import { DatasetStore } from './dataset-store.js';
import { ModelStore } from './model-store.js';
import { ensureDir, removeFiles } from './record-files.js';

export { CheckpointStore } from './checkpoint-store.js';
export { DatasetStore } from './dataset-store.js';
export { ModelStore } from './model-store.js';
export { isUuid, newId } from './ids.js';
export type * from './types.js';

export interface Storage {
  dataDir: string;
  datasets: DatasetStore;
  models: ModelStore;
  checkpoints: CheckpointStore;
  /** Resolves when DATA_DIR accepts an atomic write; rejects otherwise. */
  checkWritable(): Promise<void>;
}

export async function openStorage(dataDir: string): Promise<Storage> {
  await ensureDir(dataDir);
  const [datasets, models, checkpoints] = await Promise.all([
    DatasetStore.open(dataDir),
    ModelStore.open(dataDir),
    CheckpointStore.open(dataDir),
  ]);
  const probe = join(dataDir, '.ready-probe');
  return {
    dataDir,
    datasets,
    models,
    checkpoints,
    async checkWritable() {
      await writeFileAtomic(probe, new Date().toISOString());
      await removeFiles(probe);
    },
  };
}
