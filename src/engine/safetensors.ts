// The safetensors format: 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then raw little-endian data. Decoding trusts nothing in the file:
// every length, offset and dtype is checked before a byte is read. I64 (PyTorch's counters, such
// as batchNorm's num_batches_tracked) is held as float64 numbers, exact up to 2^53.

import { EngineError, type EngineErrorCode } from './errors.js';
import { sizeOf } from './tensor.js';

export type SafetensorsDtype = 'F32' | 'F64' | 'I64';

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Float32Array for F32; Float64Array for F64 and for I64 (integer values). */
  data: Float32Array | Float64Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I64: 8 };
const KNOWN_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: Iterable<[string, SafetensorsTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const entries = [...tensors];
  let offset = 0;
  for (const [name, tensor] of entries) {
    const length = tensor.data.length * BYTES[tensor.dtype];
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  const headerBytes = new TextEncoder().encode(json);
  const padding = (8 - (headerBytes.length % 8)) % 8;
  json += ' '.repeat(padding);
  const encodedHeader = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + encodedHeader.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, encodedHeader.length, true);
  view.setUint32(4, 0, true);
  out.set(encodedHeader, 8);
  let position = 8 + encodedHeader.length;
  for (const [, tensor] of entries) {
    writeData(tensor, view, position);
    position += tensor.data.length * BYTES[tensor.dtype];
  }
  return out;
}

function writeData(tensor: SafetensorsTensor, view: DataView, position: number): void {
  const { dtype, data } = tensor;
  if (LITTLE_ENDIAN && dtype !== 'I64') {
    const typed = dtype === 'F32' ? Float32Array.from(data) : Float64Array.from(data);
    new Uint8Array(view.buffer, position, typed.byteLength).set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    return;
  }
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F32') view.setFloat32(position + 4 * i, data[i], true);
    else if (dtype === 'F64') view.setFloat64(position + 8 * i, data[i], true);
    else if (Number.isSafeInteger(data[i])) view.setBigInt64(position + 8 * i, BigInt(data[i]), true);
    else throw new RangeError(`I64 tensor element ${i} is ${data[i]}, not an integer within ±2^53`);
  }
}

export function decodeSafetensors(bytes: Uint8Array, code: EngineErrorCode = 'WEIGHTS_INVALID'): SafetensorsFile {
  const fail = (message: string) => new EngineError(code, `safetensors: ${message}`, [{ path: '/', message: `safetensors: ${message}` }]);
  if (bytes.length < 8) throw fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 0x100000000;
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw fail(`header length ${headerLength} does not fit the ${bytes.length}-byte file`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw fail('header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header must be a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail('__metadata__ must be an object of strings');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw fail(`__metadata__.${key} must be a string`);
        metadata[key] = value;
      }
      continue;
    }
    const { dtype, shape, begin, end } = readEntry(name, entry, fail);
    const size = BYTES[dtype];
    const count = sizeOf(shape);
    if (end - begin !== count * size) throw fail(`tensor "${name}": ${end - begin} bytes do not hold shape [${shape.join(', ')}] of ${dtype}`);
    if (end > dataLength) throw fail(`tensor "${name}": data_offsets end ${end} is past the ${dataLength} data bytes`);
    ranges.push([begin, end, name]);
    const data = readData(bytes, dataStart + begin, count, dtype);
    if (dtype === 'I64') {
      const bad = data.findIndex((v) => !Number.isSafeInteger(v));
      if (bad >= 0) throw fail(`tensor "${name}": I64 element ${bad} is beyond ±2^53`);
    }
    tensors.set(name, { dtype, shape, data });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== expected) throw fail(`tensor "${name}": data_offsets leave a gap or overlap at byte ${begin}`);
    expected = end;
  }
  if (expected !== dataLength) throw fail(`${dataLength - expected} trailing bytes belong to no tensor`);
  return { tensors, metadata };
}

function readEntry(name: string, entry: unknown, fail: (m: string) => EngineError) {
  if (typeof entry !== 'object' || entry === null) throw fail(`tensor "${name}" must be an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !KNOWN_DTYPES.includes(dtype)) throw fail(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
  if (!Object.hasOwn(BYTES, dtype)) throw fail(`tensor "${name}": dtype ${dtype} is not supported (expected F32)`);
  const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isIndex)) throw fail(`tensor "${name}": shape must be an array of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    throw fail(`tensor "${name}": data_offsets must be [begin, end] with begin <= end`);
  }
  return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

function readData(bytes: Uint8Array, position: number, count: number, dtype: SafetensorsDtype): Float32Array | Float64Array {
  const out = dtype === 'F32' ? new Float32Array(count) : new Float64Array(count);
  if (LITTLE_ENDIAN && dtype !== 'I64') {
    new Uint8Array(out.buffer).set(bytes.subarray(position, position + out.byteLength));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + position, out.byteLength);
  for (let i = 0; i < count; i++) {
    out[i] = dtype === 'F32' ? view.getFloat32(4 * i, true) : dtype === 'F64' ? view.getFloat64(8 * i, true) : Number(view.getBigInt64(8 * i, true));
  }
  return out;
}
