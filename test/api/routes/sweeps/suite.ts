// The sweep acceptance suite, run once per mode (embedded.test.ts, distributed.test.ts): grid and
// random search, determinism from the seed, successive halving, cancel, SSE, and bad bodies.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSse } from '../../../helpers/sse-watch.js';
import { expectError, MISSING_ID, storedFiles } from '../../../helpers/test-app.js';
import { waitFor } from '../../../helpers/training-fixtures.js';
import { sweepHarness, type Mode, type SweepHarness } from './harness.js';

type Trial = { index: number; params: Record<string, unknown>; modelId: string | null; jobId: string | null; state: string; metric: number | null; epochs: number };

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

export function sweepSuite(mode: Mode): void {
  describe(`sweeps (${mode})`, () => {
    let h: SweepHarness;
    beforeAll(async () => {
      h = await sweepHarness(mode);
    });
    afterAll(async () => h?.close());

    const submit = (body: Record<string, unknown>) =>
      h.json('POST', '/v1/sweeps', { name: 'search', datasetId: h.datasetId, baseModelId: h.modelId, ...body });
    const ended = (id: string, timeoutMs = 90_000) =>
      waitFor(async () => (await h.json('GET', `/v1/sweeps/${id}`)).body, (s) => TERMINAL.includes(s.state) && s.trials.every((t: Trial) => TERMINAL.includes(t.state)), timeoutMs);
    const base = { epochs: 2, batchSize: 32, optimizer: { type: 'adam' }, validationSplit: 0.25 };

    it('grid: every combination becomes a model and an ordinary job, at most `parallelism` at once; best is the lowest valLoss; SSE tells it', async () => {
      const space = { 'optimizer.learningRate': { values: [0.01, 0.1] }, 'spec.layers.0.units': { values: [4, 8] } };
      const res = await submit({ base, space, search: 'grid', parallelism: 2, metric: 'valLoss' });
      expect(res.status).toBe(202);
      const id = res.body.id as string;
      const stream = watchSse(`${h.baseUrl}/v1/sweeps/${id}/events`);
      expect(res.body.trials.map((t: Trial) => t.params)).toEqual([
        { 'optimizer.learningRate': 0.01, 'spec.layers.0.units': 4 },
        { 'optimizer.learningRate': 0.01, 'spec.layers.0.units': 8 },
        { 'optimizer.learningRate': 0.1, 'spec.layers.0.units': 4 },
        { 'optimizer.learningRate': 0.1, 'spec.layers.0.units': 8 },
      ]);
      expect(res.body.config).toMatchObject({ search: 'grid', trials: 4, parallelism: 2, metric: 'valLoss', earlyTermination: { type: 'none' } });

      const sweep = await ended(id);
      expect(sweep.state).toBe('succeeded');
      const trials = sweep.trials as Trial[];
      for (const trial of trials) {
        expect(trial.state).toBe('succeeded');
        expect(trial.epochs).toBe(2);
        const model = (await h.json('GET', `/v1/models/${trial.modelId}`)).body;
        expect(model.name).toBe(`search/trial-${trial.index}`);
        expect(model.spec.layers[0].units).toBe(trial.params['spec.layers.0.units']);
        const job = (await h.json('GET', `/v1/jobs/${trial.jobId}`)).body;
        expect(job).toMatchObject({ sweepId: id, modelId: trial.modelId, state: 'succeeded' });
        expect(job.config.optimizer.learningRate).toBe(trial.params['optimizer.learningRate']);
        expect(trial.metric).toBe(Math.min(...job.history.map((e: { valLoss: number }) => e.valLoss)));
      }
      // parallelism across every worker: a trial's job is created only when fewer than 2 are unfinished
      const jobs = (await h.json('GET', `/v1/jobs?sweepId=${id}`)).body.items as { createdAt: string; finishedAt: string; sweepId: string }[];
      expect(jobs).toHaveLength(4);
      for (const job of jobs) {
        const overlapping = jobs.filter((other) => other.createdAt <= job.createdAt && other.finishedAt > job.createdAt);
        expect(overlapping.length).toBeLessThanOrEqual(2);
      }
      const best = trials.reduce((a, b) => ((b.metric as number) < (a.metric as number) ? b : a));
      expect(sweep.best).toMatchObject({ index: best.index, modelId: best.modelId, jobId: best.jobId, metric: best.metric });
      const checkpoint = (await h.json('GET', `/v1/models/${best.modelId}/checkpoints/${sweep.best.checkpointId}`)).body;
      expect(checkpoint.jobId).toBe(best.jobId);

      const events = await stream.done;
      expect(events[0]?.event).toBe('snapshot');
      expect(events.at(-1)?.event).toBe('state');
      expect(events.at(-1)?.data).toMatchObject({ id, state: 'succeeded', best: { index: best.index } });
      const trialEvents = events.filter((e) => e.event === 'trial').map((e) => e.data as Trial);
      expect(new Set(trialEvents.filter((t) => t.state === 'succeeded').map((t) => t.index))).toEqual(new Set([0, 1, 2, 3]));
    }, 180_000);

    it('random: the same body and seed give the same trials, drawn inside their domains; another seed others; cancel cascades to every trial', async () => {
      const body = {
        base: { ...base, epochs: 100_000, batchSize: 1 },
        space: {
          'optimizer.learningRate': { logUniform: [0.0001, 0.1] },
          batchSize: { values: [1, 2] },
          'spec.layers.0.units': { intUniform: [2, 6] },
          validationSplit: { uniform: [0.1, 0.3] },
        },
        search: 'random', trials: 5, parallelism: 2, seed: 7,
      };
      const first = await submit(body);
      const second = await submit(body);
      const other = await submit({ ...body, seed: 8 });
      expect([first.status, second.status, other.status]).toEqual([202, 202, 202]);
      const params = (s: { body: { trials: Trial[] } }) => s.body.trials.map((t) => t.params);
      expect(params(second)).toEqual(params(first));
      expect(params(other)).not.toEqual(params(first));
      for (const p of params(first)) {
        expect(p['optimizer.learningRate']).toBeGreaterThanOrEqual(0.0001);
        expect(p['optimizer.learningRate']).toBeLessThanOrEqual(0.1);
        expect([1, 2]).toContain(p.batchSize);
        expect(Number.isInteger(p['spec.layers.0.units'])).toBe(true);
        expect(p['spec.layers.0.units']).toBeGreaterThanOrEqual(2);
        expect(p['spec.layers.0.units']).toBeLessThanOrEqual(6);
      }

      for (const sweep of [second, other]) expect((await h.json('POST', `/v1/sweeps/${sweep.body.id}/cancel`)).status).toBe(202);
      const id = first.body.id as string;
      await waitFor(async () => (await h.json('GET', `/v1/sweeps/${id}`)).body, (s) => s.trials.some((t: Trial) => t.state === 'running'));
      const cancel = await h.json('POST', `/v1/sweeps/${id}/cancel`);
      expect(cancel.status).toBe(202);
      expect(cancel.body.state).toBe('cancelled');
      const sweep = await ended(id);
      expect(sweep.state).toBe('cancelled');
      const trials = sweep.trials as Trial[];
      expect(trials.every((t) => t.state === 'cancelled')).toBe(true);
      expect(trials.filter((t) => t.jobId !== null).length).toBeLessThanOrEqual(2); // no trial started after the cancel
      for (const trial of trials.filter((t) => t.jobId !== null)) {
        expect((await h.json('GET', `/v1/jobs/${trial.jobId}`)).body.state).toBe('cancelled');
      }
      expectError((await h.json('POST', `/v1/sweeps/${id}/cancel`)).body, 409, 'SWEEP_FINISHED', 409);
    }, 180_000);

    it('successive halving stops trials that are not in the top 1/reductionFactor at a rung (cancelled, metric kept) and keeps the best', async () => {
      // One at a time, so the order in which trials reach the rung is the index order: trial 0
      // (a good rate) goes on; the tiny rates after it are worse at epoch 1 and stop there.
      const space = { 'optimizer.learningRate': { values: [0.05, 0.00001, 0.000001, 0.1] } };
      const res = await submit({
        base: { ...base, epochs: 4, validationSplit: 0 }, space, search: 'grid', parallelism: 1, metric: 'loss',
        earlyTermination: { type: 'successiveHalving', minEpochs: 1, reductionFactor: 3 },
      });
      expect(res.status).toBe(202);
      const sweep = await ended(res.body.id);
      const trials = sweep.trials as Trial[];
      expect(trials[0]).toMatchObject({ state: 'succeeded', epochs: 4 });
      for (const stopped of [trials[1], trials[2]]) {
        expect(stopped).toMatchObject({ state: 'cancelled', epochs: 1 });
        expect(stopped?.metric).toEqual(expect.any(Number));
      }
      expect(sweep.state).toBe('succeeded');
      const succeeded = trials.filter((t) => t.state === 'succeeded');
      const best = succeeded.reduce((a, b) => ((b.metric as number) < (a.metric as number) ? b : a));
      expect(sweep.best).toMatchObject({ index: best.index, metric: best.metric });
      expect(best.epochs).toBe(4);
    }, 180_000);

    describe('bad bodies: 4xx naming the field, nothing stored', () => {
      const good = () => ({ base, space: { 'optimizer.learningRate': { values: [0.01] } }, search: 'grid', parallelism: 1 });
      const cases: [string, () => Record<string, unknown>, number, string, string][] = [
        ['unknown body path', () => ({ ...good(), space: { 'optimiser.learningRate': { values: [0.1] } } }), 400, 'VALIDATION_ERROR', '/space/optimiser.learningRate'],
        ['unknown spec path', () => ({ ...good(), space: { 'spec.layers.9.units': { values: [4] } } }), 400, 'VALIDATION_ERROR', '/space/spec.layers.9.units'],
        ['grid with a range', () => ({ ...good(), space: { 'optimizer.learningRate': { uniform: [0.001, 0.1] } } }), 400, 'VALIDATION_ERROR', '/space/optimizer.learningRate'],
        ['random without trials', () => ({ ...good(), search: 'random' }), 400, 'VALIDATION_ERROR', '/trials'],
        ['parallelism 0', () => ({ ...good(), parallelism: 0 }), 400, 'VALIDATION_ERROR', '/parallelism'],
        ['a value the engine refuses in the spec', () => ({ ...good(), space: { 'spec.layers.0.units': { values: [4, 0] } } }), 422, 'SPEC_INVALID', '/space/spec.layers.0.units'],
        ['a value the optimizer refuses', () => ({ ...good(), space: { 'optimizer.learningRate': { values: [-1] } } }), 422, 'CONFIG_INVALID', '/space/optimizer.learningRate'],
        ['a value the job schema refuses', () => ({ ...good(), space: { batchSize: { values: [0] } } }), 400, 'VALIDATION_ERROR', '/space/batchSize'],
        ['too many grid combinations', () => ({ ...good(), space: { 'optimizer.learningRate': { values: Array.from({ length: 300 }, (_, i) => (i + 1) / 1000) } } }), 422, 'LIMIT_EXCEEDED', '/space/optimizer.learningRate'],
        ['a validation metric without validation data', () => ({ ...good(), base: { ...base, validationSplit: 0 }, metric: 'valLoss' }), 422, 'CONFIG_INVALID', '/metric'],
        ['resumeFrom in the base', () => ({ ...good(), base: { ...base, resumeFrom: MISSING_ID } }), 400, 'VALIDATION_ERROR', '/base/resumeFrom'],
      ];
      it.each(cases)('%s', async (_name, body, status, code, path) => {
        const res = await submit(body());
        expectError(res.body, status, code, res.status);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      });

      it('unknown ids: 404 for the base model, the dataset, a sweep, its cancel and its events', async () => {
        const before = await storedFiles(h.dataDir, 'sweeps');
        let res = await submit({ ...good(), baseModelId: MISSING_ID });
        expectError(res.body, 404, 'MODEL_NOT_FOUND', res.status);
        res = await submit({ ...good(), datasetId: MISSING_ID });
        expectError(res.body, 404, 'DATASET_NOT_FOUND', res.status);
        res = await h.json('GET', `/v1/sweeps/${MISSING_ID}`);
        expectError(res.body, 404, 'SWEEP_NOT_FOUND', res.status);
        res = await h.json('POST', `/v1/sweeps/not-a-uuid/cancel`);
        expectError(res.body, 404, 'SWEEP_NOT_FOUND', res.status);
        res = await h.json('GET', `/v1/sweeps/${MISSING_ID}/events`);
        expectError(res.body, 404, 'SWEEP_NOT_FOUND', res.status);
        expect(await storedFiles(h.dataDir, 'sweeps')).toEqual(before);
      });
    });
  });
}
