// Runs the compiled service as real processes (`node dist/server.js`, `node dist/worker.js`) for the
// end-to-end tests, with a small HTTP client (fetch) and an SSE reader that reports its first event.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSse, type SseEvent } from './sse.js';
import { LIMITS_OFF } from './test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  /** Waits for exit; SIGKILL after `graceMs` (default: past the service's own 30 s shutdown timeout, so its exit code tells). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Starts `dist/<file>` and resolves once a line of its output matches `ready`. */
export async function startProcess(file: string, env: Record<string, string>, ready: RegExp, timeoutMs = 45_000): Promise<ServiceProcess & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [`dist/${file}`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...LIMITS_OFF, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // nobody gets a handle to stop it: it must not outlive the test
      reject(new Error(`${file} not ready in ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const found = ready.exec(text);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before it was ready:\n${text}`));
    });
  });
  return {
    child,
    match,
    output: () => text,
    async stop(signal = 'SIGTERM', graceMs = 45_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** `node dist/server.js` on a free port; resolves with its base URL. */
export async function startServer(env: Record<string, string>): Promise<ServiceProcess & { baseUrl: string }> {
  const server = await startProcess('server.js', { PORT: '0', ...env }, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  return { ...server, baseUrl: server.match[1] };
}

export interface Client {
  json<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes(path: string): Promise<{ status: number; body: Buffer }>;
  /** Reads the SSE stream until the server closes it. */
  events(path: string, headers?: Record<string, string>): Promise<SseEvent[]>;
  /** Opens the SSE stream: `first` resolves with its first event (the server is streaming), `all` once the server closes it. */
  stream(path: string, headers?: Record<string, string>): { first: Promise<SseEvent>; all: Promise<SseEvent[]> };
}

export function client(baseUrl: string, headers: Record<string, string> = {}): Client {
  return {
    async json(method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async bytes(path) {
      const res = await fetch(`${baseUrl}${path}`, { headers });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    },
    async events(path, extra = {}) {
      return this.stream(path, extra).all;
    },
    stream(path, extra = {}) {
      let opened: (event: SseEvent) => void = () => undefined;
      let failed: (err: unknown) => void = () => undefined;
      const first = new Promise<SseEvent>((resolve, reject) => ((opened = resolve), (failed = reject)));
      const all = (async () => {
        const res = await fetch(`${baseUrl}${path}`, { headers: { ...headers, ...extra } });
        if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) throw new Error(`not an event stream: ${res.status} ${await res.text()}`);
        const decoder = new TextDecoder();
        let text = '';
        // A reader loop rather than `for await`: the browser tests compile this file with the DOM's
        // ReadableStream type, which is not async-iterable.
        const reader = res.body.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          text += decoder.decode(read.value, { stream: true });
          const [event] = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 1)).events;
          if (event) opened(event);
        }
        const events = parseSse(text).events;
        if (events.length === 0) throw new Error(`the event stream ${path} closed without an event`);
        return events;
      })();
      all.catch(failed);
      first.catch(() => undefined); // callers that only want `all` never await it
      return { first, all };
    },
  };
}
