/**
 * Starting and stopping workers in the browser: what engine/worker-pool.ts does on Node, over
 * module Web Workers (the browser build puts this file in its place; platform/browser/README.md).
 *
 * Start: the worker's channel and the pool's shared words are SharedArrayBuffers as on Node; the
 * start-up record travels as environment data, which the Worker of platform/browser/worker-threads.ts
 * copies into the worker as its first message (the worker's script awaits it before loading the
 * pool's worker modules). The script is `sabkit-piscina-worker.js` next to this bundle, named as
 * `new Worker(new URL('./sabkit-piscina-worker.js', import.meta.url), { type: 'module' })` so
 * that Vite bundles it (and esbuild's sabkitWorkers() plugin builds it); @sabkit/multiprocessing
 * registers its own script for its Pool's task module (registerWorkerScript).
 *
 * Stop: terminate() ends a Web Worker at once, wherever it is (the browser has none of Node's
 * aborts when a worker is terminated while it loads a module), so no waiting is needed.
 * Not here, with reasons: resourceLimits, env, argv, execArgv, niceIncrement (no such controls
 * over a Web Worker; they are ignored), the V8 code cache (no API), and the liveness table's
 * watch of the worker (a Web Worker has no thread id the table can index: a sabkit lock held by
 * a worker that is terminated stays held).
 */
import {
  MessageChannel,
  Worker as NodeStyleWorker,
  receiveMessageOnPort,
  setEnvironmentData,
} from 'node:worker_threads';
import { livenessTable } from '@sabkit/atomics-sync/core';
import { CHANNEL_BYTES } from '../dispatch/layout.js';
import { MainChannel } from '../dispatch/main-channel.js';
import { Histogram } from './histogram.js';
import { revive } from './kinds.js';
import { PORT_MESSAGE } from './messages.js';
import type { FilledOptions } from './options.js';
import { WorkerHandle } from './worker-handle.js';
import { INIT_ENV_KEY, workerInit } from '../worker-state.js';

/** The global Web Worker constructor (not the node-style wrapper). */
declare const Worker: new (url: URL, options: { type: 'module'; name?: string }) => never;

/** Longest wait for a booting worker before it is terminated anyway (none needed here). */
export const BOOT_TERMINATE_WAIT_MS = 0;

export interface WorkerEvents {
  onMessage(handle: WorkerHandle, message: unknown): void;
  onError(handle: WorkerHandle, error: unknown): void;
  onExit(handle: WorkerHandle, code: number): void;
}

/** How to start a worker's script: `create` makes the Web Worker; `script` names it in errors. */
export interface WorkerScript {
  create(): never;
  readonly script: string;
}

const SCRIPTS_KEY = Symbol.for('sabkit.piscina.browser.workerScripts.v1');

function scripts(): Map<string, WorkerScript> {
  const g = globalThis as Record<symbol, Map<string, WorkerScript> | undefined>;
  let m = g[SCRIPTS_KEY];
  if (m === undefined) m = g[SCRIPTS_KEY] = new Map();
  return m;
}

/**
 * Pools whose `filename` is `filename` start their workers with `script` instead of the pool's
 * own: a package whose task module must be bundled into the worker (a Pool's runner) registers it.
 */
export function registerWorkerScript(filename: string, script: WorkerScript): void {
  scripts().set(filename, script);
}

const DEFAULT_SCRIPT: WorkerScript = {
  create: () => new Worker(new URL('./sabkit-piscina-worker.js', import.meta.url), { type: 'module' }),
  script: 'sabkit-piscina-worker.js (the pool worker of @sabkit/piscina)',
};

export function spawnWorker(options: FilledOptions, poolBuffer: SharedArrayBuffer, events: WorkerEvents): WorkerHandle {
  livenessTable();
  const channel = new SharedArrayBuffer(CHANNEL_BYTES);
  const init = workerInit(options, channel, poolBuffer);
  const script = (options.filename !== null && scripts().get(options.filename)) || DEFAULT_SCRIPT;
  let worker: NodeStyleWorker;
  setEnvironmentData(INIT_ENV_KEY, init as never);
  try {
    worker = new NodeStyleWorker(script as never, { workerData: options.workerData } as never);
  } finally {
    setEnvironmentData(INIT_ENV_KEY, undefined as never);
  }
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ [PORT_MESSAGE]: true, port: port2 }, [port2]);
  // A response that came by port may not have arrived when the ring says it is there: it is
  // then a Promise of the message (platform/browser/worker-threads.ts), made live on arrival;
  // the task's promise adopts it.
  const port = {
    postMessage: (value: unknown, transfer?: readonly unknown[]) => port1.postMessage(value, transfer as never),
    close: () => port1.close(),
    receive(): { message: unknown } | undefined {
      const r = receiveMessageOnPort(port1) as { message: unknown } | undefined;
      if (r !== undefined && r.message instanceof Promise) return { message: r.message.then(revive) };
      return r;
    },
  };
  const handle = new WorkerHandle(worker, new MainChannel(channel, port as never));
  if (options.workerHistogram) handle.histogram = new Histogram();
  worker.on('message', (m) => events.onMessage(handle, m));
  worker.on('error', (e) => events.onError(handle, e));
  worker.once('exit', (code) => {
    port.close();
    events.onExit(handle, code);
  });
  return handle;
}

/** Terminates a worker (at once: see the header). */
export function stopWorker(handle: WorkerHandle): Promise<number> {
  if (handle.phase === 'exited') return handle.exited;
  if (handle.phase !== 'exiting') handle.phase = 'exiting';
  handle.clearIdleTimer();
  void handle.worker.terminate();
  return handle.exited;
}
