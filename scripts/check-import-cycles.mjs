#!/usr/bin/env node
// Fails when the relative imports inside a package's src/ form a circle.
//
//   node scripts/check-import-cycles.mjs [srcDir ...]     (default: every packages/*/src)
//
// A circle between ES modules is legal, but which module of it runs first depends on who is
// imported first, so a top-level use of a binding from the other side can meet it uninitialised
// (TDZ) or meet a half-filled registry. Type-only imports are counted too: they vanish from the
// emitted JavaScript, but a type circle still means the two modules cannot be read, tested or moved
// apart, which is what this check protects. Each edge in a printed circle is labelled with how it
// imports (`import`, `import type`, `export from`, `import()`, ...) so a type-only circle is
// recognisable as such.
//
// Only relative specifiers are followed ('./x.js', '../y/index.js', './launch.cjs'); a package
// import ('@sabkit/atomics-sync') is a boundary between packages and is not a circle within one.
// Exit code: 0 no circle, 1 at least one circle, 2 bad arguments.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|tsx|mts|cts)$/;

// What TypeScript (moduleResolution node16/nodenext/bundler) lets a specifier's extension stand for.
// '.js' naming a .cts/.mts file is not TypeScript's rule, but a loader or bundler may allow it, and
// an edge found that way is better than a silently missing one.
const EXTENSION_MAP = {
  '.js': ['.ts', '.tsx', '.d.ts', '.js', '.cts', '.mts'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs'],
};

function defaultDirs() {
  const pk = join(ROOT, 'packages');
  if (!existsSync(pk)) return [];
  return readdirSync(pk)
    .sort()
    .map((p) => join(pk, p, 'src'))
    .filter((d) => existsSync(d) && statSync(d).isDirectory());
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(name)) out.push(p);
  }
  return out;
}

/**
 * The text with comments blanked (strings kept, since they hold the specifiers), so that an
 * `import('./x.js')` written in a comment is not taken for an edge. Line breaks are kept so that
 * offsets still map to line numbers.
 */
