// Public API of @sabkit/atomics-sync. This file only re-exports; one primitive per module.
export * from './errors.js';
export {
  registerErrorClass,
  serializeError,
  deserializeError,
  isSerializedError,
  SERIALIZED_ERROR_TAG,
  type SerializedError,
} from './codec/error-transport.js';
export {
  KIND_PROPERTY,
  revive,
  isSharedDescriptor,
  registerKind,
  setKindLoader,
  hasSharedMemory,
  requireSharedMemory,
  newSharedBuffer,
  type SharedDescriptor,
  type SharedRegion,
} from './runtime/shared.js';
export {
  SPIN_ITERATIONS,
  canBlock,
  waitArgs,
  type WaitResult,
  type WaitOptions,
  type WaitArg,
  type TimeoutRule,
} from './runtime/wait.js';
export {
  currentThreadId,
  markThreadDead,
  isThreadDead,
  watchWorker,
  livenessTable,
  DEAD_TABLE_THREADS,
} from './runtime/liveness.js';
export {
  registerStructTypeFactory,
  structTypeFromSchema,
  isStructTypeLike,
  type StructTypeLike,
} from './cells/struct-type.js';
export { Lock } from './sync/lock.js';
export { RLock } from './sync/rlock.js';
export type { OwnerDeadHandler } from './sync/scoped.js';
export { Semaphore, HOLDER_SLOTS, SEMAPHORE_MAX_VALUE, type SemaphoreRecovery } from './sync/semaphore.js';
export { BoundedSemaphore } from './sync/bounded-semaphore.js';
export { ROBUST_POLL_MS, STARVATION_MS } from './sync/lock-core.js';
export { Condition, type ConditionDescriptor, type ConditionLock, type ConditionOptions } from './sync/condition.js';
export { Event, type EventDescriptor } from './sync/event.js';
export { Barrier, type BarrierAction, type BarrierDescriptor } from './sync/barrier.js';
export { Value, type ValueDescriptor, type ValueOptions } from './cells/value.js';
export {
  SharedArray,
  SharedArray as Array,
  type SharedArrayDescriptor,
  type SharedArrayOptions,
} from './cells/shared-array.js';
export { RawValue, type RawValueDescriptor } from './cells/raw-value.js';
export { RawArray, type RawArrayDescriptor, type LengthOrValues } from './cells/raw-array.js';
export type { CellLock, LockOption } from './cells/cell-lock.js';
export {
  SCALAR_TYPES,
  PYTHON_TYPECODES,
  type ScalarInfo,
  type ScalarName,
  type ScalarCode,
  type SmallIntCode,
  type BigIntCode,
  type FloatCode,
  type IntegerCode,
  type CellType,
  type CellValue,
  type CellInit,
  type CellView,
  type IntOperand,
  type NumericOperand,
} from './cells/typecodes.js';
/** The value codec: its functions and the constants of its format (drawn in src/codec/codec.ts). */
export * as codec from './codec/codec.js';
export { Queue, DEFAULT_QUEUE_CAPACITY, type QueueOptions, type QueueDescriptor } from './channels/queue.js';
export { SimpleQueue, type SimpleQueueOptions } from './channels/simple-queue.js';
export { JoinableQueue } from './channels/joinable-queue.js';
export {
  Pipe,
  Connection,
  pipeByteLength,
  DEFAULT_PIPE_CAPACITY,
  type PipeOptions,
  type ConnectionDescriptor,
} from './channels/pipe.js';
export { MAX_MESSAGE_BYTES } from './channels/ring.js';
