// GET /v1/sweeps/:id/events as Server-Sent Events: a `snapshot` (the sweep resource), then a `trial`
// event (the trial's view) whenever a trial starts, finishes an epoch or changes state, and a final
// `state` event (the sweep resource) after which the stream closes.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobEvent, TrainingQueue } from '../../../queue/types.js';
import type { CheckpointStore } from '../../../storage/checkpoint-store.js';
import type { JobStore } from '../../../storage/job-store.js';
import type { SweepView } from '../../../storage/sweep-record.js';
import type { SweepStore } from '../../../storage/sweep-store.js';
import { currentView, toSweepResource } from './resource.js';

export interface SweepEventStream {
  sweepId: string;
  queue: TrainingQueue;
  jobs: JobStore;
  sweeps: SweepStore;
  checkpoints: CheckpointStore;
  heartbeatMs: number;
  lastEventId?: string;
}

export async function streamSweepEvents(
  request: FastifyRequest, reply: FastifyReply, stream: SweepEventStream, onOpen: (end: () => void) => () => void,
): Promise<void> {
  let open = true;
  let ready = false;
  let needSnapshot = stream.lastEventId === undefined;
  const held: JobEvent[] = [];
  const unsubscribe = await stream.queue.subscribe(stream.sweepId, (event) => (ready ? void send(event) : held.push(event)), {
    afterEventId: stream.lastEventId,
    onGap: () => (needSnapshot = true),
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
  // Sends run one after another: a `state` event needs a checkpoint lookup before it goes out.
  let sending: Promise<void> = Promise.resolve();
  const send = (event: JobEvent): Promise<void> => (sending = sending.then(async () => {
    if (event.type === 'state') {
      write(frame('state', await toSweepResource(event.data as SweepView, stream.checkpoints), event.id));
      close();
    } else {
      write(frame(event.type, event.data, event.id));
    }
  }).catch(() => close()));

  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
  });
  raw.write(`retry: 2000\n\n`);
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), stream.heartbeatMs);
  request.raw.on('close', close);

  const record = await stream.sweeps.get(stream.sweepId);
  if (!record) return close();
  if (needSnapshot) {
    const view = await currentView(record, stream.jobs);
    const resource = await toSweepResource(view, stream.checkpoints);
    write(frame('snapshot', resource));
    if (record.ended) {
      write(frame('state', resource));
      return close();
    }
  }
  ready = true;
  held.splice(0).forEach((event) => void send(event));
  await sending;
  // The end may have been announced between the record read and the subscription's first event.
  const latest = await stream.sweeps.get(stream.sweepId);
  if (open && latest?.ended) {
    write(frame('state', await toSweepResource(await currentView(latest, stream.jobs), stream.checkpoints)));
    close();
  }
}

function frame(type: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
