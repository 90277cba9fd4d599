// Public API of @sabkit/cluster: the local Pool's API past one machine, on BullMQ and Redis
// (docs/cluster.md). This file only re-exports.

export { ClusterPool } from './caller/cluster-pool.js';
export type {
  ClusterPoolOptions,
  CallOptions,
  ApplyOptions,
  ClusterMapOptions,
  ClusterMapAsyncOptions,
  ClusterImapOptions,
  ProgressCallback,
} from './caller/options.js';
export type { ClusterTask, RootModuleTask } from './protocol/task-ref.js';
export type { ClusterConnection } from './connection.js';
export type { SigningKey } from './protocol/sign.js';
// The worker side: what `sabkit-worker` runs, for programs that embed it.
export { ClusterWorker, type ClusterWorkerOptions } from './worker/cluster-worker.js';
// Inside a task: progress of its chunk, seen by the caller's onProgress.
export { reportProgress } from './task/progress.js';
export { SignatureError, JobFailedError } from './errors.js';
// Shared with the local Pool.
export { AsyncResult, TaskModuleError, InlineFunctionError } from '@sabkit/multiprocessing';
