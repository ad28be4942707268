// Fails when relative imports under src/ form a cycle (DEVELOPERS.md: no import cycles).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith('.ts') && !n.endsWith('.test.ts')) files.push(resolve(p));
  }
})('src');
const graph = new Map();
const re = /(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/g;
for (const f of files) {
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(re)) {
    const base = resolve(dirname(f), m[1].replace(/\.js$/, ''));
    for (const c of [base + '.ts', join(base, 'index.ts')]) if (existsSync(c)) { deps.push(c); break; }
  }
  graph.set(f, deps);
}
const state = new Map();
const stack = [];
let bad = false;
function visit(f) {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 1) {
      bad = true;
      console.error('import cycle: ' + [...stack.slice(stack.indexOf(d)), d].map((x) => x.slice(process.cwd().length + 1)).join(' -> '));
    } else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of files) if (!state.has(f)) visit(f);
if (bad) process.exit(1);
