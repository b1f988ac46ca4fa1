// One-pass readers for the common predict bodies: /v1 `{"instances": [[numbers], ...], "checkpoint": "..."}`
// and /v2 `{"id": "...", "inputs": [{"name", "shape", "datatype": "FP32", "data": [numbers]}]}`. The
// numbers go straight from the request's bytes into one Float32Array, with no text decoding, no JSON
// value tree and no second pass to validate and pack (JSON.parse, its safety scans and the depth scan
// were ~25% of a predict's CPU in the bench:serve profile). Anything they do not fully accept (other
// keys, nested rows, rows of different lengths, escapes, non-ASCII, numbers beyond float32, other
// datatypes, malformed JSON) makes them return null, and the body takes the general path
// (plugins/json-body.ts, then the route's own checks), which gives every error exactly as before.

/**
 * What the readers give the routes. Row and tensor data become Float32Arrays where JSON.parse would
 * give arrays of numbers, so the routes' zod schemas (arrays of unknown items) hold for both paths:
 * /v1 `instances` is an array of rows, each a Float32Array (views of one buffer); /v2 `data` is an
 * array holding one Float32Array, every element of the tensor, flat. No body JSON.parse reads can
 * hold a Float32Array, so the routes can tell the two apart.
 */
export interface PackedPredictBody {
  instances: Float32Array[];
  checkpoint?: string;
}

export interface PackedInferBody {
  id?: string;
  inputs: [{ name: string; shape: number[]; datatype: string; data: [Float32Array] }];
}

const FLOAT32_MAX = 3.4028234663852886e38;
/** Every power of ten a double holds exactly: m / 10^k and m * 10^k are then correctly rounded. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Grows as needed and is reused: the reader is synchronous, so one buffer serves every request. */
const SCRATCH_FLOATS = 1 << 14;
let scratch = new Float32Array(SCRATCH_FLOATS);

/** The reader's position in `bytes`, and how much of the scratch buffer it has filled. */
class Cursor {
  at = 0;
  /** Numbers written to the scratch buffer so far. */
  filled = 0;
  constructor(readonly bytes: Uint8Array) {}

  skipSpace(): number {
    const { bytes } = this;
    let c = bytes[this.at];
    // JSON's whitespace: space, tab, line feed, carriage return.
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++this.at];
    return c;
  }
}

/** The body as packed rows, or null when the general path must read it (see the file header). */
export function readPackedPredictBody(bytes: Uint8Array): PackedPredictBody | null {
  const cursor = new Cursor(bytes);
  let instances: Float32Array[] | null = null;
  let checkpoint: string | undefined;
  const read = readObject(cursor, (key) => {
    if (key === 'instances' && instances === null) return (instances = readRows(cursor)) !== null;
    if (key === 'checkpoint' && checkpoint === undefined) return (checkpoint = readString(cursor) ?? undefined) !== undefined;
    return false; // unknown or repeated keys: the general path says which
  });
  if (!read || instances === null) return null;
  return checkpoint === undefined ? { instances } : { instances, checkpoint };
}

/** Datatypes whose check is float32's range alone, which the number reader makes. */
const FLOAT_DATATYPES = new Set(['FP32', 'FP64']);

/** A /v2 infer body of one FP32 or FP64 input with flat data, or null when the general path must read it. */
export function readPackedInferBody(bytes: Uint8Array): PackedInferBody | null {
  const cursor = new Cursor(bytes);
  let id: string | undefined;
  let tensor: PackedInferBody['inputs'][0] | null = null;
  const read = readObject(cursor, (key) => {
    if (key === 'id' && id === undefined) return (id = readString(cursor) ?? undefined) !== undefined;
    if (key !== 'inputs' || tensor !== null || bytes[cursor.at] !== OPEN_ARRAY) return false;
    cursor.at++;
    cursor.skipSpace();
    tensor = readTensor(cursor);
    if (tensor === null || cursor.skipSpace() !== CLOSE_ARRAY) return false; // one input only
    cursor.at++;
    return true;
  });
  if (!read || tensor === null) return null;
  return id === undefined ? { inputs: [tensor] } : { id, inputs: [tensor] };
}

