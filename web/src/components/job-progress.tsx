// A job's progress: a bar over the whole job, then epoch, step, samples/s and the ETA.
import type { Job } from '../api/types.js';
import { formatDuration, formatNumber, shortId } from '../format.js';

export function JobProgressLine({ job }: { job: Job }) {
  const p = job.progress;
  return (
    <div class="progress-line">
      <progress value={p.fraction} max={1} aria-label={`Progress of job ${shortId(job.id)}`} />
      <span>
        {Math.round(p.fraction * 100)}% · epoch {p.epoch} of {p.epochs}
        {p.steps > 0 && ` · step ${p.step}/${p.steps}`} · {p.samplesPerSecond === null ? '–' : formatNumber(Math.round(p.samplesPerSecond))} samples/s · ETA{' '}
        {job.state === 'running' ? formatDuration(p.etaSeconds) : '–'}
      </span>
    </div>
  );
}
