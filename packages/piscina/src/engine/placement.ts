/**
 * Placement: which worker gets each task and when, on the main thread. A new task goes straight
 * into a worker's request ring when one may take it (balancer.ts: pickWorker and the ring depth),
 * otherwise into the pool's queue, which fill() hands out as workers answer; rebalance() moves
 * unstarted tasks from busy workers to idle ones at the tail of a batch. Wake-ups of parked
 * workers are batched: a worker is woken when it was given all it may hold, or at the end of the
 * current turn (flush), never per task.
 *
 * Split from engine/core.ts (the task lifecycle: run, settle, cancel, close), which owns one.
 */
import { depthFor, lowWaterFor, pickWorker, queueFull, rebalance } from './balancer.js';
import type { CustomBalancer } from './custom-balancer.js';
import { microtask } from '../dispatch/poller.js';
import type { FilledOptions } from './options.js';
import { queueFullError } from './stopping.js';
import { ArrayTaskQueue, FixedQueue, type TaskQueue } from './task-queue.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';
import type { Workers } from './workers.js';

export class Placement {
  readonly #options: FilledOptions;
  readonly #workers: Workers;
  readonly #queue: TaskQueue;
  readonly #custom: CustomBalancer | undefined; // the loadBalancer option's placement, if given
  /** The pool's queue is first-in first-out, so tasks may wait in rings ahead of need (depthFor). */
  readonly #fifo: boolean;
  #depth: number;
  readonly #bootDepth: number;
  #flushScheduled = false;
  readonly #flush = (): void => this.flush();

  constructor(options: FilledOptions, workers: Workers, custom: CustomBalancer | undefined) {
    this.#options = options;
    this.#workers = workers;
    this.#queue = options.taskQueue;
    this.#custom = custom;
    this.#fifo = this.#queue instanceof FixedQueue || this.#queue instanceof ArrayTaskQueue;
    this.#depth = this.#bootDepth = depthFor(0, options.concurrentTasksPerWorker, this.#fifo);
  }

  /** Sets the ring depth for tasks that run `ewmaMs` on average (measured by the workers). */
  adapt(ewmaMs: number): void {
    this.#depth = depthFor(ewmaMs, this.#options.concurrentTasksPerWorker, this.#fifo);
  }

  /**
   * Gives a new task to a worker, or queues it (checking maxQueue). A worker is given more than
   * concurrentTasksPerWorker (pipelining) only when no new worker can be started for the task, and
   * never an abortable task or one with a transfer list (those could not be stolen back): whatever
   * waits in a ring then would have waited in piscina's queue for a busy worker, and a worker
   * that frees up takes it (rebalance), so pipelining never changes which tasks can run.
   */
  place(task: HeldTask): void {
    const c = this.#options.concurrentTasksPerWorker;
    let w: WorkerHandle | undefined;
    if (this.#queue.size === 0) {
      w = this.#choose(task, true);
      if (task.settled) return; // a custom loadBalancer threw
      if (this.#custom === undefined && (w === undefined || w.inflight >= c)) w = this.#workers.grow() ?? w;
    }
    if (
      this.#options.maxQueue !== Infinity &&
      !(w !== undefined && (w.inflight < c || this.#custom !== undefined)) &&
      queueFull(this.#queue.size, this.#workers.list, c, this.#options.maxQueue)
    ) {
      task.settle(false, queueFullError(this.#options.maxQueue));
      return;
    }
    if (w !== undefined && this.#give(w, task)) {
      // A worker given all it may hold is woken now, not at the end of the caller's turn: a
      // caller submitting thousands of tasks in one loop keeps this thread for milliseconds.
      if (w.channel.publish(w.inflight >= this.#depth)) this.#flushLater();
      return;
    }
    this.#queue.push(task);
    this.#workers.spawnForQueue(this.#queue.size, true);
  }

  /** The worker for `task`: the loadBalancer option's choice, or pickWorker's (`ahead`: see place). */
  #choose(task: HeldTask, ahead: boolean): WorkerHandle | undefined {
    if (this.#custom !== undefined) return this.#custom.pick(task);
    const exclusive = task.signal !== undefined;
    const pipelined = ahead && !exclusive && task.transferList === undefined;
    const c = this.#options.concurrentTasksPerWorker;
    return pickWorker(this.#workers.list, c, this.#depth, this.#bootDepth, pipelined, exclusive);
  }

  /** WorkerHandle.give, plus recycling once the worker reached maxTasksPerWorker. */
  #give(w: WorkerHandle, task: HeldTask): boolean {
    if (!w.give(task)) return false;
    w.channel.setLowWater(lowWaterFor(this.#depth));
    if (w.given >= this.#options.maxTasksPerWorker) this.#workers.retire(w);
    return true;
  }

  /** Hands queued tasks to workers with room (the same rule as place), each worker's batch published once. */
  fill(): void {
    const q = this.#queue;
    if (q.size === 0) return;
    const ahead = !this.#workers.mayGrow();
    let touched: WorkerHandle[] | undefined;
    while (q.size > 0) {
      const task = q.shift() as HeldTask;
      if (task.settled) continue;
      const w = this.#choose(task, ahead);
      if (task.settled) continue; // a custom loadBalancer threw
      if (w === undefined || !this.#give(w, task)) {
        if (q.unshift) q.unshift(task);
        else q.push(task);
        break;
      }
      if (touched === undefined) touched = [w];
      else if (!touched.includes(w)) touched.push(w);
    }
    if (touched !== undefined) for (const w of touched) if (w.channel.publish(false)) this.#flushLater();
    if (q.size > 0) this.#workers.spawnForQueue(q.size);
  }

  /** Lets idle workers take unstarted tasks from busy or booting ones, once the queue is empty. */
  rebalance(): void {
    if (this.#queue.size === 0 && this.#fifo && this.#custom === undefined)
      rebalance(
        this.#workers.list,
        this.#options.concurrentTasksPerWorker,
        (w, t) => (t.signal === undefined || w.inflight === 0) && this.#give(w, t),
        (t) => this.#queue.push(t),
      );
  }

  /** Wakes, at the end of this turn, parked workers that were given fewer than a batch. */
  #flushLater(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    microtask(this.#flush);
  }

  /** Wakes every parked worker that has unannounced requests (PollTarget). */
  flush(): void {
    this.#flushScheduled = false;
    const list = this.#workers.list;
    for (let i = 0; i < list.length; i++) list[i].channel.publish(true);
  }
}
