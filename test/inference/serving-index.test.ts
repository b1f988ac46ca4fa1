// The serving index: answers from memory (the same entry until something changes), hears checkpoints
// written in another thread through the stores' change feed (visible to `latest` within 100 ms), falls
// back to bounded staleness when the feed is not live, and hears other processes through the Redis relay.

import { once } from 'node:events';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChangeRelay, type ChangeRelay } from '../../src/inference/redis-change-relay.js';
import { ServingIndex } from '../../src/inference/serving-index.js';
import { openStorage, type ModelRecord, type Storage } from '../../src/storage/index.js';
import { JobStore } from '../../src/storage/job-store.js';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';

const spec = { input: [2], layers: [{ type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };

async function newModel(storage: Storage): Promise<ModelRecord> {
  return storage.models.create({ name: 'm', spec, summary: { layers: [], totalParams: 6, flopsPerSample: 10 } } as never);
}
const checkpoint = (storage: Storage, modelId: string) => storage.checkpoints.create({ modelId, epoch: 1, weights: new Uint8Array([1, 2, 3]) });

/** Polls until `check` holds, failing after `ms`: the promise under test is "within ms". */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await sleep(2);
  }
  return performance.now() - started;
}

describe('ServingIndex', () => {
  let dir: string;
  let storage: Storage;
  let jobs: JobStore;
  const closers: (() => unknown)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-serving-index-'));
    storage = await openStorage(dir);
    jobs = new JobStore(dir);
    await jobs.init();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    storage.changes.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers from memory until a change: the same entry object, no re-read', async () => {
    const index = new ServingIndex(storage, jobs, { staleAfterMs: 0, feedLive: () => true });
    closers.push(() => index.close());
    const model = await newModel(storage);
    const first = await index.entry(model.id);
    expect(await index.entry(model.id)).toBe(first);
    const written = await checkpoint(storage, model.id); // through the same stores: heard before create returns
    const next = await index.entry(model.id);
    expect(next).not.toBe(first);
    expect(next.checkpoints[0].id).toBe(written.id);
    expect(await index.entry(model.id)).toBe(next);
  });

  it('a checkpoint written by another thread is visible to latest within 100 ms', async () => {
    const index = new ServingIndex(storage, jobs, { staleAfterMs: 60_000, feedLive: () => true });
    closers.push(() => index.close());
    const model = await newModel(storage);
    expect((await index.entry(model.id)).checkpoints).toHaveLength(0);
    // A thread with stores of its own, like a training thread: it shares nothing with this one but DATA_DIR.
    const script = join(dir, 'writer.mjs');
    const storageUrl = pathToFileURL(resolve('dist/storage/index.js')).href;
    await writeFile(script, `
      import { workerData, parentPort } from 'node:worker_threads';
      import { openStorage } from '${storageUrl}';
      const storage = await openStorage(workerData.dir);
      const record = await storage.checkpoints.create({ modelId: workerData.modelId, epoch: 1, weights: new Uint8Array([1]) });
      parentPort.postMessage(record.id);
    `);
    const worker = new Worker(script, { workerData: { dir, modelId: model.id } });
    closers.push(() => worker.terminate());
    const [writtenId] = (await once(worker, 'message')) as [string];
    await within(100, async () => (await index.entry(model.id)).checkpoints[0]?.id === writtenId);
  });

  it('while the feed is not live, entries older than staleAfterMs are re-read (bounded staleness)', async () => {
    let now = 0;
    let live = false;
    const index = new ServingIndex(storage, jobs, { staleAfterMs: 500, feedLive: () => live, now: () => now });
    closers.push(() => index.close());
    const model = await newModel(storage);
    await index.entry(model.id);
    // Another process's write: a path to the same files whose change feed this process does not hear.
    const elsewhere = join(tmpdir(), `nn-serving-elsewhere-${process.pid}-${Date.now()}`);
    await symlink(dir, elsewhere);
    const other = await openStorage(elsewhere);
    closers.push(() => rm(elsewhere, { force: true }), () => other.changes.close());
    const written = await checkpoint(other, model.id);
    now = 500;
    expect((await index.entry(model.id)).checkpoints).toHaveLength(0); // not yet stale
    now = 501;
    expect((await index.entry(model.id)).checkpoints[0]?.id).toBe(written.id);
    // A live feed means no polling at all: an unannounced write stays unseen however old the entry.
    live = true;
    const hidden = await checkpoint(other, model.id);
    now = 1e9;
    expect((await index.entry(model.id)).checkpoints[0]?.id).not.toBe(hidden.id);
  });

  it('hears another process through the Redis relay; the relay says when it is live', async () => {
    const prefix = `test-relay-${process.pid}-${Date.now()}`;
    const elsewhere = join(tmpdir(), `nn-serving-remote-${process.pid}-${Date.now()}`);
    await symlink(dir, elsewhere);
    const other = await openStorage(elsewhere);
    closers.push(() => rm(elsewhere, { force: true }), () => other.changes.close(), () => deleteKeys(TEST_REDIS_URL, prefix));
    let resyncs = 0;
    const relays: ChangeRelay[] = [];
    let index: ServingIndex | null = null;
    relays.push(startChangeRelay({ redisUrl: TEST_REDIS_URL, prefix, feed: storage.changes, onResync: () => (resyncs++, index?.invalidateAll()) }));
    relays.push(startChangeRelay({ redisUrl: TEST_REDIS_URL, prefix, feed: other.changes }));
    closers.push(() => Promise.all(relays.map((r) => r.close())));
    index = new ServingIndex(storage, jobs, { staleAfterMs: 60_000, feedLive: () => relays[0].live() });
    closers.push(() => index?.close());
    await within(5000, async () => relays.every((r) => r.live()));
    expect(resyncs).toBe(1);
    const model = await newModel(storage);
    await index.entry(model.id);
    const written = await checkpoint(other, model.id);
    await within(2000, async () => (await index.entry(model.id)).checkpoints[0]?.id === written.id);
    await relays[0].close();
    expect(relays[0].live()).toBe(false);
  });
});
