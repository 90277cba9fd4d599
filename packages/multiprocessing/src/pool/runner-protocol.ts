/**
 * What a Pool sends to its workers (runner-impl.ts): the chunk task, and the start-up record it puts in
 * the engine's workerData. Kept apart from runner-impl.ts, whose top level must only run in workers.
 */
import type { TaskSpec } from '../tasks/inline.js';

/** A chunk of a Pool call. */
export interface ChunkTask {
  readonly fn: TaskSpec;
  /** Arguments (one per call), or argument lists when `star` (starmap, apply). */
  readonly items: readonly unknown[];
  readonly star: boolean;
  /** The method that made the chunk, for error messages ('starmap', 'apply'...). */
  readonly method: string;
  /** Position of the chunk's first item in the whole input, for error messages. */
  readonly offset: number;
  /** Instead of `items`: a chunk of numbers (map only), transferred; see Pool's #submitNumbers. */
  readonly nums?: Float64Array;
}

/** What a Pool puts in its engine's workerData under POOL_WORKER_DATA_KEY. */
export interface PoolWorkerInit {
  readonly initializer: TaskSpec | null;
  readonly initargs: readonly unknown[];
  readonly parent: { readonly name: string; readonly pid: number };
}

export const POOL_WORKER_DATA_KEY = '__sabkitPool';
