/**
 * Which worker gets the next task, and how many tasks a worker may hold at once.
 *
 * Depth (tasks written to a worker's ring and not yet answered) adapts to how long tasks run,
 * measured by the workers (a moving average of run times):
 *  - tiny tasks: enough to keep the worker busy for PIPELINE_TARGET_MS, up to SLOTS, so it never
 *    waits for the main thread, and the main thread hands work over and collects results in
 *    batches, paying one wake-up per batch instead of per task;
 *  - long tasks: concurrentTasksPerWorker + 1, so that a worker starts its next task the moment it
 *    finishes one instead of waiting for the main thread to wake up and hand it over (measured
 *    here: ~0.5 ms per handover after a 20 ms task, as both threads come out of a deep idle;
 *    1 thread ran 32 tasks of 20 ms at 0.98x of serial, 1.00x with the task held ready). A task
 *    waiting behind a long one while another worker has nothing is taken back: see rebalance();
 *  - before any task has been measured: concurrentTasksPerWorker + 1;
 *  - with a custom task queue: just concurrentTasksPerWorker, always, so that the queue, not the
 *    rings, decides the order in which waiting tasks start (a priority queue stays exact).
 * Picking: the ready worker with the fewest tasks, ties to the lowest index, so sequential work
 * stays on one warm worker while the others stay parked. Booting workers take tasks only if no
 * ready worker can (a cold pool's first task goes straight into a booting worker's ring and runs
 * the moment it is ready). Depth beyond concurrentTasksPerWorker is used only where it cannot
 * change which tasks can run (see pickWorker's `ahead` and PoolCore.#place).
 */
import { SLOTS } from '../dispatch/layout.js';
import type { HeldTask, WorkerHandle } from './worker-handle.js';

/**
 * Work (in ms of measured run time) a worker is given ahead when tasks are short. It must cover
 * the main thread's refill latency with both cores busy, which is what 2 workers on 2 cores
 * means: the woken main thread waits for a core, measured here at up to 3-5 ms. 4 ms left workers
 * idle for milliseconds mid-batch (6,400 tasks of 0.1 ms: 1.83x); 8 ms with refills asked for at
 * half (lowWaterFor) gave 1.90x. Deeper measured no better, and a deeper ring is more to steal.
 */
export const PIPELINE_TARGET_MS = 8;

/**
 * Tasks a worker may hold given the average run time `ewmaMs` (0: not measured yet); `fifo`:
 * the pool's queue is first-in first-out, so tasks may wait in rings instead.
 */
export function depthFor(ewmaMs: number, concurrency: number, fifo: boolean): number {
  if (!fifo) return concurrency;
  if (ewmaMs <= 0) return concurrency + 1;
  const d = Math.ceil(PIPELINE_TARGET_MS / ewmaMs);
  return Math.min(SLOTS, Math.max(concurrency + 1, d));
}

/**
 * Unstarted requests left at which a worker wakes the main thread to refill it: half its depth,
 * so that the refill has half of PIPELINE_TARGET_MS to arrive.
 */
export function lowWaterFor(depth: number): number {
  return depth >> 1;
}

/**
 * The worker that should take the next task, or undefined if none may. A worker with a free
 * execution slot (fewer than `concurrency` tasks) comes first: ready ones, then booting ones (a
 * booting worker's first `concurrency` tasks are what piscina calls its pending capacity). Only
 * when none has one, and only if `ahead` (the caller decided that no new worker can be started for
 * the task, or that the task may wait in a ring: see PoolCore.#place), a worker is given a task
 * beyond `concurrency`: the ready one with the fewest below `depth`, else a booting one below
 * `bootDepth`. An abortable task (`exclusive`) goes only to a worker holding nothing, and no task
 * goes to a worker running an abortable one: aborting it terminates the worker (piscina's rule).
 */
export function pickWorker(
  workers: readonly WorkerHandle[],
  concurrency: number,
  depth: number,
  bootDepth: number,
  ahead: boolean,
  exclusive: boolean,
): WorkerHandle | undefined {
  let free: WorkerHandle | undefined;
  let freeBooting: WorkerHandle | undefined;
  let best: WorkerHandle | undefined;
  let booting: WorkerHandle | undefined;
  for (let i = 0; i < workers.length; i++) {
    const w = workers[i];
    const n = w.inflight;
    if (w.abortables > 0 || (exclusive && n > 0)) continue;
    if (w.phase === 'ready') {
      if (n < concurrency) {
        if (free === undefined || n < free.inflight) free = w;
      } else if (n < depth && (best === undefined || n < best.inflight)) best = w;
    } else if (w.phase === 'booting') {
      if (n < concurrency) {
        if (freeBooting === undefined || n < freeBooting.inflight) freeBooting = w;
      } else if (n < bootDepth && (booting === undefined || n < booting.inflight)) booting = w;
    }
  }
  return free ?? freeBooting ?? (ahead ? (best ?? booting) : undefined);
}

