// Worker threads load compiled JavaScript. From dist/ the sibling `.js` is right there; when the
// caller itself runs from src/ (vitest transpiles on the fly) we point at the same file in dist/,
// which `npm test` builds first. Node 20 cannot load the `.ts` sources in a thread.

import { fileURLToPath } from 'node:url';
import { dirname, join, sep } from 'node:path';

export function compiledFile(callerUrl: string, relativeJs: string): string {
  const callerPath = fileURLToPath(callerUrl);
  const target = join(dirname(callerPath), relativeJs);
  if (!callerPath.endsWith('.ts')) return target;
  const marker = `${sep}src${sep}`;
  const at = target.lastIndexOf(marker);
  if (at === -1) throw new Error(`cannot map ${target} to its compiled file in dist/`);
  return `${target.slice(0, at)}${sep}dist${sep}${target.slice(at + marker.length)}`;
}