function stripComments(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < n && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// Every form that names another module. `[^;]*?` spans the braces of multi-line import lists.
const PATTERNS = [
  { kind: 'import type', re: /\bimport\s+type\s[^;]*?\bfrom\s*(['"])([^'"]+)\1/g },
  { kind: 'export type', re: /\bexport\s+type\s[^;]*?\bfrom\s*(['"])([^'"]+)\1/g },
  { kind: 'import', re: /\bimport\s+(?!type\s)[^;'"()]*?\bfrom\s*(['"])([^'"]+)\1/g },
  { kind: 'export from', re: /\bexport\s+(?!type\s)[^;'"()]*?\bfrom\s*(['"])([^'"]+)\1/g },
  { kind: 'import (side effect)', re: /\bimport\s*(['"])([^'"]+)\1/g },
  { kind: 'typeof import()', re: /\btypeof\s+import\s*\(\s*(['"])([^'"]+)\1\s*\)/g },
  { kind: 'import()', re: /(?<!\btypeof\s+)\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g },
  { kind: 'require()', re: /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g },
];

/** Edges that TypeScript erases: a circle made only of these does not exist at run time. */
const TYPE_KINDS = new Set(['import type', 'export type', 'typeof import()']);

function importsOf(file) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const found = [];
  for (const { kind, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const spec = m[2];
      if (!spec.startsWith('./') && !spec.startsWith('../') && spec !== '.' && spec !== '..') continue;
      const line = text.slice(0, m.index).split('\n').length;
      // `import { type A, type B } from` is type-only as well, though spelled without `import type`.
      const braces = /\{([^}]*)\}/.exec(m[0]);
      const allTypes =
        kind === 'import' &&
        braces !== null &&
        !/^\s*[\w$]+\s*,/.test(m[0].slice(6)) &&
        braces[1]
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .every((s) => s.startsWith('type '));
      found.push({ spec, line, kind: allTypes ? 'import type' : kind });
    }
  }
  return found;
}

function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [];
  const ext = Object.keys(EXTENSION_MAP).find((e) => base.endsWith(e));
  if (ext !== undefined) {
    const stem = base.slice(0, -ext.length);
    for (const e of EXTENSION_MAP[ext]) candidates.push(stem + e);
  }
  candidates.push(base, ...['.ts', '.tsx', '.mts', '.cts', '.d.ts'].map((e) => base + e));
  for (const e of ['index.ts', 'index.tsx', 'index.mts', 'index.cts', 'index.d.ts']) candidates.push(join(base, e));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Strongly connected components (Tarjan), iterative so that deep import chains cannot overflow. */
function components(nodes, next) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = next(v);
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

/** A shortest circle through `start` inside `members` (breadth first), as a list of nodes. */
function shortestCircle(start, members, next) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of next(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let p = prev.get(v); p !== null; p = prev.get(p)) path.push(p);
        return path.reverse();
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

function check(srcDir) {
  const files = sourceFiles(srcDir);
  const inDir = new Set(files);
  const edges = new Map(); // file -> Map(target -> [{ kind, line }])
  const unresolved = [];
  for (const f of files) {
    const to = new Map();
    for (const imp of importsOf(f)) {
      const target = resolveSpec(f, imp.spec);
      if (target === undefined) {
        unresolved.push(`${relative(ROOT, f)}:${imp.line}: ${imp.kind} '${imp.spec}' matches no file`);
        continue;
      }
      if (!inDir.has(target)) continue;
      if (!to.has(target)) to.set(target, []);
      to.get(target).push(imp);
    }
    edges.set(f, to);
  }
  const next = (v) => [...edges.get(v).keys()];
  const circles = components(files, next)
    .filter((c) => c.length > 1 || edges.get(c[0]).has(c[0]))
    .map((c) => {
      const members = new Set(c);
      const start = [...c].sort()[0];
      return { members: [...c].sort(), circle: shortestCircle(start, members, next) };
    });
  return { files, edges, circles, unresolved };
}

function describeLoop(srcDir, edges, circle) {
  const name = (f) => relative(srcDir, f);
  return circle.map((a, i) => {
    const b = circle[(i + 1) % circle.length];
    const how = edges.get(a).get(b);
    return `    ${name(a)}:${how[0].line}  --${[...new Set(how.map((h) => h.kind))].join(', ')}-->  ${name(b)}`;
  });
}

/** The part of a circle that survives compilation: the loop left when type-only edges are dropped. */
function runtimeLoop(members, edges) {
  const valueNext = (v) =>
    [...edges.get(v)].filter(([w, how]) => members.has(w) && how.some((h) => !TYPE_KINDS.has(h.kind))).map(([w]) => w);
  const cyclic = components([...members].sort(), valueNext).find((c) => c.length > 1 || valueNext(c[0]).includes(c[0]));
  if (cyclic === undefined) return undefined;
  const start = [...cyclic].sort()[0];
  return shortestCircle(start, new Set(cyclic), valueNext);
}

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log('usage: node scripts/check-import-cycles.mjs [srcDir ...]   (default: every packages/*/src)');
  process.exit(0);
}
const dirs = (args.length > 0 ? args : defaultDirs()).map((d) => resolve(d));
if (dirs.length === 0) {
  console.error('check-import-cycles: no src directories given and none found under packages/*/src');
  process.exit(2);
}
let failed = false;
for (const dir of dirs) {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`check-import-cycles: ${dir} is not a directory`);
    process.exit(2);
  }
  const { files, edges, circles, unresolved } = check(dir);
  const rel = relative(ROOT, dir);
  const label = rel === '' || rel.startsWith('..') ? dir : rel;
  const nEdges = [...edges.values()].reduce((s, m) => s + m.size, 0);
  for (const u of unresolved) console.warn(`warning: ${u}`);
  if (circles.length === 0) {
    console.log(`${label}: no import circle (${files.length} files, ${nEdges} edges)`);
    continue;
  }
  failed = true;
  console.log(
    `${label}: ${circles.length} import circle${circles.length > 1 ? 's' : ''} (${files.length} files, ` +
      `${nEdges} edges)`,
  );
  for (const { members, circle } of circles) {
    const name = (f) => relative(dir, f);
    const atRuntime = runtimeLoop(new Set(members), edges);
    console.log(`  circle of ${members.length} file${members.length > 1 ? 's' : ''}: ${members.map(name).join(', ')}`);
    console.log(`  shortest loop through ${name(circle[0])}:`);
    for (const l of describeLoop(dir, edges, circle)) console.log(l);
    if (atRuntime === undefined)
      console.log('  type-only: with `import type` edges dropped (as in the emitted JavaScript) no loop is left');
    else {
      console.log(`  it is a circle at run time too; loop of value imports through ${name(atRuntime[0])}:`);
      for (const l of describeLoop(dir, edges, atRuntime)) console.log(l);
    }
  }
}
process.exit(failed ? 1 : 0);
