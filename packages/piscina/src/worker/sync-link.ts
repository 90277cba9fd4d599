/**
 * The few @sabkit/atomics-sync functions a worker needs before its first task, bound at start-up
 * from their own modules (worker/entry.ts) instead of imported from the package index, for the
 * reason given in dispatch/codec-link.ts. Also the pool's error classes, loaded on first use.
 */
import type * as PoolErrors from '../errors.js';
import { workerLaunch } from '../worker-state.js';

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

let errors: typeof PoolErrors | undefined;
let errorsFailed = false;

/**
 * The pool's error classes (`../errors.js`, the instances a task's own `import ... from
 * '@sabkit/piscina'` gets), loaded on first use: only a cancelled task that looks at its signal's
 * reason needs them, and they are not part of a worker's start. Undefined if they cannot be loaded
 * synchronously (the tests' ES module build on a Node without require(esm)); the caller then makes
 * plain errors with the same name and code.
 */
export function poolErrors(): typeof PoolErrors | undefined {
  if (errors === undefined && !errorsFailed) {
    try {
      errors = workerLaunch()?.require('../errors.js') as typeof PoolErrors | undefined;
    } catch {
      errorsFailed = true;
    }
  }
  return errors;
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
