/**
 * start-worker.ts in the browser build: a Process is a module Web Worker running this package's
 * sabkit-process-worker.js (browser-worker.ts), named as
 * `new Worker(new URL('./sabkit-process-worker.js', import.meta.url), { type: 'module' })` so
 * that Vite bundles it, behind the node-style Worker of @sabkit/piscina's browser platform (its
 * 'exit' event carries the code the worker's process.exit() posted; terminate() ends it at once).
 */
import { Worker as NodeStyleWorker } from 'node:worker_threads';

/** The global Web Worker constructor. */
declare const Worker: new (url: URL, options: { type: 'module' }) => never;

const SCRIPT = {
  create: () => new Worker(new URL('./sabkit-process-worker.js', import.meta.url), { type: 'module' }),
  script: 'sabkit-process-worker.js (the Process worker of @sabkit/multiprocessing)',
};

export function startProcessWorker(_name: string, workerData: unknown): NodeStyleWorker {
  return new NodeStyleWorker(SCRIPT as never, { workerData });
}
