// One job, live: its event stream (read with fetch, so it carries the API key) drives the curves,
// progress (ETA, samples/s), learning rate and history; cancel; resume (POST /v1/jobs with this job's
// config and `resumeFrom` its newest checkpoint); checkpoints with downloads and labels.

import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, download, followJobEvents, listAll } from '../api/client.js';
import { hasGap, mergeHistory } from '../api/history.js';
import type { Checkpoint, HistoryEntry, Job, Label, Model } from '../api/types.js';
import { CurvesChart } from '../components/curves-chart.js';
import { ErrorMessage } from '../components/error-message.js';
import { JobProgressLine } from '../components/job-progress.js';
import { StateBadge } from '../components/state-badge.js';
import { formatNumber, formatPercent, formatTime, shortId } from '../format.js';
import { AuthVersion, navigate, useLoad } from '../hooks.js';

const isFinished = (job: Job) => job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';

function useLiveJob(jobId: string): { job: Job | null; error: Error | null; checkpointsSeen: number; setJob: (job: Job) => void } {
  const auth = useContext(AuthVersion);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [checkpointsSeen, setCheckpointsSeen] = useState(0);
  // Every epoch seen from any source, merged: a record read back (the cancel's answer, a re-read) is
  // written at checkpoints and may lack the newest epochs the stream already delivered.
  const history = useRef<HistoryEntry[]>([]);
  const withHistory = useCallback((update: Partial<Job> & { history?: HistoryEntry[] }) =>
    setJob((j) => {
      // Idempotent (a merge), so it is safe inside the updater.
      history.current = mergeHistory(history.current, update.history ?? []);
      return j || 'id' in update ? { ...(j as Job), ...update, history: history.current } : j;
    }), []);
  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    history.current = [];
    // A re-read after each checkpoint (the record is saved just before it) fills epochs missed
    // between a stale snapshot and the first live event.
    const reread = () => {
      if (hasGap(history.current)) void api.get<Job>(`/v1/jobs/${jobId}`, controller.signal).then((fresh) => withHistory({ history: fresh.history }), () => undefined);
    };
    followJobEvents(jobId, (event) => {
      switch (event.type) {
        case 'snapshot':
        case 'state':
          withHistory(event.data);
          setCheckpointsSeen((n) => n + 1); // a state change may bring a final or interrupted checkpoint
          break;
        case 'progress':
          setJob((j) => j && { ...j, progress: event.data });
          break;
        case 'epoch':
          withHistory({ history: [event.data] });
          break;
        case 'checkpoint':
          setJob((j) => j && { ...j, checkpointIds: [...new Set([...j.checkpointIds, event.data.id])] });
          setCheckpointsSeen((n) => n + 1);
          reread();
          break;
      }
    }, controller.signal).catch((err: Error) => setError(err));
    return () => controller.abort();
  }, [jobId, auth, withHistory]);
  // A record read back (the cancel's answer) can be older than what the stream already said: it never
  // takes a finished job back to running, and never drops epochs (withHistory merges them).
  const applyRecord = useCallback((fresh: Job) =>
    setJob((j) => {
      history.current = mergeHistory(history.current, fresh.history);
      const stale = j !== null && isFinished(j) && !isFinished(fresh);
      return stale ? { ...j, history: history.current } : { ...(j ?? fresh), ...fresh, history: history.current };
    }), []);
  return { job, error, checkpointsSeen, setJob: applyRecord };
}

