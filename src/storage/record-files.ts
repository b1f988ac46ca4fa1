// Small filesystem helpers the stores share: JSON records and binary blobs written atomically, a
// directory listing of records, and sha256. A record's JSON file is written last and removed first,
// so it is the commit point: a listed record always has its data files.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { writeFileAtomic } from './atomic-file.js';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const HASH_CHUNK = 16 * 1024 * 1024;

/** sha256 of large buffers in 16 MiB steps, yielding between them so a 200 MB dataset never stalls the API. */
export async function sha256Large(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += HASH_CHUNK) {
    hash.update(bytes.subarray(offset, offset + HASH_CHUNK));
    await yieldToEventLoop();
  }
  return hash.digest('hex');
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2));
}

/** Reads a JSON record; null when the file does not exist. */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Reads a binary file; null when it does not exist. */
export async function readBytes(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Every `<id>.json` record in `dir` (none when `dir` does not exist). A record deleted while listing is skipped. */
export async function listJson<T>(dir: string): Promise<T[]> {
  return selectJson<T>(dir, () => true);
}

/**
 * Files read at once while scanning a directory. Reading every file at once made a scan's peak memory
 * (file buffers, strings, parsed records) grow with the number of records ever stored: with jobs read
 * on every /metrics scrape, the soak's RSS rose with each job (issue 10). A few at a time keeps a
 * scan's transient memory flat, while 8 reads in flight still overlap their waits.
 */
export const SCAN_CONCURRENCY = 8;

/**
 * The `<id>.json` records of `dir` that `keep` accepts, read SCAN_CONCURRENCY at a time; the others
 * are dropped as soon as they are judged, so a scan holds only what it returns. Order: the directory's.
 */
export async function selectJson<T>(dir: string, keep: (record: T) => boolean, read: (path: string) => Promise<T | null> = readJson<T>): Promise<T[]> {
  const names = (await listDir(dir)).filter((n) => n.endsWith('.json'));
  const kept: (T | null)[] = new Array(names.length).fill(null);
  let next = 0;
  const reader = async () => {
    while (next < names.length) {
      const at = next++;
      const record = await read(join(dir, names[at]));
      if (record !== null && keep(record)) kept[at] = record;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, names.length) }, reader));
  return kept.filter((r): r is Awaited<T> => r !== null) as T[];
}

/** Entry names in `dir`; none when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

export async function removeFiles(...paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ENOENT';
}
