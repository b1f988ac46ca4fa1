// Compiles the optional native kernel (native/*.c: a Node-API addon) into dist/native/nn_native.node.
// `npm run build:native`; `npm run build` runs it after build:wasm. Optional by design: without a C
// compiler or Node's headers, or when the compile fails, it prints one note and exits 0 (the engine
// then runs its WebAssembly kernel); NN_NATIVE=0 skips it. Nothing is compiled when the addon is newer
// than every source, so a build costs nothing. -ffp-contract=off: the C code's arithmetic is exactly
// what it writes (fmaf where the contract asks for it), so its bits match the WebAssembly kernel's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'native');
const outDir = join(root, 'dist', 'native');
const output = join(outDir, 'nn_native.node');

function note(message: string): never {
  console.warn(`build-native: ${message}; the engine will use its WebAssembly kernel.`);
  process.exit(0);
}

if (process.env.NN_NATIVE === '0') process.exit(0);

// Only the top level: native/test and native/bench hold programs of their own, not addon sources.
// Every file there counts for staleness (headers, included fragments), the .c files are compiled.
const entries = readdirSync(sourceDir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
const sources = entries.filter((name) => name.endsWith('.c')).map((name) => join(sourceDir, name));
const inputs = [...entries.map((name) => join(sourceDir, name)), fileURLToPath(import.meta.url)];
if (existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (inputs.every((file) => statSync(file).mtimeMs < built)) process.exit(0);
}

const includeDir = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
  .find((dir) => existsSync(join(dir, 'node_api.h')));
if (!includeDir) note("Node's headers (node_api.h) were not found");

mkdirSync(outDir, { recursive: true });
// Written next to the target, then renamed: a process loading the addon never sees half a file.
const partial = `${output}.${process.pid}.tmp`;
const flags = ['-O3', '-std=c11', '-shared', '-fPIC', '-ffp-contract=off', `-I${includeDir}`, ...sources, '-lm', '-o', partial];
/** $CC, else cc, else gcc (an image may have one name and not the other); false when none exists. */
function compile(): boolean {
  for (const compiler of process.env.CC ? [process.env.CC] : ['cc', 'gcc']) {
    try {
      execFileSync(compiler, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
      return true;
    } catch (err) {
      rmSync(partial, { force: true });
      const { code, stderr } = err as { code?: string; stderr?: Buffer };
      if (code === 'ENOENT') continue;
      process.stderr.write(stderr ?? '');
      rmSync(output, { force: true }); // an addon older than its sources must not be loaded
      note(`the native kernel failed to compile with ${compiler} (see above)`);
    }
  }
  return false;
}
if (!compile()) note(`no C compiler (${process.env.CC ?? 'cc or gcc'}) was found`);
renameSync(partial, output);
console.log(`build-native: built ${output}`);
