/**
 * Pool options: piscina 5's, with its defaults, plus sabkit's additions (taskTimeout,
 * maxTasksPerWorker, maxWorkerHeapMB, abortGraceMs). Validation happens here, once, before
 * anything is started; messages name the option, the rule and the value.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits, WorkerOptions } from 'node:worker_threads';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { FixedQueue, isTaskQueue, type TaskQueue } from './task-queue.js';

export type EnvSpecifier = WorkerOptions['env'];

export interface PiscinaOptions {
  /**
   * Module that exports the task function: absolute path, file URL or file URL string. Default null
   * (give it to run()).
   */
  filename?: string | URL | null;
  /** Export to call. Default 'default' (the default export or module.exports). */
  name?: string | null;
  /** Workers kept running. Default max(1, floor(availableParallelism() / 2)), as piscina. */
  minThreads?: number;
  /** Most workers. Default availableParallelism() * 1.5, as piscina. */
  maxThreads?: number;
  /** Ms an idle worker above minThreads lives. Default 0 (stopped at once); Infinity: never. */
  idleTimeout?: number;
  /** Most tasks waiting for a worker; 'auto' = maxThreads². Default Infinity. */
  maxQueue?: number | 'auto';
  /** Tasks one worker runs at once (useful for async tasks). Default 1. */
  concurrentTasksPerWorker?: number;
  /**
   * What an idle worker does. 'sync' (default): blocks in Atomics.wait, its event loop paused
   * until the next task, as piscina. 'async' (or piscina's 'disabled'): waits with
   * Atomics.waitAsync, so timers and I/O a task left running keep running between tasks.
   */
  atomics?: 'sync' | 'async' | 'disabled';
  resourceLimits?: ResourceLimits;
  argv?: unknown[];
  execArgv?: string[];
  env?: EnvSpecifier;
  /** Cloned into every worker: `workerData` of 'node:worker_threads' and of '@sabkit/piscina'. */
  workerData?: unknown;
  /** Order in which waiting tasks are handed out. Default a FIFO (FixedQueue). */
  taskQueue?: TaskQueue;
  trackUnmanagedFds?: boolean;
  /** Ms close() waits for running tasks before it stops them. Default 30000. */
  closeTimeout?: number;
  /** Keep run and wait time histograms. Default true. */
  recordTiming?: boolean;
  /** Default timeout of every task, in ms from its start in the worker. Default Infinity. */
  taskTimeout?: number;
  /** Replace a worker after it has been given this many tasks. Default Infinity. */
  maxTasksPerWorker?: number;
  /** Replace a worker whose heap use exceeds this many MiB (checked after tasks). Default Infinity. */
  maxWorkerHeapMB?: number;
  /**
   * Ms a running task that called taskSignal() gets to stop after it is aborted or times out,
   * before its worker is terminated. A task that never asked for its signal cannot see the
   * cancellation, so its worker is terminated at once, as piscina does. Default 1000.
   */
  abortGraceMs?: number;
}

/** Options after defaults, as `pool.options` shows them. */
export interface FilledOptions {
  readonly filename: string | null;
  readonly name: string;
  readonly minThreads: number;
  readonly maxThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
  readonly concurrentTasksPerWorker: number;
  readonly atomics: 'sync' | 'async' | 'disabled';
  readonly resourceLimits: ResourceLimits | undefined;
  readonly argv: unknown[] | undefined;
  readonly execArgv: string[] | undefined;
  readonly env: EnvSpecifier | undefined;
  readonly workerData: unknown;
  readonly taskQueue: TaskQueue;
  readonly trackUnmanagedFds: boolean;
  readonly closeTimeout: number;
  readonly recordTiming: boolean;
  readonly taskTimeout: number;
  readonly maxTasksPerWorker: number;
  readonly maxWorkerHeapMB: number;
  readonly abortGraceMs: number;
}

const cpus = availableParallelism();

export const DEFAULT_OPTIONS = {
  filename: null,
  name: 'default',
  minThreads: Math.max(1, Math.floor(cpus / 2)),
  maxThreads: cpus * 1.5,
  idleTimeout: 0,
  maxQueue: Infinity,
  concurrentTasksPerWorker: 1,
  atomics: 'sync',
  trackUnmanagedFds: true,
  closeTimeout: 30_000,
  recordTiming: true,
  taskTimeout: Infinity,
  maxTasksPerWorker: Infinity,
  maxWorkerHeapMB: Infinity,
  abortGraceMs: 1000,
} as const;

/**
 * Normalises a task module reference to what the worker imports: a file URL string stays; a URL
 * becomes its href; a relative path is resolved against the current directory; an absolute path
 * stays a path.
 */
export function normalizeFilename(value: unknown, param: string): string {
  if (value instanceof URL) return value.href;
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(
      `${param} must be a non-empty string (absolute path or file URL) or a URL, got ${describe(value)}`,
    );
  }
  if (value.startsWith('file:')) {
    fileURLToPath(value); // throws for a malformed file URL
    return value;
  }
  return isAbsolute(value) ? value : resolve(value);
}

function count(opts: Record<string, unknown>, key: string, min: number, infinity: boolean): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (
    typeof v !== 'number' ||
    Number.isNaN(v) ||
    v < min ||
    (!infinity && !Number.isFinite(v)) ||
    (Number.isFinite(v) && !Number.isInteger(v))
  ) {
    throw new InvalidArgumentError(
      `options.${key} must be ${infinity ? `an integer >= ${min} or Infinity` : `an integer >= ${min}`}, ` +
        `got ${describe(v)}`,
    );
  }
  return v;
}

