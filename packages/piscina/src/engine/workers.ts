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
import type { StartedThread } from './thread-start.js';
import { MAX_BOOTING, StartPacer } from './start-pacer.js';

export interface PoolEmitter {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/** What the engine (core.ts) offers the lifecycle. */
export interface CoreHooks {
  readonly closing: boolean;
  /** Tasks waiting for a worker (PoolCore.queueSize). */
  readonly queueSize: number;
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
  /** Starts beyond a turn's allowance wait for later turns (start-pacer.ts). */
  readonly #pacer = new StartPacer(() => this.#tick());
  /** Constructor workers not started yet: marked `initial` when they are. */
  #initialLeft = 0;
  /** Workers asked for by tasks that found none free, not started yet (at most maxThreads - live). */
  #owed = 0;
  /** Threads the constructor started before the engine loaded (thread-start.ts): the first spawns adopt them. */
  readonly #early: StartedThread[];

  constructor(
    options: FilledOptions,
    poolBuffer: SharedArrayBuffer,
    emitter: PoolEmitter,
    core: CoreHooks,
    early: StartedThread[] = [],
  ) {
    this.#early = early;
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
      // An early thread (thread-start.ts) counts as this turn's start too; spawnWorker starts one if none.
      const early = this.#early.shift();
      h = this.#pacer.time(() => spawnWorker(this.#options, this.#poolBuffer, this, early));
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
   * Keeps minThreads workers (not after a start failure: see the header), as many now as this turn
   * allows (start-pacer.ts) and the rest at later turns. With `constructing` (the constructor) a
   * worker Node refuses to create throws, otherwise it is reported; and all start now, as
   * piscina's constructor starts them, unless `paced` (modes.ts, backgroundStart).
   */
  ensureMinimum(constructing = false, paced = true): void {
    if (constructing) this.#initialLeft = this.#options.minThreads - this.live;
    const throwErrors = constructing;
    while (this.#wantsMinimum()) {
      if (paced && !this.#mayStartNow()) {
        this.#pacer.later();
        return;
      }
      if (throwErrors) this.#startMinimum(this.spawn());
      else if (!this.#trySpawn()) return;
      else this.#startMinimum();
    }
  }

  #wantsMinimum(): boolean {
    return !this.#core.closing && !this.#startFailed && this.live < this.#options.minThreads;
  }

  /** Marks a worker started for minThreads as a constructor worker while any are left. */
  #startMinimum(h: WorkerHandle = this.list[this.list.length - 1]): void {
    if (this.#initialLeft > 0) {
      this.#initialLeft--;
      h.initial = true;
    }
  }

  /**
   * Starts a worker for tasks that are waiting, if the pool may grow: now for a run() (`now`), as
   * piscina does, if this turn may; otherwise at a later turn (a worker's message or result).
   */
  spawnForQueue(queued: number, now = false): void {
    if (queued > 0 && this.mayGrow()) {
      if (now && this.#mayStartNow()) this.#trySpawn();
      else this.#owe();
    }
  }

  #booting(): number {
    let n = 0;
    for (const w of this.list) if (w.phase === 'booting') n++;
    return n;
  }

  #mayStartNow(): boolean {
    return this.#pacer.mayStartNow(this.#booting());
  }

  /** A worker became ready or is gone: starts that waited for a booting worker may go on. */
  #resume(): void {
    if (this.#owed > 0 || this.#wantsMinimum()) this.#pacer.later();
  }

  /** Remembers a start this turn could not make, for a later turn. */
  #owe(): void {
    this.#owed = Math.min(this.#owed + 1, this.#options.maxThreads - this.live);
    this.#pacer.later();
  }

  /**
   * A later turn's starts (start-pacer.ts): at least one, more while the slice lasts; first the
   * workers minThreads still wants, then those tasks asked for if tasks still wait.
   */
  #tick(): void {
    if (this.#stopping) return;
    for (let n = 0; n === 0 || this.#pacer.sliceLeft(); n++) {
      // Past MAX_BOOTING, the next worker to be ready or gone resumes the starts (#resume).
      if (this.#booting() >= MAX_BOOTING) return;
      if (this.#wantsMinimum()) {
        if (!this.#trySpawn()) return;
        this.#startMinimum();
      } else if (this.#owed > 0 && this.#core.queueSize > 0 && this.mayGrow()) {
        this.#owed--;
        if (!this.#trySpawn()) return;
      } else {
        this.#owed = 0;
        return;
      }
    }
    this.#pacer.later();
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

  /**
   * Starts a worker for a task if the pool may grow (mayGrow); the new worker, or undefined. If this
   * turn may start no more, the worker is started at a later turn and the task waits meanwhile.
   */
  grow(): WorkerHandle | undefined {
    if (!this.mayGrow()) return undefined;
    if (!this.#mayStartNow()) {
      this.#owe();
      return undefined;
    }
    if (!this.#trySpawn()) return undefined;
    return this.list[this.list.length - 1];
  }

  /**
   * Workers that are ready and hold no task. Those started by the constructor count from the start,
   * as piscina counts its first minThreads workers ready at once (they take tasks while starting).
   */
  get idle(): number {
    let n = 0;
    for (const w of this.list) if ((w.phase === 'ready' || (w.phase === 'booting' && w.initial)) && !w.occupied) n++;
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
    this.#pacer.stop();
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
    this.#resume();
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
      this.#resume();
    }
    this.#core.afterChange();
  }
}
