// Models: the list, and a new-model editor started from a template (MLP, CNN) fitted to a dataset,
// validated live by POST /v1/models/validate (the engine's errors shown at their fields) with the
// summary table (output shapes, parameters, FLOPs) beside it.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, listAll, request } from '../api/client.js';
import type { Dataset, Model, ModelSummary, Spec, ValidatedSpec } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { formatCount, formatShape, formatTime, shortId } from '../format.js';
import { useLoad } from '../hooks.js';
import { SpecEditor } from '../models/spec-editor.js';
import { DEFAULT_TARGET, TEMPLATES, type TemplateTarget } from '../models/templates.js';

const VALIDATE_DELAY_MS = 250;

export function ModelsView() {
  const { data: models, error, reload } = useLoad(() => listAll<Model>('/v1/models'), []);
  const { data: datasets } = useLoad(() => listAll<Dataset>('/v1/datasets'), []);
  const [shown, setShown] = useState<Model | null>(null);
  const [startFrom, setStartFrom] = useState<Spec | null>(null);
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <NewModel datasets={datasets ?? []} startFrom={startFrom} onCreated={(model) => { reload(); setShown(model); }} />
      <h2>All models</h2>
      <ErrorMessage error={error} />
      <table class="list" aria-label="Models">
        <thead>
          <tr><th>name</th><th>input</th><th>output</th><th>parameters</th><th>FLOPs per sample</th><th>created</th><th /></tr>
        </thead>
        <tbody>
          {models?.map((m) => (
            <tr key={m.id} class={shown?.id === m.id ? 'selected' : undefined}>
              <td><button type="button" class="link" onClick={() => setShown(m)}>{m.name}</button> <span class="muted">{shortId(m.id)}</span></td>
              <td>{formatShape(m.spec.input)}</td>
              <td>{formatShape(m.summary.layers.at(-1)?.outputShape ?? [])}</td>
              <td>{formatCount(m.summary.totalParams)}</td>
              <td>{formatCount(m.summary.flopsPerSample)}</td>
              <td>{formatTime(m.createdAt)}</td>
              <td><button type="button" class="secondary" onClick={() => setStartFrom(structuredClone(m.spec))}>Edit a copy</button></td>
            </tr>
          ))}
          {models?.length === 0 && <tr><td colSpan={7}>No models yet: start from a template above.</td></tr>}
        </tbody>
      </table>
      {shown && (
        <article class="panel" aria-label={`Model ${shown.name}`}>
          <h2>{shown.name} <span class="muted">{shown.id}</span></h2>
          <p><a href="#/jobs">Train it</a> · <a href="#/predict">Predict</a> · <a href="#/evaluate">Evaluate</a></p>
          <SummaryTable summary={shown.summary} />
        </article>
      )}
    </section>
  );
}

function targetOf(dataset: Dataset | undefined): TemplateTarget {
  if (!dataset) return DEFAULT_TARGET;
  const outputs = dataset.kind === 'classification' ? (dataset.numClasses ?? 2) : (dataset.targetSize ?? 1);
  return { inputShape: dataset.inputShape, outputs, kind: dataset.kind };
}

function NewModel({ datasets, startFrom, onCreated }: { datasets: Dataset[]; startFrom: Spec | null; onCreated: (model: Model) => void }) {
  const [datasetId, setDatasetId] = useState('');
  const [name, setName] = useState('');
  const [spec, setSpec] = useState<Spec>(() => TEMPLATES.mlp.build(DEFAULT_TARGET));
  const [result, setResult] = useState<ValidatedSpec | ApiError | Error | null>(null);
  const [createError, setCreateError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (startFrom) setSpec(startFrom);
  }, [startFrom]);

  // Live validation: each edit, a moment after typing stops; an older answer never replaces a newer one.
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      request<ValidatedSpec>('POST', '/v1/models/validate', { spec }, controller.signal).then(
        (valid) => setResult(valid),
        (err: Error) => !controller.signal.aborted && setResult(err),
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [spec]);

  const useTemplate = (key: keyof typeof TEMPLATES) => setSpec(TEMPLATES[key].build(targetOf(datasets.find((d) => d.id === datasetId))));
  const valid = result && !(result instanceof Error) ? result : null;
  const specErrors = result instanceof ApiError && result.status === 422
    ? result.details.filter((d) => d.path.startsWith('/spec')).map((d) => ({ ...d, path: d.path.slice('/spec'.length) || '/' }))
    : [];

  const create = async () => {
    setBusy(true);
    setCreateError(null);
    try {
      const model = await api.post<Model>('/v1/models', { name: name.trim(), spec });
      setName('');
      onCreated(model);
    } catch (err) {
      setCreateError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel">
      <h2>New model</h2>
      <div class="form-row">
        <label>
          Fit templates to dataset{' '}
          <select value={datasetId} onChange={(e) => setDatasetId(e.currentTarget.value)}>
            <option value="">none: 28 x 28 x 1 images, 10 classes</option>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.name} {formatShape(d.inputShape)}</option>)}
          </select>
        </label>
        {(Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]).map((key) => (
          <button key={key} type="button" class="secondary" onClick={() => useTemplate(key)}>{TEMPLATES[key].label} template</button>
        ))}
      </div>
      <div class="editor-layout">
        <SpecEditor spec={spec} onChange={setSpec} errors={specErrors} />
        <div class="editor-side">
          <p class="validity" role="status" aria-live="polite">
            {result === null ? 'Checking…' : valid ? `Valid: ${formatCount(valid.summary.totalParams)} parameters` : 'Not valid yet (see the marked fields)'}
          </p>
          {result instanceof Error && !(result instanceof ApiError && result.status === 422) && <ErrorMessage error={result} />}
          {valid && <SummaryTable summary={valid.summary} />}
          <div class="form-row">
            <label>Model name <input value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
            <button type="button" disabled={!valid || !name.trim() || busy} onClick={create}>Create model</button>
          </div>
          <ErrorMessage error={createError} />
        </div>
      </div>
    </div>
  );
}

export function SummaryTable({ summary }: { summary: ModelSummary }) {
  return (
    <table class="list summary" aria-label="Model summary">
      <thead>
        <tr><th>#</th><th>layer</th><th>output shape</th><th>parameters</th></tr>
      </thead>
      <tbody>
        {summary.layers.map((l) => (
          <tr key={l.index}><td>{l.index}</td><td>{l.type}</td><td>{formatShape(l.outputShape)}</td><td>{l.params.toLocaleString('en-US')}</td></tr>
        ))}
      </tbody>
      <tfoot>
        <tr><th colSpan={3}>total parameters</th><td>{summary.totalParams.toLocaleString('en-US')}</td></tr>
        <tr><th colSpan={3}>FLOPs per sample (multiply-add = 2)</th><td>{summary.flopsPerSample.toLocaleString('en-US')}</td></tr>
      </tfoot>
    </table>
  );
}
