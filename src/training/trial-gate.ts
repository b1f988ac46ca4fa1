// Early termination of sweep trials, decided by the trial's own run when it reaches a rung (see
// src/sweeps/successive-halving.ts). The run decides rather than a central driver because a driver
// learns of the epoch only after the run has moved on: deciding here stops a trial exactly at its
// rung, in either mode, and the entry it writes makes the decision stick if the trial is re-run.

import type { JobRecord } from '../storage/job-record.js';
import { trialMetric } from '../storage/sweep-record.js';
import type { SweepStore } from '../storage/sweep-store.js';
import { continuesFromRung, directionOf, rungsBelow } from '../sweeps/successive-halving.js';

/** Whether the trial goes on after running `epochsRun` of its epochs; jobs outside a sweep always do. */
export async function continuesAfterEpoch(sweeps: SweepStore, job: JobRecord, epochsRun: number): Promise<boolean> {
  const gate = job.trial;
  if (!gate || gate.earlyTermination.type !== 'successiveHalving') return true;
  const { reductionFactor } = gate.earlyTermination;
  if (!rungsBelow(gate.earlyTermination, job.config.epochs).includes(epochsRun)) return true;
  const own = (await sweeps.rungEntries(gate.sweepId, epochsRun)).find((entry) => entry.index === gate.index);
  if (own && own.continues !== null) return own.continues; // decided by an earlier run of this trial
  const firstEpoch = job.startEpoch ?? 0;
  const reached = job.history.filter((entry) => entry.epoch <= firstEpoch + epochsRun);
  const value = trialMetric({ history: reached }, gate.metric).value;
  // Written before reading the rung, so two trials arriving together each see the other.
  await sweeps.writeRungEntry(gate.sweepId, epochsRun, { index: gate.index, value, continues: null });
  const entries = await sweeps.rungEntries(gate.sweepId, epochsRun);
  const continues = continuesFromRung(entries, gate.index, directionOf(gate.metric), reductionFactor);
  await sweeps.writeRungEntry(gate.sweepId, epochsRun, { index: gate.index, value, continues });
  return continues;
}
