// Public API of @sabkit/piscina: the drop-in for npm's piscina and its worker-side API. This file
// only re-exports. Python's multiprocessing API lives in @sabkit/multiprocessing.
export {
  Piscina,
  Piscina as default,
  VERSION as version,
  type CloseOptions,
  type PiscinaHistogram,
} from './piscina.js';
export type { RunOptions } from './engine/run-options.js';
export type { TaskArgument, TaskExport, TaskExportName, TaskFunction, TaskResult } from './task-types.js';
export type { PiscinaOptions, FilledOptions, PiscinaLoadBalancer, BalancedWorker } from './engine/options.js';
export type { HistogramSummary } from './engine/histogram.js';
export type { PoolWorker } from './engine/public-worker.js';
export type { AbortSignalLike } from './engine/task.js';
export { ArrayTaskQueue, FixedQueue, type TaskQueue, type Task, type PiscinaTask } from './engine/task-queue.js';
export {
  move,
  isTransferable,
  isMovable,
  kTransferable as transferableSymbol,
  kValue as valueSymbol,
  kQueueOptions as queueOptionsSymbol,
  type Transferable,
} from './transfer.js';
export { isWorkerThread, workerData, taskSignal, reportProgress } from './worker-api.js';
export * from './errors.js';
