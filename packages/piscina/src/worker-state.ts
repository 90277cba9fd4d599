/**
 * State a pool worker shares between the pool's worker loop and the worker-side API
 * (taskSignal, reportProgress, isWorkerThread). It lives on globalThis under a registered symbol,
 * not in a module variable: a task module may load @sabkit/piscina from another path than the
 * worker entry did (dist vs. a test build, two installed copies), and every copy must see the one
 * current task.
 */

/** Environment-data key under which the pool hands a new worker its start-up record. */
export const INIT_ENV_KEY = 'sabkit:piscina:init:v1';
/** globalThis key of the worker's WorkerGlobalState. */
export const WORKER_STATE_KEY: unique symbol = Symbol.for('sabkit.piscina.worker.v1') as never;

/** What a worker needs to start; travels as environment data (structured clone, SABs shared). */
export interface WorkerInit {
  /** This worker's channel (dispatch/layout.ts). */
  readonly channel: SharedArrayBuffer;
  /** The pool's shared words (MAIN_BELL, MAIN_PARKED). */
  readonly pool: SharedArrayBuffer;
  /** Function id 0: the pool's default module and export, loaded before the worker is ready. */
  readonly filename: string | null;
  readonly name: string;
  /** Tasks this worker runs at once (options.concurrentTasksPerWorker). */
  readonly concurrency: number;
  /** 'sync': an idle worker blocks its event loop in Atomics.wait; otherwise it keeps running. */
  readonly atomics: 'sync' | 'async' | 'disabled';
  /** Heap limit in MiB above which the worker asks to be replaced (0: none). */
  readonly maxHeapMB: number;
  /** Added to the worker thread's nice value before anything else runs (Linux; worker/nice.ts). */
  readonly niceIncrement: number;
  /** V8 code cache for the worker entry bundle, made by an earlier worker (worker/launch.cts). */
  readonly codeCache?: Uint8Array;
  /** Make a code cache after the first task and send it to main (CODE_CACHE_MESSAGE). */
  readonly produceCodeCache: boolean;
  /** Main's epoch clock minus process.hrtime in ms (dispatch/clock.ts); undefined: the worker uses `performance`. */
  readonly epochOffset?: number;
}

/** The pool options a worker's start-up record carries (engine/options.ts's FilledOptions has them). */
export interface WorkerInitOptions {
  readonly filename: string | null;
  readonly name: string;
  readonly concurrentTasksPerWorker: number;
  readonly atomics: WorkerInit['atomics'];
  readonly maxWorkerHeapMB: number;
  readonly niceIncrement: number;
}

/**
 * A worker's start-up record, built here for Node's threads (engine/thread-start.ts) and the
 * browser's (engine/worker-pool.browser.ts) alike. `node` is what only Node's threads have: the
 * entry's code cache (engine/code-cache.ts), a heap limit, a nice value and the clock's epoch offset
 * (dispatch/clock.ts); without it they are off.
 */
export function workerInit(
  options: WorkerInitOptions,
  channel: SharedArrayBuffer,
  pool: SharedArrayBuffer,
  node?: {
    readonly codeCache: Uint8Array | undefined;
    readonly produceCodeCache: boolean;
    readonly epochOffset: number | undefined;
  },
): WorkerInit {
  return {
    channel,
    pool,
    filename: options.filename,
    name: options.name,
    concurrency: options.concurrentTasksPerWorker,
    atomics: options.atomics,
    maxHeapMB: node !== undefined && Number.isFinite(options.maxWorkerHeapMB) ? options.maxWorkerHeapMB : 0,
    niceIncrement: node !== undefined ? options.niceIncrement : 0,
    codeCache: node?.codeCache,
    produceCodeCache: node?.produceCodeCache ?? false,
    epochOffset: node?.epochOffset,
  };
}

/** globalThis key of the WorkerLaunch that worker/launch.cts leaves for the entry. */
export const LAUNCH_KEY: unique symbol = Symbol.for('sabkit.piscina.launch.v1') as never;

/**
 * What became of a code cache of the worker entry: none given (or found), accepted, rejected by V8, no
 * bundle to cache, or (the disk cache) turned off or not usable.
 */
export type CodeCacheStatus = 'none' | 'accepted' | 'rejected' | 'unbundled' | 'off';

/** What the worker's launch script (worker/launch.cts) provides to the entry. */
export interface WorkerLaunch {
  /** import(), from a module in the entry's directory (the bundle, compiled by vm.Script, has none). */
  importModule(specifier: string): Promise<unknown>;
  /**
   * require(), from the same directory: what the worker loads on demand and at once (the sabkit
   * kinds when a task first carries a sabkit object, the pool's error classes for a cancel reason).
   */
  require(specifier: string): unknown;
  /** The entry bundle's code cache, with what has been compiled so far; undefined when unbundled. */
  createCodeCache(): Uint8Array | undefined;
  /** The cache main gave this worker (in memory). */
  readonly codeCache: CodeCacheStatus;
  /** The disk cache, read when main gave none (worker/launch.cts). */
  readonly diskCache: CodeCacheStatus;
  /** Makes and writes the disk cache, when there was none usable; call after the first task, off its path. */
  readonly saveDiskCache: (() => void) | undefined;
}

export function workerLaunch(): WorkerLaunch | undefined {
  return (globalThis as Record<symbol, unknown>)[LAUNCH_KEY] as WorkerLaunch | undefined;
}

/** The task a worker is running, as the worker-side API sees it. */
export interface TaskContextLike {
  /** The task's cancellation signal (created on first use). */
  signal(): AbortSignal;
  /** Sends a progress value to the caller's onProgress (dropped if the caller did not ask). */
  progress(value: unknown): void;
}

export interface WorkerGlobalState {
  readonly init: WorkerInit;
  /** The running task when the worker runs one task at a time. */
  current: TaskContextLike | undefined;
  /** The running task of the calling async context (reads an AsyncLocalStorage when concurrent). */
  getCurrent(): TaskContextLike | undefined;
  /**
   * Work in flight that needs this worker's event loop (see holdEventLoop). While any is pending,
   * an idle worker parks with Atomics.waitAsync instead of blocking in Atomics.wait.
   */
  readonly holds: Set<PromiseLike<unknown>>;
}

/**
 * Keeps this pool worker's event loop turning until `work` settles, even while the worker is idle.
 * An idle worker normally blocks in Atomics.wait (atomics: 'sync'), which freezes its event loop:
 * work started in the background at start-up (a dynamic import, a Pool's initializer) would then
 * not progress until a task arrives. No effect outside a pool worker.
 */
export function holdEventLoop(work: PromiseLike<unknown>): void {
  const state = workerGlobalState();
  if (state === undefined) return;
  state.holds.add(work);
  const release = (): void => {
    state.holds.delete(work);
  };
  work.then(release, release);
}

export function workerGlobalState(): WorkerGlobalState | undefined {
  return (globalThis as Record<symbol, unknown>)[WORKER_STATE_KEY] as WorkerGlobalState | undefined;
}
