// Evaluate: a model's checkpoint on a stored dataset (one whose samples fit the model): loss,
// accuracy and, for classifiers, the confusion matrix as a heatmap.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api/client.js';
import type { Dataset, Evaluation, Model } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { ConfusionHeatmap } from '../components/heatmap.js';
import { formatNumber, formatPercent, formatShape, shortId, sizeOf } from '../format.js';
import { useLoad } from '../hooks.js';
import { CheckpointChoice, useClassNames } from './model-choice.js';

export function EvaluateView() {
  const { data, error } = useLoad(async () => ({ models: await listAll<Model>('/v1/models'), datasets: await listAll<Dataset>('/v1/datasets') }), []);
  const [modelId, setModelId] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [checkpoint, setCheckpoint] = useState('latest');
  const [result, setResult] = useState<Evaluation | null>(null);
  const [runError, setRunError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const model = data?.models.find((m) => m.id === modelId) ?? data?.models[0];
  const fitting = data?.datasets.filter((d) => model && sizeOf(d.inputShape) === sizeOf(model.spec.input)) ?? [];
  const dataset = fitting.find((d) => d.id === datasetId) ?? fitting[0];
  // A dataset uploaded without class names (CSV with numeric labels) borrows the training dataset's.
  const trainingNames = useClassNames(model?.id ?? '');

  const run = async (e: Event) => {
    e.preventDefault();
    if (!model || !dataset) return;
    setBusy(true);
    setRunError(null);
    try {
      setResult(await api.post<Evaluation>(`/v1/models/${model.id}/evaluate`, { datasetId: dataset.id, checkpoint }));
    } catch (err) {
      setResult(null);
      setRunError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="evaluate-title">
      <h1 id="evaluate-title">Evaluate</h1>
      <ErrorMessage error={error} />
      {data && (
        <form class="form-row" aria-label="Evaluate a model" onSubmit={run}>
          <label>Model <select value={model?.id ?? ''} onChange={(e) => setModelId(e.currentTarget.value)}>
            {data.models.map((m) => <option key={m.id} value={m.id}>{m.name} {formatShape(m.spec.input)} ({shortId(m.id)})</option>)}
          </select></label>
          {model && <CheckpointChoice modelId={model.id} value={checkpoint} onChange={setCheckpoint} />}
          <label>Dataset <select value={dataset?.id ?? ''} onChange={(e) => setDatasetId(e.currentTarget.value)}>
            {fitting.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.count} samples)</option>)}
          </select></label>
          <button type="submit" disabled={!model || !dataset || busy}>{busy ? 'Evaluating…' : 'Evaluate'}</button>
        </form>
      )}
      <ErrorMessage error={runError} />
      {result && (
        <article class="panel" aria-label="Evaluation result">
          <dl class="facts">
            <dt>loss</dt><dd data-testid="eval-loss">{formatNumber(result.loss)}</dd>
            <dt>accuracy</dt><dd data-testid="eval-accuracy">{formatPercent(result.accuracy)}</dd>
            <dt>samples</dt><dd>{result.count}</dd>
            <dt>checkpoint</dt><dd><code>{shortId(result.checkpoint)}</code></dd>
          </dl>
          {result.confusionMatrix && <ConfusionHeatmap matrix={result.confusionMatrix} names={result.classNames ?? trainingNames} />}
        </article>
      )}
    </section>
  );
}
