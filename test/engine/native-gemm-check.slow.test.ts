// The native gemm's own check (native/test/gemm_check.c), built from source and run on every
// vectorised path this CPU has: ~20,000 shapes and flag combinations compared bit for bit with the
// reference (native/gemm_ref.c), inputs ending at unreadable pages so a read past a span crashes it,
// four threads at once. In test:slow because the compile alone takes ~20 s. It needs a C compiler and
// an x86-64 CPU (elsewhere the addon is the reference only, and the engine tests cover it).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const compiler = ['cc', 'gcc'].find((cc) => spawnSync(cc, ['--version']).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'nn-gemm-check-'));
const binary = join(dir, 'gemm_check');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(isa: string | null): string {
  const env = { ...process.env };
  if (isa) env.NN_GEMM_ISA = isa;
  else delete env.NN_GEMM_ISA;
  return execFileSync(binary, { env, encoding: 'utf8', maxBuffer: 16 << 20 });
}

describe.runIf(compiler !== undefined && process.arch === 'x64')('native gemm check (C)', () => {
  it('builds', () => {
    execFileSync(compiler!, ['-O2', '-std=c11', '-ffp-contract=off', '-D_DEFAULT_SOURCE', '-o', binary,
      'native/gemm_ref.c', 'native/gemm_fast.c', 'native/test/gemm_check.c', '-lm', '-lpthread']);
  });

  it('the fastest path this CPU runs is bit-identical to the reference', () => {
    expect(check(null)).toMatch(/PASS: \d+ cases bit-identical/);
  });

  it('the AVX2 path is bit-identical to the reference (forced where AVX-512 would be chosen)', () => {
    expect(check('avx2')).toMatch(/PASS: \d+ cases bit-identical/);
  });
});
