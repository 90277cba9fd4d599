/**
 * The pool's set of workers and their lifecycle decisions: how many to run, when to start one,
 * when to retire one, and what a worker's exit means for its tasks.
 *
 * Exits:
 *  - stopped on purpose with nothing to do (idle, recycled, close): nothing to report;
 *  - terminated because a cancelled task would not stop: that task was already settled; any other
 *    task it had started fails with WorkerCrashError saying why;
 *  - died by itself (uncaught exception, process.exit(), out of memory): tasks it had started fail
 *    with WorkerCrashError (exitCode, cause = the worker's error); tasks it had not started go back
 *    to the front of the queue and run elsewhere; it is replaced;
 *  - died before it was ready (start failure): the same, with WorkerStartError; and no replacement
 *    is started for it. If no other worker is alive, the queued tasks fail with that error rather
 *    than wait for a worker that would fail the same way, and new workers are started only on
 *    demand (one per run() while none is alive), never in a loop.
 * An uncaught error in a worker that was running no task is reported through the 'error' event
 * (when someone listens), as piscina does.
 */
import { STATE_RETIRE } from '../dispatch/layout.js';
import { WorkerCrashError, WorkerStartError } from '../errors.js';
import { CODE_CACHE_MESSAGE, READY_MESSAGE, isInternalMessage } from './messages.js';
import { codeCacheNotMade, storeCodeCache } from './code-cache.js';
import type { FilledOptions } from './options.js';
import { publicWorker } from './public-worker.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';
import { spawnWorker, stopWorker, type WorkerEvents } from './worker-pool.js';

