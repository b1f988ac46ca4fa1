// Follows a text/event-stream as it arrives, for tests that act mid-stream (kill a worker after the
// second checkpoint) and then read the whole story once the server closes the stream.

import { parseSse, type SseEvent } from './sse.js';

export interface SseWatch {
  /** The events so far, in order. */
  readonly events: SseEvent[];
  /** Resolves with the first event (seen already or later) that matches; rejects when the stream ends first or after `timeoutMs`. */
  until(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves with every event once the server closes the stream. */
  readonly done: Promise<SseEvent[]>;
}

export function watchSse(url: string, headers: Record<string, string> = {}): SseWatch {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const notify = () => waiters.forEach((wake) => wake());

  const done = (async () => {
    try {
      const res = await fetch(url, { headers });
      if (!res.ok || !res.body) throw new Error(`not an event stream: ${res.status} ${await res.text()}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        const complete = buffer.lastIndexOf('\n\n');
        if (complete < 0) continue;
        events.push(...parseSse(buffer.slice(0, complete + 2)).events);
        buffer = buffer.slice(complete + 2);
        notify();
      }
      return events;
    } finally {
      ended = true;
      notify();
    }
  })();
  done.catch(() => undefined); // surfaced through `done` and `until`

  return {
    events,
    done,
    until(match, timeoutMs = 300_000) {
      return new Promise<SseEvent>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no matching event in ${timeoutMs} ms; last: ${JSON.stringify(events.slice(-3))}`)), timeoutMs);
        const check = () => {
          const found = events.find(match);
          if (found) finish(null, found);
          else if (ended) finish(new Error(`the stream ended without a matching event; last: ${JSON.stringify(events.slice(-3))}`));
        };
        function finish(err: Error | null, event?: SseEvent) {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(event as SseEvent);
        }
        waiters.add(check);
        check();
      });
    },
  };
}
