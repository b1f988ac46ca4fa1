// A job state as a coloured badge (the text carries the meaning; colour only helps).
import type { JobState } from '../api/types.js';

export const StateBadge = ({ state }: { state: JobState }) => <span class={`badge state-${state}`}>{state}</span>;
