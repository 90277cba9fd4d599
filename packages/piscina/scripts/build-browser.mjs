// Builds the pool for browsers (the `browser` export condition) into dist/browser/: the package's
// index and internal entries, startBrowserWorker (`@sabkit/piscina/browser-worker`, for packages
// that bundle their own worker script) and the pool's module Web Worker script,
// sabkit-piscina-worker.js, which the index starts as
// `new Worker(new URL('./sabkit-piscina-worker.js', import.meta.url), { type: 'module' })`.
// ES modules with shared chunks in the same folder (so that relative URL holds), the sabkit
// packages left as imports (the app's bundler resolves them to their own `browser` entries).
//
// The engine's source is the Node one. Its `node:` imports resolve to src/platform/browser/ (what
// each stands in for: README.md there), engine/worker-pool.ts is replaced by
// worker-pool.browser.ts, and the Node globals it uses (timers with unref(), `process`) come from
// platform/browser/globals.ts. A `node:` module with no browser file there fails the build; so
// does one in `extra` ({ 'node:x': file in platform/browser/ }) for a package that needs more.
// Exported for @sabkit/multiprocessing's browser build, which uses the same platform.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PLATFORM_DIR = join(here, '..', 'src', 'platform', 'browser');
const NODE_MODULES = {
  'node:worker_threads': 'worker-threads.ts',
  'node:events': 'events.ts',
  'node:async_hooks': 'async-hooks.ts',
  'node:os': 'os.ts',
  'node:path': 'path.ts',
  'node:url': 'url.ts',
  'node:fs': 'fs.ts',
  'node:module': 'module.ts',
};

/** The esbuild plugin that puts the browser platform under the engine's source. */
export function browserPlatform(extra = {}) {
  return {
    name: 'sabkit-browser-platform',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        const file = NODE_MODULES[args.path] ?? extra[args.path];
        if (file === undefined)
          return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser implementation` }] };
        return { path: join(PLATFORM_DIR, file) };
      });
      // A module with a `.browser.ts` twin next to it (engine/worker-pool.ts) is replaced by the twin.
      b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
        const twin = join(args.resolveDir, args.path.replace(/\.js$/, '.browser.ts'));
        return existsSync(twin) ? { path: twin } : undefined;
      });
    },
  };
}

/** esbuild options shared by the packages' browser builds. */
export function browserBuildOptions(entryPoints, outdir, plugins = [browserPlatform()]) {
  return {
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    chunkNames: 'chunk-[hash]',
    external: ['@sabkit/*'],
    inject: [join(PLATFORM_DIR, 'globals.ts')],
    plugins,
    logLevel: 'warning',
    legalComments: 'none',
    // The packages' sideEffects lists name their Node builds' files; every source module counts here.
    ignoreAnnotations: true,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(here, '..', 'dist', 'browser');
  if (existsSync(out)) rmSync(out, { recursive: true });
  const src = join(here, '..', 'src');
  await build(
    browserBuildOptions(
      {
        index: join(src, 'browser-index.ts'),
        internal: join(src, 'internal.ts'),
        'worker-start': join(src, 'worker', 'browser-entry.ts'),
        'sabkit-piscina-worker': join(src, 'worker', 'browser-worker.ts'),
      },
      out,
    ),
  );
}
