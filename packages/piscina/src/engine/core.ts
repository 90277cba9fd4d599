/**
 * The pool's engine on the main thread: takes tasks from run(), hands them to workers through
 * their rings (or queues them), settles them from the response rings, and decides when to cancel
 * tasks and shut the pool down. Which worker gets each task, and when, is placement.ts; the cold
 * work of cancelling and shutting down is in stopping.ts.
 * Worker lifecycle (start, ready, retire, crash) is in workers.ts; the Piscina class
 * (piscina.ts) is a thin public face over this.
 *
 * Hot path of a tiny task: run() builds a Task, picks the least loaded worker, encodes the
 * argument into that worker's request ring and publishes it (one atomic store, plus a futex wake
 * only if the worker is parked); the poller drains the response ring in a microtask and resolves
 * the promise. No postMessage, no event-loop turn, no timer per task.
 */
import type { TransferListItem } from 'node:worker_threads';
import {
  decode,
  deserializeError,
  encode,
  encodeInto,
  lastDecodeMayRevive,
  tryEncodeInto,
} from '@sabkit/atomics-sync/core';
import { bindCodec } from '../dispatch/codec-link.js';
import { queuedTasks } from './balancer.js';
import { CustomBalancer } from './custom-balancer.js';
import { Deadlines } from './deadlines.js';
import { POOL_BYTES } from '../dispatch/layout.js';
import { MAIN_SPIN_MS, Poller } from '../dispatch/poller.js';
import { RES_ERROR, RES_OK, RES_PROGRESS } from '../dispatch/wire.js';
import { AbortError, PoolClosedError } from '../errors.js';
import { Histogram } from './histogram.js';
import { Placement } from './placement.js';
import { KeepAlive } from './keep-alive.js';
import type { PoolMode } from './modes.js';
import { FunctionTable } from './functions.js';
import type { FilledOptions } from './options.js';
import { checkRunOptions, type CheckedRunOptions, type RunOptions } from './run-options.js';
import {
  abortTask,
  destroyWhenFlushed,
  rejectAll,
  rejectNotStarted,
  rejectWaiting,
  takeBackTasks,
  timeOutIfDue,
} from './stopping.js';
import { Task, TaskSpec, Tally, onAbort } from './task.js';
import type { TaskQueue } from './task-queue.js';
import { isMovable as isMovableExport, unwrapMovable } from '../movable.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';
import { reviveOrRaw, settleRevived } from './revive-result.js';
import { Workers, type PoolEmitter } from './workers.js';
import type { FirstWorkers } from './thread-start.js';

bindCodec({ encodeInto, tryEncodeInto, encode, decode, lastDecodeMayRevive });

const kNoOptions: RunOptions = Object.freeze({});
/*
 * Read for every task, so held as module locals: Node's timeOrigin getter calls into C++ on every
 * read (~0.3 µs here); in the CommonJS build movable.ts lives in another pack (scripts/build-cjs.mjs),
 * and each read of its exports from this pack is two getter calls (~30 ns measured). See
 * dispatch/main-channel.ts.
 */
const ORIGIN = performance.timeOrigin;
const isMovable = isMovableExport;

export class PoolCore {
  readonly options: FilledOptions;
  readonly runTime: Histogram;
  readonly waitTime: Histogram;
  readonly start = performance.now();
  readonly workers: Workers;
  completed = 0;
  readonly #emitter: PoolEmitter;
  readonly #queue: TaskQueue;
  readonly #placement: Placement;
  readonly #poller: Poller;
  readonly #deadlines: Deadlines<HeldTask>;
  readonly #functions: FunctionTable;
  readonly #keepAlive = new KeepAlive();
  #nextTaskId = 1;
  readonly #tally: Tally;
  #defaults: TaskSpec | undefined; // the spec of run() calls without options, checked once
  #ewma = 0;
  #busy = false;
  #closing = false;
  #destroyed = false;
  readonly #daemon: boolean; // modes.ts
  #closeWaiter: (() => void) | undefined;
  #closePromise: Promise<void> | undefined;
  #destroyPromise: Promise<void> | undefined;

