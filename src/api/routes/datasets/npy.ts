// A reader for numpy's `.npy` format (versions 1-3): header dict with descr, fortran_order and shape
// (npy-header.ts, a strict Python-literal parser), then the raw array. Any numeric dtype of either byte order is read; a malformed file is a 400
// naming the part. We never unpickle (`|O` object arrays are refused).

import { validationError } from '../../../errors.js';
import { elementCount } from '../../../storage/dataset-codec.js';
import { parseNpyHeader, type NpyHeader } from './npy-header.js';

export interface NpyArray {
  shape: number[];
  /** The array's own typed array when the host can view it directly (the common case), else float64. */
  values: NumericArray;
  integral: boolean;
}

type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
type NumericArrayConstructor = { new (buffer: ArrayBuffer): NumericArray };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, little: boolean) => number;
const READERS: Record<string, { size: number; read: Reader; integral: boolean; view?: NumericArrayConstructor }> = {
  f2: { size: 2, read: (v, o, l) => halfToFloat(v.getUint16(o, l)), integral: false },
  f4: { size: 4, read: (v, o, l) => v.getFloat32(o, l), integral: false, view: Float32Array },
  f8: { size: 8, read: (v, o, l) => v.getFloat64(o, l), integral: false, view: Float64Array },
  i1: { size: 1, read: (v, o) => v.getInt8(o), integral: true, view: Int8Array },
  u1: { size: 1, read: (v, o) => v.getUint8(o), integral: true, view: Uint8Array },
  b1: { size: 1, read: (v, o) => v.getUint8(o), integral: true, view: Uint8Array },
  i2: { size: 2, read: (v, o, l) => v.getInt16(o, l), integral: true, view: Int16Array },
  u2: { size: 2, read: (v, o, l) => v.getUint16(o, l), integral: true, view: Uint16Array },
  i4: { size: 4, read: (v, o, l) => v.getInt32(o, l), integral: true, view: Int32Array },
  u4: { size: 4, read: (v, o, l) => v.getUint32(o, l), integral: true, view: Uint32Array },
  i8: { size: 8, read: (v, o, l) => Number(v.getBigInt64(o, l)), integral: true },
  u8: { size: 8, read: (v, o, l) => Number(v.getBigUint64(o, l)), integral: true },
};

export function parseNpy(bytes: Uint8Array, part: string): NpyArray {
  const fail = (why: string) => validationError(`part "${part}" is not a readable .npy array: ${why}`, [{ path: `/${part}`, message: why }]);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('missing the \\x93NUMPY magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unsupported format version ${major}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw fail('header runs past the end of the file');
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(major === 3 ? 'utf8' : 'latin1');

  let parsed: NpyHeader;
  try {
    parsed = parseNpyHeader(header);
  } catch (err) {
    throw fail(`bad header: ${(err as Error).message}`);
  }
  const descr = /^([<>|=])([A-Za-z]+\d*)$/.exec(parsed.descr);
  const reader = descr ? READERS[descr[2]] : undefined;
  if (!descr || !reader) throw fail(`dtype ${parsed.descr} is not numeric (use float32, float64 or an integer type)`);
  if (parsed.fortranOrder) throw fail('fortran_order arrays are not supported; save with np.ascontiguousarray');
  const { shape } = parsed;

  const count = elementCount(shape);
  if (bytes.length - dataStart !== count * reader.size) {
    throw fail(`shape (${shape.join(', ')}) needs ${count * reader.size} data bytes, the file has ${bytes.length - dataStart}`);
  }
  const little = descr[1] !== '>';
  if (reader.view && (little === HOST_LITTLE_ENDIAN || reader.size === 1)) {
    // Fast path (MNIST-sized uploads): one aligned copy instead of a per-element DataView loop.
    const aligned = bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + bytes.length) as ArrayBuffer;
    return { shape, values: new reader.view(aligned), integral: reader.integral };
  }
  const values = new Float64Array(count);
  for (let i = 0, o = dataStart; i < count; i++, o += reader.size) values[i] = reader.read(view, o, little);
  return { shape, values, integral: reader.integral };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 for the dataset codec; no copy when the upload already is float32. */
export function toFloat32(values: NumericArray): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
