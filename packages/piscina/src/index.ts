// Public API of @sabkit/piscina. This file only re-exports.
export { Piscina, Piscina as default, VERSION as version, type CloseOptions, type PiscinaHistogram } from './piscina.js';
export type { RunOptions } from './run-options.js';
export type { PiscinaOptions, FilledOptions } from './options.js';
export type { HistogramSummary } from './histogram.js';
export type { PoolWorker } from './workers.js';
export type { AbortSignalLike } from './task.js';
export { ArrayTaskQueue, FixedQueue, type TaskQueue, type Task, type PiscinaTask } from './task-queue.js';
export { move, isTransferable, isMovable, kTransferable as transferableSymbol, kValue as valueSymbol, kQueueOptions as queueOptionsSymbol, type Transferable } from './transfer.js';
export { isWorkerThread, workerData, taskSignal, reportProgress } from './worker-api.js';
export * from './errors.js';
// Python's multiprocessing API on the same engine: Pool, Process, Manager, parallel loops.
export { Pool, defaultChunksize, type PoolOptions, type PoolTask, type ImapOptions } from './pool.js';
export { AsyncResult, type ResultCallbacks } from './async-result.js';
export { Process, activeChildren, EXIT_TERMINATED, EXIT_KILLED, type ProcessOptions } from './process.js';
export { currentProcess, parentProcess, cpuCount, type ProcessInfo } from './current-process.js';
export { Manager, DictProxy, ListProxy, NamespaceProxy, pyRepr, type ManagerOptions } from './manager.js';
export { parallelFor, parallelReduce, type LoopSource, type LoopRange, type LoopOptions, type LoopFn } from './parallel.js';
export { InlineFunctionError, InitializerError, InvalidStateError, KeyError } from './mp-errors.js';
export type { TaskRef, ModuleTask } from './inline.js';
