// Builds the Pool for browsers (the `browser` export condition) into dist/browser/: the package's
// index (browser-index.ts) and the Pool's module Web Worker script, sabkit-pool-worker.js
// (pool/browser-worker.ts, the pool worker of @sabkit/piscina with the Pool's runner bundled in),
// which the index starts as `new Worker(new URL('./sabkit-pool-worker.js', import.meta.url))`, and a
// Process's script, sabkit-process-worker.js (process/browser-worker.ts), and a Manager's server,
// sabkit-manager-worker.js (manager/browser-worker.ts; manager/platform.browser.ts starts it).
// The same platform as @sabkit/piscina's browser build (its scripts/build-browser.mjs: `node:`
// built-ins from its src/platform/browser/, a module's `.browser.ts` twin in its place), the
// sabkit packages left as imports for the app's bundler.
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const piscinaDir = dirname(createRequire(import.meta.url).resolve('@sabkit/piscina/package.json'));
const { browserBuildOptions } = await import(pathToFileURL(join(piscinaDir, 'scripts', 'build-browser.mjs')).href);
const out = join(here, '..', 'dist', 'browser');
if (existsSync(out)) rmSync(out, { recursive: true });
const src = join(here, '..', 'src');
await build(
  browserBuildOptions(
    {
      index: join(src, 'browser-index.ts'),
      'sabkit-pool-worker': join(src, 'pool', 'browser-worker.ts'),
      'sabkit-process-worker': join(src, 'process', 'browser-worker.ts'),
      'sabkit-manager-worker': join(src, 'manager', 'browser-worker.ts'),
    },
    out,
  ),
);
