// The import rules of eslint.config.js catch what they promise: each deliberate violation kept in
// test/lint-fixtures/ is reported by its rule, and the real src/ has none.

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'lint-fixtures');
const IMPORT_RULES = new Set(['layers/no-cycle', 'layers/in-a-layer', 'import-x/no-restricted-paths', 'no-restricted-imports']);

/** Each fixture, the path it is linted as (zones apply by location), and what must be reported. */
const VIOLATIONS: { fixture: string; lintAs: string; rule: string; message: RegExp; count?: number }[] = [
  { fixture: 'engine-relative-escape.ts', lintAs: 'src/engine/layers/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /src\/engine is a pure library/ },
  { fixture: 'engine-package-import.ts', lintAs: 'src/engine/lint-fixture.ts', rule: 'no-restricted-imports', message: /src\/engine imports only its own files/, count: 2 },
  { fixture: 'training-imports-queue.ts', lintAs: 'src/training/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /^Unexpected path "\.\.\/queue\/types\.js".*training may import only training, storage, (sweeps, )?(plots, )?shared, engine/ },
  { fixture: 'training-imports-inference.ts', lintAs: 'src/training/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /training may import only/ },
  { fixture: 'storage-imports-training.ts', lintAs: 'src/storage/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /storage may import only storage, (sweeps, )?(plots, )?shared, engine/ },
  { fixture: 'shared-imports-api.ts', lintAs: 'src/compiled-path.ts', rule: 'import-x/no-restricted-paths', message: /shared may import only shared, engine/ },
  { fixture: 'api-imports-engine-internals.ts', lintAs: 'src/api/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /public surface, src\/engine\/index\.ts/ },
  { fixture: 'tensor-imports.ts', lintAs: 'src/engine/tensor.ts', rule: 'import-x/no-restricted-paths', message: /tensor\.ts is the engine's lowest file/ },
  { fixture: 'kernel-imports-layer.ts', lintAs: 'src/engine/kernels/lint-fixture.ts', rule: 'import-x/no-restricted-paths', message: /Kernels sit below layers/ },
  { fixture: 'unlayered-file.ts', lintAs: 'src/unplaced/space.ts', rule: 'layers/in-a-layer', message: /src\/unplaced\/space\.ts belongs to no layer/ },
];

const matching = (messages: Linter.LintMessage[], rule: string, message: RegExp) =>
  messages.filter((m) => m.ruleId === rule && message.test(m.message));

describe('import rules', () => {
  // ignore: false, because the fixtures are in the config's ignores (the normal lint run skips them).
  let fixtures: ESLint;
  beforeAll(() => {
    fixtures = new ESLint({ cwd: ROOT, ignore: false });
  });

  it.each(VIOLATIONS)('$fixture, linted as $lintAs, is reported by $rule', async ({ fixture, lintAs, rule, message, count = 1 }) => {
    const code = readFileSync(join(FIXTURES, fixture), 'utf8');
    const [result] = await fixtures.lintText(code, { filePath: join(ROOT, lintAs) });
    expect(matching(result.messages, rule, message).length, JSON.stringify(result.messages, null, 1)).toBe(count);
  });

  it('the same code in its own layer is not reported by the layer rules', async () => {
    // The fixture that breaks the order from training is fine one layer up, in the queue.
    const code = readFileSync(join(FIXTURES, 'training-imports-queue.ts'), 'utf8');
    const [result] = await fixtures.lintText(code, { filePath: join(ROOT, 'src/queue/lint-fixture.ts') });
    expect(result.messages.filter((m) => IMPORT_RULES.has(m.ruleId ?? ''))).toEqual([]);
  });

  it('a cycle closed by a type-only import is reported in every file on it, with its route', async () => {
    const results = await fixtures.lintFiles([join(FIXTURES, 'cycle')]);
    const routes = results.map((r) => ({
      file: relative(FIXTURES, r.filePath),
      cycles: r.messages.filter((m) => m.ruleId === 'layers/no-cycle').map((m) => m.message),
    }));
    expect(routes).toEqual([
      { file: 'cycle/a.ts', cycles: [expect.stringMatching(/cycle\/a\.ts -> test\/lint-fixtures\/cycle\/b\.ts -> .*cycle\/c\.ts -> .*cycle\/a\.ts/)] },
      { file: 'cycle/b.ts', cycles: [expect.stringMatching(/cycle\/b\.ts -> .*cycle\/c\.ts -> .*cycle\/a\.ts -> .*cycle\/b\.ts/)] },
      { file: 'cycle/c.ts', cycles: [expect.stringMatching(/cycle\/c\.ts -> .*cycle\/a\.ts -> .*cycle\/b\.ts -> .*cycle\/c\.ts/)] },
    ]);
  });

  it('src/ breaks no import rule', async () => {
    const results = await new ESLint({ cwd: ROOT }).lintFiles(['src']);
    const found = results.flatMap((result) => result.messages
      .filter((msg) => IMPORT_RULES.has(msg.ruleId ?? ''))
      .map((msg) => `${relative(ROOT, result.filePath)}: ${msg.ruleId}: ${msg.message}`));
    expect(found).toEqual([]);
  });
});
