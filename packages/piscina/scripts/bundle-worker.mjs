// Bundles the pool worker's entry (src/worker/entry.ts) into dist/cjs/worker/entry.cjs,
// with everything it loads before its first task: the pool's worker modules and
// @sabkit/atomics-sync/core. The worker's launch script (src/worker/launch.cts) compiles it with a
// V8 code cache.
//
// Why: a new worker's start is on the path of every cold pool (new pool -> first result), and it
// was ~20 ms slower than two raw `new Worker` calls, nearly all of it loading ~20 ES modules
// (~0.5 ms each). Measured here, cold start over two raw workers: ~20 ms unbundled, ~5.5 ms as one
// ES module, ~4 ms as one CommonJS script with whitespace and syntax minified (no ES module
// pipeline for the entry; a third less to parse). Identifiers are kept, so stack traces still
// name functions; the source map points into the TypeScript sources.
//
// The other files scripts/build-cjs.mjs wrote to dist/cjs/worker/ (one CommonJS file per module,
// now inside the bundle and imported by nothing else) are removed; launch.cjs stays.
//
// Left outside the bundle, loaded later by the worker through the launch script's import() (code
// compiled by vm.Script has none): the package indexes of atomics-sync and typed-struct (which
// register every sabkit kind; the worker loads them in the background, and the task's own code
// imports the same module instances) and the pool's error classes (`../errors.js`, the same
// instances a task's `import { AbortError } from '@sabkit/piscina'` gets). The bundled copy of
// atomics-sync's core shares the thread's kind registry with them (it lives on globalThis). The
// bundle must not call import() itself: this script fails if it does.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const dir = fileURLToPath(new URL('../dist/cjs/worker/', import.meta.url));
const entry = fileURLToPath(new URL('../src/worker/entry.ts', import.meta.url));
const outfile = join(dir, 'entry.cjs');
// atomics-sync's core from its TypeScript sources (which the package ships), not its CommonJS build:
// as ES modules esbuild hoists them into the bundle's scope and leaves out what the worker does not
// use (measured: the bundle is ~48 KB with the CommonJS build, ~33 KB this way).
const atomicsSyncDir = dirname(createRequire(import.meta.url).resolve('@sabkit/atomics-sync/package.json'));
const coreFromSource = {
  name: 'atomics-sync-core-from-source',
  setup(b) {
    b.onResolve({ filter: /^@sabkit\/atomics-sync\/core$/ }, () => ({ path: join(atomicsSyncDir, 'src', 'core.ts') }));
  },
};

// The builtins the worker needs only on some paths (node:url, node:module, node:os) are required on
// first use: they resolve to src/worker/lazy-builtins.ts (why: there).
const lazyBuiltinsFile = fileURLToPath(new URL('../src/worker/lazy-builtins.ts', import.meta.url));
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(url|module|os)$/ }, () => ({ path: lazyBuiltinsFile }));
  },
};

// atomics-sync's codec imports its sibling modules as namespaces and copies the names it uses into
// its own bindings (`import * as F from './formats.js'; const { a, b } = F;`): in its CommonJS build
// an imported binding is read through a getter on every use. In this bundle the same lines made
// esbuild build a namespace object per module (one getter function per export, ~90) and call those
// getters while the bundle's top level runs: ~0.5-0.8 ms of a new worker's start, on the path of a
// fresh pool's first result (a profile of the worker, 10 fresh processes). As named imports esbuild
// binds the names directly. Rewritten only where a namespace is used in nothing but such copies.
const namespaceCopies = {
  name: 'namespace-copies-to-named-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/]atomics-sync[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      let out = text;
      for (const [line, ns, from] of text.matchAll(/^import \* as (\w+) from '([^']+)';$/gm)) {
        const copies = [...out.matchAll(new RegExp(`^const \\{([^}]*)\\} = ${ns};\\n`, 'gm'))];
        // Each copy becomes an empty line: the source map's line numbers stay the file's.
        const rest = copies.reduce((t, c) => t.replace(c[0], '\n'), out);
        if (copies.length === 0 || new RegExp(`\\b${ns}\\b`).test(rest.replace(line, ''))) continue;
        const names = copies.flatMap((c) => c[1].split(',').map((n) => n.trim())).filter(Boolean);
        out = rest.replace(line, `import { ${names.join(', ')} } from '${from}';`);
      }
      return out === text ? undefined : { contents: out, loader: 'ts' };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  metafile: true,
  plugins: [coreFromSource, lazyBuiltins, namespaceCopies],
  logLevel: 'warning',
});
rmSync(join(dir, 'package.json'), { force: true }); // written by earlier versions of this script
for (const f of readdirSync(dir)) {
  if (f.endsWith('.js') || f.endsWith('.js.map')) rmSync(join(dir, f));
}
if (/\bimport\(/.test(readFileSync(outfile, 'utf8'))) {
  throw new Error(
    'bundle-worker: the worker bundle calls import(), which fails in code compiled by vm.Script; import ' +
      'through importModule (src/worker/loader.ts)',
  );
}
if (/\b__export\(/.test(readFileSync(outfile, 'utf8'))) {
  throw new Error(
    'bundle-worker: the worker bundle builds a module namespace object (esbuild __export); import names, not ' +
      'namespaces, in the modules it bundles (see namespaceCopies)',
  );
}
const inputs = Object.keys(result.metafile.inputs).length;
if (inputs < 10)
  throw new Error(
    `bundle-worker: only ${inputs} inputs in the worker bundle; expected the pool's worker modules and ` +
      `atomics-sync's core`,
  );
