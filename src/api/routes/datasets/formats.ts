// Upload formats turned into a DatasetDraft: CSV with a label or target columns, and NPY arrays from
// a multipart upload (JSON: json-dataset.ts). Validation shared by all three lives in
// assemble.ts; here only what is particular to each format.

import { z } from 'zod';
import type { Multipart } from '@fastify/multipart';
import { AppError, validationError } from '../../../errors.js';
import { invalid, parseOrThrow, resourceName } from '../../schemas/common.js';
import { classNamesSchema, inputShapeSchema, MAX_CLASSES, type DatasetDraft } from './assemble.js';
import { parseCsv } from './csv.js';
import { parseNpy, toFloat32 } from './npy.js';

/** A decimal number as CSV writers print them: sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const csvQuery = z.object({
  name: resourceName,
  labelColumn: z.string().min(1).optional(),
  targetColumns: z.string().min(1).optional(),
  /** Comma-separated; maps label strings to indices in this order. */
  classNames: z.string().min(1).optional(),
});

export function fromCsv(text: string, query: unknown): DatasetDraft {
  const q = parseOrThrow(csvQuery, query, '/query');
  if (!q.labelColumn === !q.targetColumns) invalid([{ path: '/query', message: 'give exactly one of labelColumn or targetColumns' }]);
  const { header, rows } = parseCsv(text);
  const column = (name: string) => {
    const at = header.indexOf(name);
    if (at === -1) invalid([{ path: '/query', message: `column "${name}" is not in the header (${header.join(', ')})` }]);
    return at;
  };
  const labelAt = q.labelColumn ? [column(q.labelColumn)] : [];
  const targetAt = q.targetColumns ? q.targetColumns.split(',').map((c) => column(c.trim())) : [];
  const outputs = new Set([...labelAt, ...targetAt]);
  const featureAt = header.map((_, i) => i).filter((i) => !outputs.has(i));
  if (featureAt.length === 0) invalid([{ path: '/csv', message: 'no feature columns left besides the label/target columns' }]);
  rows.forEach((row, r) => {
    if (row.length !== header.length) invalid([{ path: `/csv/${r}`, message: `row has ${row.length} fields, the header ${header.length}` }]);
  });

  const numbers = (cols: number[]) => {
    const out = new Float32Array(rows.length * cols.length);
    rows.forEach((row, r) =>
      cols.forEach((c, k) => {
        // Decimal only: Number() would also read 0x10, 0b11 and 0o7, which no CSV writer means as numbers.
        const value = DECIMAL.test(row[c].trim()) ? Number(row[c]) : NaN;
        if (!Number.isFinite(value)) invalid([{ path: `/csv/${r}/${header[c]}`, message: `not a finite number: ${JSON.stringify(row[c])}` }]);
        out[r * cols.length + k] = value;
      }),
    );
    return out;
  };
  const given = q.classNames?.split(',').map((n) => n.trim()) ?? null;
  const { labels, classNames } = labelAt.length ? csvLabels(rows.map((row) => row[labelAt[0]].trim()), given) : { labels: null, classNames: null };
  return {
    name: q.name,
    inputShape: [featureAt.length],
    inputs: numbers(featureAt),
    labels,
    targets: targetAt.length ? numbers(targetAt) : null,
    targetRows: targetAt.length ? rows.length : null,
    classNames,
    at: { inputs: '/csv', labels: `/csv/${q.labelColumn ?? ''}`, targets: `/csv/${q.targetColumns ?? ''}`, classNames: '/query/classNames' },
  };
}

/** Integer labels stay indices; text labels become indices into classNames (given, or sorted unique). */
function csvLabels(cells: string[], given: string[] | null): { labels: number[]; classNames: string[] | null } {
  if (cells.every((c) => /^\d+$/.test(c))) return { labels: cells.map(Number), classNames: given };
  const names = given ?? [...new Set(cells)].sort();
  if (names.length > MAX_CLASSES) invalid([{ path: '/csv', message: `more than ${MAX_CLASSES} distinct labels` }]);
  const index = new Map(names.map((n, i) => [n, i]));
  const labels = cells.map((c, r) => index.get(c) ?? invalid([{ path: `/csv/${r}`, message: `label ${JSON.stringify(c)} is not in classNames` }]));
  return { labels, classNames: names };
}

