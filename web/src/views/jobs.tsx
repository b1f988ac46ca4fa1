// Jobs: a form that starts a training job, and the list of jobs with their live state (polled), model
// name and short id; each links to its job page.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api/client.js';
import type { Dataset, Job, Model } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { JobProgressLine } from '../components/job-progress.js';
import { StateBadge } from '../components/state-badge.js';
import { formatNumber, formatTime, shortId, sizeOf } from '../format.js';
import { navigate, useLoad } from '../hooks.js';
import { clipGradNormField, lrScheduleField, OPTIMIZER_RATES, SCHEDULE_CHOICES, SCHEDULE_PARAMETER, type OptimizerChoice, type ScheduleChoice } from '../jobs/training-options.js';

export function JobsView() {
  const { data: jobs, error } = useLoad(() => listAll<Job>('/v1/jobs'), [], 1500);
  const { data: refs } = useLoad(async () => ({ models: await listAll<Model>('/v1/models'), datasets: await listAll<Dataset>('/v1/datasets') }), []);
  const modelName = new Map(refs?.models.map((m) => [m.id, m.name]));
  const datasetName = new Map(refs?.datasets.map((d) => [d.id, d.name]));
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      {refs && <NewJob models={refs.models} datasets={refs.datasets} />}
      <h2>All jobs</h2>
      <ErrorMessage error={error} />
      <table class="list" aria-label="Jobs">
        <thead>
          <tr><th>job</th><th>model</th><th>dataset</th><th>state</th><th>progress</th><th>last loss</th><th>created</th></tr>
        </thead>
        <tbody>
          {jobs?.map((job) => (
            <tr key={job.id}>
              <td><a href={`#/jobs/${job.id}`}><code>{shortId(job.id)}</code></a></td>
              <td>{modelName.get(job.modelId) ?? shortId(job.modelId)}</td>
              <td>{datasetName.get(job.datasetId) ?? shortId(job.datasetId)}</td>
              <td><StateBadge state={job.state} /></td>
              <td><JobProgressLine job={job} /></td>
              <td>{formatNumber(job.history.at(-1)?.loss)}</td>
              <td>{formatTime(job.createdAt)}</td>
            </tr>
          ))}
          {jobs?.length === 0 && <tr><td colSpan={7}>No jobs yet.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}

function NewJob({ models, datasets }: { models: Model[]; datasets: Dataset[] }) {
  const [modelId, setModelId] = useState(models[0]?.id ?? '');
  const model = models.find((m) => m.id === modelId);
  // API.md: a dataset fits when its per-sample element count equals the model's; same shape first.
  const sameShape = (d: Dataset) => model !== undefined && d.inputShape.join() === model.spec.input.join();
  const fitting = datasets
    .filter((d) => !model || sizeOf(d.inputShape) === sizeOf(model.spec.input))
    .sort((a, b) => Number(sameShape(b)) - Number(sameShape(a)));
  const [datasetId, setDatasetId] = useState('');
  const [epochs, setEpochs] = useState('20');
  const [batchSize, setBatchSize] = useState('32');
  const [optimizer, setOptimizer] = useState<OptimizerChoice>('adam');
  const [learningRate, setLearningRate] = useState('0.001');
  const [schedule, setSchedule] = useState<ScheduleChoice>('none');
  const [scheduleParameter, setScheduleParameter] = useState('');
  const [clipGradNorm, setClipGradNorm] = useState('');
  const chooseOptimizer = (choice: OptimizerChoice) => {
    setOptimizer(choice);
    setLearningRate(String(OPTIMIZER_RATES[choice]));
  };
  const chooseSchedule = (choice: ScheduleChoice) => {
    setSchedule(choice);
    setScheduleParameter(choice === 'none' ? '' : SCHEDULE_PARAMETER[choice].initial(Number(epochs)));
  };
  const [validationSplit, setValidationSplit] = useState('0.2');
  const [checkpointEvery, setCheckpointEvery] = useState('1');
  const [error, setError] = useState<Error | null>(null);
  const chosenDataset = fitting.some((d) => d.id === datasetId) ? datasetId : (fitting[0]?.id ?? '');

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const job = await api.post<Job>('/v1/jobs', {
        modelId,
        datasetId: chosenDataset,
        epochs: Number(epochs),
        batchSize: Number(batchSize),
        optimizer: { type: optimizer, learningRate: Number(learningRate) },
        lrSchedule: lrScheduleField(schedule, scheduleParameter),
        clipGradNorm: clipGradNormField(clipGradNorm),
        validationSplit: Number(validationSplit),
        checkpointEvery: Number(checkpointEvery),
      });
      navigate(`jobs/${job.id}`);
    } catch (err) {
      setError(err as Error);
    }
  };

  if (models.length === 0 || datasets.length === 0) {
    return <p class="panel">To train, first <a href="#/datasets">upload a dataset</a> and <a href="#/models">create a model</a>.</p>;
  }
  return (
    <form class="panel" aria-label="Start a training job" onSubmit={start}>
      <h2>Start a training job</h2>
      <div class="form-row">
        <label>Model <select value={modelId} onChange={(e) => setModelId(e.currentTarget.value)}>
          {models.map((m) => <option key={m.id} value={m.id}>{m.name} ({shortId(m.id)})</option>)}
        </select></label>
        <label>Dataset <select value={chosenDataset} onChange={(e) => setDatasetId(e.currentTarget.value)}>
          {fitting.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.count} samples)</option>)}
        </select></label>
        <label>Epochs <input type="number" min={1} value={epochs} onInput={(e) => setEpochs(e.currentTarget.value)} /></label>
        <label>Batch size <input type="number" min={1} value={batchSize} onInput={(e) => setBatchSize(e.currentTarget.value)} /></label>
      </div>
      <div class="form-row">
        <label>Optimizer <select value={optimizer} onChange={(e) => chooseOptimizer(e.currentTarget.value as OptimizerChoice)}>
          {Object.keys(OPTIMIZER_RATES).map((name) => <option key={name} value={name}>{name}</option>)}
        </select></label>
        <label>Learning rate <input type="number" step="any" min={0} value={learningRate} onInput={(e) => setLearningRate(e.currentTarget.value)} /></label>
        <label>Validation split <input type="number" step="any" min={0} max={0.9} value={validationSplit} onInput={(e) => setValidationSplit(e.currentTarget.value)} /></label>
        <label>Checkpoint every (epochs) <input type="number" min={1} value={checkpointEvery} onInput={(e) => setCheckpointEvery(e.currentTarget.value)} /></label>
        <button type="submit" disabled={!chosenDataset}>Start training</button>
      </div>
      <div class="form-row">
        <label>Rate schedule <select value={schedule} onChange={(e) => chooseSchedule(e.currentTarget.value as ScheduleChoice)}>
          {SCHEDULE_CHOICES.map((name) => <option key={name} value={name}>{name}</option>)}
        </select></label>
        {schedule !== 'none' && (
          <label>{SCHEDULE_PARAMETER[schedule].label} <input type="number" step="any" min={0} value={scheduleParameter} onInput={(e) => setScheduleParameter(e.currentTarget.value)} /></label>
        )}
        <label>Clip gradient norm <input type="number" step="any" min={0} placeholder="none" value={clipGradNorm} onInput={(e) => setClipGradNorm(e.currentTarget.value)} /></label>
      </div>
      {model && fitting.length === 0 && <p class="field-error">No dataset has the {sizeOf(model.spec.input)} values per sample this model takes.</p>}
      <ErrorMessage error={error} />
    </form>
  );
}
