/**
 * Which worker gets the next task, and how many tasks a worker may hold at once.
 *
 * Depth (tasks written to a worker's ring and not yet answered) adapts to how long tasks run,
 * measured by the workers (a moving average of run times):
 *  - tiny tasks: enough to keep the worker busy for PIPELINE_TARGET_MS, up to SLOTS, so it never
 *    waits for the main thread, and the main thread hands work over and collects results in
 *    batches, paying one wake-up per batch instead of per task;
 *  - long tasks: just concurrentTasksPerWorker (plus nothing), so no task waits behind a long one
 *    in one worker's ring while another worker is free: 64 tasks of 20 ms end together on 2 workers;
 *  - before any task has been measured: concurrentTasksPerWorker + 1;
 *  - with a custom task queue: just concurrentTasksPerWorker, always, so that the queue, not the
 *    rings, decides the order in which waiting tasks start (a priority queue stays exact).
 * Picking: the ready worker with the fewest tasks, ties to the lowest index, so sequential work
 * stays on one warm worker while the others stay parked. Booting workers take tasks only if no
 * ready worker can (a cold pool's first task goes straight into a booting worker's ring and runs
 * the moment it is ready).
 */
import { SLOTS } from './dispatch/layout.js';
import type { WorkerHandle } from './worker-handle.js';

/** Work (in ms of measured run time) a worker is given ahead when tasks are short. */
export const PIPELINE_TARGET_MS = 4;

/**
 * Tasks a worker may hold given the average run time `ewmaMs` (0: not measured yet); `fifo`:
 * the pool's queue is first-in first-out, so tasks may wait in rings instead.
 */
export function depthFor(ewmaMs: number, concurrency: number, fifo: boolean): number {
  if (!fifo) return concurrency;
  if (ewmaMs <= 0) return concurrency + 1;
  const d = Math.ceil(PIPELINE_TARGET_MS / ewmaMs);
  return Math.min(SLOTS, Math.max(concurrency, d));
}

/** The worker that should take the next task, or undefined if all are at `depth`. */
export function pickWorker(workers: readonly WorkerHandle[], depth: number, bootDepth: number): WorkerHandle | undefined {
  let best: WorkerHandle | undefined;
  let booting: WorkerHandle | undefined;
  for (let i = 0; i < workers.length; i++) {
    const w = workers[i];
    if (w.phase === 'ready') {
      if (w.inflight < depth && (best === undefined || w.inflight < best.inflight)) best = w;
    } else if (w.phase === 'booting' && w.inflight < bootDepth && (booting === undefined || w.inflight < booting.inflight)) {
      booting = w;
    }
  }
  return best ?? booting;
}
