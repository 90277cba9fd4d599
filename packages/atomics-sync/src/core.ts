/**
 * `@sabkit/atomics-sync/core`: the value codec, the sharing protocol, error transport, the named
 * errors and the liveness table, without the primitives. For runtimes that carry values between
 * threads and must start fast, such as the pool's workers: this entry is 6 small modules where the
 * package index is about 30, and a worker pays ~0.5 ms for each module it loads before its first
 * task.
 *
 * `revive` here revives every kind registered in the thread so far, by any copy of atomics-sync
 * (the registry is per thread): importing the package index (or a module of your own that
 * defines kinds) registers them.
 *
 * The pool's main thread loads this entry too, not the index: importing @sabkit/piscina then
 * costs the pool's own code only (the index is ~170 KB more to compile in a fresh process).
 */
export { encode, encodeInto, tryEncodeInto, decode, lastDecodeMayRevive } from './codec/codec.js';
export {
  KIND_PROPERTY,
  revive,
  isSharedDescriptor,
  registerKind,
  setKindLoader,
  newSharedBuffer,
  type SharedDescriptor,
} from './runtime/shared.js';
export {
  serializeError,
  deserializeError,
  registerErrorClass,
  isSerializedError,
  type SerializedError,
} from './codec/error-transport.js';
export * from './errors.js';
export { watchWorker, livenessTable } from './runtime/liveness.js';
// typed-struct registers its struct types' factory at import through this entry, not the index.
export {
  registerStructTypeFactory,
  structTypeFromSchema,
  isStructTypeLike,
  type StructTypeLike,
} from './cells/struct-type.js';
