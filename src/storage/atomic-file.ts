// Crash-safe file writes: write a temp file in the same directory, fsync it, rename over the target,
// fsync the directory. A reader sees the old complete file or the new complete file, never a torn one.

import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.tmp-${randomUUID()}`);
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
