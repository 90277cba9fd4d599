/**
 * The worker's loop: take requests from the ring, run them, write responses; spin, then park, when
 * there is nothing to do.
 *
 * Synchronous task functions complete inside the loop with no event-loop turn and no allocation
 * beyond the task's own. An async task (a returned promise) makes the loop return to the event
 * loop so the task can progress; the worker then learns of new requests and cancels through an
 * Atomics.waitAsync on its bell, and re-enters the loop when a task settles.
 *
 * An idle worker parks in Atomics.wait (atomics: 'sync', the default, as piscina's: the event
 * loop is paused between tasks, so code a task left running without awaiting it resumes only
 * with the next task) or in Atomics.waitAsync (atomics: 'async' or 'disabled': the event loop keeps
 * running between tasks). Either way it burns no CPU until main rings its bell.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BELL,
  HEAP_MB,
  LOADING,
  LOADING_BUSY,
  LOADING_IDLE,
  LOADING_STOP,
  STATE,
  STATE_RETIRE,
} from '../dispatch/layout.js';
import {
  REQ_DEFINE,
  REQ_HEADER,
  REQ_TASK,
  RES_ERROR,
  RES_OK,
  RES_PROGRESS,
  RES_SKIPPED,
  parseDefine,
  recordFlags,
  recordFn,
  recordKind,
  recordSlot,
} from '../dispatch/wire.js';
import { isMovable, unwrapMovable } from '../movable.js';
import type { WorkerGlobalState } from '../worker-state.js';
import { loadTaskFunction, type TaskFunction } from './loader.js';
import { holdsShared, revive, serializeError } from './sync-link.js';
import { TaskContext, type ProgressSink } from './task-context.js';
import { now } from '../dispatch/clock.js';
import { NOTIFY_WINDOW_MS, type WorkerChannel } from '../dispatch/worker-channel.js';

/**
 * The heap in use, from node:v8, loaded on the first check rather than with the worker: it costs
 * ~0.5 ms of a new worker's start (measured here), and only workers with maxWorkerHeapMB check.
 * process.memoryUsage() where getBuiltinModule is missing (Node 20 before 20.16).
 */
let heapUsedBytes = (): number => {
  const v8 = process.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  heapUsedBytes = v8 !== undefined ? () => v8.getHeapStatistics().used_heap_size : () => process.memoryUsage().heapUsed;
  return heapUsedBytes();
};

/** Period of the timer that keeps the event loop alive during async waits (it never needs to fire). */
const KEEP_ALIVE_MS = 1 << 30;
/** How often (at most) a worker with a heap limit measures its heap. */
const HEAP_CHECK_MS = 5;
/** Weight of the newest run time in the running average that predicts the next task's length. */
const EWMA_WEIGHT = 0.125;

type FnEntry =
  | { state: 'ready'; fn: TaskFunction }
  | { state: 'loading'; waiting: TaskContext[]; values: unknown[] }
  | { state: 'failed'; error: unknown };

