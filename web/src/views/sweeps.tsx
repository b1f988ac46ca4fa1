// Sweeps: the list (polled), and a sweep's page: its trials table (each trial links to its job) and,
// per searched parameter, a scatter of the parameter against the sweep's metric.

import { api, listAll } from '../api/client.js';
import type { Sweep, SweepTrial } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { StateBadge } from '../components/state-badge.js';
import { formatNumber, formatTime, shortId } from '../format.js';
import { useLoad } from '../hooks.js';

export function SweepsView() {
  const { data: sweeps, error } = useLoad(() => listAll<Sweep>('/v1/sweeps'), [], 2000);
  return (
    <section aria-labelledby="sweeps-title">
      <h1 id="sweeps-title">Sweeps</h1>
      <p>Start one with <code>POST /v1/sweeps</code> (see the API docs at <a href="/docs">/docs</a>).</p>
      <ErrorMessage error={error} />
      <table class="list" aria-label="Sweeps">
        <thead>
          <tr><th>sweep</th><th>name</th><th>state</th><th>trials</th><th>best</th><th>created</th></tr>
        </thead>
        <tbody>
          {sweeps?.map((sweep) => (
            <tr key={sweep.id}>
              <td><a href={`#/sweeps/${sweep.id}`}><code>{shortId(sweep.id)}</code></a></td>
              <td>{sweep.name}</td>
              <td><StateBadge state={sweep.state} /></td>
              <td>{sweep.trials.filter((t) => t.state === 'succeeded').length} / {sweep.trials.length} succeeded</td>
              <td>{sweep.best ? `${sweep.config.metric} ${formatNumber(sweep.best.metric)} (trial ${sweep.best.index})` : '–'}</td>
              <td>{formatTime(sweep.createdAt)}</td>
            </tr>
          ))}
          {sweeps?.length === 0 && <tr><td colSpan={6}>No sweeps yet.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}

export function SweepPage({ sweepId }: { sweepId: string }) {
  const { data: sweep, error } = useLoad(() => api.get<Sweep>(`/v1/sweeps/${sweepId}`), [sweepId], 1500);
  const paths = Object.keys(sweep?.config.space ?? {});
  return (
    <section aria-labelledby="sweep-title">
      <h1 id="sweep-title">Sweep {sweep ? sweep.name : shortId(sweepId)}</h1>
      <ErrorMessage error={error} />
      {sweep && (
        <>
          <p>
            <StateBadge state={sweep.state} /> {sweep.config.search} search, {sweep.trials.length} trials, parallelism {sweep.config.parallelism}, metric <code>{sweep.config.metric}</code>
            {sweep.best && <> · best: trial {sweep.best.index} ({formatNumber(sweep.best.metric)})</>}
          </p>
          {sweep.state !== 'succeeded' && sweep.state !== 'failed' && sweep.state !== 'cancelled' && (
            <button type="button" onClick={() => void api.post(`/v1/sweeps/${sweepId}/cancel`, {})}>Cancel sweep</button>
          )}
          <div class="scatter-grid">
            {paths.map((path) => <ParamScatter key={path} path={path} metric={sweep.config.metric} trials={sweep.trials} best={sweep.best?.index ?? null} />)}
          </div>
          <table class="list" aria-label="Trials">
            <thead>
              <tr><th>trial</th>{paths.map((p) => <th key={p}><code>{p}</code></th>)}<th>state</th><th>epochs</th><th>{sweep.config.metric}</th><th>job</th></tr>
            </thead>
            <tbody>
              {sweep.trials.map((trial) => (
                <tr key={trial.index} class={sweep.best?.index === trial.index ? 'selected' : undefined}>
                  <td>{trial.index}</td>
                  {paths.map((p) => <td key={p}>{formatParam(trial.params[p])}</td>)}
                  <td><StateBadge state={trial.state} /></td>
                  <td>{trial.epochs}</td>
                  <td>{formatNumber(trial.metric)}</td>
                  <td>{trial.jobId ? <a href={`#/jobs/${trial.jobId}`}><code>{shortId(trial.jobId)}</code></a> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function formatParam(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : JSON.stringify(value);
}

const W = 280;
const H = 180;
const PAD = 36;

/** One parameter against the metric, one dot per trial with a metric (categorical values get even slots). */
function ParamScatter({ path, metric, trials, best }: { path: string; metric: string; trials: SweepTrial[]; best: number | null }) {
  const points = trials.filter((t) => t.metric !== null && Number.isFinite(t.metric));
  const numeric = points.every((t) => typeof t.params[path] === 'number');
  const categories = [...new Set(points.map((t) => JSON.stringify(t.params[path])))];
  const xOf = (t: SweepTrial) => (numeric ? (t.params[path] as number) : categories.indexOf(JSON.stringify(t.params[path])));
  const xs = points.map(xOf);
  const ys = points.map((t) => t.metric as number);
  const scale = (values: number[], from: number, to: number) => {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return (v: number) => (hi === lo ? (from + to) / 2 : from + ((v - lo) / (hi - lo)) * (to - from));
  };
  const sx = scale(xs, PAD, W - 10);
  const sy = scale(ys, H - PAD, 10);
  return (
    <figure class="scatter">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${metric} against ${path}`}>
        <line x1={PAD} y1={H - PAD} x2={W - 10} y2={H - PAD} stroke="#999" />
        <line x1={PAD} y1={10} x2={PAD} y2={H - PAD} stroke="#999" />
        {points.map((t, i) => (
          <circle key={t.index} cx={sx(xs[i] as number)} cy={sy(ys[i] as number)} r={t.index === best ? 6 : 4}
            fill={t.state === 'succeeded' ? '#2b6cb0' : '#c05621'} stroke={t.index === best ? '#000' : 'none'}>
            <title>{`trial ${t.index}: ${path} = ${formatParam(t.params[path])}, ${metric} = ${formatNumber(t.metric)} (${t.state})`}</title>
          </circle>
        ))}
        {ys.length > 0 && <text x={2} y={14} font-size="10">{formatNumber(Math.max(...ys), 3)}</text>}
        {ys.length > 0 && <text x={2} y={H - PAD} font-size="10">{formatNumber(Math.min(...ys), 3)}</text>}
        <text x={PAD} y={H - 8} font-size="10">{numeric && xs.length > 0 ? `${formatNumber(Math.min(...xs), 3)} … ${formatNumber(Math.max(...xs), 3)}` : categories.join(' ')}</text>
      </svg>
      <figcaption><code>{path}</code> against {metric} (blue: succeeded, orange: stopped or failed)</figcaption>
    </figure>
  );
}
