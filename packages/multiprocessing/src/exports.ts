// Everything @sabkit/multiprocessing exports except the Pool class, whose Node and browser entries
// differ (index.ts, browser-index.ts): the one list both entries re-export. This file only re-exports.

// Pools of workers (on @sabkit/piscina's engine) and their results.
export { defaultChunksize } from './pool/pool.js';
export type { PoolOptions, PoolTask, MapOptions, MapAsyncOptions, ImapOptions } from './pool/options.js';
export { AsyncResult, type ResultCallbacks } from './pool/async-result.js';
// Processes: one worker running one function.
export { Process, activeChildren, EXIT_TERMINATED, EXIT_KILLED, type ProcessOptions } from './process/process.js';
export { currentProcess, parentProcess, cpuCount, type ProcessInfo } from './process/current-process.js';
// Server process: objects owned by one worker (or a server elsewhere on the network), used
// through proxies.
export * from './manager/index.js';
// Parallel loops over numeric ranges and shared arrays.
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
// A module task that cannot be loaded in a worker (Python: the seed's "must be importable").
export { TaskModuleError } from '@sabkit/piscina';

// Synchronisation, shared memory and channels: what Python's module offers, from atomics-sync.
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
  // Python's exceptions: multiprocessing.TimeoutError, queue.Empty/Full, threading.BrokenBarrierError...
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
