/**
 * platform.ts in the browser build. The server's thread is a module Web Worker running this
 * package's sabkit-manager-worker.js (browser-worker.ts), named as
 * `new Worker(new URL('./sabkit-manager-worker.js', import.meta.url), { type: 'module' })` so that
 * Vite bundles it (esbuild: the sabkitWorkers() plugin adds it), behind the node-style Worker of
 * @sabkit/piscina's browser platform: a script that cannot be loaded emits 'error' naming it, then
 * 'exit'. A network manager is refused at construction: a browser has no TCP sockets.
 */
import { Worker as NodeStyleWorker } from 'node:worker_threads';
import { requireSharedMemory } from '@sabkit/atomics-sync';
import { ManagerNetworkUnavailableError } from './manager-errors.js';

/** The global Web Worker constructor. */
declare const Worker: new (url: URL, options: { type: 'module' }) => never;

const SCRIPT = {
  create: () => new Worker(new URL('./sabkit-manager-worker.js', import.meta.url), { type: 'module' }),
  script: 'sabkit-manager-worker.js (the Manager server of @sabkit/multiprocessing)',
};

/**
 * A browser loads a nested Web Worker's script through its parent's event loop: a Web Worker that
 * made a Manager must let its loop run (an async call) before its first synchronous one.
 */
export const STARTS_WHILE_BLOCKED = false;

export function startServerThread(workerData: Record<string, unknown>): NodeStyleWorker {
  return new NodeStyleWorker(SCRIPT as never, { workerData });
}

/** No SharedArrayBuffer: the named error (both headers); an address or TLS: no sockets here. */
export function checkPlatform(options: { readonly address?: unknown; readonly tls?: unknown }): void {
  requireSharedMemory('a Manager');
  if (options.address !== undefined) throw new ManagerNetworkUnavailableError('new Manager({ address })');
  if (options.tls !== undefined) throw new ManagerNetworkUnavailableError('new Manager({ tls })');
}
