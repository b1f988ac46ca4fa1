// The predict answer serialized from its schema (fast-json-stringify, as the route does) against
// JSON.stringify: same bytes, time per answer (one instance, 10 outputs), medians of 7 runs.
//   tsx bench/serve-serialize.ts

import fastJson from 'fast-json-stringify';
import { predictResponseSchema } from '../src/api/routes/predict/index.js';

const serialize = fastJson(predictResponseSchema as unknown as Parameters<typeof fastJson>[0]);
const answer = {
  predictions: [Array.from(new Float32Array(10).map((_, i) => Math.sin(i + 1) ** 2))],
  classes: [3],
  classNames: null,
  checkpoint: '9c4d1f7a-1b2c-4d3e-8f90-a1b2c3d4e5f6',
};
if (serialize(answer) !== JSON.stringify(answer)) throw new Error('the two serializers disagree');

function nsPerCall(fn: (value: unknown) => string): number {
  const runs: number[] = [];
  for (let k = 0; k < 7; k++) {
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) fn(answer);
    runs.push((performance.now() - started) * 10); // ms per 100k calls -> ns per call
  }
  return runs.sort((a, b) => a - b)[3];
}

nsPerCall(serialize);
nsPerCall(JSON.stringify); // warm-up
const fast = nsPerCall(serialize);
const plain = nsPerCall(JSON.stringify);
console.log(`predict answer: fast-json-stringify ${fast.toFixed(0)} ns, JSON.stringify ${plain.toFixed(0)} ns (${(plain / fast).toFixed(2)}x)`);
