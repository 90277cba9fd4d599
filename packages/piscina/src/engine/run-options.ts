/**
 * run()'s options: their type, defaults from the pool's options, and validation (before anything
 * is queued or sent).
 */
import type { TransferListItem } from 'node:worker_threads';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import { ArgumentTypeError } from '../errors.js';
import { normalizeFilename, ownProperties, type FilledOptions } from './options.js';
import type { AbortSignalLike } from './task.js';

/**
 * `run()`'s options. `P` is the type of the values the task passes to `reportProgress()`, which
 * `onProgress` receives; it is inferred from the callback's parameter (`onProgress: (n: number) =>
 * …`), and `unknown` when not given.
 */
export interface RunOptions<P = unknown> {
  /** Export to call (default: the pool's `name`). */
  name?: string | null;
  /** Task module (default: the pool's `filename`). */
  filename?: string | URL | null;
  /** Transferred rather than cloned; the task then travels by MessagePort. */
  transferList?: readonly TransferListItem[];
  /** Cancels the task: an AbortSignal or any EventEmitter/EventTarget that emits 'abort'. */
  signal?: AbortSignalLike | null;
  /** Ms from the task's start in the worker before it fails with TaskTimeoutError (default: taskTimeout). */
  timeout?: number;
  /** Receives the values the task passes to `reportProgress()`, on the pool's thread, in order. */
  onProgress?: (value: P) => void;
}

export interface CheckedRunOptions {
  filename: string;
  name: string;
  transferList: readonly TransferListItem[] | undefined;
  timeout: number;
  onProgress: ((value: unknown) => void) | undefined;
  signal: AbortSignalLike | undefined;
}

/**
 * Validates `opts` and fills in the pool's defaults. Only `opts`' own properties are read, as
 * piscina 5.3.2. The checks piscina makes fail as piscina's do (TypeError, piscina's message);
 * sabkit's own (timeout, onProgress, a signal that cannot emit 'abort') name the value too.
 */
export function checkRunOptions(options: RunOptions, pool: FilledOptions): CheckedRunOptions {
  if (typeof options !== 'object' || options === null) throw new ArgumentTypeError('options must be an object');
  const opts = ownProperties(options) as RunOptions;
  const transferList = opts.transferList;
  if (transferList !== undefined && !Array.isArray(transferList))
    throw new ArgumentTypeError('transferList argument must be an Array');
  let filename = pool.filename;
  if (opts.filename !== undefined && opts.filename !== null) {
    if (typeof opts.filename !== 'string' && !(opts.filename instanceof URL))
      throw new ArgumentTypeError('filename argument must be a string');
    filename = normalizeFilename(opts.filename, 'run(task, { filename })');
  }
  const name = opts.name ?? pool.name;
  if (typeof name !== 'string') throw new ArgumentTypeError('name argument must be a string');
  const signal = opts.signal ?? undefined;
  if (signal !== undefined && typeof signal !== 'object')
    throw new ArgumentTypeError('signal argument must be an object');
  if (signal !== undefined && !('addEventListener' in signal || 'once' in signal)) {
    throw new ArgumentTypeError(
      `run(task, { signal }): signal must be an AbortSignal or an EventEmitter that emits 'abort', got ` +
        `${describe(signal)}`,
    );
  }
  if (filename === null) throw new InvalidArgumentError('filename must be provided to run() or in options object');
  const timeout = opts.timeout ?? pool.taskTimeout;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new ArgumentTypeError(
      `run(task, { timeout }): timeout must be a non-negative number of ms or Infinity, got ${describe(timeout)}`,
    );
  }
  const onProgress = opts.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ArgumentTypeError(
      `run(task, { onProgress }): onProgress must be a function, got ${describe(onProgress)}`,
    );
  }
  return { filename, name, transferList, timeout, onProgress, signal };
}
