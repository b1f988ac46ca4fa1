// Storage under faults: writers killed (-9) between write and rename, truncated checkpoints, and a
// full disk (a real 4 MiB tmpfs; mounting needs root, which the CI runner is).

import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, statfs, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStaleTempFiles } from '../../src/storage/atomic-file.js';
import { openStorage } from '../../src/storage/index.js';
import { listJson } from '../../src/storage/record-files.js';
import { openTrainingDeps, runTrainingJob, type TrainingDeps } from '../../src/training/run-job.js';
import { NO_LIMITS, type JobRuntime } from '../../src/training/runtime.js';
import { createTestApp, expectError, identitySpec, identityWeights, type TestApp } from '../helpers/test-app.js';
import { storeFixtures, storeJob } from '../helpers/training-fixtures.js';

const ROOT = new URL('../../', import.meta.url);

function runtime(onEvent: (type: string) => Promise<void> | void = () => undefined, controller = new AbortController()): JobRuntime {
  return {
    signal: controller.signal,
    publish: async (event) => onEvent(event.type),
    tick: () => new Promise((resolve) => setImmediate(resolve)),
    assertOwnership: async () => undefined,
  };
}

describe('crash consistency of atomic writes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-faults-atomic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a writer killed at random points, and right before its rename, leaves the old or the new complete file, never a torn one or a listed temp file', async () => {
    // The child rewrites one record forever, each version 1 MiB and self-describing. In "before-rename"
    // mode its second write stops just before the rename (the temp file written and fsynced) and says
    // so: that kill point is certain, not left to chance.
    const script = join(dir, 'writer.mjs');
    const atomic = new URL('dist/storage/atomic-file.js', ROOT).href;
    await writeFile(script, `
      import fsp from 'node:fs/promises';
      import { syncBuiltinESMExports } from 'node:module';
      const [target, start, mode] = process.argv.slice(2);
      if (mode === 'before-rename') {
        const rename = fsp.rename;
        let renames = 0;
        fsp.rename = async (...args) => {
          if (++renames === 1) return rename(...args);
          process.stdout.write('renaming\\n');
          return new Promise(() => {});
        };
        syncBuiltinESMExports();
      }
      const { writeFileAtomic } = await import(${JSON.stringify(atomic)});
      for (let version = Number(start); ; version++) {
        await writeFileAtomic(target, JSON.stringify({ version, pad: String(version % 10).repeat(1 << 20) }));
        process.stdout.write(version + '\\n');
      }`);
    const target = join(dir, 'record.json');
    let newest = -1;
    let leftovers = 0;
    for (let round = 0; round < 24; round++) {
      const beforeRename = round % 2 === 1;
      const child = spawn(process.execPath, [script, target, String(newest + 1), beforeRename ? 'before-rename' : 'free'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let written = '';
      let onOutput = () => undefined as void;
      child.stdout.on('data', (chunk: Buffer) => {
        written += chunk.toString();
        onOutput();
      });
      const printed = (pattern: RegExp) => new Promise<void>((resolve) => {
        onOutput = () => (pattern.test(written) ? resolve() : undefined);
        onOutput();
      });
      // 'close', not 'exit': every version the child printed before it died has been read.
      const closed = new Promise((resolve) => child.once('close', resolve));
      if (beforeRename) {
        await printed(/renaming\n/); // one write acknowledged, the next one stopped before its rename
      } else {
        await printed(/\d+\n/); // at least one complete write
        // A random kill point: the assertions below hold wherever it lands.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      }
      child.kill('SIGKILL');
      await closed;

      const record = JSON.parse(await readFile(target, 'utf8')) as { version: number; pad: string };
      expect(record.pad).toBe(String(record.version % 10).repeat(1 << 20));
      const acknowledged = Math.max(...written.trim().split('\n').filter((line) => /^\d+$/.test(line)).map(Number));
      expect(record.version).toBeGreaterThanOrEqual(acknowledged); // an acknowledged write is never lost
      expect(record.version).toBeLessThanOrEqual(acknowledged + 1); // at most the one in flight
      if (beforeRename) expect(record.version).toBe(acknowledged); // the stopped write never reached the name
      newest = record.version;
      const listed = await listJson<{ version: number }>(dir);
      expect(listed.map((r) => r.version)).toEqual([record.version]);
      const temps = (await readdir(dir)).filter((name) => name.startsWith('.tmp-'));
      if (beforeRename) expect(temps).toHaveLength(1); // the stopped write's temp file, never listed
      leftovers += temps.length;
      await removeStaleTempFiles(dir, 0);
      expect((await readdir(dir)).sort()).toEqual(['record.json', 'writer.mjs']);
    }
    expect(leftovers).toBeGreaterThanOrEqual(12);
  }, 180_000);

  it('opening storage sweeps temp files old enough to be a dead writer\'s, and leaves fresh ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nn-faults-sweep-'));
    try {
      await openStorage(dataDir);
      const stale = join(dataDir, 'models', '.tmp-stale');
      const fresh = join(dataDir, 'models', '.tmp-fresh');
      await writeFile(stale, 'half');
      await writeFile(fresh, 'half');
      const old = new Date(Date.now() - 3600_000);
      await utimes(stale, old, old);
      await openStorage(dataDir);
      expect(await readdir(join(dataDir, 'models'))).toEqual(['.tmp-fresh']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('truncated checkpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a truncated checkpoint fails its checksum: 409 CHECKPOINT_CORRUPT when asked for, skipped by predict with latest', async () => {
    const modelId = (await t.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'id', spec: identitySpec } })).json().id as string;
    const good = await t.deps.storage.checkpoints.create({ modelId, epoch: 1, weights: identityWeights() });
    const latest = await t.deps.storage.checkpoints.create({ modelId, epoch: 2, weights: identityWeights(-1) });
    const file = join(t.dataDir, 'checkpoints', modelId, `${latest.id}.safetensors`);
    await truncate(file, (await readFile(file)).length >> 1);

    const weights = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}/checkpoints/${latest.id}/weights` });
    expectError(weights.json(), 409, 'CHECKPOINT_CORRUPT', weights.statusCode);
    const predicted = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances: [[5, 0]] } });
    expect(predicted.statusCode).toBe(200);
    expect(predicted.json()).toMatchObject({ checkpoint: good.id, classes: [0] });
    const explicit = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: { instances: [[5, 0]], checkpoint: latest.id } });
    expectError(explicit.json(), 409, 'CHECKPOINT_CORRUPT', explicit.statusCode);
  });

  it('a job resuming after a crash skips its own truncated checkpoint for the one before it', async () => {
    const deps = await openTrainingDeps(t.dataDir, NO_LIMITS);
    const fx = await storeFixtures(deps.storage);
    const job = await storeJob(deps.jobs, fx, { epochs: 4 });
    const controller = new AbortController();
    let checkpoints = 0;
    const first = runtime((type) => {
      if (type === 'checkpoint' && ++checkpoints === 2) controller.abort('shutdown');
    }, controller);
    expect(await runTrainingJob(job.id, first, deps)).toBe('interrupted');
    const parked = await deps.jobs.get(job.id);
    const newest = parked!.checkpointIds.at(-1) as string;
    await truncate(join(t.dataDir, 'checkpoints', fx.modelId, `${newest}.state`), 10);

    expect(await runTrainingJob(job.id, runtime(), deps)).toBe('succeeded');
    const done = await deps.jobs.get(job.id);
    expect(done?.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
  });
});

describe('a full disk', () => {
  let mountPoint: string;
  let deps: TrainingDeps;
  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'nn-faults-tmpfs-'));
    // A real filesystem that fills up: ENOSPC comes from the kernel, not from a stub.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    await mkdir(join(mountPoint, 'data'));
    deps = await openTrainingDeps(join(mountPoint, 'data'), NO_LIMITS);
  });
  afterAll(async () => {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('fails the writing job with STORAGE_FULL and leaves its earlier checkpoints intact and nothing half-written', async () => {
    // ~70k parameters: each checkpoint is ~0.3 MB of weights plus ~0.8 MB of training state.
    const spec = { input: [2], layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };
    const fx = await storeFixtures(deps.storage, spec);
    const job = await storeJob(deps.jobs, fx, { epochs: 10, checkpointEvery: 1 });
    let filled = false;
    const outcome = await runTrainingJob(job.id, runtime(async (type) => {
      if (type !== 'checkpoint' || filled) return;
      filled = true; // after the first checkpoint, leave room for job records but not for another checkpoint
      const { bavail, bsize } = await statfs(mountPoint);
      await writeFile(join(mountPoint, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 64 * 1024)));
    }), deps);

    expect(outcome).toBe('failed');
    const record = await deps.jobs.get(job.id);
    expect(record).toMatchObject({ state: 'failed', error: { code: 'STORAGE_FULL' } });
    const checkpoints = await deps.storage.checkpoints.all(fx.modelId);
    expect(checkpoints.map((c) => c.epoch)).toEqual([1]);
    await expect(deps.storage.checkpoints.readWeights(checkpoints[0].id)).resolves.toBeInstanceOf(Uint8Array);
    await expect(deps.storage.checkpoints.readState(checkpoints[0].id)).resolves.toBeInstanceOf(Uint8Array);
    // the failed checkpoint left no files behind: only the first one's three
    const files = await readdir(join(mountPoint, 'data', 'checkpoints', fx.modelId));
    expect(files.sort()).toEqual([`${checkpoints[0].id}.json`, `${checkpoints[0].id}.safetensors`, `${checkpoints[0].id}.state`].sort());
  });
});
