/**
 * The main thread's record of one worker: its Worker object, its channel, the tasks occupying its
 * slots, and where it is in its life.
 *
 *   booting  -> ready      the worker loaded the default task module and reported ready
 *   ready    -> retiring   it reached maxTasksPerWorker or maxWorkerHeapMB, or sat idle past
 *                          idleTimeout: it gets no new tasks and is stopped once it has none
 *   any      -> exiting    terminate() was called (retired, cancelled task that would not stop,
 *                          close, destroy)
 *   any      -> exited     its 'exit' event: tasks it had started fail with WorkerCrashError (unless
 *                          it was stopped on purpose with none), tasks it had not started go back
 *                          to the front of the queue
 */
import type { Worker } from 'node:worker_threads';
import { SLOTS, SLOT_PHASE_MASK, SLOT_RUNNING } from '../dispatch/layout.js';
import { F_PROGRESS, F_TIMED } from '../dispatch/wire.js';
import type { MainChannel } from '../dispatch/main-channel.js';
import type { Histogram } from './histogram.js';
import type { Task } from './task.js';

/** A task as the engine holds it: placed, if at all, in a WorkerHandle's ring. */
export type HeldTask = Task<WorkerHandle>;

export type WorkerPhase = 'booting' | 'ready' | 'retiring' | 'exiting' | 'exited';

