// PyTorch (Debian's python3-torch, 1 thread) in `npm run bench`: bench/peers/pytorch_peer.py runs as
// one long-lived child process, so PyTorch is measured inside the same interleaved rounds as everyone
// else. When Python or torch is missing, the bench says so in the table and goes on.
// Debian's torch multiplies through libblas.so.3. With only the reference (netlib) BLAS installed that
// is ~1 GFLOP/s and PyTorch looks 10x slower than it is; the bench then warns. BENCH_TORCH_BLAS_DIR
// (a folder holding OpenBLAS's libblas.so.3, e.g. from libopenblas0-pthread) is put first on the
// child's LD_LIBRARY_PATH; OpenBLAS is held to one thread like torch.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DigitSet } from '../../test/helpers/mnist.js';
import { WORKLOADS, type Contender, type WorkloadId } from './harness.js';

const SCRIPT = new URL('./pytorch_peer.py', import.meta.url).pathname;
/** Debian's interpreter first (python3-torch installs there); PYTHON overrides. */
const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
/** Samples handed to Python: enough for every workload (4096 for MLP inference). */
const SAMPLES = 4096;

function missingEverywhere(why: string): Contender {
  const missing: Partial<Record<WorkloadId, string>> = {};
  for (const w of WORKLOADS) missing[w.id] = why;
  return { name: 'pytorch', run: {}, missing };
}

export async function pytorch(data: DigitSet): Promise<Contender & { close(): void; version?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pytorch-'));
  const file = join(dir, 'digits.bin');
  const count = Math.min(SAMPLES, data.count);
  const labels = Int32Array.from(data.labels.subarray(0, count));
  writeFileSync(file, Buffer.concat([Buffer.from(data.inputs.buffer, data.inputs.byteOffset, count * 784 * 4), Buffer.from(labels.buffer)]));
  const blasDir = process.env.BENCH_TORCH_BLAS_DIR;
  const env = {
    ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
    ...(blasDir ? { LD_LIBRARY_PATH: [blasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : {}),
  };
  const child = spawn(PYTHON, [SCRIPT, file, String(count)], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const failed = new Promise<null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('exit', () => resolve(null));
  });
  const first = await Promise.race([lines.next(), failed]);
  const ready = first && !first.done ? (JSON.parse(first.value) as { ready?: string; blas?: string[] }) : null;
  if (!ready?.ready) {
    const why = /No module named '?(torch|numpy)/.exec(stderr)?.[0] ?? (stderr.trim().split('\n').at(-1) || 'python3 not found');
    process.stderr.write(`bench: PyTorch is not available (${why}); install Debian's python3-torch for that column. Going on without it.\n`);
    return { ...missingEverywhere('PyTorch not installed'), close: () => child.kill() };
  }
  const blas = ready.blas?.join(', ') || 'unknown';
  if (!/openblas|mkl|blis/i.test(blas)) {
    process.stderr.write(`bench: PyTorch multiplies with ${blas}, not an optimised BLAS: its figures are far below what it does with OpenBLAS. Install libopenblas0-pthread or set BENCH_TORCH_BLAS_DIR.\n`);
  }
  const ask = async (workload: WorkloadId, seconds: number): Promise<number> => {
    child.stdin.write(`${JSON.stringify({ workload, seconds })}\n`);
    const reply = await lines.next();
    if (reply.done) throw new Error(`PyTorch peer exited: ${stderr}`);
    const answer = JSON.parse(reply.value) as { value?: number; error?: string };
    if (answer.value === undefined) throw new Error(`PyTorch peer: ${answer.error}`);
    return answer.value;
  };
  const run: Contender['run'] = {};
  for (const w of WORKLOADS) run[w.id] = (_data, seconds) => ask(w.id, seconds);
  return { name: 'pytorch', run, version: `${ready.ready} (BLAS: ${blas})`, close: () => child.stdin.end() };
}
