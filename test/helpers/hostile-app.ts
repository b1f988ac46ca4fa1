// The app the hostile-input tests (catalog and fuzz) run against: the real buildApp and services over
// a temporary DATA_DIR, with a recording queue that never trains, plus the checks they share: a
// snapshot of everything under DATA_DIR (names, sizes, sha256), of the job store and of the queue,
// and an assertion of the documented error shape.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AppDeps } from '../../src/api/app.js';
import { endJob } from '../../src/queue/job-transitions.js';
import { MemoryEventLog } from '../../src/queue/memory-event-log.js';
import type { JobEvent, SubscribeOptions, TrainingQueue } from '../../src/queue/types.js';
import type { JobStore } from '../../src/storage/job-store.js';
import { createTestApp } from './test-app.js';

/**
 * A TrainingQueue that records what it is asked and runs nothing: hostile requests must never
 * enqueue, and the fuzz test's accepted jobs must not start training threads. Cancelling a job
 * ends its record as the embedded queue does for a job that has not started.
 */
export class RecordingQueue implements TrainingQueue {
  readonly enqueued: string[] = [];
  readonly cancelled: string[] = [];
  /** Sweeps it was asked to drive or cancel (it starts no trials). */
  readonly sweeps: string[] = [];
  private readonly events = new MemoryEventLog();

  constructor(private readonly jobs: JobStore) {}

  async enqueue(jobId: string): Promise<void> {
    this.enqueued.push(jobId);
  }

  async cancel(jobId: string): Promise<void> {
    this.cancelled.push(jobId);
    await endJob(this.jobs, this.events, jobId, 'cancelled', null);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): Promise<() => void> {
    return this.events.subscribe(jobId, listener, options);
  }

  async advanceSweep(sweepId: string): Promise<void> {
    this.sweeps.push(sweepId);
  }

  async cancelSweep(sweepId: string): Promise<boolean> {
    this.sweeps.push(sweepId);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

export interface HostileApp {
  app: FastifyInstance;
  deps: AppDeps;
  queue: RecordingQueue;
  dataDir: string;
  close(): Promise<void>;
}

/** Rate limits and overload 503s are off (LIMITS_OFF): these tests are about what a request contains. */
export function createHostileApp(env: Record<string, string> = {}): Promise<HostileApp> {
  return createTestApp(env, (jobs) => new RecordingQueue(jobs));
}

/** Every file and directory under `dir`, relative path -> "dir" or "<size> <sha256>", sorted by path. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out[path] = 'dir';
        await walk(path);
      } else {
        const bytes = await readFile(join(dir, path));
        out[path] = `${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}`;
      }
    }
  };
  await walk('');
  return out;
}

/** What "nothing changed" compares: the DATA_DIR tree, the job store's listing and the queue's log. */
export interface ServiceSnapshot {
  files: Record<string, string>;
  jobs: { id: string; state: string; updatedAt: string }[];
  enqueued: string[];
  cancelled: string[];
}

export async function snapshotService(t: HostileApp): Promise<ServiceSnapshot> {
  const page = await t.deps.jobs.list({}, { limit: 500 });
  return {
    files: await snapshotTree(t.dataDir),
    jobs: page.items.map((j) => ({ id: j.id, state: j.state, updatedAt: j.updatedAt })),
    enqueued: [...t.queue.enqueued],
    cancelled: [...t.queue.cancelled],
  };
}

export interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string };
}

/**
 * Throws unless `res` carries exactly the documented error shape:
 * {error: {code, message, details: [{path, message}], requestId}} with requestId = x-request-id.
 * Returns the parsed body.
 */
export function assertErrorShape(res: Pick<LightMyRequestResponse, 'statusCode' | 'body' | 'headers'>): ErrorBody {
  const where = `${res.statusCode} ${res.body.slice(0, 500)}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`error body is not JSON: ${where}`);
  }
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) throw new Error(`error content-type is ${res.headers['content-type']}: ${where}`);
  const keys = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).sort().join(',') : null);
  if (keys(body) !== 'error') throw new Error(`error body must hold only "error": ${where}`);
  const error = (body as ErrorBody).error;
  if (keys(error) !== 'code,details,message,requestId') throw new Error(`error must hold code, message, details, requestId: ${where}`);
  if (typeof error.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(error.code)) throw new Error(`error.code is not UPPER_SNAKE: ${where}`);
  if (typeof error.message !== 'string' || error.message.length === 0) throw new Error(`error.message is empty: ${where}`);
  if (typeof error.requestId !== 'string' || error.requestId !== res.headers['x-request-id']) throw new Error(`error.requestId does not match x-request-id: ${where}`);
  if (!Array.isArray(error.details)) throw new Error(`error.details is not an array: ${where}`);
  for (const d of error.details) {
    if (keys(d) !== 'message,path' || typeof d.path !== 'string' || !d.path.startsWith('/') || typeof d.message !== 'string') {
      throw new Error(`error.details entries must be {path: "/...", message}: ${where}`);
    }
  }
  return body as ErrorBody;
}

/** Own keys of the built-in prototypes a pollution attack would touch. */
export function prototypeKeys(): Record<string, string[]> {
  const of = (o: object) => Reflect.ownKeys(o).map(String).sort();
  return { object: of(Object.prototype), array: of(Array.prototype), function: of(Function.prototype), string: of(String.prototype) };
}
