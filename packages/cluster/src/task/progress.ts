/**
 * `reportProgress(data)`: called inside a task running on a sabkit-worker, it becomes the BullMQ
 * job progress of the task's chunk, and reaches the caller's `onProgress` callback.
 *
 * The chunk runner (worker/chunk-runner.ts) runs each item in an AsyncLocalStorage context that
 * names its job, so async tasks report for the right chunk; the report crosses from the pool
 * thread to the worker process's main thread on a BroadcastChannel. The context lives on a
 * globalThis key, so a task that imports another copy of this package still reports.
 * Outside a cluster worker, reportProgress does nothing and returns false.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BroadcastChannel } from 'node:worker_threads';

export interface ChunkContext {
  readonly job: string;
  readonly channel: string;
}

const KEY = Symbol.for('sabkit.cluster.chunk-context.v1');

/** The thread's one context store, shared by every copy of this module. */
export function chunkContext(): AsyncLocalStorage<ChunkContext> {
  const g = globalThis as Record<symbol, AsyncLocalStorage<ChunkContext> | undefined>;
  let als = g[KEY];
  if (!als) {
    als = new AsyncLocalStorage<ChunkContext>();
    g[KEY] = als;
  }
  return als;
}

const channels = new Map<string, BroadcastChannel>();

/** The channel a worker process's main thread listens on (one name per process). */
export function progressChannel(name: string): BroadcastChannel {
  let ch = channels.get(name);
  if (!ch) {
    ch = new BroadcastChannel(name);
    // A task thread must be able to end while the channel is open.
    (ch as unknown as { unref?: () => void }).unref?.();
    channels.set(name, ch);
  }
  return ch;
}

/**
 * Reports progress of the current task's chunk: `data` is a number or a JSON-serialisable object.
 * Returns true if it was sent (the task runs on a sabkit-worker), false elsewhere. Reports are
 * coalesced: the caller sees the latest, not necessarily every one.
 */
export function reportProgress(data: number | object): boolean {
  const ctx = chunkContext().getStore();
  if (!ctx) return false;
  progressChannel(ctx.channel).postMessage({ job: ctx.job, data });
  return true;
}
