// Crash-safe file writes: write a temp file in the same directory, fsync it, rename over the target,
// fsync the directory. A reader sees the old complete file or the new complete file, never a torn one.
// A process killed mid-write leaves a `.tmp-*` file that no listing shows; removeStaleTempFiles sweeps them.

import { randomUUID } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const TEMP_PREFIX = '.tmp-';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `${TEMP_PREFIX}${randomUUID()}`);
  const file = await open(temp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes `.tmp-*` files older than `olderThanMs` from `dir`: what writers killed between write and
 * rename left behind. Younger ones may belong to a live writer (another process sharing DATA_DIR).
 */
export async function removeStaleTempFiles(dir: string, olderThanMs: number): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && Date.now() - info.mtimeMs > olderThanMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}