export interface PoolEmitter {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/** What the engine (core.ts) offers the lifecycle. */
export interface CoreHooks {
  readonly closing: boolean;
  fill(): void;
  rebalance(): void;
  afterChange(): void;
  onWorkerGone(w: WorkerHandle, error: (task: HeldTask) => unknown): { failed: number; requeued: number };
  /** Rejects every queued task; returns how many. */
  rejectQueued(error: () => unknown): number;
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export class Workers implements WorkerEvents {
  readonly list: WorkerHandle[] = [];
  readonly #options: FilledOptions;
  readonly #poolBuffer: SharedArrayBuffer;
  readonly #emitter: PoolEmitter;
  readonly #core: CoreHooks;
  readonly #killReasons = new WeakMap<WorkerHandle, string>();
  #startFailed = false;
  #stopping = false;

  constructor(options: FilledOptions, poolBuffer: SharedArrayBuffer, emitter: PoolEmitter, core: CoreHooks) {
    this.#options = options;
    this.#poolBuffer = poolBuffer;
    this.#emitter = emitter;
    this.#core = core;
  }

  /** Workers that are or will be taking tasks (booting or ready). */
  get live(): number {
    let n = 0;
    for (const w of this.list) if (w.phase === 'booting' || w.phase === 'ready') n++;
    return n;
  }

  /**
   * The Worker objects of the pool's workers, without those being stopped: as piscina removes a
   * worker from its set when it decides to stop it, not when it has exited.
   */
  get threads(): import('node:worker_threads').Worker[] {
    const out = [];
    for (const w of this.list) if (w.phase !== 'exiting') out.push(w.worker);
    return out;
  }

  /** Starts one worker. Throws WorkerStartError if Node refuses to create it. */
  spawn(): WorkerHandle {
    let h: WorkerHandle;
    try {
      h = spawnWorker(this.#options, this.#poolBuffer, this);
    } catch (e) {
      this.#startFailed = true;
      throw new WorkerStartError(`cannot start a pool worker: ${describeError(e)}`, undefined, { cause: e });
    }
    this.list.push(h);
    // In a microtask, as piscina does for its first workers: a listener added right after the
    // constructor (or the run() that started it) hears it, and every worker that will be
    // destroyed was created first, even one stopped before it was ready.
    queueMicrotask(() => this.#emitter.emit('workerCreate', publicWorker(h)));
    return h;
  }

  /**
   * Keeps minThreads workers (not after a start failure: see the header). With `throwErrors`
   * (the constructor) a worker Node refuses to create throws; otherwise it is reported.
   */
  ensureMinimum(throwErrors = false): void {
    if (this.#core.closing || this.#startFailed) return;
    while (this.live < this.#options.minThreads) {
      if (throwErrors) this.spawn().initial = true;
      else if (!this.#trySpawn()) return;
    }
  }

  /** Starts a worker for tasks that are waiting, if the pool may grow. */
  spawnForQueue(queued: number): void {
    if (queued > 0 && this.mayGrow()) this.#trySpawn();
  }

  /**
   * Whether a new worker may be started for a task that no worker has a free execution slot for:
   * fewer than maxThreads live or starting, not stopping, and not after a failed start (unless no
   * worker is left, when one is tried per task: see the header).
   */
  mayGrow(): boolean {
    if (this.#stopping) return false;
    const live = this.live;
    if (live >= this.#options.maxThreads) return false;
    return !((this.#startFailed || this.#core.closing) && live > 0);
  }

  /** Starts a worker for a task if the pool may grow (mayGrow); the new worker, or undefined. */
  grow(): WorkerHandle | undefined {
    if (!this.mayGrow() || !this.#trySpawn()) return undefined;
    return this.list[this.list.length - 1];
  }

  /**
   * Workers that are ready and hold no task. Those started by the constructor count from the start,
   * as piscina counts its first minThreads workers ready at once (they take tasks while starting).
   */
  get idle(): number {
    let n = 0;
    for (const w of this.list)
      if ((w.phase === 'ready' || (w.phase === 'booting' && w.initial)) && w.inflight === 0) n++;
    return n;
  }

  /** spawn(), turning a refusal into failed queued tasks (if no worker is left) or an 'error' event. */
  #trySpawn(): boolean {
    try {
      this.spawn();
      return true;
    } catch (e) {
      const rejected = this.live === 0 ? this.#core.rejectQueued(() => e) : 0;
      if (rejected === 0) this.reportError(e);
      this.#core.afterChange();
      return false;
    }
  }

  /** Gives `w` no new tasks; stops it once it has none, and starts a replacement if needed. */
  retire(w: WorkerHandle): void {
    if (w.phase !== 'ready' && w.phase !== 'booting') return;
    w.phase = 'retiring';
    w.clearIdleTimer();
    this.ensureMinimum();
    if (w.inflight === 0) void stopWorker(w);
  }

  /** Terminates `w` now because `reason`; its other started tasks fail saying so. */
  kill(w: WorkerHandle, reason: string): void {
    if (w.phase === 'exiting' || w.phase === 'exited') return;
    this.#killReasons.set(w, reason);
    void stopWorker(w);
  }

  /** After reading a worker's responses: heap-limit retirement and idleness. */
  afterDrain(w: WorkerHandle): void {
    if (w.phase === 'ready' && w.channel.state() === STATE_RETIRE) this.retire(w);
    if (w.inflight === 0) this.#onIdle(w);
  }

  #onIdle(w: WorkerHandle): void {
    if (w.phase === 'retiring') {
      void stopWorker(w);
      return;
    }
    const timeout = this.#options.idleTimeout;
    if (
      w.phase !== 'ready' ||
      timeout === Infinity ||
      w.idleTimer !== undefined ||
      this.live <= this.#options.minThreads
    )
      return;
    w.idleTimer = setTimeout(() => {
      w.idleTimer = undefined;
      if (w.inflight === 0 && w.phase === 'ready' && this.live > this.#options.minThreads) this.retire(w);
    }, timeout);
    w.idleTimer.unref();
  }

  /** Stops every worker (destroy). */
  stopAll(): Promise<void> {
    this.#stopping = true;
    return Promise.all(this.list.map((w) => stopWorker(w))).then(() => undefined);
  }

  /** Emits 'error' if anyone listens (an unheard 'error' event would crash the process). */
  reportError(error: unknown): void {
    if (this.#emitter.listenerCount('error') > 0) this.#emitter.emit('error', error);
  }

  // ---- WorkerEvents ----

  onMessage(w: WorkerHandle, message: unknown): void {
    if (isInternalMessage(message, CODE_CACHE_MESSAGE)) {
      if (w.codeCacheKey !== undefined)
        storeCodeCache(w.codeCacheKey, message.data instanceof Uint8Array ? message.data : undefined);
      w.codeCacheKey = undefined;
      return;
    }
    if (!isInternalMessage(message, READY_MESSAGE)) {
      this.#emitter.emit('message', message);
      return;
    }
    w.markReady();
    if (w.phase !== 'ready') return;
    this.#startFailed = false;
    this.#core.fill();
    this.#core.rebalance();
    this.#core.afterChange();
    if (w.inflight === 0) this.#onIdle(w);
  }

  onError(w: WorkerHandle, error: unknown): void {
    w.lastError = error;
  }

  onExit(w: WorkerHandle, code: number): void {
    const phase = w.phase;
    w.phase = 'exited';
    if (w.codeCacheKey !== undefined) codeCacheNotMade(w.codeCacheKey);
    w.clearIdleTimer();
    const i = this.list.indexOf(w);
    if (i >= 0) this.list.splice(i, 1);
    const killReason = this.#killReasons.get(w);
    const cause = w.lastError;
    const booting = phase === 'booting';
    const startError = booting
      ? new WorkerStartError(
          `a pool worker exited with code ${code} before it was ` +
            `ready${cause !== undefined ? `: ${describeError(cause)}` : ''}`,
          code,
          { cause },
        )
      : undefined;
    const crashError = (): unknown =>
      startError ??
      new WorkerCrashError(
        killReason !== undefined
          ? `worker ${w.threadId} was terminated because ${killReason}; the task was running on it`
          : `worker exited with code: ${code} (thread ${w.threadId}) while running the ` +
              `task${cause !== undefined ? `: ${describeError(cause)}` : ''}`,
        code,
        w.threadId,
        cause === undefined ? undefined : { cause },
      );
    const { failed } = this.#core.onWorkerGone(w, crashError);
    this.#emitter.emit('workerDestroy', publicWorker(w));
    if (booting) {
      this.#startFailed = true;
      const rejected = this.live === 0 ? this.#core.rejectQueued(() => startError) : 0;
      if (failed + rejected === 0 && !this.#stopping) this.reportError(startError);
    } else if (phase !== 'exiting' && failed === 0 && cause !== undefined && !this.#stopping) {
      this.reportError(cause);
    }
    if (!this.#stopping) {
      this.ensureMinimum();
      this.#core.fill();
    }
    this.#core.afterChange();
  }
}
