/**
 * Runs in a thread of the sabkit-worker's local Pool: one chunk of a cluster call, every item
 * through the task function in order (as the local Pool's chunks run), each inside the context
 * that lets reportProgress name the chunk's job. It never throws: a task's error comes back as a
 * serialized record with the item's position, so its class, message, stack and code survive the
 * JSON trip to the caller.
 */
import { serializeError } from '@sabkit/atomics-sync';
import { explainInlineError, loadTask, type TaskSpec } from '@sabkit/multiprocessing/internal';
import { chunkContext } from '../task/progress.js';

/** What the worker process sends to its pool for one job. */
export interface RunnerChunk {
  readonly fn: TaskSpec;
  readonly items: unknown[];
  readonly star: boolean;
  readonly method: string;
  readonly offset: number;
  readonly job: string;
  readonly channel: string;
}

export type RunnerReply =
  | { readonly ok: true; readonly values: unknown[]; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly index: number; readonly ms: number };

export async function runClusterChunk(chunk: RunnerChunk): Promise<RunnerReply> {
  let fn: (...args: unknown[]) => unknown;
  try {
    fn = await loadTask(chunk.fn);
  } catch (e) {
    return { ok: false, error: serializeError(e), index: -1, ms: 0 };
  }
  // Task time only: loading the module (once per thread) would inflate the first chunk's measure,
  // from which map sizes its chunks.
  const t0 = performance.now();
  const ctx = { job: chunk.job, channel: chunk.channel };
  const values: unknown[] = [];
  const { items, star } = chunk;
  for (let i = 0; i < items.length; i++) {
    try {
      let r: unknown;
      if (star) {
        const args = items[i];
        if (!Array.isArray(args)) {
          throw new TypeError(`${chunk.method}: item ${chunk.offset + i} is not an array of arguments`);
        }
        r = chunkContext().run(ctx, () => fn(...args));
      } else {
        const item = items[i];
        r = chunkContext().run(ctx, () => fn(item));
      }
      values.push(isThenable(r) ? await r : r);
    } catch (e) {
      return {
        ok: false,
        error: serializeError(explainInlineError(e, chunk.fn)),
        index: i,
        ms: performance.now() - t0,
      };
    }
  }
  return { ok: true, values, ms: performance.now() - t0 };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as PromiseLike<unknown>).then === 'function'
  );
}
