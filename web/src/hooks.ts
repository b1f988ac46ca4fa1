// Small hooks the views share: the hash route, data loaded from the API (optionally polled), and a
// counter bumped when the API key changes so every view reloads with it.

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/client.js';

/** `#/jobs/abc` -> ['jobs', 'abc']. Hash routes: the server serves one index.html and needs no fallback. */
export function useHashRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export const navigate = (path: string): void => {
  location.hash = `#/${path}`;
};

/** Bumped when the key changes: views list it as a dependency and load again. */
export const AuthVersion = createContext(0);

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | null;
  reload: () => void;
}

/** Loads with `load` whenever `deps` (or the key) change; polls every `pollMs` when given. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const auth = useContext(AuthVersion);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (err) {
        if (controller.signal.aborted) return;
        setError(err as Error);
        // Without a valid key every poll would fail the same way; a new key (AuthVersion) restarts it.
        if (err instanceof ApiError && err.status === 401) return;
      }
      if (pollMs && !controller.signal.aborted) timer = setTimeout(run, pollMs);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, auth, tick, pollMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}
