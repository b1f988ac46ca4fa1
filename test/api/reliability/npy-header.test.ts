// Issue 10, finding 8 (NPY): the header is parsed as the Python dict literal it is, with numpy's own
// rules (numpy.lib.format: ast.literal_eval, then exactly the keys descr, fortran_order and shape, a
// shape of ints). Duplicate keys: the last wins, as in Python and numpy. Anything else is a 400.

import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../../src/api/routes/datasets/npy.js';

/** A version 1.0 file with this header text and `data` after it. */
function withHeader(text: string, data: Uint8Array): Uint8Array {
  let header = text;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

describe('NPY header, strictly', () => {
  it.each([
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (4e0,), }", 'a float in the shape (4 values would fit)'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2.0), }", 'a float in the shape'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (0x2, 2), }", 'hex in the shape'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -2), }", 'negative dims'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}", 'an unknown key'],
    ["{'descr': '<f4', 'shape': (2, 2)}", 'a missing key'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", 'no closing brace'],
    ["{'descr': '<f4', 'fortran_order': false, 'shape': (2, 2)}", 'false is not a Python literal'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}", 'a list, not a tuple'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2 2)}", 'no comma'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} junk", 'text after the dict'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 2)}", 'two commas'],
    ["{'descr': '<f4' 'fortran_order': False, 'shape': (2, 2)}", 'no comma between items'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'shape': (2, 2, 2)}", 'the last shape wins, and it does not fit the data'],
  ])('%s is refused (%s)', (header) => {
    expect(() => parseNpy(withHeader(header, four), 'inputs')).toThrow(expect.objectContaining({ status: 400, details: [expect.objectContaining({ path: '/inputs' })] }));
  });

  it.each([
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", [2, 2]],
    ['{"descr": "<f4", "fortran_order": False, "shape": (4,)}', [4]],
    ["{'shape':(2,2),'fortran_order':False,'descr':'<f4'}", [2, 2]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'shape': (1, 4)}", [1, 4]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2_0, 2), }", null],
  ])('%s is read like numpy reads it', (header, shape) => {
    if (shape === null) {
      // 2_0 is the Python int 20: a valid header whose shape then does not fit the 4 values.
      expect(() => parseNpy(withHeader(header, four), 'inputs')).toThrow(/needs 160 data bytes/);
      return;
    }
    expect(parseNpy(withHeader(header, four), 'inputs').shape).toEqual(shape);
  });
});
