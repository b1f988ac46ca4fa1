// Overview: how many datasets, models and jobs (by state) there are, and the running jobs' progress.

import { listAll } from '../api/client.js';
import { JOB_STATES, type Dataset, type Job, type Model } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { JobProgressLine } from '../components/job-progress.js';
import { StateBadge } from '../components/state-badge.js';
import { shortId } from '../format.js';
import { useLoad } from '../hooks.js';

export function OverviewView() {
  const { data, error } = useLoad(async () => {
    const [datasets, models, jobs] = await Promise.all([listAll<Dataset>('/v1/datasets'), listAll<Model>('/v1/models'), listAll<Job>('/v1/jobs')]);
    return { datasets, models, jobs };
  }, [], 2000);
  const names = new Map(data?.models.map((m) => [m.id, m.name]));
  const running = data?.jobs.filter((j) => j.state === 'running' || j.state === 'queued') ?? [];
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorMessage error={error} />
      {data && (
        <>
          <div class="cards">
            <a class="card" href="#/datasets"><span class="card-value">{data.datasets.length}</span> datasets</a>
            <a class="card" href="#/models"><span class="card-value">{data.models.length}</span> models</a>
            <a class="card" href="#/jobs"><span class="card-value">{data.jobs.length}</span> jobs</a>
            {JOB_STATES.map((state) => (
              <div class="card" key={state}>
                <span class="card-value">{data.jobs.filter((j) => j.state === state).length}</span> <StateBadge state={state} />
              </div>
            ))}
          </div>
          <h2>Running and queued jobs</h2>
          {running.length === 0 ? (
            <p>No job is running. Start one from <a href="#/jobs">Jobs</a>.</p>
          ) : (
            <ul class="running-jobs">
              {running.map((job) => (
                <li key={job.id}>
                  <a href={`#/jobs/${job.id}`}>{names.get(job.modelId) ?? 'model'} · job {shortId(job.id)}</a> <StateBadge state={job.state} />
                  <JobProgressLine job={job} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
