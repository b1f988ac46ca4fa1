// parseNpy: dtypes and byte orders numpy writes, and refusals for what we cannot or will not read.

import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../../../src/api/routes/datasets/npy.js';
import { npy } from '../../../helpers/npy.js';

describe('parseNpy', () => {
  it('reads little-endian float32 with its shape', () => {
    const array = parseNpy(npy('<f4', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6.5])), 'inputs');
    expect(array.shape).toEqual([2, 3]);
    expect(Array.from(array.values)).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(array.integral).toBe(false);
  });

  it('reads big-endian and integer dtypes', () => {
    const be = Buffer.alloc(8);
    be.writeInt32BE(7, 0);
    be.writeInt32BE(-3, 4);
    expect(Array.from(parseNpy(npy('>i4', [2], be), 'labels').values)).toEqual([7, -3]);
    expect(parseNpy(npy('|u1', [3], new Uint8Array([0, 128, 255])), 'x').integral).toBe(true);
    expect(Array.from(parseNpy(npy('<f2', [2], new Uint16Array([0x3c00, 0xc000])), 'x').values)).toEqual([1, -2]);
  });

  it('refuses bad magic, object arrays, fortran order and truncated data', () => {
    expect(() => parseNpy(Buffer.from('PK\x03\x04 zip file'), 'inputs')).toThrow(/magic/);
    expect(() => parseNpy(npy('|O', [1], new Uint8Array(8)), 'inputs')).toThrow(/not numeric/);
    const fortran = Buffer.from(npy('<f4', [1, 1], new Float32Array([1])).toString('latin1').replace('False', 'True '), 'latin1');
    expect(() => parseNpy(fortran, 'inputs')).toThrow(/fortran/);
    expect(() => parseNpy(npy('<f4', [4], new Float32Array(3)), 'inputs')).toThrow(/data bytes/);
  });
});
