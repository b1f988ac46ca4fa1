// The predict body readers: every number they read is the float32 of what JSON.parse reads, bit for
// bit, over numbers written every way JSON allows; whitespace and key order do not matter; and every
// body outside their narrow grammar is declined (null), so the general parser and its errors take it.

import { describe, expect, it } from 'vitest';
import { readPackedInferBody, readPackedPredictBody } from '../../../src/api/schemas/number-rows-json.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

/** A number written as JSON.stringify would, or with an exponent, trailing zeros, many digits... */
function numberText(): string {
  const magnitude = 10 ** Math.floor(random() * 90 - 45);
  const value = (random() - 0.5) * magnitude;
  switch (Math.floor(random() * 7)) {
    case 0:
      return String(Math.round(value));
    case 1:
      return value.toPrecision(1 + Math.floor(random() * 21));
    case 2:
      return value.toExponential(Math.floor(random() * 20)).replace('e+', random() < 0.5 ? 'E' : 'e+');
    case 3:
      return `${value.toFixed(Math.floor(random() * 30))}`;
    case 4:
      return `${Math.round(random() * 1000) / 1000}`; // the bench's numbers
    case 5:
      return random() < 0.5 ? '-0' : '0.000';
    default:
      return String(value);
  }
}

function expectSameFloats(actual: Float32Array, numbers: string[]): void {
  const expected = new Float32Array(JSON.parse(`[${numbers.join(',')}]`) as number[]);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect(`${numbers[i]} -> ${actual[i]}`).toBe(`${numbers[i]} -> ${expected[i]}`);
  }
}

describe('readPackedPredictBody', () => {
  it('reads every number as the float32 of what JSON.parse reads', () => {
    for (let round = 0; round < 300; round++) {
      const rows = Array.from({ length: 3 }, () => Array.from({ length: 40 }, numberText));
      const inFloat32 = rows.flat().every((n) => Math.abs(Number(n)) <= 3.4028234663852886e38);
      const body = readPackedPredictBody(bytes(`{"instances":[${rows.map((r) => `[${r.join(',')}]`).join(',')}]}`));
      if (!inFloat32) {
        expect(body).toBeNull();
        continue;
      }
      expect(body?.instances).toHaveLength(3);
      rows.forEach((row, i) => expectSameFloats(body!.instances[i], row));
    }
  });

  it('takes any JSON whitespace, either key order and a checkpoint selector', () => {
    const body = readPackedPredictBody(bytes(' \r\n{ "checkpoint" :\t"production" ,\n "instances" : [ [ 1 , -2.5e1 ] ,[3,4] ] }\n'));
    expect(body?.checkpoint).toBe('production');
    expect(body?.instances.map((row) => [...row])).toEqual([[1, -25], [3, 4]]);
    expect(readPackedPredictBody(bytes('{"instances":[[1]]}'))).toEqual({ instances: [new Float32Array([1])] });
  });

  it.each([
    ['not an object', '[[1]]'],
    ['an empty body', ''],
    ['no instances', '{"checkpoint":"latest"}'],
    ['an unknown key', '{"instances":[[1]],"extra":1}'],
    ['a repeated key', '{"instances":[[1]],"instances":[[2]]}'],
    ['a prototype key', '{"__proto__":{"x":1},"instances":[[1]]}'],
    ['an escape in a key', '{"instanc\\u0065s":[[1]]}'],
    ['an escape in the selector', '{"instances":[[1]],"checkpoint":"l\\u0061test"}'],
    ['non-ASCII in the selector', '{"instances":[[1]],"checkpoint":"prod\u00e9"}'],
    ['a selector that is not a string', '{"instances":[[1]],"checkpoint":null}'],
    ['no rows', '{"instances":[]}'],
    ['an empty row', '{"instances":[[]]}'],
    ['a flat list of numbers', '{"instances":[1,2]}'],
    ['nested rows', '{"instances":[[[1],[2]]]}'],
    ['rows of different lengths', '{"instances":[[1,2],[3]]}'],
    ['a string for a number', '{"instances":[["1"]]}'],
    ['null for a number', '{"instances":[[null]]}'],
    ['a number beyond float32', '{"instances":[[3.5e38]]}'],
    ['a negative number beyond float32', '{"instances":[[-1e39]]}'],
    ['a leading zero', '{"instances":[[01]]}'],
    ['a leading plus', '{"instances":[[+1]]}'],
    ['a bare fraction', '{"instances":[[.5]]}'],
    ['a dot without digits', '{"instances":[[1.]]}'],
    ['an exponent without digits', '{"instances":[[1e]]}'],
    ['NaN', '{"instances":[[NaN]]}'],
    ['a trailing comma in a row', '{"instances":[[1,]]}'],
    ['a trailing comma in the object', '{"instances":[[1]],}'],
    ['bytes after the body', '{"instances":[[1]]} x'],
    ['a second body', '{"instances":[[1]]}{}'],
    ['an unclosed row', '{"instances":[[1,2'],
    ['an unclosed body', '{"instances":[[1]]'],
  ])('declines %s', (_label, text) => {
    expect(readPackedPredictBody(bytes(text))).toBeNull();
  });

  it('reads a body of many rows whatever the size of its buffer', () => {
    const rows = Array.from({ length: 100 }, (_, i) => Array.from({ length: 784 }, (_, j) => `${(i * 784 + j) / 1000}`));
    const body = readPackedPredictBody(bytes(JSON.stringify({ instances: rows.map((r) => r.map(Number)) })));
    rows.forEach((row, i) => expectSameFloats(body!.instances[i], row));
  });
});

