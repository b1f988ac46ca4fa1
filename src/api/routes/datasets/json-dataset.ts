// JSON dataset uploads, read from the raw bytes without building a JavaScript value per number.
// JSON.parse of `{"inputs": [[[0]], [[0]], ...]}` costs 16-22x the body in heap (a 27 MB body killed
// a 300 MB heap), so at DATASET_BODY_LIMIT_BYTES (256 MiB) one request could take the process down.
// Here `inputs`, `labels` and `targets` are scanned straight into typed arrays (4-8 bytes a number,
// never more than the body's own size x 4), every row's structure is checked as it is read, and a
// wrong token stops the scan at once. The small fields (name, inputShape, classNames) go through
// JSON.parse and the usual zod schemas, capped at SMALL_VALUE_BYTES each.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppError, type ErrorDetail } from '../../../errors.js';
import { elementCount } from '../../../storage/dataset-codec.js';
import { MAX_JSON_DEPTH, jsonDepth } from '../../plugins/json-body.js';
import { invalid, parseOrThrow, resourceName } from '../../schemas/common.js';
import { classNamesSchema, inputShapeSchema, type DatasetDraft } from './assemble.js';

/** name, inputShape and classNames together are a few hundred KB at most (10,000 names of 200 characters: 2 MB). */
const SMALL_VALUE_BYTES = 4 * 1024 * 1024;
/** Bytes scanned between event-loop yields, so a large upload never stalls other requests for long. */
const BYTES_PER_SLICE = 1 << 20;
const FLOAT32_MAX = 3.4028234663852886e38;
const KEYS = ['name', 'inputShape', 'inputs', 'labels', 'targets', 'classNames'];
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Bytes that end a scalar: , } ] : and JSON whitespace. */
const DELIMITERS = new Set([0x2c, 0x7d, 0x5d, 0x3a, 0x20, 0x0a, 0x0d, 0x09]);

const syntax = (message: string): AppError => new AppError(400, 'INVALID_JSON', message, [{ path: '/', message }]);

