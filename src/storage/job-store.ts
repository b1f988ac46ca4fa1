// Training-job records (job-record.ts) under DATA_DIR/jobs: one JSON file per job, written atomically,
// plus idempotency-key claims. Files are the single source of truth, shared by every process and thread.

import { randomUUID } from 'node:crypto';
import { link, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { isUuid, newId } from './ids.js';
import { initialProgress, isTerminal, type JobConfig, type JobRecord, type JobState } from './job-record.js';
import type { TrialGate } from '../sweeps/config.js';
import { newestFirst, paginate } from './pagination.js';
import { ensureDir, readJson, selectJson, sha256 } from './record-files.js';
import type { Page, PageRequest } from './types.js';

export interface JobFilter {
  modelId?: string;
  state?: JobState;
  sweepId?: string;
}

export interface NewJob {
  modelId: string;
  datasetId: string;
  config: JobConfig;
  idempotencyKey?: string | null;
  clientKey?: string | null;
  restartSchedule?: boolean;
  trial?: TrialGate | null;
  /** A digest of the request that made the job: a replay of the key with another request is refused. */
  requestDigest?: string;
}

/** An idempotency-key claim file: the job it made and the digest of the request that made it. */
interface KeyClaim {
  jobId: string;
  requestDigest?: string;
}

export class JobStore {
  private readonly dir: string;
  private readonly keysDir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'jobs');
    this.keysDir = join(this.dir, 'idempotency-keys');
  }

  async init(): Promise<void> {
    await ensureDir(this.keysDir);
  }

  /**
   * Stores a new queued job. With an idempotency key, the first request to claim the key wins and
   * every later one (concurrent or not) gets that same job back with `created: false`.
   */
  async create(input: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    await this.init();
    const now = new Date().toISOString();
    const job: JobRecord = {
      id: newId(),
      modelId: input.modelId,
      datasetId: input.datasetId,
      state: 'queued',
      config: input.config,
      progress: initialProgress(input.config),
      history: [],
      checkpointIds: [],
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      idempotencyKey: input.idempotencyKey ?? null,
      startEpoch: null,
      updatedAt: now,
      clientKey: input.clientKey ?? null,
      ...(input.restartSchedule ? { restartSchedule: true } : {}),
      sweepId: input.trial?.sweepId ?? null,
      trial: input.trial ?? null,
    };
    if (input.idempotencyKey != null) {
      const winner = await this.claimKey(job.clientKey ?? null, input.idempotencyKey, { jobId: job.id, requestDigest: input.requestDigest });
      if (winner.jobId !== job.id) {
        // Claims written before digests were kept have none: those replay as before.
        if (winner.requestDigest !== undefined && winner.requestDigest !== input.requestDigest) {
          throw conflict('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used by this client for a different request', [
            { path: '/headers/idempotency-key', message: 'already used with a different body; use a new key for a new job' },
          ]);
        }
        const existing = await this.waitForJob(winner.jobId);
        return { job: existing, created: false };
      }
    }
    await this.save(job);
    return { job, created: true };
  }

  async get(id: string): Promise<JobRecord | null> {
    return isUuid(id) ? readJson<JobRecord>(this.path(id)) : null;
  }

  async save(job: JobRecord): Promise<void> {
    await writeFileAtomic(this.path(job.id), JSON.stringify({ ...job, updatedAt: new Date().toISOString() }));
  }

  /**
   * Read-modify-write of one record. Only one writer owns a job at a time (the API while it is
   * queued, the worker running it, the queue after a crash), so this needs no cross-process lock.
   */
  async update(id: string, change: (job: JobRecord) => JobRecord | void): Promise<JobRecord> {
    const job = await this.get(id);
    if (!job) throw new Error(`job ${id} not found`);
    const next = change(job) ?? job;
    await this.save(next);
    return next;
  }

  /** The job this client claimed an idempotency key for, if any (a replayed request gets it back). */
  async byIdempotencyKey(clientKey: string | null, key: string): Promise<JobRecord | null> {
    const claim = await readJson<KeyClaim>(this.keyPath(clientKey, key));
    return claim ? this.waitForJob(claim.jobId).catch(() => null) : null;
  }

  /** Forgets a job that was never accepted (its enqueue failed), releasing its idempotency key. */
  async remove(job: JobRecord): Promise<void> {
    if (job.idempotencyKey !== null) await rm(this.keyPath(job.clientKey ?? null, job.idempotencyKey), { force: true });
    await rm(this.path(job.id), { force: true });
  }

  /** Newest first, with the service's opaque cursors. */
  async list(filter: JobFilter, page: PageRequest): Promise<Page<JobRecord>> {
    const jobs = await this.select(
      (job) => (!filter.modelId || job.modelId === filter.modelId) && (!filter.state || job.state === filter.state)
        && (!filter.sweepId || job.sweepId === filter.sweepId),
    );
    return paginate(jobs, page);
  }

  /** How many jobs are in each state, holding no record longer than it takes to count it (/metrics). */
  async countByState(): Promise<Map<JobState, number>> {
    const counts = new Map<JobState, number>();
    await this.select((job) => {
      counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
      return false;
    });
    return counts;
  }

  /** Every trial job of a sweep. */
  async trialsOf(sweepId: string): Promise<JobRecord[]> {
    return this.select((job) => job.sweepId === sweepId);
  }

  /** Jobs that are queued or running, oldest first: what a restarted embedded queue runs again. */
  async unfinished(): Promise<JobRecord[]> {
    const jobs = await this.select((job) => !isTerminal(job.state));
    return jobs.sort((a, b) => -newestFirst(a, b));
  }

  /** True while a queued or running job trains this model or reads this dataset (DELETE answers 409). */
  async isInUse(ref: { modelId?: string; datasetId?: string }): Promise<boolean> {
    return (await this.unfinished()).some(
      (job) =>
        (ref.modelId !== undefined && job.modelId === ref.modelId) ||
        (ref.datasetId !== undefined &&
          (job.datasetId === ref.datasetId || job.config.validationDatasetId === ref.datasetId)),
    );
  }

  /** The records `keep` accepts; the rest are never held together (see selectJson). */
  private async select(keep: (job: JobRecord) => boolean): Promise<JobRecord[]> {
    await this.init();
    return selectJson<JobRecord>(this.dir, keep);
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /**
   * A key is scoped to its client (another API key's same string is another claim). Claims made
   * without a client (no keys configured and no IP known, i.e. tests) keep the old unscoped name.
   */
  private keyPath(clientKey: string | null, key: string): string {
    const scoped = clientKey === null ? key : `${clientKey}\n${key}`;
    return join(this.keysDir, `${sha256(Buffer.from(scoped))}.json`);
  }

  /** Publishes the claim with link(), which fails when the name exists: an atomic first-wins. Returns the winning claim. */
  private async claimKey(clientKey: string | null, key: string, claim: KeyClaim): Promise<KeyClaim> {
    const target = this.keyPath(clientKey, key);
    const temp = join(this.keysDir, `.tmp-${randomUUID()}`);
    await writeFileAtomic(temp, JSON.stringify(claim));
    try {
      await link(temp, target);
      return claim;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return (await readJson<KeyClaim>(target)) as KeyClaim;
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** The key's winner may still be writing its record; wait briefly for it. */
  private async waitForJob(id: string): Promise<JobRecord> {
    for (let i = 0; i < 50; i++) {
      const job = await this.get(id);
      if (job) return job;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`job ${id} claimed an idempotency key but was never stored`);
  }
}
