// Distributed mode: carries the stores' change feed between processes over Redis pub/sub. Each
// process (API or worker) sends what its own threads change and re-announces what the others send,
// so an API's serving index hears a checkpoint a worker wrote on another host. `live` says whether
// changes are reaching us right now; while they are not (Redis down), the index falls back to
// re-reading what is older than SERVING_STALE_MS, and on reconnection it forgets everything it holds,
// since it may have missed changes meanwhile.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ChangeFeed, StorageChange } from '../storage/index.js';

export interface ChangeRelayOptions {
  redisUrl: string;
  /** Key prefix shared by every process of one deployment (QUEUE_PREFIX). */
  prefix: string;
  feed: ChangeFeed;
  /** Called when the subscription (re)starts: changes may have been missed before it. */
  onResync?: () => void;
}

export interface ChangeRelay {
  live(): boolean;
  close(): Promise<void>;
}

const KINDS = new Set(['model', 'checkpoints', 'labels', 'dataset']);

export function startChangeRelay(options: ChangeRelayOptions): ChangeRelay {
  const channel = `${options.prefix}:storage-changes`;
  const relayId = randomUUID();
  // The publisher queues while disconnected, so a change made during an outage still goes out after it.
  const publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: 20 });
  const subscriber = new Redis(options.redisUrl, { autoResubscribe: false, maxRetriesPerRequest: 1 });
  // Connection errors only make the relay not live; unhandled 'error' events would crash the process.
  publisher.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  let subscribed = false;

  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        subscribed = true;
        options.onResync?.();
      },
      () => undefined, // the next 'ready' tries again
    );
  });
  const lost = () => {
    subscribed = false;
  };
  subscriber.on('close', lost);
  subscriber.on('reconnecting', lost);
  subscriber.on('end', lost);
  subscriber.on('message', (_channel: string, text: string) => {
    const change = parse(text);
    // Pub/sub also delivers our own messages back to us: those were announced here already.
    if (change && change.relayedBy !== relayId) options.feed.publish({ kind: change.kind, id: change.id, relayedBy: relayId });
  });

  const unsubscribe = options.feed.subscribe((change) => {
    if (change.relayedBy === undefined) publisher.publish(channel, JSON.stringify({ kind: change.kind, id: change.id, relayedBy: relayId })).catch(() => undefined);
  });

  return {
    live: () => subscribed && subscriber.status === 'ready',
    async close() {
      unsubscribe();
      subscribed = false;
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

function parse(text: string): StorageChange | null {
  try {
    const value = JSON.parse(text) as Partial<StorageChange>;
    if (typeof value.id !== 'string' || typeof value.kind !== 'string' || !KINDS.has(value.kind)) return null;
    return { kind: value.kind, id: value.id, relayedBy: typeof value.relayedBy === 'string' ? value.relayedBy : undefined };
  } catch {
    return null;
  }
}
