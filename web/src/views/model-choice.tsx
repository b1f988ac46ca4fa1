// What predict and evaluate share: the checkpoint selector (latest, best, or a label where the
// service has labels) and the class names of the dataset a model was last trained on.

import { api, listAll } from '../api/client.js';
import type { Dataset, Job, Label } from '../api/types.js';
import { useLoad } from '../hooks.js';

export function CheckpointChoice({ modelId, value, onChange }: { modelId: string; value: string; onChange: (value: string) => void }) {
  // A service without the labels API answers 404: then only latest and best.
  const { data: labels } = useLoad(
    () => api.get<{ items: Label[] } | Label[]>(`/v1/models/${modelId}/labels`).then((res) => (Array.isArray(res) ? res : res.items), () => []),
    [modelId],
  );
  return (
    <label>Checkpoint <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="latest">latest</option>
      <option value="best">best</option>
      {labels?.map((l) => <option key={l.label} value={l.label}>label: {l.label}</option>)}
    </select></label>
  );
}

/** Class names of the dataset the model's newest job trained on; null when unknown. */
export function useClassNames(modelId: string): string[] | null {
  const { data } = useLoad(async () => {
    if (!modelId) return null;
    const [job] = await listAll<Job>(`/v1/jobs?modelId=${encodeURIComponent(modelId)}`, 1);
    return job ? (await api.get<Dataset>(`/v1/datasets/${job.datasetId}`)).classNames : null;
  }, [modelId]);
  return data ?? null;
}
