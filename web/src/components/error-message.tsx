// An API error as the user should read it: the service's message, its code, and per-field details.
import { ApiError } from '../api/client.js';

export function ErrorMessage({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details.filter((d) => d.message !== error.message) : [];
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError ? `${error.code}: ` : ''}</strong>
      {error.message}
      {details.length > 0 && (
        <ul>
          {details.map((d) => <li key={d.path}><code>{d.path}</code> {d.message}</li>)}
        </ul>
      )}
    </div>
  );
}
