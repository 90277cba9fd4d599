/**
 * What the pool shows of a worker, as piscina's PiscinaWorker: to a custom `loadBalancer`
 * (custom-balancer.ts) and in the 'workerCreate' / 'workerDestroy' events. One object per worker,
 * made on first use; its fields are read live, so an object kept from an earlier call shows the
 * worker as it is now (piscina's test keeps one and finds it `destroyed` later).
 */
import type { Worker } from 'node:worker_threads';
import type { HistogramSummary } from './histogram.js';
import type { BalancedWorker } from './options.js';
import type { WorkerHandle } from './worker-handle.js';

/** A worker as the pool's events and a custom loadBalancer see it. */
export interface PoolWorker extends BalancedWorker {
  readonly id: number;
  readonly threadId: number;
  readonly worker: Worker;
  /** Tasks it holds; Infinity while it runs an abortable task, which has it to itself (piscina's). */
  readonly currentUsage: number;
  /** It holds exactly one task, and that task has a signal. */
  readonly isRunningAbortableTask: boolean;
  /** Its run-time summary (ms) with `workerHistogram: true`; null otherwise. */
  readonly histogram: HistogramSummary | null;
  /** Being retired (maxTasksPerWorker, heap limit, idle): it takes no new task and stops when done. */
  readonly terminating: boolean;
  /** The pool terminated it, or is terminating it: it runs nothing more. */
  readonly destroyed: boolean;
}

class PublicWorker implements PoolWorker {
  readonly #h: WorkerHandle;
  readonly id: number;
  readonly threadId: number;
  readonly worker: Worker;

  constructor(h: WorkerHandle) {
    this.#h = h;
    this.id = this.threadId = h.threadId;
    this.worker = h.worker;
  }

  get currentUsage(): number {
    return this.isRunningAbortableTask ? Number.POSITIVE_INFINITY : this.#h.inflight;
  }
  get isRunningAbortableTask(): boolean {
    return this.#h.inflight === 1 && this.#h.abortables === 1;
  }
  get histogram(): HistogramSummary | null {
    return this.#h.histogram?.summary() ?? null;
  }
  get terminating(): boolean {
    return this.#h.phase === 'retiring';
  }
  get destroyed(): boolean {
    return this.#h.phase === 'exiting' || this.#h.phase === 'exited';
  }
}

const views = new WeakMap<WorkerHandle, PoolWorker>();
const handles = new WeakMap<object, WorkerHandle>();

/** The public object of worker `h` (always the same one). */
export function publicWorker(h: WorkerHandle): PoolWorker {
  let v = views.get(h);
  if (v === undefined) {
    v = new PublicWorker(h);
    views.set(h, v);
    handles.set(v, h);
  }
  return v;
}

/** The worker behind a public object, or undefined if `v` is not one of the pool's. */
export function handleOf(v: unknown): WorkerHandle | undefined {
  return typeof v === 'object' && v !== null ? handles.get(v) : undefined;
}
