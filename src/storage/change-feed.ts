// The stores' change feed: every write or delete of a model, its checkpoints, its labels or a dataset
// is announced (after it is on disk) so the serving index can stay current without re-reading on each
// request. A BroadcastChannel named after DATA_DIR carries the announcements to every thread of the
// process (training threads and BullMQ sandboxes write checkpoints in threads of their own); other
// processes hear them through a relay (inference/redis-change-relay.ts).

import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';

export type StorageChangeKind = 'model' | 'checkpoints' | 'labels' | 'dataset';

export interface StorageChange {
  kind: StorageChangeKind;
  /** The feed instance that announced it (set by `publish`): its own subscribers heard it synchronously and skip the echo. */
  from?: string;
  /** The model concerned (for `dataset`: the dataset id). */
  id: string;
  /** The relay that carried it here from another process (relays send on only what no relay brought). */
  relayedBy?: string;
}

export type ChangeListener = (change: StorageChange) => void;

export class ChangeFeed {
  private readonly name: string;
  private readonly origin = randomUUID();
  /** The sending end: a BroadcastChannel never delivers to itself, so listeners get their own. */
  private readonly sender: BroadcastChannel;
  private readonly listeners = new Set<{ channel: BroadcastChannel; listener: ChangeListener }>();

  constructor(dataDir: string) {
    this.name = `nn-storage-changes:${resolve(dataDir)}`;
    this.sender = new BroadcastChannel(this.name);
    this.sender.unref();
  }

  /**
   * This feed's own subscribers hear the change before `publish` returns (so a client that wrote
   * through the API reads its write at once); other threads' feeds hear it a moment later.
   */
  publish(change: StorageChange): void {
    const message = { ...change, from: this.origin };
    for (const { listener } of this.listeners) listener(message);
    this.sender.postMessage(message);
  }

  /** Hears every change announced for this DATA_DIR in this process, from any thread. Returns the unsubscribe. */
  subscribe(listener: ChangeListener): () => void {
    const channel = new BroadcastChannel(this.name);
    channel.unref();
    channel.onmessage = (event) => {
      const change = (event as { data: StorageChange }).data;
      if (change.from !== this.origin) listener(change);
    };
    const entry = { channel, listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
      channel.close();
    };
  }

  close(): void {
    for (const { channel } of this.listeners) channel.close();
    this.listeners.clear();
    this.sender.close();
  }
}
