// packInput alone: every datatype's accepted range at its edges, BOOL, float32 rounding, nested and
// flat data packing to the same row-major floats, and the errors (400 naming the element, 413).

import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../../src/errors.js';
import { INPUT_DATATYPES, packInput, type RequestTensor } from '../../../../src/api/routes/oip/tensors.js';

const pack = (datatype: string, data: unknown[], shape = [1, data.length], inputShape = [data.length]) =>
  packInput({ name: 'input', datatype, shape, data } satisfies RequestTensor, inputShape, 4, '/inputs/0');

function failure(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (err) {
    if (isAppError(err)) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('packInput', () => {
  it('accepts every integer datatype up to its edges and refuses one past them', () => {
    const edges: [string, number, number][] = [
      ['UINT8', 0, 255], ['UINT16', 0, 65535], ['UINT32', 0, 2 ** 32 - 1],
      ['INT8', -128, 127], ['INT16', -32768, 32767], ['INT32', -(2 ** 31), 2 ** 31 - 1],
    ];
    for (const [datatype, min, max] of edges) {
      expect(Array.from(pack(datatype, [min, max]).values)).toEqual([Math.fround(min), Math.fround(max)]);
      expect(failure(() => pack(datatype, [min - 1, 0])).message).toMatch(/^\/inputs\/0\/data\/0: expected an integer in /);
      expect(failure(() => pack(datatype, [0, max + 1])).message).toMatch(/^\/inputs\/0\/data\/1: expected an integer in /);
    }
    expect(Array.from(pack('INT64', [-(2 ** 63), 2 ** 53]).values)).toEqual([Math.fround(-(2 ** 63)), Math.fround(2 ** 53)]);
    expect(failure(() => pack('INT64', [2 ** 63])).status).toBe(400);
    expect(Array.from(pack('UINT64', [0, 2 ** 63]).values)).toEqual([0, Math.fround(2 ** 63)]);
    expect(failure(() => pack('UINT64', [2 ** 64])).status).toBe(400);
  });

  it('rounds FP32 and FP64 to float32, and refuses what float32 cannot hold', () => {
    const values = [0.1, 1 / 3, -3.4028234663852886e38, 1e-46];
    for (const datatype of ['FP32', 'FP64']) {
      expect(Array.from(pack(datatype, values).values)).toEqual(Array.from(new Float32Array(values)));
      expect(failure(() => pack(datatype, [1, 3.5e38])).message).toMatch(/^\/inputs\/0\/data\/1: expected a number that fits in float32/);
      expect(failure(() => pack(datatype, [true])).status).toBe(400);
    }
  });

  it('takes BOOL as 1 and 0, nothing else', () => {
    expect(Array.from(pack('BOOL', [true, false, true]).values)).toEqual([1, 0, 1]);
    expect(failure(() => pack('BOOL', [true, 0])).message).toBe('/inputs/0/data/1: expected true or false, received 0');
    expect(failure(() => pack('BOOL', ['true'])).message).toBe('/inputs/0/data/0: expected true or false, received "true"');
  });

  it('packs nested data row-major, equal to the flat form', () => {
    const nested = [[[[1], [2]], [[3], [4]]], [[[5], [6]], [[7], [8]]]];
    const fromNested = packInput({ name: 'input', datatype: 'INT32', shape: [2, 2, 2, 1], data: nested }, [2, 2, 1], 4, '/i');
    const fromFlat = packInput({ name: 'input', datatype: 'INT32', shape: [2, 2, 2, 1], data: nested.flat(3) }, [2, 2, 1], 4, '/i');
    const fromRows = packInput({ name: 'input', datatype: 'INT32', shape: [2, 4], data: [[1, 2, 3, 4], [5, 6, 7, 8]] }, [2, 2, 1], 4, '/i');
    for (const packed of [fromNested, fromFlat, fromRows]) expect({ count: packed.count, values: Array.from(packed.values) }).toEqual({ count: 2, values: [1, 2, 3, 4, 5, 6, 7, 8] });
  });

  it('names the datatype, the shape, the batch limit and ragged data', () => {
    expect(failure(() => pack('FP16', [1]))).toEqual({ status: 400, message: expect.stringMatching(/^\/inputs\/0\/datatype: datatype "FP16" is not supported; send one of BOOL, UINT8/) });
    expect(failure(() => pack('FP32', [1, 2], [2, 1], [2])).message).toBe('/inputs/0/shape: expected [N, 2] for this model, received [2, 1]');
    expect(failure(() => pack('FP32', Array(10).fill(0), [5, 2], [2]))).toEqual({ status: 413, message: '5 instances in one request; the limit is 4' });
    const ragged = [[1, 2], [3]];
    expect(failure(() => pack('FP32', ragged, [2, 2], [2])).message).toBe('/inputs/0/data/1: expected an array of 2 entries (dimension 1 of shape [2, 2]), received 1 entries');
    expect(Object.keys(INPUT_DATATYPES)).toEqual(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64']);
  });

  it('takes data the body reader packed ([Float32Array]) as it is, and words a wrong length as for a JSON array', () => {
    const packed = new Float32Array([1, 2, 3, 4]);
    expect(pack('FP32', [packed], [2, 2], [2]).values).toBe(packed);
    const short = new Float32Array([1, 2, 3]);
    expect(failure(() => pack('FP32', [short], [2, 2], [2])).message).toBe(failure(() => pack('FP32', [1, 2, 3], [2, 2], [2])).message);
  });
});