export function JobPage({ jobId }: { jobId: string }) {
  const { job, error, checkpointsSeen, setJob } = useLiveJob(jobId);
  const modelId = job?.modelId;
  const { data: model } = useLoad(() => (modelId ? api.get<Model>(`/v1/models/${modelId}`) : Promise.resolve(undefined)), [modelId]);
  const { data: checkpoints, reload: reloadCheckpoints } = useLoad(
    async () => (modelId ? (await listAll<Checkpoint>(`/v1/models/${modelId}/checkpoints`)).filter((c) => c.jobId === jobId) : []),
    [modelId, checkpointsSeen],
  );
  const [actionError, setActionError] = useState<Error | null>(null);

  if (!job) {
    return (
      <section>
        <h1>Job {shortId(jobId)}</h1>
        {error ? <ErrorMessage error={error} /> : <p>Connecting to the job's event stream…</p>}
      </section>
    );
  }
  const newest = [...(checkpoints ?? [])].sort((a, b) => b.epoch - a.epoch || b.createdAt.localeCompare(a.createdAt))[0];
  const act = (action: () => Promise<void>) => () => {
    setActionError(null);
    action().catch((err: Error) => setActionError(err));
  };
  const cancel = act(async () => setJob(await api.post<Job>(`/v1/jobs/${job.id}/cancel`)));
  const resume = act(async () => {
    // Without optimizer and lrSchedule: the API takes this job's, and the schedule continues from the
    // checkpoint (sending them would restart it from the base rate, as API.md says).
    const { optimizer: _optimizer, lrSchedule: _lrSchedule, ...config } = job.config;
    const next = await api.post<Job>('/v1/jobs', { modelId: job.modelId, datasetId: job.datasetId, ...config, resumeFrom: newest.id });
    navigate(`jobs/${next.id}`);
  });
  const lastRate = [...job.history].reverse().find((e) => typeof e.learningRate === 'number')?.learningRate;

  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">
        {model?.name ?? 'Job'} · job <code>{shortId(job.id)}</code> <StateBadge state={job.state} />
      </h1>
      <p class="muted">
        job {job.id} · model {job.modelId} · dataset {job.datasetId} · created {formatTime(job.createdAt)}
        {job.config.resumeFrom ? ` · resumed from checkpoint ${shortId(String(job.config.resumeFrom))}` : ''}
      </p>
      <ErrorMessage error={error} />
      {job.error && <div class="error" role="alert"><strong>{job.error.code}:</strong> {job.error.message}</div>}
      <div class="job-status">
        <JobProgressLine job={job} />
        <p>
          Learning rate: {lastRate !== undefined && lastRate !== null ? `${formatNumber(lastRate)} (epoch ${job.history.at(-1)?.epoch})` : `${formatNumber(job.config.optimizer.learningRate)} (${job.config.optimizer.type}, as configured)`}
          {' · '}batch size {job.config.batchSize} · {job.config.epochs} epochs
        </p>
        <div class="actions">
          {!isFinished(job) && <button type="button" class="danger" onClick={cancel}>Cancel job</button>}
          {isFinished(job) && newest && <button type="button" onClick={resume}>Resume from epoch {newest.epoch}</button>}
          <button type="button" class="secondary" onClick={act(() => download(`/v1/jobs/${job.id}/curves.svg`, `job-${shortId(job.id)}-curves.svg`))}>Download curves.svg</button>
        </div>
        <ErrorMessage error={actionError} />
      </div>
      <CurvesChart history={job.history} />
      <div class="split">
        <HistoryTable job={job} />
        <Checkpoints job={job} model={model} checkpoints={checkpoints ?? []} onChange={reloadCheckpoints} />
      </div>
    </section>
  );
}

