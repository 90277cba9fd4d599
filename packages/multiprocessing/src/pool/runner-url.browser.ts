/**
 * runner-url.ts in the browser build: a Pool's engine (Piscina's browser build) starts its workers
 * from this package's own module Web Worker script, sabkit-pool-worker.js (browser-worker.ts),
 * which has the runner bundled in, instead of the pool's plain worker. The script is named as
 * `new Worker(new URL('./sabkit-pool-worker.js', import.meta.url), { type: 'module' })` so that
 * Vite bundles it. Registered in @sabkit/piscina's table of worker scripts by filename (a
 * globalThis map under a registered symbol: engine/worker-pool.browser.ts's registerWorkerScript).
 */
import { BROWSER_RUNNER_ID } from './browser-runner-id.js';

/** The global Web Worker constructor. */
declare const Worker: new (url: URL, options: { type: 'module' }) => never;

const SCRIPTS_KEY = Symbol.for('sabkit.piscina.browser.workerScripts.v1');
const g = globalThis as Record<symbol, Map<string, unknown> | undefined>;
g[SCRIPTS_KEY] ??= new Map();
g[SCRIPTS_KEY].set(BROWSER_RUNNER_ID, {
  create: () => new Worker(new URL('./sabkit-pool-worker.js', import.meta.url), { type: 'module' }),
  script: 'sabkit-pool-worker.js (the Pool worker of @sabkit/multiprocessing)',
});

export const RUNNER_URL = BROWSER_RUNNER_ID;
