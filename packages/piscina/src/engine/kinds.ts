/**
 * Reviving results on the main thread without loading all of atomics-sync at import.
 *
 * The pool's main thread imports @sabkit/atomics-sync/core, not the package index: in a fresh
 * process the index is ~170 KB more to compile, the largest part of what `import('@sabkit/piscina')`
 * cost. But the index is also what registers every sabkit kind (Lock, Queue, Value...) for
 * `revive`, and a task may return one it created. So a result that holds a shared descriptor loads
 * the index first (once, synchronously: it is CommonJS, or Node 20.19+ requires the ES module
 * entry) and is then revived. Numbers, strings and plain data never pay for it.
 */
import { createRequire } from 'node:module';
import { KIND_PROPERTY, revive as reviveKnown } from '@sabkit/atomics-sync/core';

let indexLoaded = false;

/** Descriptors are searched this many values deep at most; past it the index is loaded anyway. */
const SCAN_LIMIT = 256;

function mayHoldDescriptor(value: object): boolean {
  let budget = SCAN_LIMIT;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (--budget < 0) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else {
      if (KIND_PROPERTY in v) return true;
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

/** atomics-sync's revive, with every sabkit kind registered first when `value` may need one. */
export function revive<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (!indexLoaded && mayHoldDescriptor(value)) {
    indexLoaded = true;
    createRequire(import.meta.url)('@sabkit/atomics-sync');
  }
  return reviveKnown(value);
}
