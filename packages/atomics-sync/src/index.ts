// Public API of @sabkit/atomics-sync. This file only re-exports; one primitive per module.
export * from './errors.js';
export { registerErrorClass, serializeError, deserializeError, isSerializedError, SERIALIZED_ERROR_TAG, type SerializedError } from './error-transport.js';
export { KIND_PROPERTY, revive, isSharedDescriptor, registerKind, type SharedDescriptor, type SharedRegion } from './shared.js';
export { SPIN_ITERATIONS, canBlock, type WaitResult } from './wait.js';
export { currentThreadId, markThreadDead, isThreadDead, watchWorker, livenessTable, DEAD_TABLE_THREADS } from './liveness.js';
export { registerStructTypeFactory, structTypeFromSchema, isStructTypeLike, type StructTypeLike } from './struct-type.js';
export { Lock, type WithLockOptions } from './lock.js';
export { RLock } from './rlock.js';
export { Semaphore, HOLDER_SLOTS, SEMAPHORE_MAX_VALUE } from './semaphore.js';
export { BoundedSemaphore } from './bounded-semaphore.js';
export { ROBUST_POLL_MS, STARVATION_MS } from './lock-core.js';
export { Condition, type ConditionDescriptor, type ConditionLock, type ConditionOptions } from './condition.js';
export { Event, type EventDescriptor } from './event.js';
export { Barrier, type BarrierAction, type BarrierDescriptor } from './barrier.js';
export { Value, type ValueDescriptor, type ValueOptions } from './value.js';
export { SharedArray, SharedArray as Array, type SharedArrayDescriptor, type SharedArrayOptions } from './shared-array.js';
export { RawValue, type RawValueDescriptor } from './raw-value.js';
export { RawArray, type RawArrayDescriptor, type LengthOrValues } from './raw-array.js';
export { type CellLock, type LockOption } from './cell-lock.js';
export {
  SCALAR_TYPES, PYTHON_TYPECODES, type ScalarInfo, type ScalarName, type ScalarCode, type SmallIntCode, type BigIntCode, type FloatCode,
  type IntegerCode, type CellType, type CellValue, type CellInit, type CellView, type IntOperand, type NumericOperand,
} from './typecodes.js';
export * as codec from './codec.js';
export { Queue, DEFAULT_QUEUE_CAPACITY, type QueueOptions, type QueueDescriptor } from './queue.js';
export { SimpleQueue, type SimpleQueueOptions, type SimpleQueueWaitOptions } from './simple-queue.js';
export { JoinableQueue } from './joinable-queue.js';
export { Pipe, Connection, pipeByteLength, DEFAULT_PIPE_CAPACITY, type PipeOptions, type ConnectionDescriptor, type ConnectionWaitOptions } from './pipe.js';
export { MAX_MESSAGE_BYTES } from './ring.js';
export { type WaitOptions as QueueWaitOptions } from './ring-ops.js';
