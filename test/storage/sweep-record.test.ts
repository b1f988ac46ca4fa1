// The sweep view derived from a record and its trial jobs: trial states before and after their jobs,
// the sweep's state in every phase, and `best` following the metric's direction.

import { describe, expect, it } from 'vitest';
import type { JobRecord, JobState } from '../../src/storage/job-record.js';
import { sweepView, type SweepRecord } from '../../src/storage/sweep-record.js';
import type { SweepConfig } from '../../src/sweeps/config.js';
import { jobConfig } from '../helpers/training-fixtures.js';

const config = (metric: SweepConfig['metric']): SweepConfig => ({
  name: 's', datasetId: 'd', baseModelId: 'm', base: {}, space: { lr: { values: [1, 2, 3] } }, search: 'grid', trials: 3, parallelism: 2, seed: 0,
  metric, earlyTermination: { type: 'none' },
});

const record = (metric: SweepConfig['metric'], extra: Partial<SweepRecord> = {}): SweepRecord => ({
  id: 'sw', config: config(metric), clientKey: null, createdAt: 't0', cancelledAt: null, ended: null,
  plans: [0, 1, 2].map((index) => ({ index, params: { lr: index + 1 }, spec: {} as never, summary: {} as never, config: jobConfig() })),
  ...extra,
});

const job = (index: number, state: JobState, values: number[]): JobRecord => ({
  id: `j${index}`, modelId: `m${index}`, datasetId: 'd', state, config: jobConfig(),
  progress: { epoch: values.length, epochs: 5, step: 0, steps: 0, fraction: 0, samplesPerSecond: null, etaSeconds: null },
  history: values.map((v, i) => ({ epoch: i + 1, loss: v, accuracy: 1 - v, valLoss: null, valAccuracy: null, seconds: 1 })) as never,
  checkpointIds: [], error: null, createdAt: `t${index + 1}`, startedAt: `s${index}`, finishedAt: null, attempts: 1, idempotencyKey: null,
  startEpoch: 0, updatedAt: 'u', clientKey: null, sweepId: 'sw', trial: { sweepId: 'sw', index, metric: 'loss', earlyTermination: { type: 'none' } },
});

describe('sweepView', () => {
  it('lists every trial from the start: queued without a job, then its job\'s state, best metric and epochs', () => {
    const view = sweepView(record('loss'), [job(0, 'running', [0.9, 0.5, 0.7])]);
    expect(view.state).toBe('running');
    expect(view.trials[0]).toEqual({ index: 0, params: { lr: 1 }, modelId: 'm0', jobId: 'j0', state: 'running', metric: 0.5, epochs: 3 });
    expect(view.trials[1]).toEqual({ index: 1, params: { lr: 2 }, modelId: null, jobId: null, state: 'queued', metric: null, epochs: 0 });
    expect(sweepView(record('loss'), []).state).toBe('queued');
  });

  it('succeeds when every trial ended and one succeeded; fails when none did; best follows the direction among succeeded trials', () => {
    const jobs = [job(0, 'succeeded', [0.4, 0.3]), job(1, 'cancelled', [0.1]), job(2, 'succeeded', [0.6, 0.2])];
    const byLoss = sweepView(record('loss'), jobs);
    expect(byLoss.state).toBe('succeeded');
    expect(byLoss.best).toEqual({ index: 2, modelId: 'm2', jobId: 'j2', metric: 0.2, epoch: 2 }); // the cancelled 0.1 is not a candidate
    const byAccuracy = sweepView(record('accuracy'), jobs);
    expect(byAccuracy.best).toMatchObject({ index: 2, metric: 0.8, epoch: 2 });
    const none = sweepView(record('loss'), [job(0, 'failed', []), job(1, 'cancelled', [0.5]), job(2, 'failed', [])]);
    expect(none.state).toBe('failed');
    expect(none.best).toBeNull();
  });

  it('a cancelled sweep is cancelled at once, trials that never started end cancelled, and best still names the best succeeded one', () => {
    const view = sweepView(record('loss', { cancelledAt: 'tc' }), [job(0, 'succeeded', [0.3]), job(1, 'running', [0.2])]);
    expect(view.state).toBe('cancelled');
    expect(view.finishedAt).toBe('tc');
    expect(view.trials[2]?.state).toBe('cancelled');
    expect(view.best).toMatchObject({ index: 0 });
  });

  it('an announced end is final', () => {
    const view = sweepView(record('loss', { ended: { state: 'succeeded', finishedAt: 'te' } }), [job(0, 'succeeded', [0.3])]);
    expect(view).toMatchObject({ state: 'succeeded', finishedAt: 'te' });
  });
});