function readTensor(cursor: Cursor): PackedInferBody['inputs'][0] | null {
  let name: string | null = null;
  let datatype: string | null = null;
  let shape: number[] | null = null;
  let length = -1;
  cursor.filled = 0;
  const read = readObject(cursor, (key) => {
    if (key === 'name' && name === null) return (name = readString(cursor)) !== null;
    if (key === 'datatype' && datatype === null) return (datatype = readString(cursor)) !== null;
    if (key === 'shape' && shape === null) return (shape = readSizes(cursor)) !== null;
    if (key === 'data' && length === -1) return (length = readNumbers(cursor)) > 0;
    return false;
  });
  if (!read || name === null || datatype === null || shape === null || length <= 0 || !FLOAT_DATATYPES.has(datatype)) return null;
  return { name, shape, datatype, data: [takeScratch(cursor.filled)] };
}

/**
 * `{"key": value, ...}` with each value read by `readValue` (the cursor on the value; false declines
 * the body), then nothing but whitespace if it is the whole body (depth 0).
 */
function readObject(cursor: Cursor, readValue: (key: string) => boolean): boolean {
  const topLevel = cursor.at === 0;
  if (cursor.skipSpace() !== OPEN_OBJECT) return false;
  cursor.at++;
  for (;;) {
    if (cursor.skipSpace() !== QUOTE) return false;
    const key = readAsciiString(cursor);
    if (key === null || cursor.skipSpace() !== COLON) return false;
    cursor.at++;
    cursor.skipSpace();
    if (!readValue(key)) return false;
    const c = cursor.skipSpace();
    cursor.at++;
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) return false;
  }
  return !topLevel || cursor.skipSpace() === undefined;
}

function readString(cursor: Cursor): string | null {
  return cursor.bytes[cursor.at] === QUOTE ? readAsciiString(cursor) : null;
}

/** `[d, ...]` of small non-negative integers (a tensor's shape); null for anything else. */
function readSizes(cursor: Cursor): number[] | null {
  const { bytes } = cursor;
  if (bytes[cursor.at] !== OPEN_ARRAY) return null;
  cursor.at++;
  const sizes: number[] = [];
  for (;;) {
    let c = cursor.skipSpace();
    if (!(c >= ZERO && c <= NINE)) return null;
    let size = 0;
    const start = cursor.at;
    do {
      size = size * 10 + (c - ZERO);
      c = bytes[++cursor.at];
    } while (c >= ZERO && c <= NINE);
    // No leading zeros (not JSON), nothing a double would round (the general path words those).
    if ((c === DOT || c === 0x65 || c === 0x45) || (bytes[start] === ZERO && cursor.at - start > 1) || cursor.at - start > 9) return null;
    sizes.push(size);
    c = cursor.skipSpace();
    cursor.at++;
    if (c === CLOSE_ARRAY) return sizes;
    if (c !== COMMA) return null;
  }
}

