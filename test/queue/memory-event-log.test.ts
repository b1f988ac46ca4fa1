// The embedded event log's replay buffers: a running job keeps its recent events for Last-Event-ID,
// and a finished job keeps only its last few (its stream has ended; older ids get a snapshot via
// onGap), so the buffers of many finished jobs do not add up (issue 10's soak).

import { describe, expect, it } from 'vitest';
import { REPLAY_EVENTS_AFTER_END, MemoryEventLog } from '../../src/queue/memory-event-log.js';
import type { JobEvent } from '../../src/queue/types.js';

const JOB = 'job-1';

async function replayAfter(log: MemoryEventLog, afterEventId: string): Promise<{ events: JobEvent[]; gap: boolean }> {
  const events: JobEvent[] = [];
  let gap = false;
  const unsubscribe = await log.subscribe(JOB, (event) => events.push(event), { afterEventId, onGap: () => (gap = true) });
  unsubscribe();
  return { events, gap };
}

describe('MemoryEventLog', () => {
  it('replays a running job from any buffered id, and trims a finished job to its last events', async () => {
    const log = new MemoryEventLog();
    const epochs: JobEvent[] = [];
    for (let epoch = 1; epoch <= 40; epoch++) epochs.push(await log.publish({ type: 'epoch', jobId: JOB, data: { epoch } }));
    const early = await replayAfter(log, epochs[2].id);
    expect(early.gap).toBe(false);
    expect(early.events).toHaveLength(37);

    const end = await log.publish({ type: 'state', jobId: JOB, data: { state: 'succeeded', history: [] } });
    const old = await replayAfter(log, epochs[2].id);
    expect(old).toEqual({ events: [], gap: true });
    const recent = await replayAfter(log, epochs.at(-2)!.id);
    expect(recent.gap).toBe(false);
    expect(recent.events.map((e) => e.id)).toEqual([epochs.at(-1)!.id, end.id]);
    const everything: JobEvent[] = [];
    (await log.subscribe(JOB, (event) => everything.push(event), { replayAll: true }))();
    expect(everything).toHaveLength(REPLAY_EVENTS_AFTER_END);
    expect(everything.at(-1)).toEqual(end);
  });

  it('keeps the whole buffer across non-terminal state events', async () => {
    const log = new MemoryEventLog();
    const first = await log.publish({ type: 'state', jobId: JOB, data: { state: 'running', history: [] } });
    for (let epoch = 1; epoch <= 30; epoch++) await log.publish({ type: 'epoch', jobId: JOB, data: { epoch } });
    await log.publish({ type: 'state', jobId: JOB, data: { state: 'running', history: [] } });
    const replay = await replayAfter(log, first.id);
    expect(replay.gap).toBe(false);
    expect(replay.events).toHaveLength(31);
  });
});
