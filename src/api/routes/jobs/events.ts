// GET /v1/jobs/:id/events as Server-Sent Events: a `snapshot` (the job resource), then the job's
// progress/epoch/checkpoint events with `id:`, and a final `state` event after which the stream
// closes. `Last-Event-ID` replays what was missed, or falls back to a fresh snapshot; a fresh stream
// also replays the buffered events its snapshot (a record that may lag them) does not hold yet.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobEvent, TrainingQueue } from '../../../queue/types.js';
import { isTerminal, type JobRecord } from '../../../storage/job-record.js';
import type { JobStore } from '../../../storage/job-store.js';
import { toJobResource, type JobResource } from './resource.js';

export interface JobEventStream {
  job: JobRecord;
  queue: TrainingQueue;
  jobs: JobStore;
  heartbeatMs: number;
  lastEventId?: string;
}

/** Streams until the job ends or the client leaves; `onOpen` receives a function that ends the stream early (shutdown). */
export async function streamJobEvents(
  request: FastifyRequest, reply: FastifyReply, stream: JobEventStream, onOpen: (end: () => void) => () => void,
): Promise<void> {
  const { job, queue, jobs } = stream;
  // Subscribe before the snapshot is read, so no event falls between them; hold events until it is sent.
  let open = true;
  let ready = false;
  let needSnapshot = stream.lastEventId === undefined;
  const held: JobEvent[] = [];
  // A finished job needs no live events: its stream is served from the record even with Redis down.
  const unsubscribe = needSnapshot && isTerminal(job.state)
    ? () => undefined
    : await queue.subscribe(job.id, (event) => (ready ? send(event) : held.push(event)), {
      afterEventId: stream.lastEventId,
      onGap: () => (needSnapshot = true),
      replayAll: needSnapshot,
    });

  const raw = reply.raw;
  const write = (text: string) => open && raw.write(text);
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    unsubscribe();
    forget();
    raw.end();
  };
  const forget = onOpen(close);
  const send = (event: JobEvent) => {
    // A `state` event carries the whole record (src/training/runtime.ts); clients get the resource.
    const resource = event.type === 'state' ? toJobResource(event.data as JobRecord) : null;
    write(frame(event.type, resource ?? event.data, event.id));
    if (resource && isTerminal(resource.state)) close();
  };

  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
    'x-request-id': String(request.id),
  });
  raw.write(`retry: 2000\n\n`);
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), stream.heartbeatMs);
  request.raw.on('close', close);

  if (needSnapshot) {
    const current = toJobResource((await jobs.get(job.id)) ?? job);
    write(frame('snapshot', current));
    // Already over: the final state follows at once (no id: it is not in the replay log).
    if (isTerminal(current.state)) {
      write(frame('state', current));
      close();
      return;
    }
    // The record is written at checkpoints and every few seconds, so it may lag the events: of the
    // replayed ones, send those the snapshot does not already hold.
    const lastState = held.findLast((event) => event.type === 'state');
    held.splice(0, held.length, ...held.filter((event) => !coveredBy(current, event, event === lastState)));
  }
  ready = true;
  held.splice(0).forEach(send);
  // A resumed stream whose final event aged out of the replay log still gets its end.
  const latest = await jobs.get(job.id);
  if (open && latest && isTerminal(latest.state)) {
    write(frame('state', toJobResource(latest)));
    close();
  }
}

/**
 * Whether a snapshot already says what `event` would tell a client that has just received it. Of the
 * non-terminal state changes only the newest can be news, and only when the snapshot's state differs.
 */
function coveredBy(snapshot: JobResource, event: JobEvent, newestState: boolean): boolean {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'epoch':
      return snapshot.history.some((entry) => entry.epoch === data.epoch);
    case 'checkpoint':
      return snapshot.checkpointIds.includes(data.id as string);
    case 'progress': {
      const { epoch, step } = snapshot.progress;
      const [e, s] = [data.epoch as number, data.step as number];
      return e < epoch || (e === epoch && s <= step);
    }
    case 'state': {
      const state = (data as unknown as JobRecord).state;
      return !isTerminal(state) && (!newestState || state === snapshot.state);
    }
    default:
      return false;
  }
}

function frame(type: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
