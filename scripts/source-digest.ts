// A digest of everything `npm run build` compiles into dist/ (src/, assembly/, native/, web/, the tsconfigs). The
// build writes it to dist/.source-digest; test/global-setup.ts compares it with the tree, so vitest
// never runs stale compiled code in threads and child processes. `tsx scripts/source-digest.ts`
// writes it (the last step of `npm run build`).

import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIGEST_FILE = join(ROOT, 'dist', '.source-digest');
/** What the build reads: the TypeScript sources, the AssemblyScript kernels, the dashboard and the compiler settings. */
const INPUTS = ['src', 'assembly', 'native', 'web', 'tsconfig.json', 'tsconfig.build.json'];

/** Every file under path (path itself when it is a file; nothing when it does not exist). */
async function files(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null);
  if (info === null) return [];
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => files(join(path, entry.name))));
  return nested.flat();
}

/** sha256 over every input file's path and bytes, in a fixed order. */
export async function sourceDigest(root = ROOT): Promise<string> {
  const all = (await Promise.all(INPUTS.map((input) => files(join(root, input))))).flat().sort();
  const hash = createHash('sha256');
  for (const file of all) {
    hash.update(relative(root, file)).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}

/** The digest the last successful build recorded, or null when there is none. */
export async function builtDigest(): Promise<string | null> {
  return (await readFile(DIGEST_FILE, 'utf8').catch(() => '')).trim() || null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Runs after tsc succeeded. An edit made while tsc ran would be recorded as built: rebuild after editing.
  await writeFile(DIGEST_FILE, `${await sourceDigest()}\n`);
}
