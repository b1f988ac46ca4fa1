// Every call the dashboard makes to the service: JSON requests, uploads with progress (XHR: fetch
// reports none), downloads (fetched, so they carry the key, then saved from a blob) and the job event
// stream (fetch + a streaming SSE parser). The API key lives in sessionStorage and goes on every call.

import { createSseParser } from './sse-parser.js';
import type { ErrorBody, ErrorDetail, JobEvent } from './types.js';

const KEY_STORAGE = 'nn-service.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set(key: string | null): void {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** Called when the service answers 401: the app asks for a key. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function toApiError(status: number, text: string): Promise<ApiError> {
  if (status === 401) unauthorizedListeners.forEach((l) => l());
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    return new ApiError(status, error.code, error.message, error.details ?? []);
  } catch {
    return new ApiError(status, 'HTTP_ERROR', `HTTP ${status}`);
  }
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  if (!res.ok) throw await toApiError(res.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: (path: string) => request<null>('DELETE', path),
};

/** Every item of a list, following cursors (at most `max` items). */
export async function listAll<T>(path: string, max = 2000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await api.get(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/** POSTs a body with upload progress (0..1). */
export function upload<T>(path: string, body: XMLHttpRequestBodyInit, contentType: string | null, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    // multipart/form-data: the browser writes the header with its boundary.
    if (contentType) xhr.setRequestHeader('content-type', contentType);
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', async () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText) as T);
      } else reject(await toApiError(xhr.status, xhr.responseText));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'NETWORK_ERROR', 'the upload did not reach the service')));
    xhr.send(body);
  });
}

/** Fetches a file with the key and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw await toApiError(res.status, await res.text());
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Follows a job's event stream until its final `state` event or `signal` aborts. A dropped connection
 * reconnects with Last-Event-ID (the service replays what was missed, or sends a fresh snapshot).
 */
export async function followJobEvents(jobId: string, onEvent: (event: JobEvent) => void, signal: AbortSignal): Promise<void> {
  let lastEventId: string | null = null;
  let finished = false;
  for (let attempt = 0; !finished && !signal.aborted; attempt++) {
    try {
      const headers: Record<string, string> = { ...authHeaders(), accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await fetch(`/v1/jobs/${jobId}/events`, { headers, signal });
      if (!res.ok || !res.body) throw await toApiError(res.status, await res.text());
      const parser = createSseParser((message) => {
        const event = { type: message.event, data: JSON.parse(message.data) } as JobEvent;
        if (event.type === 'state' && ['succeeded', 'failed', 'cancelled'].includes(event.data.state)) finished = true;
        onEvent(event);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        lastEventId = parser.lastEventId ?? lastEventId;
        attempt = 0;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) throw err;
    }
    if (!finished && !signal.aborted) await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** attempt)));
  }
}
