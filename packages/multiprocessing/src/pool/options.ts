/**
 * The options of Pool and its methods, with their defaults. Apart from pool.ts so that the class
 * reads as Python's Pool does, and so that other modules can name the types without the class.
 */
import type { ModuleTask } from '../tasks/inline.js';
import type { ResultCallbacks } from './async-result.js';

/** A task for the Pool: an inline function, a module export, or 'file:///module.js#export'. */
export type PoolTask<A extends unknown[], R> = ((...args: A) => R | PromiseLike<R>) | ModuleTask | string | URL;

/** `new Pool(options)`: Python's `Pool(processes, initializer, initargs, maxtasksperchild)`. */
export interface PoolOptions {
  /** Number of workers; default cpuCount(). */
  readonly processes?: number;
  /** Runs once in each worker before its first task (Python's initializer). */
  readonly initializer?: PoolTask<never[], unknown>;
  /** Arguments for the initializer (sabkit objects arrive live). */
  readonly initargs?: readonly unknown[];
  /** A worker is replaced after this many tasks (chunks); default: never. */
  readonly maxTasksPerChild?: number;
  /**
   * imap / imapUnordered: chunks submitted and not yet consumed, at most; default 4 × processes.
   * This bounds the memory an iterator holds, whatever the size of its input.
   */
  readonly maxChunksInFlight?: number;
}

/** Options of map / starmap (a number is the chunksize, as Python's third argument). */
export interface MapOptions {
  /** Items per task sent to a worker; default defaultChunksize(n, processes), as Python's. */
  readonly chunksize?: number;
}

/** Options of mapAsync / starmapAsync: Python's chunksize, callback and error_callback. */
export interface MapAsyncOptions<T> extends MapOptions, ResultCallbacks<T> {}

/** Options of imap / imapUnordered (a number is the chunksize, as Python's third argument). */
export interface ImapOptions {
  readonly chunksize?: number;
  readonly maxChunksInFlight?: number;
}
