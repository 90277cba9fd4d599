/**
 * Starting and stopping workers.
 *
 * Start: the thread is created by thread-start.ts (startThread; for a constructor's first workers,
 * before the engine loads); spawnWorker makes its handle and listeners. Workers are unref'd once
 * they have booted: the pool keeps the process alive only while it has tasks (core.ts), so an idle
 * pool blocks process exit only until its workers have started (never exiting mid-load, below).
 *
 * Stop: the worker is ref'd again until it exits, so that awaiting destroy() or close() keeps the
 * process alive. Node can abort the whole process if a worker is terminated at the wrong moment of
 * loading a module: while its ESM entry is still evaluating (Node 20), or inside require() of an
 * ES module (Node 20 and 24, reproduced here: `Assertion failed: facade->InstantiateModule`). So a
 * worker is terminated only once it is not loading a task module (LOADING in its channel is 0, and
 * main claims it so that no load starts), and, with the unbundled ES module entry of the tests'
 * build, not booting (it reported ready, or exited); or after BOOT_TERMINATE_WAIT_MS if that never
 * comes (a module whose top level runs that long is terminated while it evaluates, which is safe).
 * The published build's entry is CommonJS, so a booting worker is stopped at once unless it is
 * inside a module load: destroy() right after new Piscina() takes milliseconds, not the boot.
 */
import { existsSync } from 'node:fs';
import { LOADING, LOADING_BUSY, LOADING_IDLE, LOADING_STOP } from '../dispatch/layout.js';
import { MainChannel } from '../dispatch/main-channel.js';
import { Histogram } from './histogram.js';
import type { FilledOptions } from './options.js';
import { WorkerHandle } from './worker-handle.js';
import { startThread, type StartedThread } from './thread-start.js';

/** The published build's worker entry is one CommonJS bundle (launch.cts); the tests' build is ESM. */
const ENTRY_IS_COMMONJS = existsSync(new URL('../worker/entry.cjs', import.meta.url));

/** Longest wait for a booting worker to become ready before it is terminated anyway. */
export const BOOT_TERMINATE_WAIT_MS = 10_000;

export interface WorkerEvents {
  onMessage(handle: WorkerHandle, message: unknown): void;
  onError(handle: WorkerHandle, error: unknown): void;
  onExit(handle: WorkerHandle, code: number): void;
}

/**
 * Starts one worker, or adopts one `started` earlier (thread-start.ts). Throws what `new Worker`
 * throws synchronously (e.g. an invalid execArgv).
 */
export function spawnWorker(
  options: FilledOptions,
  poolBuffer: SharedArrayBuffer,
  events: WorkerEvents,
  started: StartedThread = startThread(options, poolBuffer),
): WorkerHandle {
  const { worker, channel, port: port1 } = started;
  const handle = new WorkerHandle(worker, new MainChannel(channel, port1));
  handle.codeCacheKey = started.codeCacheKey;
  if (options.workerHistogram) handle.histogram = new Histogram();
  worker.on('message', (m) => events.onMessage(handle, m));
  worker.on('error', (e) => events.onError(handle, e));
  worker.once('exit', (code) => {
    port1.close();
    events.onExit(handle, code);
  });
  // Unref'd only once booted (after the listeners: adding a 'message' listener refs the worker's
  // port again). At exit Node terminates the process's workers, and terminating one while it loads
  // its entry or the default task module can abort the whole process (above; ~1 in 100 exits of a
  // pool whose first result came before its second worker was ready). So an idle pool lets the
  // process exit once its workers have started, at most BOOT_TERMINATE_WAIT_MS after the start.
  const booted = setTimeout(() => {
    if (handle.phase === 'booting') worker.unref();
  }, BOOT_TERMINATE_WAIT_MS);
  booted.unref?.();
  void handle.settledBoot.then(() => {
    clearTimeout(booted);
    if (handle.phase === 'ready') worker.unref();
  });
  return handle;
}

/** Terminates a worker, waiting first (bounded) until it neither boots nor loads a module. */
export function stopWorker(handle: WorkerHandle): Promise<number> {
  if (handle.phase === 'exited') return handle.exited;
  const wasBooting = handle.phase === 'booting';
  if (handle.phase !== 'exiting') handle.phase = 'exiting';
  handle.clearIdleTimer();
  // Whoever stops a worker may await its exit (destroy, close): keep the process alive until then.
  handle.worker.ref();
  const i32 = handle.channel.views.i32;
  // Claims the worker's LOADING word (dispatch/layout.ts): from then on it starts no module load.
  const claim = (): boolean => Atomics.compareExchange(i32, LOADING, LOADING_IDLE, LOADING_STOP) !== LOADING_BUSY;
  // A booting worker of the bundled build is safe to terminate unless it is loading a task module:
  // its entry is CommonJS. Only the unbundled build's ES module entry must finish evaluating first.
  if ((!wasBooting || ENTRY_IS_COMMONJS) && claim()) {
    void handle.worker.terminate();
    return handle.exited;
  }
  const deadline = performance.now() + BOOT_TERMINATE_WAIT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bounded = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, BOOT_TERMINATE_WAIT_MS);
    timer.unref?.();
  });
  const notLoading = async (): Promise<void> => {
    // A worker that exits stops loading too: its exit ends the wait.
    let gone = false;
    const exited = handle.exited.then(() => {
      gone = true;
    });
    while (!gone && !claim() && performance.now() < deadline) {
      const w = Atomics.waitAsync(i32, LOADING, LOADING_BUSY, deadline - performance.now());
      if (w.async) await Promise.race([w.value, exited]);
    }
  };
  // notLoading() is bounded by the same deadline as the boot wait.
  const safe = (
    wasBooting && !ENTRY_IS_COMMONJS ? Promise.race([handle.settledBoot, bounded]) : Promise.resolve()
  ).then(notLoading);
  return safe.then(() => {
    clearTimeout(timer);
    void handle.worker.terminate();
    return handle.exited;
  });
}
