/**
 * What a manager takes from its platform, in one module so that the browser build can put
 * platform.browser.ts in its place: how the server's thread starts (here a worker thread running
 * manager-server.js) and whether the options can run here (Node has sockets: a network manager can).
 */
import { Worker } from 'node:worker_threads';
import { checkWorkerFile } from '@sabkit/piscina/internal';

const SERVER_URL = new URL('./manager-server.js', import.meta.url);

/** A server thread starts while its creator blocks (the creator's first call may be synchronous). */
export const STARTS_WHILE_BLOCKED = true;

/** A new thread running manager-server.js with `workerData`; a missing file throws, naming it. */
export function startServerThread(workerData: Record<string, unknown>): Worker {
  checkWorkerFile(SERVER_URL, "the Manager's server thread");
  return new Worker(SERVER_URL, { workerData });
}

/** Refuses options this platform cannot honour (none on Node). */
export function checkPlatform(_options: { readonly address?: unknown; readonly tls?: unknown }): void {}
