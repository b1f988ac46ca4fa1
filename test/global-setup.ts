// vitest globalSetup (all three configs): training threads, predict threads and the end-to-end
// processes run the compiled dist/, so a `npx vitest run` after an edit would test stale code. When
// dist/ was not built from the current sources (scripts/source-digest.ts), this runs `npm run build`
// first, and stops the run with the compiler's output if that fails.

import { spawnSync } from 'node:child_process';
import { builtDigest, ROOT, sourceDigest } from '../scripts/source-digest.js';

export default async function ensureCurrentDist(): Promise<void> {
  if ((await builtDigest()) === (await sourceDigest())) return;
  console.warn('dist/ is not built from the current sources: running `npm run build` before the tests');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`dist/ is stale and \`npm run build\` failed (exit ${build.status}); the tests would run old compiled code:\n${build.stdout}${build.stderr}`);
  }
  if ((await builtDigest()) !== (await sourceDigest())) {
    throw new Error('dist/ is still stale after `npm run build` (did the sources change during the build?); run it again');
  }
}
