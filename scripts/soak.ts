// `npm run soak`: the compiled server (embedded mode, temp DATA_DIR, loopback) under a mixed workload
// for a while (SOAK_MINUTES or --minutes, default 10): dataset uploads in JSON, CSV and NPY, model
// creation, training jobs that are cancelled and resumed, predict bursts, SSE clients that connect and
// drop, and a sprinkling of the hostile-input catalog. RSS, heap and event-loop delay are sampled
// from /metrics every few seconds. At the end: every accepted job must be terminal, every checkpoint
// must match its sha256, no response may be a 5xx, and RSS after warm-up may grow less than 10%.
// Writes docs/soak.md (figures) and docs/img/soak-rss.svg (RSS over time) and prints a summary;
// exits 1 when a check fails.   tsx scripts/soak.ts [--minutes 3]
// Per-thread memory (`thread_memory_bytes`) is sampled too and tabulated, since RSS alone cannot say
// which thread holds memory; SOAK_SAMPLES=<file> also writes every sample as JSON, for a closer look.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { niceScale } from '../src/plots/curves-svg.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = process.argv.indexOf('--minutes');
const MINUTES = Number(arg > 0 ? process.argv[arg + 1] : (process.env.SOAK_MINUTES ?? 10));
const DURATION_MS = MINUTES * 60_000;
const SAMPLE_EVERY_MS = 5_000;
/** RSS is compared after this share of the run (caches, pools and JIT have settled by then). */
const WARMUP_SHARE = 0.25;

/** Per-thread memory from `thread_memory_bytes{pool,kind}` (main: the API thread, with inline predicts). */
const POOLS = ['main', 'training', 'predict'] as const;
const KINDS = ['heap_used', 'heap_total', 'wasm_reserved', 'wasm_live'] as const;
type ThreadFigures = Record<`${(typeof POOLS)[number]}.${(typeof KINDS)[number]}`, number>;
interface Sample { t: number; rss: number; heap: number; external: number; threads: ThreadFigures; loopP99: number; loopMax: number }
const statuses = new Map<number, number>();
const serverErrors: string[] = [];
const accepted = new Set<string>();
let running = true;

// ---------- HTTP ----------
let BASE = '';
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = body instanceof Uint8Array || typeof body === 'string';
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
  });
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) serverErrors.push(`${method} ${path.slice(0, 80)} -> ${res.status} ${text.slice(0, 200)}`);
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch { /* not JSON: SVG, octet-stream */ }
  return { status: res.status, json };
}

// ---------- data ----------
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

function points(count: number): { rows: number[][]; labels: number[] } {
  const rows = Array.from({ length: count }, () => [random() * 2 - 1, random() * 2 - 1]);
  return { rows, labels: rows.map(([x, y]) => (x > y ? 1 : 0)) };
}

