/**
 * Starts a Process's worker (process-worker.ts) from its file. A module of its own so that the
 * browser build can put start-worker.browser.ts in its place.
 */
import { Worker } from 'node:worker_threads';
import { checkWorkerFile } from '@sabkit/piscina/internal';

const PROCESS_WORKER_URL = new URL('./process-worker.js', import.meta.url);

/** A new worker running process-worker.js with `workerData`; `name` names the Process in errors. */
export function startProcessWorker(name: string, workerData: unknown): Worker {
  checkWorkerFile(PROCESS_WORKER_URL, name);
  return new Worker(PROCESS_WORKER_URL, { workerData });
}
