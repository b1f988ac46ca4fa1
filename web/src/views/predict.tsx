// Predict playground: choose a model and checkpoint; draw on a canvas for [h, w, 1] image models (the
// class probabilities update while drawing) or type the feature values; see the predictions.

import { useEffect, useRef, useState } from 'preact/hooks';
import { listAll, request } from '../api/client.js';
import type { Model, Prediction } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { formatNumber, formatShape, shortId, sizeOf } from '../format.js';
import { useLoad } from '../hooks.js';
import { DrawingPad } from '../predict/drawing-pad.js';
import { CheckpointChoice, useClassNames } from './model-choice.js';

export function PredictView() {
  const { data: models, error } = useLoad(() => listAll<Model>('/v1/models'), []);
  const [modelId, setModelId] = useState('');
  const model = models?.find((m) => m.id === modelId) ?? models?.[0];
  const [checkpoint, setCheckpoint] = useState('latest');
  return (
    <section aria-labelledby="predict-title">
      <h1 id="predict-title">Predict</h1>
      <ErrorMessage error={error} />
      {models?.length === 0 && <p>No models yet: <a href="#/models">create one</a> and train it first.</p>}
      {model && (
        <>
          <div class="form-row">
            <label>Model <select value={model.id} onChange={(e) => setModelId(e.currentTarget.value)}>
              {models!.map((m) => <option key={m.id} value={m.id}>{m.name} {formatShape(m.spec.input)} ({shortId(m.id)})</option>)}
            </select></label>
            <CheckpointChoice modelId={model.id} value={checkpoint} onChange={setCheckpoint} />
          </div>
          <Playground key={`${model.id}/${checkpoint}`} model={model} checkpoint={checkpoint} />
        </>
      )}
    </section>
  );
}

function Playground({ model, checkpoint }: { model: Model; checkpoint: string }) {
  const [h, w, c] = model.spec.input;
  const drawable = model.spec.input.length === 3 && c === 1;
  const classNames = useClassNames(model.id);
  const [result, setResult] = useState<Prediction | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const pending = useRef<AbortController | null>(null);

  // One request in flight: a newer drawing cancels the answer to an older one.
  const predict = (instance: number[]) => {
    pending.current?.abort();
    const controller = new AbortController();
    pending.current = controller;
    request<Prediction>('POST', `/v1/models/${model.id}/predict`, { instances: [instance], checkpoint }, controller.signal).then(
      (res) => {
        setResult(res);
        setError(null);
      },
      (err: Error) => !controller.signal.aborted && setError(err),
    );
  };
  useEffect(() => () => pending.current?.abort(), []);
  // An empty pad (cleared) shows nothing, and no answer to an earlier drawing may arrive after.
  const showInk = (values: Float32Array) => {
    if (values.some((v) => v > 0)) return predict(Array.from(values));
    pending.current?.abort();
    setResult(null);
  };

  return (
    <div class="playground">
      <div>
        {drawable ? (
          <DrawingPad height={h} width={w} onInk={showInk} />
        ) : (
          <FeatureForm size={sizeOf(model.spec.input)} onSubmit={predict} />
        )}
        {drawable && (
          <details>
            <summary>Enter the {h * w} pixel values instead</summary>
            <FeatureForm size={h * w} onSubmit={predict} />
          </details>
        )}
      </div>
      <div>
        <ErrorMessage error={error} />
        {result ? <Outputs result={result} classNames={classNames} /> : <p class="muted">{drawable ? 'Draw a digit: the probabilities appear as you draw.' : 'Enter values and predict.'}</p>}
      </div>
    </div>
  );
}

function FeatureForm({ size, onSubmit }: { size: number; onSubmit: (values: number[]) => void }) {
  const [values, setValues] = useState<string[]>(() => new Array(Math.min(size, 32)).fill('0'));
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const few = size <= 32;
  const submit = (e: Event) => {
    e.preventDefault();
    const raw = few ? values : text.split(/[\s,;]+/).filter(Boolean);
    const numbers = raw.map(Number);
    const bad = numbers.findIndex((n) => !Number.isFinite(n));
    if (raw.length !== size) setProblem(`expected ${size} values, got ${raw.length}`);
    else if (bad >= 0) setProblem(`value ${bad} ("${raw[bad]}") is not a number`);
    else {
      setProblem(null);
      onSubmit(numbers);
    }
  };
  return (
    <form class="feature-form" aria-label="Feature values" onSubmit={submit}>
      {few ? (
        <div class="features">
          {values.map((v, i) => (
            <label key={i}>x{i} <input type="text" inputMode="decimal" size={6} value={v} onInput={(e) => setValues(values.map((old, j) => (j === i ? e.currentTarget.value : old)))} /></label>
          ))}
        </div>
      ) : (
        <label>{size} values, separated by commas or spaces (row-major)
          <textarea rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
      )}
      <button type="submit">Predict</button>
      {problem && <p class="field-error" role="alert">{problem}</p>}
    </form>
  );
}

function Outputs({ result, classNames }: { result: Prediction; classNames: string[] | null }) {
  const row = result.predictions[0] ?? [];
  const predicted = result.classes?.[0];
  const probabilities = typeof predicted === 'number' && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3;
  return (
    <figure class="outputs" aria-label="Prediction" data-probabilities={JSON.stringify(row.map((p) => Number(p.toFixed(4))))}>
      <figcaption>
        {typeof predicted === 'number' ? <>Predicted class: <strong>{classNames?.[predicted] ?? predicted}</strong></> : 'Outputs'}
        <span class="muted"> (checkpoint {shortId(result.checkpoint)})</span>
      </figcaption>
      {row.map((p, i) => (
        <div class={`bar-row${i === predicted ? ' predicted' : ''}`} key={i}>
          <span class="bar-label">{classNames?.[i] ?? (probabilities ? `class ${i}` : `output ${i}`)}</span>
          {probabilities && (
            <span class="bar-track" role="img" aria-label={`${classNames?.[i] ?? `class ${i}`}: ${(p * 100).toFixed(1)}%`}>
              <span class="bar-fill" style={{ width: `${p * 100}%` }} />
            </span>
          )}
          <span class="bar-value">{probabilities ? `${(p * 100).toFixed(1)}%` : formatNumber(p)}</span>
        </div>
      ))}
    </figure>
  );
}
