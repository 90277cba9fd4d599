/**
 * Placement by a custom `loadBalancer(task, workers)` (piscina's option). For each task to place,
 * the function is given the task and the workers that take tasks (starting or ready, in the order
 * they were started; a fresh array each call) as piscina's PiscinaWorker objects (public-worker.ts),
 * and returns the one that takes the task, or null to keep it queued: it is offered again when a
 * worker frees up or becomes ready, as piscina does.
 *
 * Its choice is final. The task goes into that worker's ring even if the worker is busy (it waits
 * there, as in piscina's worker port); nothing is pipelined beyond what it chooses, and nothing is
 * stolen back: the built-in placement (balancer.ts: pickWorker, ring depth, rebalance) is not used
 * at all. Without the option, placement is balancer.ts's, untouched. A returned object that is not
 * one of the pool's workers, or a worker that stopped taking tasks, counts as null. A balancer that
 * throws fails the task it was asked about with what it threw.
 */
import type { PiscinaLoadBalancer } from './options.js';
import { handleOf, publicWorker, type PoolWorker } from './public-worker.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';

export class CustomBalancer {
  readonly #fn: PiscinaLoadBalancer;
  readonly #workers: readonly WorkerHandle[];

  /** `workers`: the pool's live list of workers (Workers.list), read at each call. */
  constructor(fn: PiscinaLoadBalancer, workers: readonly WorkerHandle[]) {
    this.#fn = fn;
    this.#workers = workers;
  }

  /** The worker the balancer chose for `task`, or undefined (keep it queued; settled if it threw). */
  pick(task: HeldTask): WorkerHandle | undefined {
    const offered: PoolWorker[] = [];
    for (const w of this.#workers) if (w.accepting) offered.push(publicWorker(w));
    let chosen: unknown;
    try {
      chosen = this.#fn(task, offered);
    } catch (e) {
      task.settle(false, e);
      return undefined;
    }
    const h = handleOf(chosen);
    return h?.accepting ? h : undefined;
  }
}
