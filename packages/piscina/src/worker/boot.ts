/**
 * First module the worker entry evaluates: takes this worker's start-up record and marks the
 * thread as a pool worker before any other module of the pool (or of the user) is evaluated.
 *
 * The record comes through worker_threads environment data, which Node copies into a Worker
 * synchronously when it is constructed: the pool sets it, constructs the Worker, and clears it
 * again at once. That makes it available here synchronously and deterministically (a message
 * posted after construction might not have arrived yet), and it keeps Node's own `workerData`
 * for the user, as piscina does. The record is cleared here too, so that Workers the user's code
 * starts from this thread do not inherit it and mistake themselves for pool workers.
 */
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { INIT_ENV_KEY, WORKER_STATE_KEY, type WorkerInit, type WorkerGlobalState } from '../worker-state.js';

const init = isMainThread ? undefined : (getEnvironmentData(INIT_ENV_KEY) as WorkerInit | undefined);
if (init !== undefined) {
  setEnvironmentData(INIT_ENV_KEY, undefined);
  const state: WorkerGlobalState = { init, current: undefined, getCurrent: () => state.current, holds: new Set() };
  (globalThis as Record<symbol, unknown>)[WORKER_STATE_KEY] = state;
}

/** This worker's start-up record, or undefined if the entry was loaded outside a pool. */
export const bootInit: WorkerInit | undefined = init;