export class TaskLoop implements ProgressSink {
  readonly #ch: WorkerChannel;
  readonly #state: WorkerGlobalState;
  readonly #concurrency: number;
  readonly #blockWhenIdle: boolean;
  readonly #maxHeapMB: number;
  readonly #fns = new Map<number, FnEntry>();
  readonly #running = new Set<TaskContext>();
  readonly #als: AsyncLocalStorage<TaskContext> | undefined;
  #inLoop = false;
  /** Pending while atomics-sync's and typed-struct's kinds are still loading (see entry.ts). */
  #kinds: Promise<void> | undefined;
  #asyncWaitArmed = false;
  #ewma = 0;
  #lastHeapCheck = 0;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(ch: WorkerChannel, state: WorkerGlobalState) {
    this.#ch = ch;
    this.#state = state;
    this.#concurrency = state.init.concurrency;
    this.#blockWhenIdle = state.init.atomics === 'sync';
    this.#maxHeapMB = state.init.maxHeapMB;
    if (this.#concurrency > 1) {
      const als = new AsyncLocalStorage<TaskContext>();
      this.#als = als;
      state.getCurrent = () => als.getStore();
    }
  }

  /** Tasks whose arguments hold sabkit objects wait for `loading` (the kinds' registration). */
  kindsLoading(loading: Promise<void>): void {
    this.#kinds = loading;
    void loading.then(
      () => {
        if (this.#kinds === loading) this.#kinds = undefined;
      },
      () => {},
    );
  }

  /** Loads function id `id` (the default one at start-up); resolves once loaded or failed. */
  define(id: number, filename: string, name: string): Promise<void> {
    const entry: FnEntry = { state: 'loading', waiting: [], values: [] };
    this.#fns.set(id, entry);
    const i32 = this.#ch.i32;
    const loading = (on: boolean): void => {
      if (on) {
        // The main thread is terminating this worker: never start a load it could land in.
        while (Atomics.compareExchange(i32, LOADING, LOADING_IDLE, LOADING_BUSY) === LOADING_STOP)
          Atomics.wait(i32, LOADING, LOADING_STOP);
      } else {
        Atomics.store(i32, LOADING, LOADING_IDLE);
        Atomics.notify(i32, LOADING);
      }
    };
    return loadTaskFunction(filename, name, loading).then(
      (fn) => this.#settleFn(id, entry, { state: 'ready', fn }),
      (error) => this.#settleFn(id, entry, { state: 'failed', error }),
    );
  }

  #settleFn(id: number, entry: FnEntry & { state: 'loading' }, done: FnEntry): void {
    this.#fns.set(id, done);
    for (let i = 0; i < entry.waiting.length; i++) this.#invoke(entry.waiting[i], done, entry.values[i], true);
    if (entry.waiting.length > 0) this.run();
  }

  /** Runs the loop until the worker must wait; re-entered by wake-ups and settled tasks. */
  run(): void {
    if (this.#inLoop) return;
    this.#inLoop = true;
    const ch = this.#ch;
    try {
      for (;;) {
        if (ch.cancelsChanged()) for (const t of this.#running) t.checkCancel();
        this.#pump();
        ch.releaseRequests();
        if (this.#running.size > 0) {
          // Async work in flight: results so far must not wait for it.
          ch.notifyMain(true);
          this.#armAsyncWake();
          return;
        }
        ch.notifyMain(true);
        if (ch.spin()) continue;
        const b = ch.prepareToPark();
        if (b < 0) continue;
        // Background start-up work (the kinds' registration, holdEventLoop) needs the event loop.
        if (!this.#blockWhenIdle || this.#kinds !== undefined || this.#state.holds.size > 0) {
          this.#armAsyncWake(b);
          return;
        }
        Atomics.wait(ch.i32, BELL, b);
        ch.unpark();
      }
    } finally {
      this.#inLoop = false;
    }
  }

  /** Starts requests from the ring while fewer than `concurrency` tasks run. */
  #pump(): void {
    const ch = this.#ch;
    const i32 = ch.i32;
    while (this.#running.size < this.#concurrency) {
      const off = ch.requests.peek();
      if (off < 0) return;
      const kind = recordKind(i32, off);
      if (kind === REQ_TASK) {
        this.#start(off);
      } else if (kind === REQ_DEFINE) {
        const { filename, name } = parseDefine(ch.payload(off, REQ_HEADER) as string);
        ch.consume(off);
        void this.define(recordSlot(i32, off), filename, name);
      } else {
        throw new Error(`sabkit pool worker: unknown request kind ${kind} (channel out of sync)`);
      }
    }
  }

  #start(off: number): void {
    const ch = this.#ch;
    const i32 = ch.i32;
    const slot = recordSlot(i32, off);
    const fnId = recordFn(i32, off);
    const ctx = new TaskContext(slot, recordFlags(i32, off), i32, ch.f64, this);
    let value: unknown;
    try {
      value = ch.payload(off, REQ_HEADER);
    } catch (e) {
      ch.consume(off);
      this.#fail(ctx, false, e);
      return;
    }
    ch.consume(off);
    if (value instanceof Promise) {
      // A port message not arrived yet (a browser worker receives it only from its event loop:
      // platform/browser/worker-threads.ts); structured clone never yields a Promise otherwise.
      this.#running.add(ctx);
      void value
        .then(
          (v: unknown) => this.#begin(ctx, fnId, v, true),
          (e: unknown) => this.#fail(ctx, true, e),
        )
        .then(() => this.run());
      return;
    }
    this.#begin(ctx, fnId, value, false, ch.mayRevive);
  }

  /** `mayRevive`: the argument may hold a sabkit descriptor (WorkerChannel.mayRevive). */
  #begin(ctx: TaskContext, fnId: number, value: unknown, registered: boolean, mayRevive = true): void {
    const entry = this.#fns.get(fnId);
    if (entry === undefined) {
      this.#fail(ctx, registered, new Error(`sabkit pool worker: unknown function id ${fnId} (channel out of sync)`));
    } else if (entry.state === 'loading') {
      if (!registered) this.#running.add(ctx);
      entry.waiting.push(ctx);
      entry.values.push(value);
    } else {
      this.#invoke(ctx, entry, value, registered, mayRevive);
    }
  }

  /** Ends a task that could not run: an error if it starts now, "skipped" if it was cancelled. */
  #fail(ctx: TaskContext, registered: boolean, error: unknown): void {
    if (registered) this.#running.delete(ctx);
    if (ctx.begin()) this.#finish(ctx, RES_ERROR, serializeError(error));
    else this.#respond(RES_SKIPPED, ctx.slot, 0, 0, undefined);
  }

  /**
   * Runs the task's function once it is loaded (and, if its argument holds sabkit objects, once
   * their kinds are registered). Only here does the task start: a task cancelled while it waited
   * for a module is skipped, and its timeout counts from here.
   */
  #invoke(ctx: TaskContext, entry: FnEntry, value: unknown, registered: boolean, mayRevive = true): void {
    if (entry.state !== 'ready') {
      this.#fail(ctx, registered, entry.state === 'failed' ? entry.error : new Error('task function not loaded'));
      return;
    }
    const kinds = this.#kinds;
    if (mayRevive && kinds !== undefined && holdsShared(value)) {
      // A sabkit object before every kind is registered here: wait for the background load.
      if (!registered) this.#running.add(ctx);
      void kinds
        .then(
          () => this.#invoke(ctx, entry, value, true),
          (e: unknown) => this.#fail(ctx, true, e),
        )
        .then(() => this.run());
      return;
    }
    if (!ctx.begin()) {
      // Cancelled before it started: it never runs.
      if (registered) this.#running.delete(ctx);
      this.#respond(RES_SKIPPED, ctx.slot, 0, 0, undefined);
      return;
    }
    // A task expected to run long must not sit on results the main thread is waiting for.
    if (this.#ch.hasUnnotified && this.#ewma >= NOTIFY_WINDOW_MS / 2) this.#ch.notifyMain(true);
    let result: unknown;
    const state = this.#state;
    try {
      const arg = mayRevive ? revive(value) : value;
      if (this.#als !== undefined) {
        result = this.#als.run(ctx, entry.fn, arg);
      } else {
        state.current = ctx;
        result = entry.fn(arg);
      }
    } catch (e) {
      if (registered) this.#running.delete(ctx);
      state.current = undefined;
      this.#finish(ctx, RES_ERROR, serializeError(e));
      return;
    }
    if (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
      if (!registered) this.#running.add(ctx);
      (result as PromiseLike<unknown>).then(
        (v) => this.#settled(ctx, RES_OK, v),
        (e) => this.#settled(ctx, RES_ERROR, serializeError(e)),
      );
      return;
    }
    if (registered) this.#running.delete(ctx);
    state.current = undefined;
    this.#finish(ctx, RES_OK, result);
  }

  #settled(ctx: TaskContext, kind: number, value: unknown): void {
    this.#running.delete(ctx);
    if (this.#state.current === ctx) this.#state.current = undefined;
    this.#finish(ctx, kind, value);
    this.run();
  }

  #finish(ctx: TaskContext, kind: number, value: unknown): void {
    ctx.done = true;
    const t1 = now();
    const run = t1 - ctx.t0;
    this.#ewma += (run - this.#ewma) * EWMA_WEIGHT;
    this.#respond(kind, ctx.slot, ctx.startEpoch, run, value);
    if (this.#maxHeapMB > 0 && t1 - this.#lastHeapCheck >= HEAP_CHECK_MS) this.#checkHeap(t1);
    this.#ch.notifyMain(false);
  }

  #respond(kind: number, slot: number, start: number, run: number, value: unknown): void {
    let transfer: unknown[] | undefined;
    // isMovable first: unwrapMovable returns a new object, and most results are not movable.
    if (kind === RES_OK && isMovable(value)) ({ value, transfer } = unwrapMovable(value));
    try {
      this.#ch.respond(kind, slot, start, run, value, transfer as never);
    } catch (e) {
      // The result cannot travel (a function, a symbol...): the caller gets why.
      this.#ch.respond(RES_ERROR, slot, start, run, serializeError(e));
    }
  }

  #checkHeap(now: number): void {
    this.#lastHeapCheck = now;
    const mb = heapUsedBytes() / 1048576;
    Atomics.store(this.#ch.i32, HEAP_MB, Math.ceil(mb));
    if (mb > this.#maxHeapMB && Atomics.load(this.#ch.i32, STATE) !== STATE_RETIRE) {
      Atomics.store(this.#ch.i32, STATE, STATE_RETIRE);
      this.#ch.notifyMain(true);
    }
  }

  /** ProgressSink: a task's reportProgress(value). */
  progress(slot: number, value: unknown): void {
    this.#respond(RES_PROGRESS, slot, 0, 0, value);
    this.#ch.notifyMain(true);
  }

  /**
   * While the event loop runs: wake on the bell (new requests, cancels) through waitAsync. An
   * earlier wait may still be pending (the loop parked synchronously since, or ran): it is still
   * valid if the bell has not moved, and already resolving if it has; either way only PARKED must
   * be announced again, so that main keeps ringing.
   */
  #armAsyncWake(bell?: number): void {
    const ch = this.#ch;
    const b = bell ?? ch.prepareToPark(this.#running.size >= this.#concurrency);
    if (b < 0) {
      queueMicrotask(() => this.run());
      return;
    }
    if (this.#asyncWaitArmed) return;
    this.#asyncWaitArmed = true;
    // A pending Atomics.waitAsync does not keep a Node 20 event loop alive: this timer does, made
    // on the first async wait rather than at start (timers cost a new worker ~0.05 ms to set up).
    this.#keepAlive ??= setInterval(() => {}, KEEP_ALIVE_MS);
    const r = Atomics.waitAsync(ch.i32, BELL, b);
    const wake = (): void => {
      this.#asyncWaitArmed = false;
      ch.unpark();
      this.run();
    };
    if (r.async) r.value.then(wake);
    else queueMicrotask(wake);
  }
}