  /** `first`: the workers piscina.ts started before this module loaded (thread-start.ts), adopted here. */
  constructor(options: FilledOptions, emitter: PoolEmitter, mode: PoolMode = {}, first?: FirstWorkers) {
    this.options = options;
    this.#daemon = mode.daemon === true;
    this.#emitter = emitter;
    this.#queue = options.taskQueue;
    const poolBuffer = first?.poolBuffer ?? new SharedArrayBuffer(POOL_BYTES);
    this.workers = new Workers(options, poolBuffer, emitter, this, first?.started);
    const custom = options.loadBalancer && new CustomBalancer(options.loadBalancer, this.workers.list);
    this.#placement = new Placement(options, this.workers, custom); // before any worker event calls fill()
    // The workers first, the rest of the pool while they boot: in a fresh process each part of the
    // pool runs its code for the first time (compiling it), and every ms before the first
    // `new Worker` was a ms later first result (~1 ms measured here). Workers call back into the
    // pool only from their events (messages, exit), which come later.
    this.workers.ensureMinimum(true, mode.backgroundStart === true);
    this.#poller = new Poller(this, new Int32Array(poolBuffer));
    this.#functions = new FunctionTable(options.filename, options.name);
    this.#tally = new Tally(options.maxThreads * options.concurrentTasksPerWorker, emitter);
    this.runTime = new Histogram();
    this.waitTime = new Histogram();
    this.#deadlines = new Deadlines<HeldTask>(
      (task, now) => this.#checkDeadline(task, now),
      (task) => !task.settled,
    );
  }

  get closing(): boolean {
    return this.#closing;
  }
  get needsDrain(): boolean {
    return this.#tally.needsDrain;
  }

  /**
   * Tasks not handed to a worker: the pool's queue, and unsettled tasks a worker holds beyond what
   * it runs at once (never a settled or stolen task whose slot awaits the worker's response).
   */
  get queueSize(): number {
    return queuedTasks(this.#queue.size, this.workers.list, this.options.concurrentTasksPerWorker);
  }

  run(value: unknown, opts: RunOptions = kNoOptions): Promise<unknown> {
    try {
      return this.#run(value, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #run(value: unknown, opts: RunOptions): Promise<unknown> {
    if (this.#destroyed) throw new PoolClosedError('the pool was destroyed');
    if (this.#closing) throw new AbortError('queue is being terminated'); // piscina's rejection
    let spec: TaskSpec;
    if (opts === kNoOptions) spec = this.#defaults ??= this.#spec(checkRunOptions(opts, this.options), undefined);
    else {
      const o = checkRunOptions(opts, this.options);
      if (o.signal !== undefined && (o.signal as { aborted?: boolean }).aborted)
        throw new AbortError((o.signal as { reason?: unknown }).reason);
      spec = this.#spec(o, o.transferList);
    }
    if (isMovable(value)) {
      const moved = unwrapMovable(value);
      value = moved.value;
      spec = this.#spec(spec, [...(spec.transferList ?? []), ...(moved.transfer as TransferListItem[])]);
    }
    const task = new Task<WorkerHandle>(this.#nextTaskId++, value, spec);
    const signal = spec.signal;
    if (signal !== undefined) task.unlisten = onAbort(signal, () => this.#abort(task));
    if (spec.timeout !== Infinity) this.#deadlines.add(task, task.created + spec.timeout);
    this.#placement.place(task);
    this.afterChange();
    this.#poller.schedule();
    return task.promise;
  }

  /** The TaskSpec of checked run() options (or of another spec) with `transferList`. */
  #spec(o: CheckedRunOptions | TaskSpec, transferList: readonly TransferListItem[] | undefined): TaskSpec {
    const fn = this.#functions.id(o.filename, o.name);
    return new TaskSpec(o.filename, o.name, fn, o.timeout, o.signal, o.onProgress, transferList, this.#tally);
  }

  /** Hands queued tasks to workers with room (Placement.fill). */
  fill(): void {
    this.#placement.fill();
  }

  /** Lets idle workers take unstarted tasks from busy or booting ones (Placement.rebalance). */
  rebalance(): void {
    this.#placement.rebalance();
  }

  /** Wakes every parked worker that has unannounced requests (PollTarget). */
  flush(): void {
    this.#placement.flush();
  }

  // ---- completions (PollTarget) ----

  drain(): number {
    let n = 0;
    let room = false;
    const list = this.workers.list;
    for (let i = 0; i < list.length; i++) {
      n += this.drainWorker(list[i]);
      if (list[i].channel.roomFreed()) room = true; // a full ring left tasks in the queue
    }
    if (room && n === 0) this.fill();
    if (n > 0) {
      this.#placement.adapt(this.#ewma);
      this.fill();
      this.rebalance();
      this.afterChange();
    }
    return n;
  }

  hasResponses(): boolean {
    const list = this.workers.list;
    for (let i = 0; i < list.length; i++) {
      const ch = list[i].channel;
      if (ch.responses.hasData() || ch.roomFreed(true)) return true;
    }
    return false;
  }

  outstanding(): number {
    let n = this.#queue.size;
    const list = this.workers.list;
    for (let i = 0; i < list.length; i++) n += list[i].inflight;
    return n;
  }

  expectSoon(): boolean {
    // Not if a worker had to be woken for its task: the wake-up alone takes about as long as
    // the spin (and the worker, having just woken us, will spin for the next round trip).
    let woke = false;
    for (const w of this.workers.list) if (w.channel.takeWoke()) woke = true;
    return !woke && this.#ewma > 0 && this.#ewma <= MAIN_SPIN_MS / 2;
  }

  mayDefer(): boolean {
    for (const w of this.workers.list) if (w.mayDeferResult()) return true;
    return false;
  }

  /** Reads one worker's responses; returns the number of records. */
  drainWorker(w: WorkerHandle): number {
    const n = w.channel.readResponses((slot, kind, value, start, run, mayRevive) => {
      const task = w.tasks[slot];
      if (task === undefined) return;
      if (!w.owns(task, slot)) {
        // Stolen before it started (balancer.ts): this is the worker skipping it; it runs elsewhere.
        w.freeSlot(slot);
        return;
      }
      if (kind === RES_PROGRESS) {
        // Progress: delivered after the current drain, before the task's own completion.
        const cb = task.onProgress;
        if (cb !== undefined && !task.settled) queueMicrotask(() => cb(reviveOrRaw(value)));
        return;
      }
      w.answered(slot, run);
      this.#complete(task, kind, value, start, run, mayRevive);
    });
    if (n > 0) this.workers.afterDrain(w);
    return n;
  }

  #complete(task: HeldTask, kind: number, value: unknown, start: number, run: number, mayRevive: boolean): void {
    if (run > 0) this.#ewma += (run - this.#ewma) * 0.125;
    if (task.settled) return;
    this.completed++;
    if (this.options.recordTiming) {
      this.runTime.record(run);
      if (start > 0) this.waitTime.record(start - ORIGIN - task.created);
    }
    if (kind === RES_OK) {
      if (mayRevive) settleRevived(task, value);
      else task.settle(true, value); // nothing to revive (wire.ts payloadMayRevive)
    } else if (kind === RES_ERROR) task.settle(false, deserializeError(value));
    else task.settle(false, new AbortError());
  }

  // ---- cancellation ----

  #abort(task: HeldTask): void {
    if (abortTask(task, this.#queue, this.workers, this.options.abortGraceMs)) this.afterChange();
  }

  #checkDeadline(task: HeldTask, now: number): number | undefined {
    if (task.settled) return undefined;
    const next = timeOutIfDue(task, now, this.#queue, this.workers, this.options.abortGraceMs);
    if (next === undefined) this.afterChange();
    return next;
  }

  /** A worker died or was stopped: its started tasks fail with `error`, the others are queued again. */
  onWorkerGone(w: WorkerHandle, error: (task: HeldTask) => unknown): { failed: number; requeued: number } {
    this.drainWorker(w);
    return takeBackTasks(w, error, this.#queue);
  }

  /** Rejects every task still waiting in the pool's queue. */
  rejectQueued(error: () => unknown): number {
    return rejectWaiting(this.#queue, error);
  }

  /** Re-evaluates keep-alive, drain events and the close waiter after tasks moved or settled. */
  afterChange(): void {
    const out = this.outstanding();
    if (out > 0 !== this.#busy) {
      this.#busy = out > 0;
      if (!this.#busy) {
        this.#keepAlive.release();
        this.#poller.release();
      } else if (!this.#daemon) this.#keepAlive.hold();
    }
    if (out > 0) this.#poller.schedule();
    this.#tally.check();
    if (out === 0 && this.#closeWaiter !== undefined) this.#closeWaiter();
  }

  // ---- shutdown ----

  close(force: boolean): Promise<void> {
    if (this.#closePromise !== undefined) return this.#closePromise;
    this.#closing = true;
    if (force) rejectNotStarted(this.#queue, this.workers.list, this.options.concurrentTasksPerWorker);
    const flushed = new Promise<void>((resolve) => {
      this.#closeWaiter = resolve;
    });
    this.afterChange();
    const destroy = (): Promise<void> => this.destroy();
    this.#closePromise = destroyWhenFlushed(flushed, this.options.closeTimeout, this.workers, destroy, this.#emitter);
    return this.#closePromise;
  }

  destroy(): Promise<void> {
    if (this.#destroyPromise !== undefined) return this.#destroyPromise;
    this.#closing = true;
    this.#destroyed = true;
    rejectAll(this.#queue, this.workers.list);
    this.#deadlines.clear();
    this.#poller.stop();
    this.#keepAlive.stop();
    this.#destroyPromise = this.workers.stopAll();
    return this.#destroyPromise;
  }
}
