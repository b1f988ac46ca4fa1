// The one-pass instance packer: flat and nested rows pack to the same row-major floats; every problem
// names its element with what was expected and received; a hostile shape costs memory in proportion
// to what was sent, not to what the shape claims.

import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { packRows } from '../../src/api/schemas/instances.js';

async function details(rows: unknown[], shape: number[]) {
  try {
    await packRows(rows, shape, '/instances');
  } catch (err) {
    if (isAppError(err) && err.status === 400) return err.details;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('packRows', () => {
  it('packs flat and nested rows (channels last) to the same row-major floats', async () => {
    const nested = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]; // [2, 2, 2]
    const out = await packRows([nested, [1, 2, 3, 4, 5, 6, 7, 8], nested], [2, 2, 2], '/instances');
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(await packRows([[0.1, -2]], [2], '/x'))).toEqual([Math.fround(0.1), -2]);
  });

  it('takes rows the body reader packed as one buffer without copying, and copies rows that are not one run of it', async () => {
    const values = new Float32Array([1, 2, 3, 4, 5, 6]);
    const rows = [values.subarray(0, 2), values.subarray(2, 4), values.subarray(4, 6)];
    const out = await packRows(rows, [2], '/instances');
    expect(out.buffer).toBe(values.buffer);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    // Out of order, or from two buffers: packed row by row into a buffer of its own, values intact.
    const shuffled = await packRows([rows[1], rows[0]], [2], '/instances');
    expect(shuffled.buffer).not.toBe(values.buffer);
    expect(Array.from(shuffled)).toEqual([3, 4, 1, 2]);
    const mixed = await packRows([rows[0], new Float32Array([7, 8])], [2], '/instances');
    expect(Array.from(mixed)).toEqual([1, 2, 7, 8]);
    expect(await details([rows[0], values.subarray(2, 5)], [2])).toEqual([
      { path: '/instances/1', message: 'expected 2 numbers (flat row of shape [2]), received 3 numbers' },
    ]);
  });

  it('names each bad element, row by row', async () => {
    expect(await details([[1, 2], [1, 'a'], [1e39, null], [1]], [2])).toEqual([
      { path: '/instances/1/1', message: 'expected a number, received a string' },
      { path: '/instances/2/0', message: 'must fit in float32 (magnitude at most 3.4e38)' },
      { path: '/instances/2/1', message: 'expected a number, received null' },
      { path: '/instances/3', message: 'expected 2 numbers (flat row of shape [2]), received 1 numbers' },
    ]);
    expect(await details([[[1, 2], [3]]], [2, 2])).toEqual([
      { path: '/instances/0/1', message: 'expected 2 entries (dimension 1 of shape [2, 2]), received 1' },
    ]);
    expect(await details(['x'], [3])).toEqual([{ path: '/instances/0', message: 'expected 3 numbers (flat row of shape [3]), received a string' }]);
  });

  it('reports at most 10 problems', async () => {
    expect(await details([Array.from({ length: 50 }, () => 'x')], [50])).toHaveLength(10);
  });

  it('a shape claiming 3e10 numbers per row is refused without allocating for it', async () => {
    expect(await details([[1, 2, 3]], [100_000, 100_000, 3])).toEqual([
      { path: '/instances/0', message: 'expected 30000000000 numbers (flat row of shape [100000, 100000, 3]), received 3 numbers' },
    ]);
    const rows = Array.from({ length: 1000 }, () => [[[1, 2, 3]]]);
    expect((await details(rows, [100_000, 100_000, 3]))[0]).toEqual({ path: '/instances/0', message: 'expected 100000 entries (dimension 0 of shape [100000, 100000, 3]), received 1' });
  });
});
