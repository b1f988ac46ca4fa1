// Instance validation: the one-pass packer predict uses (src/api/schemas/instances.ts) against the
// per-element zod schemas it replaced (rebuilt here as they were), on the same rows; medians of 7.
//   tsx bench/serve-validate.ts

import { z } from 'zod';
import { packRows } from '../src/api/schemas/instances.js';

const FLOAT32_MAX = 3.4028234663852886e38;
const float32 = z.number().min(-FLOAT32_MAX).max(FLOAT32_MAX);

/** The zod path as it was: validate each row with a schema built from the shape, then flatten and pack. */
function zodPack(rows: unknown[], size: number): Float32Array {
  const flat = z.array(float32).length(size);
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => {
    const result = flat.safeParse(row);
    if (!result.success) throw new Error('invalid');
    out.set(result.data, i * size);
  });
  return out;
}

async function usPerCall(calls: number, fn: () => unknown): Promise<number> {
  const runs: number[] = [];
  for (let k = 0; k < 7; k++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    runs.push(((performance.now() - started) * 1000) / calls);
  }
  return runs.sort((a, b) => a - b)[3];
}

for (const count of [1, 64]) {
  const rows = Array.from({ length: count }, (_, r) => Array.from({ length: 784 }, (_, i) => Math.round(Math.sin(r + i) * 1000) / 1000));
  const calls = Math.max(20, Math.round(2000 / count));
  await usPerCall(calls, () => packRows(rows, [784], '/instances'));
  await usPerCall(calls, () => zodPack(rows, 784)); // warm-up
  const onePass = await usPerCall(calls, () => packRows(rows, [784], '/instances'));
  const zod = await usPerCall(calls, () => zodPack(rows, 784));
  console.log(`${count} x 784 floats: one pass ${onePass.toFixed(1)} us, zod ${zod.toFixed(1)} us (${(zod / onePass).toFixed(1)}x)`);
}
