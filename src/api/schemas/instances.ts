// Rows of a model input (predict instances, JSON dataset inputs): each row nested in the input shape
// or flat in its row-major order. The zod schemas are built from the shape, so errors name the row
// and the element (`/instances/7/3/1`). Valid rows are packed into one Float32Array.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import { elementCount } from '../../storage/dataset-codec.js';
import { invalid, issuesToDetails } from './common.js';

/** Rows with more problems than this report only the first ones. */
const MAX_DETAILS = 10;
/** Rows validated between event-loop yields: a 1024 x 784 batch takes ~100-400 ms of zod in all. */
const ROWS_PER_SLICE = 128;

export interface RowSchemas {
  flat: z.ZodType<number[]>;
  nested: z.ZodType;
  size: number;
}

/** Values are stored and computed as float32: a larger finite double would become Infinity there. */
const FLOAT32_MAX = 3.4028234663852886e38;
const float32 = z.number().min(-FLOAT32_MAX, 'must fit in float32 (magnitude at most 3.4e38)').max(FLOAT32_MAX, 'must fit in float32 (magnitude at most 3.4e38)');

export function rowSchemas(shape: readonly number[]): RowSchemas {
  const size = elementCount(shape);
  const flat = z.array(float32).length(size, `expected ${size} numbers (flat row of shape [${shape.join(', ')}])`);
  let nested: z.ZodType = float32;
  for (let d = shape.length - 1; d >= 0; d--) {
    nested = z.array(nested).length(shape[d], `expected ${shape[d]} entries (dimension ${d} of shape [${shape.join(', ')}])`);
  }
  return { flat, nested, size };
}

/**
 * Validates every row against `shape` and packs them; a bad row throws 400 VALIDATION_ERROR.
 * Yields to the event loop every ROWS_PER_SLICE rows so a large batch never stalls other requests.
 */
export async function packRows(rows: readonly unknown[], shape: readonly number[], prefix: string): Promise<Float32Array> {
  const schemas = rowSchemas(shape);
  const details: ErrorDetail[] = [];
  for (let i = 0; i < rows.length && details.length < MAX_DETAILS; i++) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await yieldToEventLoop();
    const row = rows[i];
    const schema = shape.length > 1 && Array.isArray(row) && Array.isArray(row[0]) ? schemas.nested : schemas.flat;
    const result = schema.safeParse(row);
    if (!result.success) details.push(...issuesToDetails(result.error.issues, `${prefix}/${i}`).slice(0, MAX_DETAILS - details.length));
  }
  if (details.length > 0) invalid(details);
  const out = new Float32Array(rows.length * schemas.size);
  const depth = shape.length - 1;
  rows.forEach((row, i) => out.set(((row as unknown[]).flat(depth) as number[]), i * schemas.size));
  return out;
}
