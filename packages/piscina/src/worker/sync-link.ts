/**
 * The few @sabkit/atomics-sync functions a worker needs before its first task, bound at start-up
 * from their own modules (worker/entry.ts) instead of imported from the package index, for the
 * reason given in dispatch/codec-link.ts. Also the pool's error classes, which import the index
 * and so are loaded in the background: `poolErrors` is undefined until then.
 */
import type * as PoolErrors from '../errors.js';

export interface SyncFunctions {
  revive<T>(value: T): T;
  isSharedDescriptor(value: unknown): boolean;
  serializeError(error: unknown): unknown;
}

function unbound(): never {
  throw new Error('sabkit pool worker: atomics-sync functions are not bound yet');
}

export let revive: SyncFunctions['revive'] = unbound;
export let isSharedDescriptor: SyncFunctions['isSharedDescriptor'] = unbound;
export let serializeError: SyncFunctions['serializeError'] = unbound;

export function bindSync(f: SyncFunctions): void {
  revive = f.revive;
  isSharedDescriptor = f.isSharedDescriptor;
  serializeError = f.serializeError;
}

/** The pool's error classes once loaded (the background load of the package index). */
export let poolErrors: typeof PoolErrors | undefined;

export function bindPoolErrors(errors: typeof PoolErrors): void {
  poolErrors = errors;
}

/**
 * Whether `value` holds a sabkit object's descriptor anywhere (arrays, plain objects, Maps, Sets,
 * as revive() walks them). Until every kind is registered in this worker, a task whose argument
 * holds one must wait, or revive() would leave it a plain record.
 */
export function holdsShared(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  if (isSharedDescriptor(value)) return true;
  if (Array.isArray(value)) return value.some((v) => holdsShared(v, seen));
  if (value instanceof Map) return [...value.values()].some((v) => holdsShared(v, seen));
  if (value instanceof Set) return [...value].some((v) => holdsShared(v, seen));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).some((v) => holdsShared(v, seen));
}
