/**
 * The first step of a worker's start, apart from the engine: create the thread and hand it its
 * start-up record. worker-pool.ts (spawnWorker) wraps what this returns into a WorkerHandle and
 * attaches its listeners.
 *
 * Why a module of its own: in a fresh process the engine (core.ts and what it imports, ~90 KB) is
 * loaded and compiled by the first `new Piscina()`, and a worker's boot (Node's bootstrap inside the
 * thread, then our entry and the task module) is the longest part of a cold start. piscina.ts
 * starts the constructor's workers with this small module first (startFirstWorkers), so the threads
 * boot on the other core while this thread loads the engine, which then adopts them (PoolCore's
 * `first`). Nothing is missed meanwhile: a Worker's events ('message', 'error', 'exit') are
 * delivered by the event loop, and the engine attaches its listeners in the same synchronous
 * constructor. The options are validated (fillOptions) before any thread starts, so invalid
 * options throw without starting one.
 *
 * Start: allocate the worker's channel, hand the start-up record over through environment data
 * (set, construct, clear: see worker/boot.ts), post the payload MessagePort, and register the
 * worker with atomics-sync's liveness table (published before the first worker exists, so every
 * worker inherits it: see LIVENESS_ENV_KEY; watchWorker(worker) so that sabkit locks it held are
 * recovered if it dies).
 */
import { availableParallelism } from 'node:os';
import {
  MessageChannel,
  Worker,
  getEnvironmentData,
  setEnvironmentData,
  type MessagePort,
  type WorkerOptions,
} from 'node:worker_threads';
import { livenessTable, watchWorker } from '@sabkit/atomics-sync/core';
import { CHANNEL_BYTES, POOL_BYTES } from '../dispatch/layout.js';
import { epochOffset } from '../dispatch/clock.js';
import { codeCacheFor, codeCacheKey, codeCacheNotMade } from './code-cache.js';
import { PORT_MESSAGE } from './messages.js';
import type { FilledOptions } from './options.js';
import type { PoolMode } from './modes.js';
// The constructor's options, from here: options.js then loads in this module's pack (one read
// for the first pool's thread start, ~0.5 ms less than a file of its own before the first thread).
export { fillOptions, ownProperties } from './options.js';
import { INIT_ENV_KEY, workerInit } from '../worker-state.js';
import { checkWorkerFile } from '../worker-file.js';

/**
 * atomics-sync's liveness table (docs/layouts/liveness.md): its environment-data key and size. A
 * Worker inherits the table only if it exists when the Worker is created, and making it through
 * atomics-sync (livenessTable()) loads that package's runtime first (~1-2 ms in a fresh process).
 * So the first start publishes a table of the documented shape itself, and livenessTable(), called
 * after `new Worker`, adopts it (it takes a published table of the right size as its own).
 */
export const LIVENESS_ENV_KEY = 'sabkit:liveness:v1';
export const LIVENESS_TABLE_BYTES = (1 << 24) / 8;

function publishLivenessTable(): void {
  const t = getEnvironmentData(LIVENESS_ENV_KEY);
  if (!(t instanceof SharedArrayBuffer && t.byteLength === LIVENESS_TABLE_BYTES))
    setEnvironmentData(LIVENESS_ENV_KEY, new SharedArrayBuffer(LIVENESS_TABLE_BYTES) as never);
}

/** The worker's launch script: it loads the entry (worker/launch.cts). */
export const ENTRY_URL = new URL('../worker/launch.cjs', import.meta.url);

/** A thread created and given its start-up record, not yet adopted by the engine. */
export interface StartedThread {
  readonly worker: Worker;
  readonly channel: SharedArrayBuffer;
  /** The pool's end of the payload port (the worker got the other end). */
  readonly port: MessagePort;
  /** Set if this worker was asked for the entry's code cache (code-cache.ts). */
  readonly codeCacheKey: string | undefined;
}

/** The constructor's workers, started before the engine loads; PoolCore adopts them in order. */
export interface FirstWorkers {
  readonly poolBuffer: SharedArrayBuffer;
  readonly started: StartedThread[];
}

/**
 * Creates one worker thread. Throws what `new Worker` throws synchronously (e.g. an invalid
 * execArgv), or WorkerStartError if the entry file is missing.
 */
export function startThread(options: FilledOptions, poolBuffer: SharedArrayBuffer): StartedThread {
  publishLivenessTable();
  const channel = new SharedArrayBuffer(CHANNEL_BYTES);
  const cacheKey = codeCacheKey(options.execArgv);
  const cache = codeCacheFor(cacheKey);
  const init = workerInit(options, channel, poolBuffer, {
    codeCache: cache.data,
    produceCodeCache: cache.produce,
    epochOffset: epochOffset(),
  });
  const workerOptions: WorkerOptions = {
    env: options.env,
    argv: options.argv,
    execArgv: options.execArgv,
    resourceLimits: options.resourceLimits,
    workerData: options.workerData,
    trackUnmanagedFds: options.trackUnmanagedFds,
  };
  let worker: Worker;
  try {
    checkWorkerFile(ENTRY_URL, 'a pool worker');
    setEnvironmentData(INIT_ENV_KEY, init as never);
    worker = new Worker(ENTRY_URL, workerOptions);
  } catch (e) {
    if (cache.produce) codeCacheNotMade(cacheKey);
    throw e;
  } finally {
    setEnvironmentData(INIT_ENV_KEY, undefined as never);
  }
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  worker.postMessage({ [PORT_MESSAGE]: true, port: port2 }, [port2]);
  livenessTable(); // adopts the table published above
  watchWorker(worker);
  return { worker, channel, port: port1, codeCacheKey: cache.produce ? cacheKey : undefined };
}

/**
 * Starts, before the engine is loaded, the workers a constructor would start at once (minThreads,
 * unless the pool's mode paces them), as many as leave one core to this thread: while it loads
 * the engine, one more booting thread would only share a core with the first one, whose boot is
 * what the first result waits for (on 2 cores: the first worker early, the second once the engine
 * is loaded). A start that throws ends the early starts quietly: the engine then makes that start
 * itself and reports it as it always does (WorkerStartError).
 */
export function startFirstWorkers(options: FilledOptions, mode: PoolMode): FirstWorkers | undefined {
  if (mode.backgroundStart === true || options.minThreads === 0) return undefined;
  const first: FirstWorkers = { poolBuffer: new SharedArrayBuffer(POOL_BYTES), started: [] };
  try {
    first.started.push(startThread(options, first.poolBuffer));
    // After the first start: node:os is not loaded yet in a fresh process (~0.3 ms).
    const early = Math.min(options.minThreads, Math.max(1, availableParallelism() - 1));
    while (first.started.length < early) first.started.push(startThread(options, first.poolBuffer));
  } catch {
    // Reported by the engine's own start of the same worker (see above).
  }
  return first;
}

/** Lets the threads of a pool whose engine failed to adopt them not hold the process (never terminated mid-load). */
export function abandonThreads(first: FirstWorkers | undefined): void {
  for (const t of first?.started.splice(0) ?? []) {
    t.port.close();
    t.worker.unref();
  }
}