function npy(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function multipart(parts: Record<string, string | Buffer>): { body: Buffer; type: string } {
  const boundary = `soak${Math.floor(random() * 1e9)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(parts)) {
    const file = Buffer.isBuffer(value) ? `; filename="${name}.npy"` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const MLP = { input: [2], layers: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' };

async function uploadDataset(format: 'json' | 'csv' | 'npy'): Promise<string | null> {
  const { rows, labels } = points(64 + Math.floor(random() * 192));
  let res;
  if (format === 'json') res = await call('POST', '/v1/datasets', { name: 'soak-json', inputShape: [2], inputs: rows, labels });
  else if (format === 'csv') {
    const csv = `a,b,label\n${rows.map((r, i) => `${r[0]},${r[1]},${labels[i]}`).join('\n')}\n`;
    res = await call('POST', '/v1/datasets?name=soak-csv&labelColumn=label', csv, { 'content-type': 'text/csv' });
  } else {
    const form = multipart({ name: 'soak-npy', inputs: npy('<f4', [rows.length, 2], new Float32Array(rows.flat())), labels: npy('<i4', [labels.length], new Int32Array(labels)) });
    res = await call('POST', '/v1/datasets', form.body, { 'content-type': form.type });
  }
  return res.status === 201 ? res.json.id : null;
}

// ---------- actors ----------
const datasets: string[] = [];
const models: string[] = [];
const trained: string[] = [];
const jobsOf = new Map<string, string>(); // job -> model

async function every(ms: number, action: () => Promise<void>): Promise<void> {
  while (running) {
    try {
      await action();
    } catch (err) {
      serverErrors.push(`client-side failure: ${(err as Error).message}`);
    }
    await sleep(ms * (0.5 + random()));
  }
}

async function submitJob(body: Record<string, unknown>): Promise<string | null> {
  const res = await call('POST', '/v1/jobs', body);
  if (res.status !== 202) return null;
  accepted.add(res.json.id);
  jobsOf.set(res.json.id, res.json.modelId);
  return res.json.id;
}

const actors = {
  uploads: () => every(1500, async () => {
    const id = await uploadDataset(pick(['json', 'csv', 'npy'] as const));
    if (id) datasets.push(id);
    if (datasets.length > 12) await call('DELETE', `/v1/datasets/${datasets.shift()}`); // 409 while a job needs it: fine
  }),
  models: () => every(4000, async () => {
    const res = await call('POST', '/v1/models', { name: 'soak-mlp', spec: { ...MLP, layers: [{ type: 'dense', units: pick([4, 8, 16, 32]), activation: pick(['tanh', 'relu']) }, MLP.layers[1]] } });
    if (res.status === 201) models.push(res.json.id);
  }),
  jobs: () => every(1500, async () => {
    if (models.length === 0 || datasets.length === 0) return;
    const id = await submitJob({ modelId: pick(models), datasetId: pick(datasets), epochs: 5 + Math.floor(random() * 60), batchSize: pick([8, 16, 32]), checkpointEvery: pick([1, 5, 10]), validationSplit: pick([0, 0.25]) });
    if (id && random() < 0.3) {
      await sleep(200 + random() * 1500);
      await call('POST', `/v1/jobs/${id}/cancel`); // 409 when it already finished
    }
  }),
  resumes: () => every(4000, async () => {
    const finished = [...accepted].slice(-30);
    const job = (await call('GET', `/v1/jobs/${pick(finished.length > 0 ? finished : ['00000000-0000-4000-8000-000000000000'])}`)).json;
    if (!job?.checkpointIds?.length || !['cancelled', 'succeeded'].includes(job.state)) return;
    await submitJob({ modelId: job.modelId, datasetId: job.datasetId, epochs: 5, resumeFrom: job.checkpointIds.at(-1) });
    if (!trained.includes(job.modelId)) trained.push(job.modelId);
  }),
  predicts: () => every(1000, async () => {
    if (trained.length === 0) return;
    const burst = 5 + Math.floor(random() * 15);
    await Promise.all(Array.from({ length: burst }, () => call('POST', `/v1/models/${pick(trained)}/predict`, { instances: points(1 + Math.floor(random() * 64)).rows })));
  }),
  streams: () => every(700, async () => {
    const ids = [...accepted];
    if (ids.length === 0) return;
    const controller = new AbortController();
    const res = await fetch(`${BASE}/v1/jobs/${pick(ids.slice(-20))}/events`, { signal: controller.signal }).catch(() => null);
    statuses.set(res?.status ?? 0, (statuses.get(res?.status ?? 0) ?? 0) + 1);
    if (res && res.status >= 500) serverErrors.push(`SSE -> ${res.status}`);
    await sleep(100 + random() * 2500);
    controller.abort(); // the client drops mid-stream
  }),
  hostile: () => every(1200, async () => {
    const model = models[0] ?? '00000000-0000-4000-8000-000000000000';
    const attack = pick([
      () => call('POST', '/v1/datasets', '{"name": "x", "inputShape": [1], "inputs": [{}, {}, {}]}', { 'content-type': 'application/json' }),
      () => call('POST', '/v1/datasets', `{"name": "x", "inputShape": [1], "inputs": ${'['.repeat(100)}${']'.repeat(100)}}`, { 'content-type': 'application/json' }),
      () => call('POST', '/v1/datasets', { name: 'x', inputShape: [1], inputs: [[1], [2]], targets: [1, 2, 3, 4] }),
      () => call('POST', '/v1/datasets?name=h&labelColumn=label', 'a,label\n0x10,0\n0b11,1\n', { 'content-type': 'text/csv' }),
      () => { const f = multipart({ name: 'h', inputs: Buffer.from(npy('<f4', [4], new Float32Array(4)).toString('latin1').replace('(4,)', '(4e0,)'), 'latin1') }); return call('POST', '/v1/datasets', f.body, { 'content-type': f.type }); },
      () => call('GET', `/v1/jobs/${'a'.repeat(5000)}`),
      () => call('GET', '/v1/models/%ff%fe'),
      () => call('POST', `/v1/models/${model}/predict`, { instances: [[Number.MAX_VALUE, 1]] }),
      () => call('POST', `/v1/models/${model}/predict`, { instances: Array.from({ length: 2000 }, () => [0, 0]) }),
      () => call('POST', '/v1/jobs', { modelId: model, datasetId: datasets[0] ?? model, epochs: 1, validationSplit: 0.999 }),
      () => call('POST', '/v1/jobs', `{"modelId": "${model}", "epochs": 1, "__proto__": {"x": 1}}`, { 'content-type': 'application/json' }),
      () => call('POST', '/v1/models', { name: 'x', spec: { input: [2], layers: [{ type: 'conv2d', filters: 1, kernelSize: 9 }], loss: 'mse' } }),
      () => call('POST', '/v1/jobs', '{"modelId": ', { 'content-type': 'application/json' }),
    ]);
    const res = await attack();
    if (res.status < 400 && res.status !== 0) serverErrors.push(`hostile input accepted: ${res.status}`);
  }),
};

// ---------- sampling ----------
const samples: Sample[] = [];
async function sample(start: number): Promise<void> {
  const text = await (await fetch(`${BASE}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  samples.push({
    t: (Date.now() - start) / 1000,
    rss: read('process_resident_memory_bytes'),
    heap: read('nodejs_heap_size_used_bytes'),
    external: read('nodejs_external_memory_bytes'),
    threads: Object.fromEntries(POOLS.flatMap((pool) => KINDS.map((kind) => [`${pool}.${kind}`,
      Number(new RegExp(`^thread_memory_bytes\\{(?=[^}]*pool="${pool}")(?=[^}]*kind="${kind}")[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN)]))) as ThreadFigures,
    loopP99: read('nodejs_eventloop_lag_p99_seconds') * 1000,
    loopMax: read('nodejs_eventloop_lag_max_seconds') * 1000,
  });
}

// ---------- checks ----------
async function waitTerminal(timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let open: string[] = [...accepted];
  while (open.length > 0 && Date.now() < deadline) {
    const states = await Promise.all(open.map(async (id) => [id, (await call('GET', `/v1/jobs/${id}`)).json?.state] as const));
    open = states.filter(([, state]) => state === 'queued' || state === 'running').map(([id]) => id);
    if (open.length > 0) await sleep(2000);
  }
  return open;
}

async function verifyCheckpoints(): Promise<{ checked: number; bad: string[] }> {
  const bad: string[] = [];
  let checked = 0;
  for (const modelId of new Set(jobsOf.values())) {
    let cursor: string | null = null;
    do {
      const page = (await call('GET', `/v1/models/${modelId}/checkpoints?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).json;
      for (const checkpoint of page?.items ?? []) {
        const res = await fetch(`${BASE}/v1/models/${modelId}/checkpoints/${checkpoint.id}/weights`);
        const bytes = Buffer.from(await res.arrayBuffer());
        checked++;
        if (res.status !== 200 || createHash('sha256').update(bytes).digest('hex') !== checkpoint.weightsSha256) bad.push(checkpoint.id);
      }
      cursor = page?.nextCursor ?? null;
    } while (cursor);
  }
  return { checked, bad };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function rssSvg(points: Sample[], warmupEnd: number): string {
  const W = 720, H = 360, L = 70, R = W - 20, T = 40, B = H - 45;
  const xs = niceScale(0, Math.max(1, points.at(-1)?.t ?? 1));
  const ys = niceScale(0, Math.max(...points.map((p) => p.rss / 2 ** 20)));
  const x = (t: number) => L + ((t - xs.min) / (xs.max - xs.min)) * (R - L);
  const y = (v: number) => B - ((v - ys.min) / (ys.max - ys.min)) * (B - T);
  const line = (key: 'rss' | 'heap') => points.map((p) => `${x(p.t).toFixed(1)},${y(p[key] / 2 ** 20).toFixed(1)}`).join(' ');
  const ticks = (scale: { ticks: number[] }, axis: 'x' | 'y') => scale.ticks.map((v) => (axis === 'x'
    ? `<text x="${x(v)}" y="${B + 18}" text-anchor="middle">${v}</text>`
    : `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text><line x1="${L}" x2="${R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">
<title>Soak: server RSS and heap over time</title>
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">npm run soak: server memory over ${MINUTES} min (MiB)</text>
${ticks(ys, 'y')}${ticks(xs, 'x')}
<rect x="${L}" y="${T}" width="${x(warmupEnd) - L}" height="${B - T}" fill="#f3f3f3"/>
<text x="${(L + x(warmupEnd)) / 2}" y="${T + 14}" text-anchor="middle" fill="#777">warm-up</text>
<polyline fill="none" stroke="#1f6fb4" stroke-width="2" points="${line('rss')}"/>
<polyline fill="none" stroke="#23923a" stroke-width="2" stroke-dasharray="7 4" points="${line('heap')}"/>
<line x1="${L}" x2="${R}" y1="${B}" y2="${B}" stroke="#444"/><line x1="${L}" x2="${L}" y1="${T}" y2="${B}" stroke="#444"/>
<text x="${(L + R) / 2}" y="${H - 8}" text-anchor="middle">seconds</text>
<g transform="translate(${R - 170},${T + 8})"><line x1="0" x2="24" y1="0" y2="0" stroke="#1f6fb4" stroke-width="2"/><text x="30" y="4">RSS</text>
<line x1="0" x2="24" y1="18" y2="18" stroke="#23923a" stroke-width="2" stroke-dasharray="7 4"/><text x="30" y="22">V8 heap used</text></g>
</svg>
`;
}

// ---------- main ----------
async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-soak-'));
  const server = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info',
      RATE_LIMIT_JOBS_PER_MINUTE: '0', RATE_LIMIT_PREDICT_PER_MINUTE: '0', MAX_ACTIVE_JOBS_PER_CLIENT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      WORKER_CONCURRENCY: '1', PREDICT_THREADS: '1', CHECKPOINT_RETENTION_LAST: '3',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  server.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  BASE = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not listening:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/i.exec(output);
      if (match) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(match[1]);
      }
    }, 100);
  });
  console.log(`soak: ${MINUTES} min against ${BASE} (DATA_DIR ${dataDir})`);

  const start = Date.now();
  const sampler = (async () => {
    while (running) {
      await sample(start).catch(() => undefined);
      await sleep(SAMPLE_EVERY_MS);
    }
  })();
  // Seed data so every actor has something to work on from the start.
  for (const format of ['json', 'csv', 'npy'] as const) datasets.push((await uploadDataset(format))!);
  models.push((await call('POST', '/v1/models', { name: 'soak-mlp', spec: MLP })).json.id);
  const first = await submitJob({ modelId: models[0], datasetId: datasets[0], epochs: 20, batchSize: 16 });
  if (first) trained.push(models[0]);
  const work = Object.values(actors).map((actor) => actor());
  const progress = setInterval(() => {
    const last = samples.at(-1);
    const th = (key: keyof ThreadFigures) => (last ? mb(last.threads[key]) : '?');
    console.log(`  ${Math.round((Date.now() - start) / 1000)} s: ${accepted.size} jobs, RSS ${last ? mb(last.rss) : '?'} MiB, heap ${last ? mb(last.heap) : '?'} MiB, `
      + `wasm reserved main/training/predict ${th('main.wasm_reserved')}/${th('training.wasm_reserved')}/${th('predict.wasm_reserved')} MiB, 5xx ${serverErrors.length}`);
  }, 30_000);
  await sleep(DURATION_MS);
  running = false;
  clearInterval(progress);
  await Promise.all([...work, sampler]);
  await sample(start);

  const open = await waitTerminal(5 * 60_000);
  const { checked, bad } = await verifyCheckpoints();
  const alive = server.exitCode === null && (await fetch(`${BASE}/healthz`).then((r) => r.status).catch(() => 0)) === 200;
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });

  const warmupEnd = (DURATION_MS / 1000) * WARMUP_SHARE;
  const after = samples.filter((s) => s.t >= warmupEnd && s.t <= DURATION_MS / 1000);
  const window = Math.max(1, Math.floor(after.length * 0.15));
  const baseline = median(after.slice(0, window).map((s) => s.rss));
  const final = median(after.slice(-window).map((s) => s.rss));
  const growth = final / baseline - 1;
  const checks: [string, boolean, string][] = [
    ['every accepted job terminal', open.length === 0, `${accepted.size - open.length} of ${accepted.size}`],
    ['every checkpoint verifies (sha256 of /weights)', bad.length === 0 && checked > 0, `${checked - bad.length} of ${checked}`],
    ['no 5xx', serverErrors.length === 0, `${serverErrors.length}${serverErrors.length ? `: ${serverErrors.slice(0, 3).join(' | ')}` : ''}`],
    ['RSS after warm-up grows < 10%', growth < 0.1, `${(growth * 100).toFixed(1)}% (median ${mb(baseline)} -> ${mb(final)} MiB)`],
    ['server alive at the end', alive, alive ? 'yes' : 'no'],
  ];
  // Where the memory is: each figure's median over the same two windows the RSS check compares.
  const figures: [string, (s: Sample) => number][] = [
    ['RSS (process)', (s) => s.rss], ['V8 heap used, main thread', (s) => s.heap], ['external (main isolate)', (s) => s.external],
    ...POOLS.flatMap((pool) => KINDS.map((kind) => [`${pool} threads: ${kind.replace('_', ' ')}`, (s: Sample) => s.threads[`${pool}.${kind}`]] as [string, (s: Sample) => number])),
  ];
  const whereRows = figures.map(([name, of]) => {
    const [from, to] = [median(after.slice(0, window).map(of)), median(after.slice(-window).map(of))];
    return `| ${name} | ${mb(from)} | ${mb(to)} | ${(to - from >= 0 ? '+' : '') + mb(to - from)} |`;
  }).join('\n');
  if (process.env.SOAK_SAMPLES) await writeFile(process.env.SOAK_SAMPLES, JSON.stringify(samples));
  const counts = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
  const loop = { p99: median(after.map((s) => s.loopP99)), max: Math.max(...samples.map((s) => s.loopMax)) };
  const report = `# Soak run

\`npm run soak\` (\`scripts/soak.ts\`), ${MINUTES} minutes, ${new Date().toISOString().slice(0, 16)} UTC, on the shared 2-core machine.
Workload: dataset uploads (JSON, CSV, NPY), model creation, training jobs (30% cancelled), resumes from
checkpoints, predict bursts of 5-20 concurrent requests, SSE clients that drop after 0.1-2.6 s, and one
hostile request (from the catalog in \`test/api/hostile-catalog.test.ts\` and issue 10) every ~1.2 s.

| check | result | figure |
|---|---|---|
${checks.map(([name, ok, figure]) => `| ${name} | ${ok ? 'pass' : 'FAIL'} | ${figure} |`).join('\n')}

| figure | value |
|---|---|
| requests by status | ${counts} |
| jobs accepted | ${accepted.size} |
| checkpoints verified | ${checked} |
| RSS at start / peak / end | ${mb(samples[0]?.rss ?? NaN)} / ${mb(Math.max(...samples.map((s) => s.rss)))} / ${mb(samples.at(-1)?.rss ?? NaN)} MiB |
| V8 heap used, median after warm-up / peak | ${mb(median(after.map((s) => s.heap)))} / ${mb(Math.max(...samples.map((s) => s.heap)))} MiB |
| event-loop delay, median of the 5 s p99s / worst max | ${loop.p99.toFixed(1)} / ${loop.max.toFixed(0)} ms |
| samples | ${samples.length}, every ${SAMPLE_EVERY_MS / 1000} s; warm-up = first ${WARMUP_SHARE * 100}% of the run; growth compares the medians of the first and last 15% of the samples after it |

Where the memory is (MiB; medians over the two windows the RSS check compares; worker figures are
each thread's as of its latest answer, from \`thread_memory_bytes{pool,kind}\` in /metrics):

| figure | after warm-up | at the end | change |
|---|---|---|---|
${whereRows}

![RSS and V8 heap over the run](img/soak-rss.svg)
`;
  await writeFile(join(ROOT, 'docs/soak.md'), report);
  await writeFile(join(ROOT, 'docs/img/soak-rss.svg'), rssSvg(samples, warmupEnd));
  console.log(report);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