/** A string of printable ASCII without escapes (keys, checkpoint selectors); the cursor is on its quote. */
function readAsciiString(cursor: Cursor): string | null {
  const { bytes } = cursor;
  const start = ++cursor.at;
  for (let c = bytes[cursor.at]; c !== QUOTE; c = bytes[++cursor.at]) {
    if (c === undefined || c < 0x20 || c > 0x7e || c === 0x5c) return null;
  }
  const end = cursor.at++;
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** `[[n, ...], ...]`: at least one row, every row as long as the first and not empty. */
function readRows(cursor: Cursor): Float32Array[] | null {
  const { bytes } = cursor;
  if (bytes[cursor.at] !== OPEN_ARRAY) return null;
  cursor.at++;
  cursor.filled = 0;
  let count = 0;
  let rowLength = -1;
  for (;;) {
    cursor.skipSpace();
    const length = readNumbers(cursor);
    if (length <= 0 || (rowLength !== -1 && length !== rowLength)) return null;
    rowLength = length;
    count++;
    const c = cursor.skipSpace();
    cursor.at++;
    if (c === CLOSE_ARRAY) break;
    if (c !== COMMA) return null;
  }
  const values = takeScratch(cursor.filled);
  return Array.from({ length: count }, (_, i) => values.subarray(i * rowLength, (i + 1) * rowLength));
}

/** The numbers read so far, in a buffer of their own; the scratch buffer is kept for the next request. */
function takeScratch(filled: number): Float32Array {
  const values = scratch.slice(0, filled);
  // One huge request must not keep its buffer for the life of the process.
  if (scratch.length > 64 * SCRATCH_FLOATS) scratch = new Float32Array(SCRATCH_FLOATS);
  return values;
}

/**
 * `[n, ...]` appended to the scratch buffer at cursor.filled; answers how many numbers it held, or -1
 * when it is not a flat array of numbers within float32. The number reading is written out here, on
 * locals, rather than called per number: this loop is the hot path (a call per number doubles its time).
 *
 * Up to 15 significant digits with an exponent within 22 take the exact fast path (an integer below
 * 2^53 times or divided by an exact power of ten is one correctly rounded operation), so the value is
 * the double JSON.parse gives; anything longer is handed to Number() on its text, which rounds the same.
 */
function readNumbers(cursor: Cursor): number {
  const { bytes } = cursor;
  let i = cursor.at;
  let filled = cursor.filled;
  const first = filled;
  if (bytes[i] !== OPEN_ARRAY) return -1;
  let c = bytes[++i];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
  if (c === CLOSE_ARRAY) {
    cursor.at = i + 1;
    return 0;
  }
  for (;;) {
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
    // One JSON number, its grammar checked byte by byte.
    const start = i;
    const negative = c === MINUS;
    if (negative) c = bytes[++i];
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    if (c === ZERO) {
      c = bytes[++i];
    } else if (c > ZERO && c <= NINE) {
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = bytes[++i];
      } while (c >= ZERO && c <= NINE);
    } else {
      return -1;
    }
    if (c === DOT) {
      c = bytes[++i];
      if (!(c >= ZERO && c <= NINE)) return -1;
      do {
        // Leading zeros of a fraction (0.00x) are not significant digits.
        if (mantissa !== 0 || c !== ZERO) digits++;
        mantissa = mantissa * 10 + (c - ZERO);
        exponent--;
        c = bytes[++i];
      } while (c >= ZERO && c <= NINE);
    }
    if (c === 0x65 || c === 0x45) {
      c = bytes[++i];
      let sign = 1;
      if (c === MINUS || c === 0x2b) {
        sign = c === MINUS ? -1 : 1;
        c = bytes[++i];
      }
      if (!(c >= ZERO && c <= NINE)) return -1;
      let written = 0;
      do {
        if (written < 1e6) written = written * 10 + (c - ZERO);
        c = bytes[++i];
      } while (c >= ZERO && c <= NINE);
      exponent += sign * written;
    }
    let value: number;
    if (digits <= 15 && exponent >= -22 && exponent <= 22) {
      value = exponent < 0 ? mantissa / EXACT_POWERS_OF_TEN[-exponent] : mantissa * EXACT_POWERS_OF_TEN[exponent];
      if (negative) value = -value;
    } else {
      let text = '';
      for (let k = start; k < i; k++) text += String.fromCharCode(bytes[k]);
      value = Number(text);
    }
    // Beyond float32 (it would become Infinity): the general path names the element.
    if (!(value <= FLOAT32_MAX && value >= -FLOAT32_MAX)) return -1;
    if (filled === scratch.length) {
      const grown = new Float32Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[filled++] = value;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
    if (c === CLOSE_ARRAY) break;
    if (c !== COMMA) return -1;
    c = bytes[++i];
  }
  cursor.at = i + 1;
  cursor.filled = filled;
  return filled - first;
}