export class WorkerHandle {
  readonly worker: Worker;
  readonly channel: MainChannel;
  readonly threadId: number;
  phase: WorkerPhase = 'booting';
  /** Started by the pool's constructor (its first minThreads): counts as idle while it starts. */
  initial = false;
  /** Tasks by slot; undefined where the slot is free. */
  readonly tasks: (HeldTask | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #free: number[] = [];
  /**
   * Occupied slots in the order their tasks were written to the ring: a doubly linked list through
   * slot numbers (-1 ends it), so that stealing finds the newest unstarted tasks at once and the
   * bookkeeping costs two array stores per task.
   */
  readonly #prev = new Int32Array(SLOTS).fill(-1);
  readonly #next = new Int32Array(SLOTS).fill(-1);
  #newest = -1;
  /** Occupied slots: tasks written to the ring and not yet answered. */
  inflight = 0;
  /** Abortable tasks (with a signal) it holds: while one is held, it is given nothing else. */
  abortables = 0;
  /** Tasks ever given to this worker (for maxTasksPerWorker). */
  given = 0;
  /** Function ids this worker has been told about (id 0, the default, at start-up). */
  readonly defined = new Set<number>([0]);
  /** Set while this worker is the one asked for the entry's code cache (code-cache.ts): its key. */
  codeCacheKey: string | undefined = undefined;
  /** Run times of the tasks it answered, with `workerHistogram: true` (public-worker.ts). */
  histogram: Histogram | undefined = undefined;
  /** Last 'error' event (an uncaught exception, out of memory), the cause of a crash error. */
  lastError: unknown = undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Resolves on 'exit' with the exit code. */
  readonly exited: Promise<number>;
  /** Resolves when the worker reports ready or exits, whichever comes first. */
  readonly settledBoot: Promise<void>;
  #bootDone!: () => void;

  constructor(worker: Worker, channel: MainChannel) {
    this.worker = worker;
    this.channel = channel;
    this.threadId = worker.threadId;
    for (let s = SLOTS - 1; s >= 0; s--) this.#free.push(s);
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    this.settledBoot = new Promise((resolve) => {
      this.#bootDone = resolve;
    });
    void this.exited.then(() => this.#bootDone());
  }

  /** Marks the worker ready (its 'ready' message arrived). */
  markReady(): void {
    if (this.phase === 'booting') this.phase = 'ready';
    this.#bootDone();
  }

  /** Whether new tasks may be given to this worker. */
  get accepting(): boolean {
    return this.phase === 'ready' || this.phase === 'booting';
  }

  /** Takes a free slot for `task`; -1 if all SLOTS are occupied. */
  takeSlot(task: HeldTask): number {
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    this.tasks[slot] = task;
    this.inflight++;
    return slot;
  }

  /** Puts back a slot that was taken but never written (the ring was full). */
  returnSlot(slot: number): void {
    this.tasks[slot] = undefined;
    this.inflight--;
    this.#free.push(slot);
  }

  /** Frees a slot whose task's final response arrived. */
  freeSlot(slot: number): void {
    const task = this.tasks[slot];
    if (task !== undefined && task.signal !== undefined && this.owns(task, slot)) this.abortables--;
    this.#unlink(slot);
    this.tasks[slot] = undefined;
    this.channel.freeSlot(slot);
    this.inflight--;
    this.#free.push(slot);
  }

  /** Frees the slot of a task it answered, which ran for `run` ms (its histogram, if kept). */
  answered(slot: number, run: number): void {
    this.freeSlot(slot);
    if (this.histogram !== undefined) this.histogram.record(run);
  }

  /**
   * Writes `task` into this worker's request ring (not yet published). False if the ring or the
   * slots are full (nothing changed). A task whose value cannot travel at all is rejected, and
   * counts as handed over.
   */
  give(task: HeldTask): boolean {
    const slot = this.takeSlot(task);
    if (slot < 0) return false;
    const fn = task.fnId;
    if (!this.defined.has(fn)) {
      if (!this.channel.writeDefine(fn, task.filename, task.name)) {
        this.returnSlot(slot);
        return false;
      }
      this.defined.add(fn);
    }
    const flags = (task.timeout !== Infinity ? F_TIMED : 0) | (task.onProgress !== undefined ? F_PROGRESS : 0);
    let ok: boolean;
    try {
      ok = this.channel.writeTask(slot, fn, flags, task.value, task.transferList);
    } catch (e) {
      this.returnSlot(slot);
      task.settle(false, e);
      return true;
    }
    if (!ok) {
      this.returnSlot(slot);
      return false;
    }
    task.worker = this;
    task.slot = slot;
    if (task.signal !== undefined) this.abortables++;
    this.#link(slot);
    this.given++;
    this.clearIdleTimer();
    return true;
  }

  /**
   * Whether this worker may be sitting on a result it has not announced (worker-channel.ts,
   * notifyMain). It defers only while more than LOW_WATER of its requests wait untaken, and the
   * task it just finished was taken too: so only while it holds more than LOW_WATER + 1. Long
   * tasks are held concurrency + 1 deep with LOW_WATER 1, so they never arm main's park bound (it
   * woke the main thread every 20 ms of a batch of 20 ms tasks, taking a worker's core each time).
   */
  mayDeferResult(): boolean {
    return this.inflight > Math.max(this.channel.lowWater, 0) + 1;
  }

  /**
   * Whether it holds a task of its own (one not stolen from it): `inflight` also counts the slots
   * of stolen tasks until the worker skips their records, which a worker still booting or blocked
   * in a long task does not do for a while; such a worker runs nothing (idleThreads).
   */
  get occupied(): boolean {
    if (this.inflight === 0) return false;
    for (let s = this.#newest; s >= 0; s = this.#prev[s]) {
      const task = this.tasks[s];
      if (task !== undefined && this.owns(task, s)) return true;
    }
    return false;
  }

  /** Whether the response for `slot` is `task`'s: false once the task was stolen from this slot. */
  owns(task: HeldTask, slot: number): boolean {
    return task.worker === this && task.slot === slot;
  }

  /**
   * Takes back up to `max` tasks this worker holds but has not started, newest first (the furthest
   * from starting), for an idle worker to run (balancer.ts, rebalance). The worker skips their
   * records; their slots stay occupied until it says so. Stops at the first task it has started.
   * A task given with a transfer list is left alone: its value is gone from this thread.
   */
  steal(max: number): HeldTask[] {
    const out: HeldTask[] = [];
    for (let s = this.#newest; s >= 0 && out.length < max; s = this.#prev[s]) {
      const task = this.tasks[s];
      if (task === undefined || task.settled || !this.owns(task, s)) continue;
      if (task.transferList !== undefined && task.transferList.length > 0) continue;
      if (!this.channel.steal(s)) break;
      if (task.signal !== undefined) this.abortables--;
      task.worker = undefined;
      task.slot = -1;
      out.push(task);
    }
    return out;
  }

  #link(slot: number): void {
    this.#prev[slot] = this.#newest;
    this.#next[slot] = -1;
    if (this.#newest >= 0) this.#next[this.#newest] = slot;
    this.#newest = slot;
  }

  #unlink(slot: number): void {
    const p = this.#prev[slot];
    const n = this.#next[slot];
    if (p >= 0) this.#next[p] = n;
    if (n >= 0) this.#prev[n] = p;
    else if (this.#newest === slot) this.#newest = p;
    this.#prev[slot] = this.#next[slot] = -1;
  }

  /**
   * Empties the slots of a worker that is gone, splitting its unsettled tasks into those it had
   * started (their slot says RUNNING) and those it had not (they can run elsewhere).
   */
  takeTasks(): { started: HeldTask[]; notStarted: HeldTask[] } {
    const started: HeldTask[] = [];
    const notStarted: HeldTask[] = [];
    for (let slot = 0; slot < this.tasks.length; slot++) {
      const task = this.tasks[slot];
      if (task === undefined) continue;
      this.tasks[slot] = undefined;
      if (task.settled || !this.owns(task, slot)) continue;
      if ((this.channel.phase(slot) & SLOT_PHASE_MASK) === SLOT_RUNNING) {
        started.push(task);
      } else {
        task.worker = undefined;
        task.slot = -1;
        notStarted.push(task);
      }
    }
    this.inflight = 0;
    this.abortables = 0;
    this.#newest = -1;
    this.#prev.fill(-1);
    this.#next.fill(-1);
    return { started, notStarted };
  }

  /**
   * Tasks it holds beyond the `concurrency` it runs at once, not counting tasks that settled or
   * were stolen but whose slot awaits the worker's response: what waits in its ring (queueSize).
   */
  waiting(concurrency: number): number {
    if (this.inflight <= concurrency) return 0;
    let n = 0;
    for (let s = this.#newest; s >= 0; s = this.#prev[s]) {
      const task = this.tasks[s];
      if (task !== undefined && !task.settled && this.owns(task, s)) n++;
    }
    return n > concurrency ? n - concurrency : 0;
  }

  /**
   * close({ force }): rejects the tasks it holds beyond its oldest `keep` unsettled ones that have
   * not started, and has the worker skip them. The oldest `keep` (concurrentTasksPerWorker) were
   * handed to it as piscina hands tasks to a worker, even while it is still starting: they run.
   */
  cancelAhead(keep: number, reason: number, error: () => unknown): void {
    const held: number[] = [];
    for (let s = this.#newest; s >= 0; s = this.#prev[s]) {
      const task = this.tasks[s];
      if (task !== undefined && !task.settled && this.owns(task, s)) held.push(s);
    }
    // held is newest first: all but the last `keep` are beyond what the worker was handed.
    for (let i = 0; i < held.length - keep; i++) {
      const task = this.tasks[held[i]] as HeldTask;
      if (this.channel.cancelIfQueued(held[i], reason)) task.settle(false, error());
    }
  }

  clearIdleTimer(): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}
