// The digest that tells the tests whether dist/ was built from the current sources: it changes with
// any byte, name or file added under the build's inputs, and with nothing else.

import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sourceDigest } from '../../scripts/source-digest.js';

describe('sourceDigest', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nn-digest-'));
    await mkdir(join(root, 'src', 'engine'), { recursive: true });
    await mkdir(join(root, 'assembly'));
    await writeFile(join(root, 'src', 'engine', 'a.ts'), 'export const a = 1;\n');
    await writeFile(join(root, 'assembly', 'gemm.ts'), 'export function f(): void {}\n');
    await writeFile(join(root, 'tsconfig.json'), '{}');
    await writeFile(join(root, 'tsconfig.build.json'), '{}');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is stable for an unchanged tree and ignores files the build does not read', async () => {
    const before = await sourceDigest(root);
    await mkdir(join(root, 'test'));
    await writeFile(join(root, 'test', 'x.test.ts'), 'changed');
    await writeFile(join(root, 'README.md'), 'changed');
    expect(await sourceDigest(root)).toBe(before);
  });

  it('changes when a source, a kernel, a dashboard file or a compiler setting changes, or a file is added or renamed', async () => {
    const seen = new Set([await sourceDigest(root)]);
    const changes = [
      () => writeFile(join(root, 'src', 'engine', 'a.ts'), 'export const a = 2;\n'),
      () => writeFile(join(root, 'assembly', 'gemm.ts'), 'export function g(): void {}\n'),
      () => writeFile(join(root, 'tsconfig.build.json'), '{"compilerOptions":{}}'),
      () => writeFile(join(root, 'src', 'b.ts'), ''),
      () => rename(join(root, 'src', 'b.ts'), join(root, 'src', 'c.ts')),
      // The dashboard's sources: absent in this tree at first (an input that does not exist adds nothing).
      () => mkdir(join(root, 'web')).then(() => writeFile(join(root, 'web', 'main.tsx'), 'export {};\n')),
      () => writeFile(join(root, 'web', 'main.tsx'), 'export const x = 1;\n'),
    ];
    for (const change of changes) {
      await change();
      const digest = await sourceDigest(root);
      expect(seen.has(digest)).toBe(false);
      seen.add(digest);
    }
  });
});
