// A one-pass reader for the common predict body, `{"instances": [[numbers], ...], "checkpoint": "..."}`:
// the numbers go straight from the request's bytes into one Float32Array, with no text decoding, no
// JSON value tree and no second pass to validate and pack (JSON.parse, its safety scans and the depth
// scan were ~25% of a predict's CPU in the bench:serve profile). Anything it does not fully accept
// (other keys, nested rows, rows of different lengths, escapes, non-ASCII, numbers beyond float32,
// malformed JSON) makes it return null, and the body takes the general path (plugins/json-body.ts,
// then schemas/instances.ts), which gives every error exactly as before.

/** Rows of equal length, packed row-major; only ever built from a body that was valid JSON. */
export class PackedRows {
  constructor(
    readonly values: Float32Array,
    readonly count: number,
    readonly rowLength: number,
  ) {}

  /** The rows as plain arrays of numbers, as JSON.parse would have given them (for the general path's errors). */
  toArrays(): number[][] {
    return Array.from({ length: this.count }, (_, i) => Array.from(this.values.subarray(i * this.rowLength, (i + 1) * this.rowLength)));
  }
}

export interface PackedPredictBody {
  instances: PackedRows;
  checkpoint?: string;
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

/** The reader's position in `bytes`. */
class Cursor {
  at = 0;
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
  if (cursor.skipSpace() !== OPEN_OBJECT) return null;
  cursor.at++;
  let instances: PackedRows | null = null;
  let checkpoint: string | undefined;
  for (;;) {
    if (cursor.skipSpace() !== QUOTE) return null;
    const key = readAsciiString(cursor);
    if (key === null || cursor.skipSpace() !== COLON) return null;
    cursor.at++;
    cursor.skipSpace();
    if (key === 'instances' && instances === null) {
      instances = readRows(cursor);
      if (instances === null) return null;
    } else if (key === 'checkpoint' && checkpoint === undefined) {
      if (bytes[cursor.at] !== QUOTE) return null;
      const value = readAsciiString(cursor);
      if (value === null) return null;
      checkpoint = value;
    } else {
      return null; // unknown or repeated keys: the general path says which
    }
    const c = cursor.skipSpace();
    cursor.at++;
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) return null;
  }
  if (cursor.skipSpace() !== undefined || instances === null) return null; // trailing bytes, or no instances
  return checkpoint === undefined ? { instances } : { instances, checkpoint };
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

/**
 * `[[n, ...], ...]`: at least one row, every row as long as the first and not empty. The number
 * reading is written out here, on locals, rather than called per number: this loop is the hot path
 * (it halves the reader's time against a helper call per number).
 *
 * Up to 15 significant digits with an exponent within 22 take the exact fast path (an integer below
 * 2^53 times or divided by an exact power of ten is one correctly rounded operation), so the value is
 * the double JSON.parse gives; anything longer is handed to Number() on its text, which rounds the same.
 */
function readRows(cursor: Cursor): PackedRows | null {
  const { bytes } = cursor;
  let i = cursor.at;
  if (bytes[i] !== OPEN_ARRAY) return null;
  i++;
  let count = 0;
  let rowLength = -1;
  let filled = 0;
  let c = bytes[i];
  for (;;) {
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
    if (c !== OPEN_ARRAY) return null;
    c = bytes[++i];
    const rowStart = filled;
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
        return null;
      }
      if (c === DOT) {
        c = bytes[++i];
        if (!(c >= ZERO && c <= NINE)) return null;
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
        if (!(c >= ZERO && c <= NINE)) return null;
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
      if (!(value <= FLOAT32_MAX && value >= -FLOAT32_MAX)) return null;
      if (filled === scratch.length) {
        const grown = new Float32Array(scratch.length * 2);
        grown.set(scratch);
        scratch = grown;
      }
      scratch[filled++] = value;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return null;
      c = bytes[++i];
    }
    c = bytes[++i];
    const length = filled - rowStart;
    if (rowLength === -1) rowLength = length;
    else if (length !== rowLength) return null;
    count++;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
    if (c === CLOSE_ARRAY) break;
    if (c !== COMMA) return null;
    c = bytes[++i];
  }
  cursor.at = i + 1;
  const values = scratch.slice(0, filled);
  // One huge request must not keep its buffer for the life of the process.
  if (scratch.length > 64 * SCRATCH_FLOATS) scratch = new Float32Array(SCRATCH_FLOATS);
  return new PackedRows(values, count, rowLength);
}
