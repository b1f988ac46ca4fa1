// The job resource of API.md: a stored job record without the bookkeeping the API never shows. Every
// job the API sends goes through here: responses, the SSE snapshot and the `state` events.

import type { JobRecord } from '../../../storage/job-record.js';

type Bookkeeping = 'attempts' | 'idempotencyKey' | 'startEpoch' | 'updatedAt' | 'clientKey' | 'restartSchedule';

export type JobResource = Omit<JobRecord, Bookkeeping>;

export function toJobResource(record: JobRecord): JobResource {
  const { attempts: _a, idempotencyKey: _k, startEpoch: _s, updatedAt: _u, clientKey: _c, restartSchedule: _r, ...resource } = record;
  return resource;
}