const NPY_FIELDS = ['name', 'classNames'];
const NPY_FILES = ['inputs', 'labels', 'targets'];

/**
 * `limitBytes` (DATASET_BODY_LIMIT_BYTES) bounds the whole request: busboy's own limits are per part,
 * so the bytes of every file and field are counted together as they stream in, and the upload
 * stops with a 413 the moment the sum passes it.
 */
export async function fromMultipart(parts: AsyncIterableIterator<Multipart>, limitBytes: number): Promise<DatasetDraft> {
  const fields: Record<string, string> = {};
  const files: Record<string, Buffer> = {};
  let total = 0;
  const count = (bytes: number) => {
    total += bytes;
    if (total > limitBytes) throw payloadTooLarge(limitBytes);
  };
  for await (const part of parts) {
    const known = part.type === 'file' ? NPY_FILES : NPY_FIELDS;
    if (!known.includes(part.fieldname)) {
      throw validationError(`unexpected ${part.type} part "${part.fieldname}"`, [{ path: `/${part.fieldname}`, message: `expected files ${NPY_FILES.join(', ')} and fields ${NPY_FIELDS.join(', ')}` }]);
    }
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        count(chunk.length);
        chunks.push(chunk);
      }
      if (part.file.truncated) throw payloadTooLarge(limitBytes);
      files[part.fieldname] = Buffer.concat(chunks);
    } else {
      fields[part.fieldname] = String(part.value);
      count(Buffer.byteLength(fields[part.fieldname]));
    }
  }
  const name = parseOrThrow(resourceName, fields.name, '/name');
  if (!files.inputs) invalid([{ path: '/inputs', message: 'the inputs .npy file part is required' }]);
  const inputs = parseNpy(files.inputs, 'inputs');
  if (inputs.shape.length < 2 || inputs.shape.length > 4) {
    invalid([{ path: '/inputs', message: `expected shape (samples, ...inputShape) with 1 to 3 input dimensions, received (${inputs.shape.join(', ')})` }]);
  }
  const inputShape = parseOrThrow(inputShapeSchema, inputs.shape.slice(1), '/inputs/shape');
  const labels = files.labels ? npyLabels(files.labels) : null;
  const targets = files.targets ? parseNpy(files.targets, 'targets') : null;
  if (targets && targets.shape.length > 2) invalid([{ path: '/targets', message: 'expected shape (samples,) or (samples, outputs)' }]);
  return {
    name,
    inputShape,
    inputs: toFloat32(inputs.values),
    labels,
    targets: targets ? toFloat32(targets.values) : null,
    targetRows: targets ? targets.shape[0] : null,
    classNames: fields.classNames === undefined ? null : parseClassNames(fields.classNames),
    at: { inputs: '/inputs', labels: '/labels', targets: '/targets', classNames: '/classNames' },
  };
}

export function payloadTooLarge(limitBytes: number): AppError {
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `the upload is over DATASET_BODY_LIMIT_BYTES (${limitBytes} bytes in total)`);
}

function npyLabels(bytes: Buffer): ArrayLike<number> {
  const labels = parseNpy(bytes, 'labels');
  if (labels.shape.length !== 1) invalid([{ path: '/labels', message: `expected shape (samples,), received (${labels.shape.join(', ')})` }]);
  return labels.values;
}

/** A JSON array of strings, or a comma-separated list. */
function parseClassNames(text: string): string[] {
  let value: unknown = text.split(',').map((n) => n.trim());
  if (text.trim().startsWith('[')) {
    try {
      value = JSON.parse(text);
    } catch {
      invalid([{ path: '/classNames', message: 'not a JSON array of strings' }]);
    }
  }
  return parseOrThrow(classNamesSchema, value, '/classNames');
}
