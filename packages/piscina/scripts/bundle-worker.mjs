// Bundles the pool worker's entry (dist/worker/entry.js, written by tsc) in place, with everything
// it loads before its first task: the pool's worker modules and @sabkit/atomics-sync/core.
//
// Why: a new worker pays ~0.5 ms for every ES module it loads before it can run a task; unbundled,
// the entry is ~20 modules, and cold start (new pool -> first result) was ~20 ms slower than two
// raw `new Worker` calls. Bundled it is one module.
//
// Left outside the bundle, loaded later by the worker: the package indexes of atomics-sync and
// typed-struct (which register every sabkit kind; the worker loads them in the background, and the
// task's own code imports the same module instances) and the pool's error classes (`../errors.js`,
// the same instances a task's `import { AbortError } from '@sabkit/piscina'` gets). The bundled copy
// of atomics-sync's core shares the thread's kind registry with them (it lives on globalThis).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/worker/entry.js', import.meta.url));
const LATER = /^(@sabkit\/atomics-sync|@sabkit\/typed-struct|\.\.\/errors\.js)$/;

await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'load-later',
      setup(b) {
        b.onResolve({ filter: LATER }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});
