/**
 * Pool options: piscina 5's, with its defaults, plus sabkit's additions (taskTimeout,
 * maxTasksPerWorker, maxWorkerHeapMB, abortGraceMs). Validation happens here, once, before
 * anything is started. An option piscina checks fails as piscina's does: a TypeError (RangeError
 * for minThreads > maxThreads) with piscina's exact message, which code written for piscina may
 * match on; sabkit's own checks name the option, the rule and the value.
 *
 * Only the options object's own properties are read (piscina 5.3.2's fix): an `execArgv`, `env`,
 * `loadBalancer`... planted on Object.prototype is not an option, and `pool.options` is a
 * null-prototype object, so reading an option it lacks cannot reach Object.prototype either.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits, WorkerOptions } from 'node:worker_threads';
import { describe } from '@sabkit/atomics-sync/core';
import { ArgumentRangeError, ArgumentTypeError } from '../errors.js';
import { FixedQueue, isTaskQueue, type PiscinaTask, type TaskQueue } from './task-queue.js';

export type EnvSpecifier = WorkerOptions['env'];

/** What a load balancer sees of a worker (piscina's PiscinaWorker). */
export interface BalancedWorker {
  readonly id: number;
  /** Tasks the worker holds. */
  readonly currentUsage: number;
  readonly isRunningAbortableTask: boolean;
  /** The worker's run-time summary, with `workerHistogram: true`; null otherwise. */
  readonly histogram: object | null;
  readonly terminating: boolean;
  readonly destroyed: boolean;
}

/** Picks the worker for `task` among `workers`, or null to leave the task queued (piscina's). */
export type PiscinaLoadBalancer = (task: PiscinaTask, workers: BalancedWorker[]) => BalancedWorker | null;

/** `new Piscina(options)`: piscina 5's options and sabkit's own; defaults and units in docs/pool.md. */
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
  /** Keep a run-time histogram per worker (a balancer's `worker.histogram`). Default false. */
  workerHistogram?: boolean;
  /** Added to each worker thread's nice value (Linux; a lower priority). Default 0. */
  niceIncrement?: number;
  /** A task that waited in the queue goes before newer tasks even if a worker frees up. Default false. */
  stricterFIFO?: boolean;
  /** Chooses the worker for each task. Default: the least busy one. */
  loadBalancer?: PiscinaLoadBalancer;
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
  readonly workerHistogram: boolean;
  readonly niceIncrement: number;
  readonly stricterFIFO: boolean;
  readonly loadBalancer: PiscinaLoadBalancer | undefined;
  readonly taskTimeout: number;
  readonly maxTasksPerWorker: number;
  readonly maxWorkerHeapMB: number;
  readonly abortGraceMs: number;
}

// The thread counts' defaults are getters: they load node:os (~0.3 ms), which a pool given both
// counts does not need before its first thread has started (engine/thread-start.ts).
export const DEFAULT_OPTIONS = {
  filename: null,
  name: 'default',
  get minThreads(): number {
    return Math.max(1, Math.floor(availableParallelism() / 2));
  },
  get maxThreads(): number {
    return availableParallelism() * 1.5;
  },
  idleTimeout: 0,
  maxQueue: Infinity,
  concurrentTasksPerWorker: 1,
  atomics: 'sync',
  trackUnmanagedFds: true,
  closeTimeout: 30_000,
  recordTiming: true,
  workerHistogram: false,
  niceIncrement: 0,
  stricterFIFO: false,
  taskTimeout: Infinity,
  maxTasksPerWorker: Infinity,
  maxWorkerHeapMB: Infinity,
  abortGraceMs: 1000,
} as const;

type Opts = Record<string, unknown>;

/** `value`'s own enumerable properties on a null-prototype object: what piscina reads options from. */
export function ownProperties(value: object | undefined): Opts {
  return Object.assign(Object.create(null) as Opts, value);
}

/**
 * Normalises a task module reference to what the worker imports: a file URL string stays; a URL
 * becomes its href; a relative path is resolved against the current directory; an absolute path
 * stays a path. The caller has checked that it is a string or a URL.
 */