/** queueSize: the pool's `queued` tasks and what workers hold beyond `concurrency` (WorkerHandle.waiting). */
export function queuedTasks(queued: number, workers: readonly WorkerHandle[], concurrency: number): number {
  let n = queued;
  for (const w of workers) n += w.waiting(concurrency);
  return n;
}

/** queuedTasks() >= maxQueue, counted exactly only when the cheap upper bound says it may be. */
export function queueFull(queued: number, workers: readonly WorkerHandle[], concurrency: number, max: number): boolean {
  let bound = queued;
  for (const w of workers) if (w.inflight > concurrency) bound += w.inflight - concurrency;
  return bound >= max && queuedTasks(queued, workers, concurrency) >= max;
}

/**
 * Work stealing at the tail of a batch. Rings hold tasks ahead of need (depthFor), so once the
 * pool's queue runs dry the last tasks can sit unstarted in a busy worker's ring while another
 * worker has nothing to do: up to PIPELINE_TARGET_MS of short tasks, or one whole long task.
 * Whenever a ready worker has a free execution slot and nothing waiting, it takes half of the
 * unstarted tasks of the worker holding the most, newest first, as Go's scheduler steals half of
 * a victim's run queue (runtime/proc.go, runqsteal). A worker still booting has started nothing,
 * so all it holds counts as unstarted: a cold pool's first task sits in the first-created worker's
 * ring, and that worker's thread is sometimes scheduled milliseconds after the second one's (seen
 * here: 6-12 ms in 2 of 6 cold starts), which then takes the task when it reports ready.
 *
 * Only the main thread writes requests, so it moves them: each task is taken back from the
 * victim's ring with a compare-exchange on its slot (QUEUED -> QUEUED|CANCEL|STEAL; the victim
 * skips the record, and a task it already started is left where it is) and written again into the
 * thief's ring by `give`. A task `give` cannot place goes back to the pool's queue through
 * `requeue`. Call only with an empty pool queue and a FIFO order (with a custom queue, rings hold
 * no task ahead of need). Thieves are woken at once.
 */
export function rebalance(
  workers: readonly WorkerHandle[],
  concurrency: number,
  give: (w: WorkerHandle, task: HeldTask) => boolean,
  requeue: (task: HeldTask) => void,
): void {
  for (let round = 0; round < workers.length; round++) {
    let thief: WorkerHandle | undefined;
    for (let i = 0; i < workers.length; i++) {
      const w = workers[i];
      if (
        w.phase === 'ready' &&
        w.inflight < concurrency &&
        w.abortables === 0 &&
        (thief === undefined || w.inflight < thief.inflight)
      )
        thief = w;
    }
    // No thief: the common case in a batch (every worker busy), decided before counting what the
    // victims hold, which walks their task lists (up to SLOTS each, on every drain of the batch).
    if (thief === undefined) break;
    let victim: WorkerHandle | undefined;
    let spare = 0;
    for (let i = 0; i < workers.length; i++) {
      const w = workers[i];
      // inflight is an upper bound: it also counts slots whose task was stolen already, held until
      // the worker skips the record, which a worker blocked in a long task does not do for a while.
      // Counting those made such a worker the victim again and again, with nothing left to steal,
      // and the round ended there while other workers held stealable tasks (Pool(200) running 200
      // tasks that wait for each other: 3 never started, seen with workers started over turns).
      const keep = w.phase === 'booting' ? 0 : concurrency;
      if (w.inflight - keep > spare) {
        const s = w.waiting(keep);
        if (s > spare) {
          victim = w;
          spare = s;
        }
      }
    }
    if (victim === undefined) break;
    const stolen = victim.steal(Math.ceil(spare / 2));
    if (stolen.length === 0) break;
    for (let i = 0; i < stolen.length; i++) if (!give(thief, stolen[i])) requeue(stolen[i]);
    thief.channel.publish(true);
  }
}