/** A Float32Array or Float64Array that doubles as it fills. */
class Growable<T extends Float32Array | Float64Array> {
  length = 0;
  constructor(private data: T, private readonly make: (n: number) => T) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  take(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** One row's nesting: the length at each depth ([784] flat, [28, 28, 1] nested). */
type RowShape = number[];

class Scanner {
  at = 0;
  private lastYield = 0;
  constructor(readonly bytes: Uint8Array) {}

  space(): void {
    const b = this.bytes;
    while (this.at < b.length && (b[this.at] === 0x20 || b[this.at] === 0x0a || b[this.at] === 0x0d || b[this.at] === 0x09)) this.at++;
  }

  peek(): number {
    this.space();
    return this.at < this.bytes.length ? this.bytes[this.at] : -1;
  }

  expect(char: string): void {
    if (this.peek() !== char.charCodeAt(0)) throw this.unexpected(`expected "${char}"`);
    this.at++;
  }

  /** Consumes `,` (true) or the closing bracket (false). */
  more(close: string): boolean {
    const c = this.peek();
    if (c === 0x2c) {
      this.at++;
      return true;
    }
    if (c === close.charCodeAt(0)) {
      this.at++;
      return false;
    }
    throw this.unexpected(`expected "," or "${close}"`);
  }

  /** A JSON number, as a double. Anything else (a string, {}, null, true) returns null, unconsumed. */
  number(): number | null {
    const b = this.bytes;
    const start = this.at;
    let i = start;
    const negative = b[i] === 0x2d;
    if (negative) i++;
    let integer = 0;
    if (b[i] === 0x30) i++;
    else if (b[i] >= 0x31 && b[i] <= 0x39) while (b[i] >= 0x30 && b[i] <= 0x39) integer = integer * 10 + (b[i++] - 0x30);
    else return null;
    // Fast path, most dataset values: a short integer is exact without a string.
    if (b[i] !== 0x2e && b[i] !== 0x65 && b[i] !== 0x45 && i - start < 15) {
      this.at = i;
      return negative ? -integer : integer;
    }
    if (b[i] === 0x2e) {
      i++;
      if (!(b[i] >= 0x30 && b[i] <= 0x39)) throw this.unexpected('a digit after the decimal point');
      while (b[i] >= 0x30 && b[i] <= 0x39) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!(b[i] >= 0x30 && b[i] <= 0x39)) throw this.unexpected('a digit in the exponent');
      while (b[i] >= 0x30 && b[i] <= 0x39) i++;
    }
    this.at = i;
    return Number(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1'));
  }

  /** The extent of any JSON value (strings and nesting skipped properly), parsed with JSON.parse. */
  smallValue(path: string): unknown {
    this.space();
    const start = this.at;
    const b = this.bytes;
    let depth = 0;
    // A scalar (number, true, false, null, or garbage for JSON.parse to refuse) runs to the next delimiter.
    if (b[start] !== 0x22 && b[start] !== 0x5b && b[start] !== 0x7b) {
      while (this.at < b.length && !DELIMITERS.has(b[this.at])) this.at++;
      if (this.at - start > SMALL_VALUE_BYTES) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `${path} is over ${SMALL_VALUE_BYTES} bytes`, [{ path, message: `at most ${SMALL_VALUE_BYTES} bytes` }]);
    } else do {
      const c = b[this.at];
      if (c === undefined) throw this.unexpected('the rest of the value');
      if (c === 0x22) {
        this.at++;
        while (this.at < b.length && b[this.at] !== 0x22) this.at += b[this.at] === 0x5c ? 2 : 1;
        if (this.at >= b.length) throw this.unexpected('the end of the string');
      } else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) depth--;
      else if (depth === 0 && (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) break;
      this.at++;
      if (this.at - start > SMALL_VALUE_BYTES) {
        throw new AppError(413, 'PAYLOAD_TOO_LARGE', `${path} is over ${SMALL_VALUE_BYTES} bytes`, [{ path, message: `at most ${SMALL_VALUE_BYTES} bytes` }]);
      }
    } while (depth > 0);
    const slice = b.subarray(start, this.at);
    if (jsonDepth(slice, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw syntax(`${path} nests deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      return JSON.parse(utf8.decode(slice));
    } catch {
      throw syntax(`${path} is not valid JSON (or not UTF-8)`);
    }
  }

  async maybeYield(): Promise<void> {
    if (this.at - this.lastYield < BYTES_PER_SLICE) return;
    this.lastYield = this.at;
    await yieldToEventLoop();
  }

  unexpected(what: string): AppError {
    const found = this.at < this.bytes.length ? JSON.stringify(String.fromCharCode(this.bytes[this.at])) : 'the end of the body';
    return syntax(`the body is not valid JSON: ${what} at byte ${this.at}, found ${found}`);
  }
}

const notNumber = (path: string): AppError => invalidDetail(path, 'expected a number');
const invalidDetail = (path: string, message: string): AppError => {
  try {
    invalid([{ path, message }]);
  } catch (err) {
    return err as AppError;
  }
};

/**
 * Where a number was expected: valid JSON of another type is 400 VALIDATION_ERROR naming the element;
 * anything else (Infinity, NaN, garbage) and objects with __proto__/constructor keys (as the shared
 * parser treats prototype poisoning) are 400 INVALID_JSON.
 */
function notANumber(scanner: Scanner, path: string): AppError {
  const c = scanner.peek();
  if (c === 0x7b) {
    const start = scanner.at;
    scanner.smallValue(path);
    const text = Buffer.from(scanner.bytes.buffer, scanner.bytes.byteOffset + start, scanner.at - start).toString('latin1');
    if (POISON.test(text)) return syntax('the body is not valid JSON');
    return notNumber(path);
  }
  if (c === 0x22 || c === 0x74 || c === 0x66 || c === 0x6e || c === 0x5b) return notNumber(path);
  return scanner.unexpected('a number');
}

const POISON = /"(__proto__|constructor)"\s*:/;

/** A finite number that fits float32, or a 400 naming the element. */
function tensorValue(scanner: Scanner, path: () => string): number {
  scanner.space();
  const value = scanner.number();
  if (value === null) throw notANumber(scanner, path());
  if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) throw invalidDetail(path(), 'must be a finite number that fits in float32 (magnitude at most 3.4e38)');
  return value;
}

/**
 * One row of inputs (or targets): numbers nested in arrays, rectangular, at most 4 levels deep. Its
 * values go to `out`; its shape is returned. `path` is the row's pointer (`/inputs/7`).
 */
function row(scanner: Scanner, out: Growable<Float32Array>, path: string): RowShape {
  const shape: RowShape = [];
  const index: number[] = [];
  const visit = (depth: number): void => {
    if (depth > 4) throw invalidDetail(path, 'nested deeper than an input shape can be');
    scanner.expect('[');
    let length = 0;
    if (scanner.peek() === 0x5d) {
      scanner.at++;
    } else {
      do {
        index[depth] = length;
        if (scanner.peek() === 0x5b) {
          if (shape.length === depth + 1) throw invalidDetail(`${path}/${index.slice(0, depth + 1).join('/')}`, 'expected a number like its siblings');
          visit(depth + 1);
        } else {
          if (shape.length > depth + 1) throw invalidDetail(`${path}/${index.slice(0, depth + 1).join('/')}`, 'expected an array like its siblings');
          if (shape.length < depth + 1) shape.length = depth + 1; // numbers live at this depth
          out.push(tensorValue(scanner, () => `${path}/${index.slice(0, depth + 1).join('/')}`));
        }
        length++;
      } while (scanner.more(']'));
    }
    if (shape[depth] === undefined) shape[depth] = length;
    else if (shape[depth] !== length) throw invalidDetail(depth === 0 ? path : `${path}/${index.slice(0, depth).join('/')}`, `expected ${shape[depth]} entries like its siblings, received ${length}`);
  };
  visit(0);
  return shape;
}

interface ScannedRows {
  values: Float32Array;
  count: number;
  /** Distinct row shapes, with the first row that had each. */
  shapes: Map<string, { shape: RowShape; first: number }>;
}

async function rows(scanner: Scanner, key: string, allowNumbers: boolean): Promise<ScannedRows & { numbers: boolean }> {
  const out = new Growable(new Float32Array(1024), (n) => new Float32Array(n));
  const shapes = new Map<string, { shape: RowShape; first: number }>();
  let count = 0;
  let numbers = false;
  let previous: RowShape = [];
  scanner.expect('[');
  if (scanner.peek() === 0x5d) scanner.at++;
  else {
    do {
      const path = `/${key}/${count}`;
      if (scanner.peek() === 0x5b) {
        if (numbers) throw invalidDetail(path, 'expected a number like the entries before it');
        const shape = row(scanner, out, path);
        // Rows mostly repeat the previous row's shape: only a new one is looked up.
        if (shape.length !== previous.length || shape.some((d, i) => d !== previous[i])) {
          const signature = shape.join('x');
          if (!shapes.has(signature)) shapes.set(signature, { shape, first: count });
          previous = shape;
        }
      } else if (allowNumbers && (count === 0 || numbers)) {
        numbers = true;
        out.push(tensorValue(scanner, () => path));
      } else {
        if (scanner.peek() !== 0x7b && !allowNumbers) throw invalidDetail(path, 'expected an array of numbers');
        throw allowNumbers && scanner.peek() !== 0x7b ? invalidDetail(path, 'expected an array like the entries before it') : notANumber(scanner, path);
      }
      count++;
      await scanner.maybeYield();
    } while (scanner.more(']'));
  }
  return { values: out.take(), count, shapes, numbers };
}

async function labelList(scanner: Scanner): Promise<Float64Array> {
  const out = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  scanner.expect('[');
  if (scanner.peek() === 0x5d) scanner.at++;
  else {
    do {
      scanner.space();
      const value = scanner.number();
      if (value === null) throw notANumber(scanner, `/labels/${out.length}`);
      if (!Number.isFinite(value)) throw notNumber(`/labels/${out.length}`);
      out.push(value);
      await scanner.maybeYield();
    } while (scanner.more(']'));
  }
  return out.take();
}

/** Parses a JSON dataset body (raw bytes) into a draft; 400 INVALID_JSON / VALIDATION_ERROR naming the field. */
export async function fromJsonBytes(bytes: Uint8Array): Promise<DatasetDraft> {
  const scanner = new Scanner(bytes);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) scanner.at = 3;
  if (scanner.peek() !== 0x7b) throw invalidDetail('/', 'expected a JSON object with name, inputShape, inputs and labels or targets');
  scanner.at++;
  const seen = new Set<string>();
  let small: Record<string, unknown> = {};
  let inputs: (ScannedRows & { numbers: boolean }) | null = null;
  let targets: (ScannedRows & { numbers: boolean }) | null = null;
  let labels: Float64Array | null = null;
  if (scanner.peek() === 0x7d) scanner.at++;
  else {
    do {
      if (scanner.peek() !== 0x22) throw scanner.unexpected('a key');
      const key = scanner.smallValue('/');
      if (typeof key !== 'string') throw scanner.unexpected('a key');
      if (key === '__proto__' || key === 'constructor') throw syntax('the body is not valid JSON');
      if (!KEYS.includes(key)) throw invalidDetail(`/${key}`, `unknown field "${key}"`);
      if (seen.has(key)) throw invalidDetail(`/${key}`, 'given twice');
      seen.add(key);
      scanner.expect(':');
      if (key === 'inputs') inputs = await rows(scanner, 'inputs', false);
      else if (key === 'targets') targets = await rows(scanner, 'targets', true);
      else if (key === 'labels') labels = await labelList(scanner);
      else small = { ...small, [key]: scanner.smallValue(`/${key}`) };
    } while (scanner.more('}'));
  }
  scanner.space();
  if (scanner.at !== bytes.length) throw scanner.unexpected('the end of the body');

  const name = parseOrThrow(resourceName, small.name, '/name');
  const inputShape = parseOrThrow(inputShapeSchema, small.inputShape, '/inputShape');
  const classNames = small.classNames === undefined ? null : parseOrThrow(classNamesSchema, small.classNames, '/classNames');
  if (!inputs || inputs.count === 0) invalid([{ path: '/inputs', message: 'expected at least one row' }]);
  checkRowShapes(inputs, inputShape);
  if (targets && targets.count === 0) invalid([{ path: '/targets', message: 'expected at least one target' }]);
  if (targets && targets.shapes.size > 1) {
    const [, second] = [...targets.shapes.values()];
    invalid([{ path: `/targets/${second.first}`, message: 'expected a row like targets[0]' }]);
  }
  if (targets && [...targets.shapes.values()].some(({ shape }) => shape.length !== 1 || shape[0] === 0)) {
    invalid([{ path: '/targets', message: 'expected numbers or rows of numbers' }]);
  }
  return {
    name,
    inputShape,
    inputs: inputs.values,
    labels,
    targets: targets ? targets.values : null,
    targetRows: targets ? targets.count : null,
    classNames,
    at: { inputs: '/inputs', labels: '/labels', targets: '/targets', classNames: '/classNames' },
  };
}

/** Every row is flat (all the shape's values) or nested exactly in the shape. */
function checkRowShapes(inputs: ScannedRows, inputShape: number[]): void {
  const size = elementCount(inputShape);
  const details: ErrorDetail[] = [];
  for (const { shape, first } of inputs.shapes.values()) {
    const flat = shape.length === 1 && shape[0] === size;
    const nested = shape.length === inputShape.length && shape.every((d, i) => d === inputShape[i]);
    if (!flat && !nested) {
      details.push({ path: `/inputs/${first}`, message: `expected ${size} numbers (flat row of shape [${inputShape.join(', ')}]) or rows nested in that shape, received shape [${shape.join(', ')}]` });
    }
  }
  if (details.length > 0) invalid(details.sort((a, b) => Number(a.path.split('/')[2]) - Number(b.path.split('/')[2])));
}
