/**
 * run()'s options: their type, defaults from the pool's options, and validation (before anything
 * is queued or sent).
 */
import type { TransferListItem } from 'node:worker_threads';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { normalizeFilename, type FilledOptions } from './options.js';
import type { AbortSignalLike } from './task.js';

export interface RunOptions {
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
  /** Receives the values the task passes to reportProgress(). */
  onProgress?: (value: unknown) => void;
}

export interface CheckedRunOptions {
  filename: string;
  name: string;
  transferList: readonly TransferListItem[] | undefined;
  timeout: number;
  onProgress: ((value: unknown) => void) | undefined;
  signal: AbortSignalLike | undefined;
}

/** Validates `opts` and fills in the pool's defaults; throws InvalidArgumentError. */
export function checkRunOptions(opts: RunOptions, pool: FilledOptions): CheckedRunOptions {
  if (typeof opts !== 'object' || opts === null)
    throw new InvalidArgumentError(`run(task, options): options must be an object, got ${describe(opts)}`);
  const filename =
    opts.filename !== undefined && opts.filename !== null
      ? normalizeFilename(opts.filename, 'run(task, { filename })')
      : pool.filename;
  if (filename === null) throw new InvalidArgumentError('filename must be provided to run() or in options object');
  const name = opts.name ?? pool.name;
  if (typeof name !== 'string')
    throw new InvalidArgumentError(`run(task, { name }): name must be a string, got ${describe(name)}`);
  const transferList = opts.transferList;
  if (transferList !== undefined && !Array.isArray(transferList)) {
    throw new InvalidArgumentError(
      `run(task, { transferList }): transferList must be an array, got ${describe(transferList)}`,
    );
  }
  const timeout = opts.timeout ?? pool.taskTimeout;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(
      `run(task, { timeout }): timeout must be a non-negative number of ms or Infinity, got ${describe(timeout)}`,
    );
  }
  const onProgress = opts.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidArgumentError(
      `run(task, { onProgress }): onProgress must be a function, got ${describe(onProgress)}`,
    );
  }
  const signal = opts.signal ?? undefined;
  if (signal !== undefined && (typeof signal !== 'object' || !('addEventListener' in signal || 'once' in signal))) {
    throw new InvalidArgumentError(
      `run(task, { signal }): signal must be an AbortSignal or an EventEmitter that emits 'abort', got ` +
        `${describe(signal)}`,
    );
  }
  return { filename, name, transferList, timeout, onProgress, signal };
}
