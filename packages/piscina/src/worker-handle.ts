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
import { SLOTS } from './dispatch/layout.js';
import type { MainChannel } from './dispatch/main-channel.js';
import type { Task } from './task.js';

export type WorkerPhase = 'booting' | 'ready' | 'retiring' | 'exiting' | 'exited';

export class WorkerHandle {
  readonly worker: Worker;
  readonly channel: MainChannel;
  readonly threadId: number;
  phase: WorkerPhase = 'booting';
  /** Tasks by slot; undefined where the slot is free. */
  readonly tasks: (Task | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #free: number[] = [];
  /** Occupied slots: tasks written to the ring and not yet answered. */
  inflight = 0;
  /** Tasks ever given to this worker (for maxTasksPerWorker). */
  given = 0;
  /** Function ids this worker has been told about (id 0, the default, at start-up). */
  readonly defined = new Set<number>([0]);
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
  takeSlot(task: Task): number {
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
    this.tasks[slot] = undefined;
    this.channel.freeSlot(slot);
    this.inflight--;
    this.#free.push(slot);
  }

  clearIdleTimer(): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}
