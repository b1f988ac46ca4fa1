// The dashboard's frame: navigation, the API key entry (shown when the service answers 401) and the
// view for the current hash route.

import { useEffect, useState } from 'preact/hooks';
import { apiKey, onUnauthorized } from './api/client.js';
import { AuthVersion, useHashRoute } from './hooks.js';
import { DatasetsView } from './views/datasets.js';
import { EvaluateView } from './views/evaluate.js';
import { JobPage } from './views/job-page.js';
import { JobsView } from './views/jobs.js';
import { ModelsView } from './views/models.js';
import { OverviewView } from './views/overview.js';
import { PredictView } from './views/predict.js';
import { SweepPage, SweepsView } from './views/sweeps.js';

const SECTIONS = [
  ['overview', 'Overview'],
  ['datasets', 'Datasets'],
  ['models', 'Models'],
  ['jobs', 'Jobs'],
  ['sweeps', 'Sweeps'],
  ['predict', 'Predict'],
  ['evaluate', 'Evaluate'],
] as const;

export function App() {
  const [section = 'overview', id] = useHashRoute();
  const [authVersion, setAuthVersion] = useState(0);
  const [keyPanel, setKeyPanel] = useState<'closed' | 'open' | 'required'>('closed');
  useEffect(() => onUnauthorized(() => setKeyPanel('required')), []);

  const saveKey = (key: string | null) => {
    apiKey.set(key);
    setKeyPanel('closed');
    setAuthVersion((v) => v + 1);
  };

  return (
    <AuthVersion.Provider value={authVersion}>
      <header class="topbar">
        <a class="brand" href="#/overview">nn-service</a>
        <nav aria-label="Sections">
          {SECTIONS.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={section === path ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <button type="button" class="secondary" onClick={() => setKeyPanel(keyPanel === 'closed' ? 'open' : 'closed')} aria-expanded={keyPanel !== 'closed'}>
          {apiKey.get() ? 'API key ✓' : 'API key'}
        </button>
      </header>
      {keyPanel !== 'closed' && <KeyPanel required={keyPanel === 'required'} onSave={saveKey} />}
      <main>{renderSection(section, id)}</main>
    </AuthVersion.Provider>
  );
}

function renderSection(section: string, id: string | undefined) {
  switch (section) {
    case 'datasets': return <DatasetsView selectedId={id} />;
    case 'models': return <ModelsView />;
    case 'jobs': return id ? <JobPage key={id} jobId={id} /> : <JobsView />;
    case 'sweeps': return id ? <SweepPage key={id} sweepId={id} /> : <SweepsView />;
    case 'predict': return <PredictView />;
    case 'evaluate': return <EvaluateView />;
    default: return <OverviewView />;
  }
}

function KeyPanel({ required, onSave }: { required: boolean; onSave: (key: string | null) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="key-panel"
      aria-label="API key"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(value.trim() || null);
      }}
    >
      <p role={required ? 'alert' : undefined}>
        {required
          ? apiKey.get() ? 'The service did not accept this API key. Enter another one.' : 'This service needs an API key (API_KEYS is set).'
          : 'The key is kept for this browser tab only (sessionStorage) and sent as Authorization: Bearer.'}
      </p>
      <label>
        API key <input type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} autofocus />
      </label>
      <button type="submit">Save key</button>
      {apiKey.get() && <button type="button" class="secondary" onClick={() => onSave(null)}>Forget key</button>}
    </form>
  );
}
