// Job histories from several sources (the stream's snapshot, its epoch events, a re-read of the job)
// merged by epoch. A client that joins mid-run can see a snapshot older than the first live event
// (the record on disk is written at checkpoints), so the epochs between come from a later re-read.

import type { HistoryEntry } from './types.js';

/** Union by epoch, in epoch order; on the same epoch `newer` wins. */
export function mergeHistory(older: readonly HistoryEntry[], newer: readonly HistoryEntry[]): HistoryEntry[] {
  const byEpoch = new Map(older.map((e) => [e.epoch, e]));
  for (const entry of newer) byEpoch.set(entry.epoch, entry);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Whether epochs are missing between the first and the last entry (a gap a re-read can fill). */
export const hasGap = (history: readonly HistoryEntry[]): boolean =>
  history.length > 0 && history[history.length - 1].epoch - history[0].epoch + 1 > history.length;
