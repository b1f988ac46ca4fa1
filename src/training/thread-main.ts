// Entry of an embedded-mode training thread (loaded compiled, from dist/). Runs one job at a time
// for the main thread's TrainingThreads pool; the protocol is in thread-protocol.ts.

import { parentPort, workerData } from 'node:worker_threads';
import { useConfiguredKernel } from '../native/select-kernel.js';
import { readThreadMemory } from '../thread-memory.js';
import { openTrainingDeps, runTrainingJob, type TrainingDeps } from './run-job.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import type { JobRuntime, StopReason } from './runtime.js';
import type { ThreadRequest, ThreadResponse, TrainingThreadData } from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('thread-main.js runs only as a worker thread');
useConfiguredKernel();
const { dataDir, limits, nice } = workerData as TrainingThreadData;
lowerThisThreadPriority(nice);
const send = (message: ThreadResponse) => port.postMessage(message);
const depsReady: Promise<TrainingDeps> = openTrainingDeps(dataDir, limits);
let current: { jobId: string; controller: AbortController } | null = null;

port.on('message', (message: ThreadRequest) => {
  if (message.type === 'stop') {
    if (current?.jobId === message.jobId) current.controller.abort(message.reason satisfies StopReason);
    return;
  }
  void run(message.jobId);
});

async function run(jobId: string): Promise<void> {
  const controller = new AbortController();
  current = { jobId, controller };
  const runtime: JobRuntime = {
    signal: controller.signal,
    publish: async (event) => send({ type: 'event', event }),
    // setImmediate lets queued 'stop' messages run between batches.
    tick: () => new Promise((resolve) => setImmediate(resolve)),
    assertOwnership: async () => undefined, // one process owns every embedded job
  };
  try {
    const outcome = await runTrainingJob(jobId, runtime, await depsReady);
    send({ type: 'done', jobId, outcome, memory: readThreadMemory() });
  } catch (err) {
    send({ type: 'error', jobId, message: err instanceof Error ? err.message : String(err), memory: readThreadMemory() });
  } finally {
    current = null;
  }
}
