// Asynchronous successive halving (ASHA, Li et al. 2018): when a trial reaches a rung (minEpochs,
// minEpochs*rf, minEpochs*rf^2, ... epochs), it goes on only if it is in the top 1/rf of the trials
// that reached that rung so far. Nobody waits for a rung to fill, so workers never idle.

export interface SuccessiveHalving {
  minEpochs: number;
  reductionFactor: number;
}

export type MetricDirection = 'min' | 'max';

/** Rungs strictly below `epochs`: a rung at the last epoch would stop nothing. */
export function rungsBelow(settings: SuccessiveHalving, epochs: number): number[] {
  const rungs: number[] = [];
  for (let rung = settings.minEpochs; rung < epochs; rung *= settings.reductionFactor) rungs.push(rung);
  return rungs;
}

export interface RungEntry {
  index: number;
  value: number | null;
}

/**
 * Whether trial `index` goes on from a rung whose recorded entries (its own included) are `entries`.
 * It does when its rank (best first, ties to the lower index) is below ceil(n / rf): the first trial
 * to reach a rung always goes on, as in ASHA, and the best so far always does. A trial without a
 * finite value never does.
 */
export function continuesFromRung(entries: RungEntry[], index: number, direction: MetricDirection, reductionFactor: number): boolean {
  const own = entries.find((entry) => entry.index === index);
  if (!own || own.value === null || !Number.isFinite(own.value)) return false;
  const sign = direction === 'min' ? 1 : -1;
  const ranked = entries
    .filter((entry): entry is { index: number; value: number } => entry.value !== null && Number.isFinite(entry.value))
    .sort((a, b) => sign * (a.value - b.value) || a.index - b.index);
  const rank = ranked.findIndex((entry) => entry.index === index);
  return rank < Math.ceil(entries.length / reductionFactor);
}

/** Losses fall, accuracies rise. */
export function directionOf(metric: string): MetricDirection {
  return metric.toLowerCase().endsWith('accuracy') ? 'max' : 'min';
}

/** The best of `values` in `direction`, ignoring missing and non-finite ones; null when none is left. */
export function bestOf(values: (number | null | undefined)[], direction: MetricDirection): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return null;
  return direction === 'min' ? Math.min(...finite) : Math.max(...finite);
}
