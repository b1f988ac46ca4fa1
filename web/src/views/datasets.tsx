// Datasets: upload (a file input or a dropped file: CSV, NPY pairs, JSON) with upload progress, the
// list, and one dataset's details: stats, class histogram, and a preview of its first rows (image
// thumbnails for [h, w, c] inputs, else a table).

import { useState } from 'preact/hooks';
import { api, listAll, upload } from '../api/client.js';
import type { Dataset, DatasetSamples } from '../api/types.js';
import { ErrorMessage } from '../components/error-message.js';
import { ClassHistogram } from '../components/histogram.js';
import { Thumbnails } from '../components/thumbnails.js';
import { formatNumber, formatShape, formatTime, shortId } from '../format.js';
import { navigate, useLoad } from '../hooks.js';

export function DatasetsView({ selectedId }: { selectedId?: string }) {
  const { data: datasets, error, reload } = useLoad(() => listAll<Dataset>('/v1/datasets'), []);
  const selected = datasets?.find((d) => d.id === selectedId);
  return (
    <section aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      <UploadPanel
        onUploaded={(dataset) => {
          reload();
          navigate(`datasets/${dataset.id}`);
        }}
      />
      <ErrorMessage error={error} />
      <div class="split">
        <table class="list" aria-label="Datasets">
          <thead>
            <tr><th>name</th><th>input shape</th><th>samples</th><th>kind</th><th>created</th></tr>
          </thead>
          <tbody>
            {datasets?.map((d) => (
              <tr key={d.id} class={d.id === selectedId ? 'selected' : undefined}>
                <td><a href={`#/datasets/${d.id}`}>{d.name}</a> <span class="muted">{shortId(d.id)}</span></td>
                <td>{formatShape(d.inputShape)}</td>
                <td>{d.count}</td>
                <td>{d.kind}{d.numClasses !== null && ` (${d.numClasses} classes)`}</td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
            {datasets?.length === 0 && <tr><td colSpan={5}>No datasets yet: upload one above.</td></tr>}
          </tbody>
        </table>
        {selected && <DatasetDetail key={selected.id} dataset={selected} />}
      </div>
    </section>
  );
}

/** Which request a set of files makes: CSV as text/csv, JSON as is, NPY arrays as multipart. */
async function uploadFiles(files: File[], name: string, labelColumn: string, onProgress: (f: number) => void): Promise<Dataset> {
  const first = files[0];
  const baseName = name.trim() || first.name.replace(/\.[^.]+$/, '');
  const ext = (file: File) => file.name.toLowerCase().split('.').pop();
  if (files.some((f) => ext(f) === 'npy')) {
    const npy = files.filter((f) => ext(f) === 'npy');
    const role = (f: File) => (/target/i.test(f.name) ? 'targets' : /label/i.test(f.name) ? 'labels' : 'inputs');
    const form = new FormData();
    form.append('name', name.trim() || 'dataset');
    for (const file of npy) form.append(role(file), file, file.name);
    return upload('/v1/datasets', form, null, onProgress);
  }
  if (ext(first) === 'csv') {
    const query = new URLSearchParams({ name: baseName, labelColumn: labelColumn.trim() || 'label' });
    return upload(`/v1/datasets?${query}`, first, 'text/csv', onProgress);
  }
  // JSON: the upload body itself; a name typed here replaces the file's.
  let text = await first.text();
  if (name.trim()) {
    try {
      text = JSON.stringify({ ...JSON.parse(text), name: name.trim() });
    } catch {
      // Not JSON: the service names the problem.
    }
  }
  return upload('/v1/datasets', new Blob([text]), 'application/json', onProgress);
}

function UploadPanel({ onUploaded }: { onUploaded: (dataset: Dataset) => void }) {
  const [name, setName] = useState('');
  const [labelColumn, setLabelColumn] = useState('label');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [dragging, setDragging] = useState(false);

  const send = async (list: FileList | null | undefined) => {
    const files = [...(list ?? [])];
    if (files.length === 0) return;
    setError(null);
    setProgress(0);
    try {
      const dataset = await uploadFiles(files, name, labelColumn, setProgress);
      setName('');
      onUploaded(dataset);
    } catch (err) {
      setError(err as Error);
    } finally {
      setProgress(null);
    }
  };

  return (
    <div class="panel">
      <h2>Upload a dataset</h2>
      <div class="form-row">
        <label>Name <input value={name} placeholder="from the file name" onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>CSV label column <input value={labelColumn} onInput={(e) => setLabelColumn(e.currentTarget.value)} /></label>
      </div>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        role="group"
        aria-label="Drop a dataset file here"
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void send(e.dataTransfer?.files);
        }}
      >
        <p>Drop a file here: CSV (header row, a label column), JSON (the API's upload body) or NPY (inputs.npy with labels.npy or targets.npy, together).</p>
        <label>
          Or choose files{' '}
          <input
            type="file"
            multiple
            accept=".csv,.json,.npy"
            aria-label="Dataset file"
            onChange={(e) => {
              void send(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
        {progress !== null && (
          <p>
            <progress value={progress} max={1} aria-label="Upload progress" /> {Math.round(progress * 100)}% uploaded
            {progress === 1 && ', the service is checking it…'}
          </p>
        )}
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}

function DatasetDetail({ dataset }: { dataset: Dataset }) {
  const { data: samples, error } = useLoad(() => api.get<DatasetSamples>(`/v1/datasets/${dataset.id}/samples?limit=24`), [dataset.id]);
  const image = dataset.inputShape.length === 3;
  const caption = (i: number) => {
    const label = samples?.labels?.[i];
    if (label !== undefined) return dataset.classNames?.[label] ?? `class ${label}`;
    return samples?.targets ? `target ${samples.targets[i].map((v) => formatNumber(v, 3)).join(', ')}` : `#${i}`;
  };
  return (
    <article class="panel detail" aria-label={`Dataset ${dataset.name}`}>
      <h2>{dataset.name}</h2>
      <dl class="facts">
        <dt>id</dt><dd><code>{dataset.id}</code></dd>
        <dt>input shape</dt><dd>{formatShape(dataset.inputShape)}</dd>
        <dt>samples</dt><dd>{dataset.count}</dd>
        <dt>kind</dt><dd>{dataset.kind}</dd>
        <dt>values</dt><dd>min {formatNumber(dataset.stats.min)}, max {formatNumber(dataset.stats.max)}, mean {formatNumber(dataset.stats.mean)}, std {formatNumber(dataset.stats.std)}</dd>
      </dl>
      {dataset.classCounts && <ClassHistogram counts={dataset.classCounts} names={dataset.classNames} />}
      <h3>First {samples?.inputs.length ?? ''} samples</h3>
      <ErrorMessage error={error} />
      {samples && image && (
        <Thumbnails rows={samples.inputs} shape={dataset.inputShape} range={dataset.stats} captions={samples.inputs.map((_, i) => caption(i))} />
      )}
      {samples && !image && <SampleTable samples={samples} caption={caption} />}
    </article>
  );
}

const PREVIEW_COLUMNS = 12;

function SampleTable({ samples, caption }: { samples: DatasetSamples; caption: (i: number) => string }) {
  const width = samples.inputs[0]?.length ?? 0;
  const shown = Math.min(width, PREVIEW_COLUMNS);
  return (
    <div class="scroll">
      <table class="list" aria-label="Sample preview">
        <thead>
          <tr>
            <th>#</th>
            {Array.from({ length: shown }, (_, j) => <th key={j}>x{j}</th>)}
            {width > shown && <th>… {width - shown} more</th>}
            <th>{samples.labels ? 'label' : 'target'}</th>
          </tr>
        </thead>
        <tbody>
          {samples.inputs.map((row, i) => (
            <tr key={i}>
              <td>{samples.offset + i}</td>
              {row.slice(0, shown).map((v, j) => <td key={j}>{formatNumber(v, 3)}</td>)}
              {width > shown && <td />}
              <td>{caption(i)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
