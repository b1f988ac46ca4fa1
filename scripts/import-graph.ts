// Audits the import graph of src/: every edge (value, type-only, import(), thread entry) by layer of
// lint/import-layers.js, the edges that break the order, and cycles. `npx tsx scripts/import-graph.ts
// [--edges]`; exits 1 when an edge breaks the order or a cycle exists. npm run lint enforces the same.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeResolver } from 'eslint-plugin-import-x';
import ts from 'typescript';
// @ts-expect-error -- plain JavaScript shared with eslint.config.js, which cannot load TypeScript
import { forbiddenFor, LAYER_ORDER, LAYERS, layerOf, RESOLVER_OPTIONS, repoRelative, ROOT } from '../lint/import-layers.js';

interface Layer { name: string; rank: number }
type Kind = 'value' | 'type' | 'dynamic' | 'thread';
interface Edge { from: string; to: string; kind: Kind }

const resolver = createNodeResolver(RESOLVER_OPTIONS);
const layers = LAYERS as Layer[];
const layerName = (file: string): string => (layerOf(file) as Layer | undefined)?.name ?? '(none)';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier of a file with its kind; thread entries are the compiledFile() targets. */
function specifiers(file: string): { specifier: string; kind: Kind }[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; kind: Kind }[] = [];
  const add = (node: ts.Node | undefined, kind: Kind) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ specifier: node.text, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allTypes = clause !== undefined && (clause.isTypeOnly
        || (!clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes ? 'type' : 'value');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const clause = node.exportClause;
      const allTypes = node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, allTypes ? 'type' : 'value');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, 'type');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'compiledFile') {
      add(node.arguments[1], 'thread');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function edgesOf(file: string): { edges: Edge[]; packages: string[] } {
  const edges: Edge[] = [];
  const packages: string[] = [];
  for (const { specifier, kind } of specifiers(file)) {
    if (!specifier.startsWith('.')) {
      packages.push(specifier);
      continue;
    }
    const resolved = resolver.resolve(specifier, file);
    if (!resolved.found || !resolved.path) throw new Error(`${repoRelative(file)}: cannot resolve ${specifier}`);
    edges.push({ from: repoRelative(file), to: repoRelative(resolved.path), kind });
  }
  return { edges, packages };
}

/** Strongly connected components of more than one file (Tarjan), over every kind of edge. */
function cycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const edge of edges) next.get(edge.from)?.push(edge.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) components.push(component.sort());
    }
  };
  files.forEach((file) => index.has(file) || connect(file));
  return components;
}

function breaksOrder(edge: Edge): string | undefined {
  const from = layerOf(edge.from) as Layer | undefined;
  const to = layerOf(edge.to) as Layer | undefined;
  if (!from) return `${edge.from} is in no layer`;
  if (from.name === 'engine') return to?.name === 'engine' ? undefined : 'the engine imports only its own files';
  if (!to) return `${edge.to} is in no layer`;
  if ((forbiddenFor(from) as Layer[]).includes(to)) return `${from.name} may not import ${to.name}`;
  if (to.name === 'engine' && edge.to !== 'src/engine/index.ts') return 'outside src/engine, only src/engine/index.ts';
  return undefined;
}

const files = sourceFiles(join(ROOT, 'src')).sort();
const all = files.map((file) => edgesOf(file));
const edges = all.flatMap((a) => a.edges);
const relFiles = files.map((file) => repoRelative(file));

console.log(`# Import graph of src/ (${relFiles.length} files, ${edges.length} edges to files of src/)\n`);
console.log(`Layer order: ${LAYER_ORDER}\n`);
console.log('| from \\ to | edges | value | type-only | import() | thread entry |');
console.log('|---|---|---|---|---|---|');
const pairs = new Map<string, Record<Kind | 'all', number>>();
for (const edge of edges) {
  const key = `${layerName(edge.from)} -> ${layerName(edge.to)}`;
  const counts = pairs.get(key) ?? { all: 0, value: 0, type: 0, dynamic: 0, thread: 0 };
  counts.all++;
  counts[edge.kind]++;
  pairs.set(key, counts);
}
const rank = (name: string) => -(layers.find((l) => l.name === name)?.rank ?? -1);
const order = (key: string) => key.split(' -> ').map((name) => rank(name) * 10 + layers.findIndex((l) => l.name === name));
for (const [key, c] of [...pairs].sort(([a], [b]) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1])) {
  console.log(`| ${key} | ${c.all} | ${c.value} | ${c.type} | ${c.dynamic} | ${c.thread} |`);
}

console.log('\nPackages imported, by layer:');
for (const layer of layers) {
  const names = new Set(all.filter((_, i) => layerName(relFiles[i]) === layer.name).flatMap((a) => a.packages));
  console.log(`- ${layer.name}: ${[...names].sort().join(', ') || '(none)'}`);
}

const broken = edges.map((edge) => ({ edge, why: breaksOrder(edge) })).filter((b) => b.why !== undefined);
const loops = cycles(relFiles, edges);
console.log(`\nEdges against the order: ${broken.length}`);
for (const { edge, why } of broken) console.log(`- ${edge.from} -> ${edge.to} (${edge.kind}): ${why}`);
console.log(`Cycles (every kind of edge counted): ${loops.length}`);
for (const loop of loops) console.log(`- ${loop.join(', ')}`);

if (process.argv.includes('--edges')) {
  console.log('\nEvery edge:');
  for (const edge of edges) console.log(`- ${edge.from} -> ${edge.to} (${edge.kind})`);
}
process.exitCode = broken.length > 0 || loops.length > 0 ? 1 : 0;
