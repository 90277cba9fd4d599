/**
 * `@sabkit/multiprocessing` in a browser (the `browser` export condition; built by
 * scripts/build-browser.mjs): Pool (module tasks by URL and inline functions, the same closure
 * rules as on Node) over @sabkit/piscina's browser engine, and the synchronisation and shared
 * memory of atomics-sync; Process as a module Web Worker; the parallel loops on a Pool; Manager,
 * SyncManager and BaseManager with their server in a module Web Worker (manager/platform.browser.ts),
 * local only: a network manager is refused (ManagerNetworkUnavailableError: no sockets).
 */
import { requireSharedMemory } from '@sabkit/atomics-sync';
import { Pool as NodePool } from './pool/pool.js';
import type { PoolOptions } from './pool/options.js';

/** Pool, failing first with the named error where the page has no SharedArrayBuffer. */
export class Pool extends NodePool {
  constructor(options?: number | PoolOptions) {
    requireSharedMemory('a Pool');
    super(options);
  }
}

export { defaultChunksize } from './pool/pool.js';
export type { PoolOptions, PoolTask, MapOptions, MapAsyncOptions, ImapOptions } from './pool/options.js';
export { AsyncResult, type ResultCallbacks } from './pool/async-result.js';
export { Process, activeChildren, EXIT_TERMINATED, EXIT_KILLED, type ProcessOptions } from './process/process.js';
export { currentProcess, parentProcess, cpuCount, type ProcessInfo } from './process/current-process.js';
export * from './manager/index.js';
export {
  parallelFor,
  parallelReduce,
  type LoopSource,
  type LoopRange,
  type LoopOptions,
  type LoopFn,
} from './parallel/parallel.js';
export type { TaskRef, ModuleTask } from './tasks/inline.js';
export { InlineFunctionError, InitializerError, InvalidStateError, KeyError } from './errors.js';
export { TaskModuleError } from '@sabkit/piscina';
export {
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  Value,
  Array,
  RawValue,
  RawArray,
  Queue,
  SimpleQueue,
  JoinableQueue,
  Pipe,
  Connection,
  TimeoutError,
  Empty,
  Full,
  BrokenBarrierError,
  EOFError,
  IndexError,
  SabkitError,
  InvalidArgumentError,
  ClosedError,
  OwnerDeadError,
  type WaitArg,
} from '@sabkit/atomics-sync';