function HistoryTable({ job }: { job: Job }) {
  const withRate = job.history.some((e) => typeof e.learningRate === 'number');
  return (
    <div class="scroll tall">
      <table class="list" aria-label="History">
        <caption>History</caption>
        <thead>
          <tr><th>epoch</th><th>loss</th><th>val. loss</th><th>accuracy</th><th>val. accuracy</th>{withRate && <th>learning rate</th>}<th>seconds</th></tr>
        </thead>
        <tbody>
          {[...job.history].reverse().map((e) => (
            <tr key={e.epoch}>
              <td>{e.epoch}</td><td>{formatNumber(e.loss)}</td><td>{formatNumber(e.valLoss)}</td>
              <td>{formatPercent(e.accuracy)}</td><td>{formatPercent(e.valAccuracy)}</td>
              {withRate && <td>{formatNumber(e.learningRate)}</td>}
              <td>{formatNumber(e.seconds, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Labels come with the serving issue's routes; a server without them answers 404 NOT_FOUND (no such route). */
function useLabels(modelId: string) {
  const auth = useContext(AuthVersion);
  const [labels, setLabels] = useState<Label[] | null | 'unsupported'>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    api.get<{ items: Label[] } | Label[]>(`/v1/models/${modelId}/labels`).then(
      (res) => setLabels(Array.isArray(res) ? res : res.items),
      (err) => setLabels(err instanceof ApiError && err.code === 'NOT_FOUND' ? 'unsupported' : []),
    );
  }, [modelId, auth, tick]);
  return { labels, reload: () => setTick((t) => t + 1) };
}

function Checkpoints({ job, model, checkpoints, onChange }: { job: Job; model: Model | undefined; checkpoints: Checkpoint[]; onChange: () => void }) {
  const { labels, reload } = useLabels(job.modelId);
  const [error, setError] = useState<Error | null>(null);
  const base = `/v1/models/${job.modelId}/checkpoints`;
  const stem = (c: Checkpoint) => `${model?.name ?? 'model'}-epoch${c.epoch}-${shortId(c.id)}`.replace(/[^\w.-]+/g, '_');
  const run = (action: () => Promise<unknown>) => {
    setError(null);
    action().then(() => { reload(); onChange(); }, (err: Error) => setError(err));
  };
  return (
    <div class="scroll tall">
      <table class="list" aria-label="Checkpoints">
        <caption>Checkpoints of this job</caption>
        <thead>
          <tr><th>epoch</th><th>tags</th><th>loss</th><th>downloads</th><th>labels</th></tr>
        </thead>
        <tbody>
          {[...checkpoints].sort((a, b) => b.epoch - a.epoch).map((c) => (
            <tr key={c.id}>
              <td>{c.epoch} <span class="muted">{shortId(c.id)}</span></td>
              <td>{c.tags.join(', ') || '–'}</td>
              <td>{formatNumber(c.metrics.valLoss ?? c.metrics.loss)}</td>
              <td class="actions">
                <button type="button" class="secondary" aria-label={`Download weights of epoch ${c.epoch} (safetensors)`} onClick={() => run(() => download(`${base}/${c.id}/weights`, `${stem(c)}.safetensors`))}>safetensors</button>
                <button type="button" class="secondary" aria-label={`Download epoch ${c.epoch} as ONNX`} onClick={() => run(() => download(`${base}/${c.id}/model.onnx`, `${stem(c)}.onnx`))}>ONNX</button>
              </td>
              <td>{labels === 'unsupported' ? <span class="muted">needs the labels API</span> : <LabelCell checkpoint={c} labels={Array.isArray(labels) ? labels : []} run={run} />}</td>
            </tr>
          ))}
          {checkpoints.length === 0 && <tr><td colSpan={5}>No checkpoint yet.</td></tr>}
        </tbody>
      </table>
      <ErrorMessage error={error} />
    </div>
  );
}

function LabelCell({ checkpoint, labels, run }: { checkpoint: Checkpoint; labels: Label[]; run: (action: () => Promise<unknown>) => void }) {
  const [text, setText] = useState('');
  const path = (label: string) => `/v1/models/${checkpoint.modelId}/labels/${encodeURIComponent(label)}`;
  return (
    <form class="labels" aria-label={`Labels of epoch ${checkpoint.epoch}`} onSubmit={(e) => {
      e.preventDefault();
      if (text.trim()) run(() => api.put(path(text.trim()), { checkpointId: checkpoint.id }).then(() => setText('')));
    }}>
      {labels.filter((l) => l.checkpointId === checkpoint.id).map((l) => (
        <span class="chip" key={l.label}>
          {l.label} <button type="button" class="icon" aria-label={`Remove label ${l.label}`} onClick={() => run(() => api.delete(path(l.label)))}>✕</button>
        </span>
      ))}
      <input value={text} size={10} placeholder="production" aria-label={`New label for epoch ${checkpoint.epoch}`} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" class="secondary">Label</button>
    </form>
  );
}
