// Sweep records (sweep-record.ts) under DATA_DIR/sweeps, one JSON file each, and the rung entries of
// successive halving beside them: one file per trial and rung, written by the trial's own run.

import { join } from 'node:path';
import type { RungEntry } from '../sweeps/successive-halving.js';
import { writeFileAtomic } from './atomic-file.js';
import { isUuid, newId } from './ids.js';
import { paginate } from './pagination.js';
import { ensureDir, listJson, readJson } from './record-files.js';
import type { SweepRecord } from './sweep-record.js';
import type { Page, PageRequest } from './types.js';

/** A trial's entry at a rung: its value there and the decision taken when it arrived. */
export interface StoredRungEntry extends RungEntry {
  continues: boolean | null;
}

export class SweepStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'sweeps');
  }

  async init(): Promise<void> {
    await ensureDir(this.dir);
  }

  async create(input: Omit<SweepRecord, 'id' | 'createdAt' | 'cancelledAt' | 'ended'>): Promise<SweepRecord> {
    await this.init();
    const record: SweepRecord = { id: newId(), ...input, createdAt: new Date().toISOString(), cancelledAt: null, ended: null };
    await this.save(record);
    return record;
  }

  async get(id: string): Promise<SweepRecord | null> {
    return isUuid(id) ? readJson<SweepRecord>(this.path(id)) : null;
  }

  async save(record: SweepRecord): Promise<void> {
    await writeFileAtomic(this.path(record.id), JSON.stringify(record));
  }

  async list(page: PageRequest): Promise<Page<SweepRecord>> {
    return paginate(await this.all(), page);
  }

  /** Sweeps whose end has not been announced: what a driver picks up after a restart. */
  async unfinished(): Promise<SweepRecord[]> {
    return (await this.all()).filter((record) => record.ended === null);
  }

  /** The entries of one rung, the caller's included once it has written its own. */
  async rungEntries(sweepId: string, rung: number): Promise<StoredRungEntry[]> {
    return listJson<StoredRungEntry>(this.rungDir(sweepId, rung));
  }

  async writeRungEntry(sweepId: string, rung: number, entry: StoredRungEntry): Promise<void> {
    await ensureDir(this.rungDir(sweepId, rung));
    await writeFileAtomic(join(this.rungDir(sweepId, rung), `${entry.index}.json`), JSON.stringify(entry));
  }

  private async all(): Promise<SweepRecord[]> {
    await this.init();
    return listJson<SweepRecord>(this.dir);
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private rungDir(sweepId: string, rung: number): string {
    return join(this.dir, `${sweepId}.rungs`, String(rung));
  }
}
