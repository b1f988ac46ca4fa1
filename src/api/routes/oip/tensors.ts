// Open Inference Protocol request tensors -> the float32 rows predict takes, in one pass over the
// numbers. `data` is row-major, flat or nested in the tensor's declared `shape`; every datatype the
// engine can take as a number (BOOL, UINT*, INT*, FP32, FP64) is checked against its own range and
// converted to float32, as /v1 instances are. Errors name the element (`/inputs/0/data/3/1`).

import { AppError, validationError } from '../../../errors.js';
import { elementCount } from '../../../storage/dataset-codec.js';

/** Values are computed in float32: a larger finite FP64 (or FP32 written in JSON) would become Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Converts one JSON element, or answers NaN (never a valid value here) when it does not fit the type. */
type Convert = (value: unknown) => number;

const float: Convert = (v) => (typeof v === 'number' && Math.abs(v) <= FLOAT32_MAX ? v : NaN);
const integer =
  (min: number, maxExclusive: number): Convert =>
  (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v < maxExclusive ? v : NaN);
const bool: Convert = (v) => (v === true ? 1 : v === false ? 0 : NaN);

interface Datatype {
  convert: Convert;
  expected: string;
}

const intType = (bits: number, signed: boolean): Datatype => {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const maxExclusive = signed ? 2 ** (bits - 1) : 2 ** bits;
  // 64-bit bounds are not exact doubles: name them as powers of two.
  const range = bits < 64 ? `[${min}, ${maxExclusive - 1}]` : signed ? '[-2^63, 2^63 - 1]' : '[0, 2^64 - 1]';
  return { convert: integer(min, maxExclusive), expected: `an integer in ${range} (${signed ? 'INT' : 'UINT'}${bits})` };
};

/** The datatypes /v2 accepts (the protocol's table minus FP16 and BYTES, which are not numbers in JSON). */
export const INPUT_DATATYPES: Readonly<Record<string, Datatype>> = {
  BOOL: { convert: bool, expected: 'true or false' },
  UINT8: intType(8, false),
  UINT16: intType(16, false),
  UINT32: intType(32, false),
  UINT64: intType(64, false),
  INT8: intType(8, true),
  INT16: intType(16, true),
  INT32: intType(32, true),
  INT64: intType(64, true),
  FP32: { convert: float, expected: 'a number that fits in float32 (magnitude at most 3.4e38)' },
  FP64: { convert: float, expected: 'a number that fits in float32 (magnitude at most 3.4e38), the precision the model computes in' },
};

export interface RequestTensor {
  name: string;
  shape: number[];
  datatype: string;
  /** [Float32Array] when the body reader packed it: every element, flat, FP32/FP64 within float32. */
  data: unknown[];
}

export interface PackedInput {
  values: Float32Array;
  count: number;
}

const badField = (path: string, message: string): never => {
  throw validationError(`${path}: ${message}`, [{ path, message }]);
};

const describe = (value: unknown): string => {
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 40 ? `${text.slice(0, 40)}...` : text;
};

/**
 * Checks one request input against the model's input shape and packs its data. `shape` must be
 * `[N, ...inputShape]` or `[N, size]` (flat rows, as /v1 takes them); N at most `maxInstances` (413).
 */
export function packInput(input: RequestTensor, inputShape: readonly number[], maxInstances: number, at: string): PackedInput {
  const datatype = INPUT_DATATYPES[input.datatype];
  if (!datatype) {
    badField(`${at}/datatype`, `datatype "${input.datatype}" is not supported; send one of ${Object.keys(INPUT_DATATYPES).join(', ')}`);
  }
  const size = elementCount(inputShape);
  const [count, ...sample] = input.shape;
  const fitsModel = sameDims(sample, inputShape) || sameDims(sample, [size]);
  if (count === undefined || !fitsModel) {
    const flat = inputShape.length > 1 ? ` or [N, ${size}]` : '';
    badField(`${at}/shape`, `expected [N, ${inputShape.join(', ')}]${flat} for this model, received [${input.shape.join(', ')}]`);
  }
  if (count < 1) badField(`${at}/shape/0`, 'the batch size N must be at least 1');
  if (count > maxInstances) {
    throw new AppError(413, 'BATCH_TOO_LARGE', `${count} instances in one request; the limit is ${maxInstances}`, [
      { path: `${at}/shape/0`, message: `at most ${maxInstances} instances` },
    ]);
  }
  const packed = input.data[0];
  if (input.data.length === 1 && packed instanceof Float32Array) {
    if (packed.length !== count * size) flatLengthError(`${at}/data`, count * size, packed.length, input.shape);
    return { values: packed, count };
  }
  const values = new Float32Array(count * size);
  const nested = input.data.length > 0 && Array.isArray(input.data[0]);
  if (nested) fillNested(input.data, input.shape, 0, values, 0, datatype, `${at}/data`);
  else fillFlat(input.data, values, datatype, `${at}/data`, input.shape);
  return { values, count };
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function flatLengthError(at: string, expected: number, received: number, shape: readonly number[]): never {
  return badField(at, `expected ${expected} elements (flat, row-major, for shape [${shape.join(', ')}]) or data nested in that shape, received ${received}`);
}

function fillFlat(data: unknown[], out: Float32Array, type: Datatype, at: string, shape: readonly number[]): void {
  if (data.length !== out.length) flatLengthError(at, out.length, data.length, shape);
  for (let i = 0; i < data.length; i++) {
    const value = type.convert(data[i]);
    if (Number.isNaN(value)) badField(`${at}/${i}`, `expected ${type.expected}, received ${describe(data[i])}`);
    out[i] = value;
  }
}

/** Fills `out` from data nested exactly as `shape` (dimension `dim` onwards); returns the next offset. */
function fillNested(data: unknown, shape: readonly number[], dim: number, out: Float32Array, offset: number, type: Datatype, at: string): number {
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    badField(at, `expected an array of ${shape[dim]} entries (dimension ${dim} of shape [${shape.join(', ')}]), received ${Array.isArray(data) ? `${data.length} entries` : describe(data)}`);
  }
  const entries = data as unknown[];
  if (dim === shape.length - 1) {
    for (let i = 0; i < entries.length; i++) {
      const value = type.convert(entries[i]);
      if (Number.isNaN(value)) badField(`${at}/${i}`, `expected ${type.expected}, received ${describe(entries[i])}`);
      out[offset++] = value;
    }
    return offset;
  }
  for (let i = 0; i < entries.length; i++) offset = fillNested(entries[i], shape, dim + 1, out, offset, type, `${at}/${i}`);
  return offset;
}