function ms(opts: Record<string, unknown>, key: string): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    throw new InvalidArgumentError(
      `options.${key} must be a non-negative number of milliseconds or Infinity, got ${describe(v)}`,
    );
  }
  return v;
}

function oneOf<T extends string>(opts: Record<string, unknown>, key: string, values: readonly T[]): T | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (!values.includes(v as T))
    throw new InvalidArgumentError(
      `options.${key} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}`,
    );
  return v as T;
}

function bool(opts: Record<string, unknown>, key: string): boolean | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`options.${key} must be a boolean, got ${describe(v)}`);
  return v;
}

export function fillOptions(options: PiscinaOptions | undefined): FilledOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError(`options must be an object, got ${describe(options)}`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  const filename =
    o.filename === undefined || o.filename === null ? null : normalizeFilename(o.filename, 'options.filename');
  if (o.name !== undefined && o.name !== null && typeof o.name !== 'string') {
    throw new InvalidArgumentError(`options.name must be a string or null, got ${describe(o.name)}`);
  }
  let minThreads = count(o, 'minThreads', 0, false);
  let maxThreads = count(o, 'maxThreads', 1, false);
  if (minThreads !== undefined && maxThreads !== undefined && minThreads > maxThreads) {
    throw new InvalidArgumentError(
      `options.minThreads (${minThreads}) must not exceed options.maxThreads (${maxThreads})`,
    );
  }
  // As piscina: an explicit bound pulls the other default along.
  maxThreads = Math.floor(maxThreads ?? Math.max(DEFAULT_OPTIONS.maxThreads, minThreads ?? 0));
  minThreads = Math.min(minThreads ?? DEFAULT_OPTIONS.minThreads, maxThreads);
  const maxQueueRaw = o.maxQueue;
  let maxQueue: number;
  if (maxQueueRaw === 'auto') maxQueue = maxThreads ** 2;
  else maxQueue = count(o, 'maxQueue', 0, true) ?? DEFAULT_OPTIONS.maxQueue;
  if (o.resourceLimits !== undefined && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null)) {
    throw new InvalidArgumentError(`options.resourceLimits must be an object, got ${describe(o.resourceLimits)}`);
  }
  if (o.argv !== undefined && !Array.isArray(o.argv))
    throw new InvalidArgumentError(`options.argv must be an array, got ${describe(o.argv)}`);
  if (o.execArgv !== undefined && (!Array.isArray(o.execArgv) || o.execArgv.some((a) => typeof a !== 'string'))) {
    throw new InvalidArgumentError(`options.execArgv must be an array of strings, got ${describe(o.execArgv)}`);
  }
  if (o.taskQueue !== undefined && !isTaskQueue(o.taskQueue)) {
    throw new InvalidArgumentError(
      `options.taskQueue must be a TaskQueue (size, shift(), remove(task), push(task)), got ${describe(o.taskQueue)}`,
    );
  }
  const maxHeap = o.maxWorkerHeapMB;
  if (maxHeap !== undefined && (typeof maxHeap !== 'number' || !(maxHeap > 0))) {
    throw new InvalidArgumentError(
      `options.maxWorkerHeapMB must be a positive number of MiB or Infinity, got ${describe(maxHeap)}`,
    );
  }
  return {
    filename,
    name: (o.name as string | null | undefined) ?? DEFAULT_OPTIONS.name,
    minThreads,
    maxThreads,
    idleTimeout: ms(o, 'idleTimeout') ?? DEFAULT_OPTIONS.idleTimeout,
    maxQueue,
    concurrentTasksPerWorker:
      count(o, 'concurrentTasksPerWorker', 1, false) ?? DEFAULT_OPTIONS.concurrentTasksPerWorker,
    atomics: oneOf(o, 'atomics', ['sync', 'async', 'disabled'] as const) ?? DEFAULT_OPTIONS.atomics,
    resourceLimits: o.resourceLimits as ResourceLimits | undefined,
    argv: o.argv as unknown[] | undefined,
    execArgv: o.execArgv as string[] | undefined,
    env: o.env as EnvSpecifier | undefined,
    workerData: o.workerData,
    taskQueue: (o.taskQueue as TaskQueue | undefined) ?? new FixedQueue(),
    trackUnmanagedFds: bool(o, 'trackUnmanagedFds') ?? DEFAULT_OPTIONS.trackUnmanagedFds,
    closeTimeout: ms(o, 'closeTimeout') ?? DEFAULT_OPTIONS.closeTimeout,
    recordTiming: bool(o, 'recordTiming') ?? DEFAULT_OPTIONS.recordTiming,
    taskTimeout: ms(o, 'taskTimeout') ?? DEFAULT_OPTIONS.taskTimeout,
    maxTasksPerWorker: count(o, 'maxTasksPerWorker', 1, true) ?? DEFAULT_OPTIONS.maxTasksPerWorker,
    maxWorkerHeapMB: (maxHeap as number | undefined) ?? DEFAULT_OPTIONS.maxWorkerHeapMB,
    abortGraceMs: ms(o, 'abortGraceMs') ?? DEFAULT_OPTIONS.abortGraceMs,
  };
}
