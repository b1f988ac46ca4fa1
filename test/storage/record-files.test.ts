// Directory scans: selectJson reads a few files at a time (a scan's memory must not grow with the
// number of records, issue 10), keeps only what it is asked to, and skips records deleted meanwhile.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listJson, readJson, SCAN_CONCURRENCY, selectJson } from '../../src/storage/record-files.js';

describe('selectJson', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nn-record-files-'));
    for (let i = 0; i < 50; i++) await writeFile(join(dir, `${String(i).padStart(2, '0')}.json`), JSON.stringify({ n: i }));
    await writeFile(join(dir, 'notes.txt'), 'not a record');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never has more than SCAN_CONCURRENCY reads in flight, and visits every record once', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const read = async (path: string) => {
      most = Math.max(most, ++inFlight);
      const record = await readJson<{ n: number }>(path);
      await new Promise((resolve) => setImmediate(resolve)); // let the other readers pile up if they can
      inFlight--;
      return record;
    };
    const kept = await selectJson<{ n: number }>(dir, (r) => (seen.push(r.n), r.n % 10 === 0), read);
    expect(most).toBe(SCAN_CONCURRENCY);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(kept.map((r) => r.n).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40]);
  });

  it('skips a record that vanished between the listing and its read; listJson keeps every record', async () => {
    const read = async (path: string) => (path.endsWith('07.json') ? null : readJson<{ n: number }>(path));
    expect((await selectJson<{ n: number }>(dir, () => true, read)).map((r) => r.n)).not.toContain(7);
    expect(await listJson(dir)).toHaveLength(50);
    expect(await listJson(join(dir, 'missing'))).toEqual([]);
  });
});