export function normalizeFilename(value: string | URL, param: string): string {
  if (value instanceof URL) return value.href;
  if (value === '') throw new ArgumentTypeError(`${param} must be an absolute path, a file URL or a URL, got ''`);
  if (value.startsWith('file:')) {
    fileURLToPath(value); // throws for a malformed file URL
    return value;
  }
  return isAbsolute(value) ? value : resolve(value);
}

/** An integer >= min (or Infinity if allowed); NaN, fractions and non-numbers fail with `message`. */
function int(o: Opts, key: string, min: number, infinity: boolean, message: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if ((Number.isInteger(v) && (v as number) >= min) || (infinity && v === Infinity)) return v as number;
  throw new ArgumentTypeError(message);
}

/** Milliseconds: a number >= 0, fractions and Infinity allowed, NaN not. */
function ms(o: Opts, key: string, message?: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && v >= 0) return v;
  throw new ArgumentTypeError(
    message ?? `options.${key} must be a non-negative number of milliseconds or Infinity, got ${describe(v)}`,
  );
}

function bool(o: Opts, key: string, message?: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw new ArgumentTypeError(message ?? `options.${key} must be a boolean, got ${describe(v)}`);
}

function checkFilename(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' && !(v instanceof URL))
    throw new ArgumentTypeError('options.filename must be a string or null');
  return normalizeFilename(v, 'options.filename');
}

function threads(o: Opts): { minThreads: number; maxThreads: number } {
  const min = int(o, 'minThreads', 0, false, 'options.minThreads must be a non-negative integer');
  const max = int(o, 'maxThreads', 1, false, 'options.maxThreads must be a positive integer');
  if (min !== undefined && max !== undefined && min > max)
    throw new ArgumentRangeError('options.minThreads and options.maxThreads must not conflict');
  // As piscina: an explicit bound pulls the other default along.
  const maxThreads = Math.floor(max ?? Math.max(DEFAULT_OPTIONS.maxThreads, min ?? 0));
  return { minThreads: Math.min(min ?? DEFAULT_OPTIONS.minThreads, maxThreads), maxThreads };
}

/** The options piscina 5.3.2 does not check, checked the sabkit way. */
function checkWorkerOptions(o: Opts): void {
  if (o.resourceLimits !== undefined && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null))
    throw new ArgumentTypeError('options.resourceLimits must be an object');
  if (o.argv !== undefined && !Array.isArray(o.argv))
    throw new ArgumentTypeError(`options.argv must be an array, got ${describe(o.argv)}`);
  if (o.execArgv !== undefined && (!Array.isArray(o.execArgv) || o.execArgv.some((a) => typeof a !== 'string')))
    throw new ArgumentTypeError(`options.execArgv must be an array of strings, got ${describe(o.execArgv)}`);
  const maxHeap = o.maxWorkerHeapMB;
  if (maxHeap !== undefined && (typeof maxHeap !== 'number' || !(maxHeap > 0))) {
    throw new ArgumentTypeError(
      `options.maxWorkerHeapMB must be a positive number of MiB or Infinity, got ${describe(maxHeap)}`,
    );
  }
}

/** niceIncrement: an integer, >= 0 except on Windows (where a negative one raises the priority). */
function nice(o: Opts): number | undefined {
  const v = o.niceIncrement;
  if (v === undefined) return undefined;
  if (Number.isInteger(v) && ((v as number) >= 0 || process.platform === 'win32')) return v as number;
  throw new ArgumentTypeError('options.niceIncrement must be a non-negative integer on Unix systems');
}

