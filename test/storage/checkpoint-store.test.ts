// CheckpointStore: atomic layout, sha256 verification on every read (409 CHECKPOINT_CORRUPT),
// the `best` tag moving between checkpoints, latest/best, model scoping, deletion.

import { readdir, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { ChangeFeed } from '../../src/storage/change-feed.js';

const MODEL = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const bytes = (text: string) => new TextEncoder().encode(text);

describe('CheckpointStore', () => {
  let dir: string;
  let store: CheckpointStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-ckpt-'));
    store = await CheckpointStore.open(dir, new ChangeFeed(dir));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes weights, state and record; reads them back verified', async () => {
    const record = await store.create({ modelId: MODEL, jobId: null, epoch: 2, metrics: { loss: 0.5 }, tags: ['final'], weights: bytes('w'), state: bytes('s') });
    expect(record).toMatchObject({ modelId: MODEL, epoch: 2, tags: ['final'], metrics: { loss: 0.5 }, datasetId: null });
    expect(record.weightsSha256).toBe('50e721e49c013f00c62cf59f2163542a9d8df02464efeb615d31051b0fddc326');
    expect(new TextDecoder().decode(await store.readWeights(record.id))).toBe('w');
    expect(new TextDecoder().decode((await store.readState(record.id))!)).toBe('s');
    expect((await readdir(join(dir, 'checkpoints', MODEL))).sort()).toEqual([`${record.id}.json`, `${record.id}.safetensors`, `${record.id}.state`]);
  });

  it('has no state for imports', async () => {
    const record = await store.create({ modelId: MODEL, epoch: 0, tags: ['imported'], weights: bytes('w') });
    expect(record.stateSha256).toBeNull();
    expect(await store.readState(record.id)).toBeNull();
  });

  it('raises CHECKPOINT_CORRUPT when weights or state bytes change or vanish', async () => {
    const record = await store.create({ modelId: MODEL, epoch: 1, weights: bytes('w'), state: bytes('s') });
    await writeFile(join(dir, 'checkpoints', MODEL, `${record.id}.safetensors`), 'x');
    await expect(store.readWeights(record.id)).rejects.toMatchObject({ status: 409, code: 'CHECKPOINT_CORRUPT' });
    await rm(join(dir, 'checkpoints', MODEL, `${record.id}.state`));
    await expect(store.readState(record.id)).rejects.toMatchObject({ status: 409, code: 'CHECKPOINT_CORRUPT' });
  });

  it('moves the best tag; latest is the newest, best the tagged one', async () => {
    const a = await store.create({ modelId: MODEL, epoch: 1, tags: ['best'], weights: bytes('a') });
    const b = await store.create({ modelId: MODEL, epoch: 2, weights: bytes('b') });
    expect((await store.best(MODEL))?.id).toBe(a.id);
    await store.addTag(b.id, 'best');
    expect((await store.get(a.id)).tags).toEqual([]);
    expect((await store.best(MODEL))?.id).toBe(b.id);
    const c = await store.create({ modelId: MODEL, epoch: 3, tags: ['best', 'final'], weights: bytes('c') });
    expect((await store.get(b.id)).tags).toEqual([]);
    expect((await store.get(c.id)).tags.sort()).toEqual(['best', 'final']);
    expect((await store.latest(MODEL))?.id).toBe(c.id);
    await store.removeTag(c.id, 'final');
    expect((await store.get(c.id)).tags).toEqual(['best']);
  });

  it('finds a checkpoint by id alone, also from a fresh store (another process)', async () => {
    const record = await store.create({ modelId: OTHER, epoch: 1, weights: bytes('w') });
    const fresh = await CheckpointStore.open(dir, new ChangeFeed(dir));
    expect((await fresh.get(record.id)).modelId).toBe(OTHER);
    expect(new TextDecoder().decode(await fresh.readWeights(record.id))).toBe('w');
  });

  it('scopes by model: list, get with modelId, latest of a model without checkpoints', async () => {
    const mine = await store.create({ modelId: MODEL, epoch: 1, weights: bytes('m') });
    await store.create({ modelId: OTHER, epoch: 1, weights: bytes('o') });
    expect((await store.list(MODEL, { limit: 50 })).items.map((r) => r.id)).toEqual([mine.id]);
    await expect(store.get(mine.id, OTHER)).rejects.toMatchObject({ status: 404, code: 'CHECKPOINT_NOT_FOUND' });
    await expect(store.get('../../etc/passwd')).rejects.toMatchObject({ status: 404 });
    expect(await store.latest('33333333-3333-4333-8333-333333333333')).toBeNull();
  });

  it('deletes one checkpoint or all of a model', async () => {
    const one = await store.create({ modelId: MODEL, epoch: 1, weights: bytes('1'), state: bytes('s') });
    await store.create({ modelId: MODEL, epoch: 2, weights: bytes('2') });
    const other = await store.create({ modelId: OTHER, epoch: 1, weights: bytes('o') });
    await store.delete(one.id);
    await expect(store.get(one.id)).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
    await store.deleteByModel(MODEL);
    expect(await store.all(MODEL)).toEqual([]);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([OTHER]);
    expect((await store.get(other.id)).modelId).toBe(OTHER);
  });
});
