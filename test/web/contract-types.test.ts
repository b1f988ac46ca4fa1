// The dashboard types the wire format (web/src/api/types.ts); the server types what it serves. This
// compiles only while every resource the server sends still fits what the dashboard reads (npm run
// typecheck checks test files), and asserts nothing at run time beyond that.

import { describe, expectTypeOf, it } from 'vitest';
import type { ModelSummary as EngineSummary } from '../../src/engine/index.js';
import type { CheckpointRecord, DatasetRecord, ModelRecord } from '../../src/storage/types.js';
import type { JobResource } from '../../src/api/routes/jobs/resource.js';
import type { SweepResource } from '../../src/api/routes/sweeps/resource.js';
import type { Checkpoint, Dataset, HistoryEntry, Job, JobProgress, Model, ModelSummary, Sweep } from '../../web/src/api/types.js';

describe('dashboard wire types', () => {
  it('fit the server\'s resources', () => {
    expectTypeOf<DatasetRecord>().toExtend<Dataset>();
    expectTypeOf<EngineSummary>().toExtend<ModelSummary>();
    expectTypeOf<Omit<ModelRecord, 'spec'>>().toExtend<Omit<Model, 'spec'>>();
    expectTypeOf<CheckpointRecord>().toExtend<Checkpoint>();
    expectTypeOf<JobResource['history'][number]>().toExtend<HistoryEntry>();
    expectTypeOf<JobResource['progress']>().toExtend<JobProgress>();
    expectTypeOf<Omit<JobResource, 'config'>>().toExtend<Omit<Job, 'config'>>();
    expectTypeOf<SweepResource>().toExtend<Sweep>();
  });
});