export function fillOptions(options: PiscinaOptions | undefined): FilledOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new ArgumentTypeError(`options must be an object, got ${describe(options)}`);
  const o = ownProperties(options);
  const filename = checkFilename(o.filename);
  if (o.name !== undefined && o.name !== null && typeof o.name !== 'string')
    throw new ArgumentTypeError('options.name must be a string or null');
  const { minThreads, maxThreads } = threads(o);
  const idleTimeout = ms(o, 'idleTimeout', 'options.idleTimeout must be a non-negative integer');
  const maxQueue =
    o.maxQueue === 'auto'
      ? maxThreads ** 2
      : int(o, 'maxQueue', 0, true, 'options.maxQueue must be a non-negative integer');
  const concurrent = 'options.concurrentTasksPerWorker must be a positive integer';
  const concurrentTasksPerWorker = int(o, 'concurrentTasksPerWorker', 1, false, concurrent);
  if (o.atomics !== undefined && o.atomics !== null && !['sync', 'async', 'disabled'].includes(o.atomics as string))
    throw new ArgumentTypeError('options.atomics should be a value of sync, sync or disabled.');
  checkWorkerOptions(o);
  if (o.taskQueue !== undefined && !isTaskQueue(o.taskQueue))
    throw new ArgumentTypeError('options.taskQueue must be a TaskQueue object');
  if (o.loadBalancer !== undefined && typeof o.loadBalancer !== 'function')
    throw new ArgumentTypeError('options.loadBalancer must be a function (task, workers) => worker | null');
  const got = describe(o.maxTasksPerWorker);
  const perWorker = `options.maxTasksPerWorker must be an integer >= 1 or Infinity, got ${got}`;
  const filled: FilledOptions = {
    filename,
    name: (o.name as string | null | undefined) ?? DEFAULT_OPTIONS.name,
    minThreads,
    maxThreads,
    idleTimeout: idleTimeout ?? DEFAULT_OPTIONS.idleTimeout,
    maxQueue: maxQueue ?? DEFAULT_OPTIONS.maxQueue,
    concurrentTasksPerWorker: concurrentTasksPerWorker ?? DEFAULT_OPTIONS.concurrentTasksPerWorker,
    atomics: (o.atomics as FilledOptions['atomics'] | null | undefined) ?? DEFAULT_OPTIONS.atomics,
    resourceLimits: o.resourceLimits as ResourceLimits | undefined,
    argv: o.argv as unknown[] | undefined,
    execArgv: o.execArgv as string[] | undefined,
    env: o.env as EnvSpecifier | undefined,
    workerData: o.workerData,
    taskQueue: (o.taskQueue as TaskQueue | undefined) ?? new FixedQueue(),
    trackUnmanagedFds:
      bool(o, 'trackUnmanagedFds', 'options.trackUnmanagedFds must be a boolean value') ??
      DEFAULT_OPTIONS.trackUnmanagedFds,
    closeTimeout:
      ms(o, 'closeTimeout', 'options.closeTimeout must be a non-negative integer') ?? DEFAULT_OPTIONS.closeTimeout,
    recordTiming: bool(o, 'recordTiming') ?? DEFAULT_OPTIONS.recordTiming,
    workerHistogram:
      bool(o, 'workerHistogram', 'options.workerHistogram must be a boolean') ?? DEFAULT_OPTIONS.workerHistogram,
    niceIncrement: nice(o) ?? DEFAULT_OPTIONS.niceIncrement,
    stricterFIFO: bool(o, 'stricterFIFO', 'options.stricterFIFO must be a boolean') ?? DEFAULT_OPTIONS.stricterFIFO,
    loadBalancer: o.loadBalancer as PiscinaLoadBalancer | undefined,
    taskTimeout: ms(o, 'taskTimeout') ?? DEFAULT_OPTIONS.taskTimeout,
    maxTasksPerWorker: int(o, 'maxTasksPerWorker', 1, true, perWorker) ?? DEFAULT_OPTIONS.maxTasksPerWorker,
    maxWorkerHeapMB: (o.maxWorkerHeapMB as number | undefined) ?? DEFAULT_OPTIONS.maxWorkerHeapMB,
    abortGraceMs: ms(o, 'abortGraceMs') ?? DEFAULT_OPTIONS.abortGraceMs,
  };
  return Object.assign(Object.create(null) as FilledOptions, filled);
}
