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
  plugins: [coreFromSource, lazyBuiltins],
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
const inputs = Object.keys(result.metafile.inputs).length;
if (inputs < 10)
  throw new Error(
    `bundle-worker: only ${inputs} inputs in the worker bundle; expected the pool's worker modules and ` +
      `atomics-sync's core`,
  );
