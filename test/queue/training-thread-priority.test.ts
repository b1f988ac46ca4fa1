// Training threads lower their own OS priority (TRAINING_THREAD_NICE): the scheduler then gives the
// event loop and the predict threads the cores first on a busy host. Nice values are per thread on
// Linux (what CI runs), read here from /proc/self/task/<tid>/stat.

import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingThreads } from '../../src/queue/training-threads.js';
import { NO_LIMITS } from '../../src/training/runtime.js';
import { waitFor } from '../helpers/training-fixtures.js';

/** The nice value of every thread of this process, by thread id. */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name "(...)": state is field 3, nice field 19.
      nice.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return nice;
}

async function withThreads(nice: number, check: () => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nn-thread-nice-'));
  const ended: string[] = [];
  const threads = new TrainingThreads(1, { dataDir, limits: NO_LIMITS, nice }, 0, {
    onEvent: () => undefined,
    onDone: (jobId) => ended.push(jobId),
    onFailure: (jobId) => ended.push(jobId),
  });
  try {
    // A job id with no record: the thread starts, sets its priority, ends the job at once and idles.
    threads.run('no-such-job');
    expect(await waitFor(async () => ended.length, (n) => n === 1)).toBe(1);
    await check();
  } finally {
    await threads.close(1000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe.runIf(process.platform === 'linux')('training thread priority', () => {
  it('a training thread runs at TRAINING_THREAD_NICE while the process main thread keeps its own priority', async () => {
    const before = niceByThread().get(process.pid);
    await withThreads(7, async () => {
      const nice = niceByThread();
      expect([...nice.values()].filter((n) => n === 7)).toHaveLength(1);
      expect(nice.get(process.pid)).toBe(before);
    });
  });

  it('nice 0 leaves every thread at the process priority', async () => {
    await withThreads(0, async () => {
      expect([...niceByThread().values()].filter((n) => n === 7)).toHaveLength(0);
    });
  });
});