describe('readPackedInferBody', () => {
  const tensor = (fields: string) => `{"inputs":[{${fields}}]}`;

  it('reads one FP32 or FP64 input with flat data, in any key order, and the request id', () => {
    const numbers = Array.from({ length: 50 }, numberText).filter((n) => Math.abs(Number(n)) <= 3.4e38);
    const body = readPackedInferBody(bytes(`{ "id" : "r1", "inputs": [ {"data": [${numbers.join(', ')}], "datatype":"FP64", "shape": [1, ${numbers.length}], "name":"input"} ] }`));
    expect(body).toMatchObject({ id: 'r1', inputs: [{ name: 'input', datatype: 'FP64', shape: [1, numbers.length] }] });
    expect(body!.inputs[0].data).toHaveLength(1);
    expectSameFloats(body!.inputs[0].data[0], numbers);
    expect(readPackedInferBody(bytes(tensor('"name":"input","shape":[2,1],"datatype":"FP32","data":[1,2]'))))
      .toEqual({ inputs: [{ name: 'input', shape: [2, 1], datatype: 'FP32', data: [new Float32Array([1, 2])] }] });
  });

  it.each([
    ['an integer datatype (checked per element by the route)', tensor('"name":"input","shape":[1,1],"datatype":"INT8","data":[1]')],
    ['BOOL', tensor('"name":"input","shape":[1,1],"datatype":"BOOL","data":[true]')],
    ['nested data', tensor('"name":"input","shape":[1,2],"datatype":"FP32","data":[[1,2]]')],
    ['empty data', tensor('"name":"input","shape":[0,2],"datatype":"FP32","data":[]')],
    ['no shape', tensor('"name":"input","datatype":"FP32","data":[1]')],
    ['no name', tensor('"shape":[1,1],"datatype":"FP32","data":[1]')],
    ['a negative dimension', tensor('"name":"input","shape":[-1,1],"datatype":"FP32","data":[1]')],
    ['a fractional dimension', tensor('"name":"input","shape":[1.5,1],"datatype":"FP32","data":[1]')],
    ['tensor parameters', tensor('"name":"input","shape":[1,1],"datatype":"FP32","data":[1],"parameters":{}')],
    ['two inputs', '{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]},{"name":"b","shape":[1],"datatype":"FP32","data":[1]}]}'],
    ['no inputs', '{"inputs":[]}'],
    ['an outputs filter', '{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[1]}],"outputs":[{"name":"output"}]}'],
    ['a number beyond float32', tensor('"name":"input","shape":[1,1],"datatype":"FP32","data":[1e39]')],
    ['bytes after the body', `${tensor('"name":"input","shape":[1,1],"datatype":"FP32","data":[1]')}]`],
  ])('declines %s', (_label, text) => {
    expect(readPackedInferBody(bytes(text))).toBeNull();
  });
});
