/**
 * The sharing protocol: how a sabkit object travels to another thread and comes alive there.
 *
 * Every sabkit object keeps its whole state in shared memory and has three own enumerable
 * properties that say where: `__sabkit` (its kind, e.g. "Lock"), `buffer` (a SharedArrayBuffer)
 * and `byteOffset`; some kinds add a few plain fields (a length, a type code). Sent through
 * `postMessage`, `workerData` or a pool's task arguments, structured clone turns the object into a
 * plain record with those fields, the buffer still shared. One call makes it live again over the
 * same memory, without copying and without initialising it a second time:
 *
 *     const lock = Lock.from(workerData.lock);   // typed, checks the kind
 *     const args = revive(task.args);            // any depth, any sabkit kind
 *
 * `revive` is what the pool calls on every task's arguments and results.
 *
 * Initialise once, attach from anywhere (as parlib-simple does): `new Lock()` or
 * `new Lock({ buffer, byteOffset })` writes the initial state; `Lock.from(...)` only attaches. All
 * zero memory is a valid initial state for every kind, so a caller's freshly allocated buffer needs
 * no initialising for kinds whose constructor has no arguments.
 */
import { InvalidRegionError, ReviveError, SharedMemoryUnavailableError, describe } from '../errors.js';

/** Name of the property that tags a sabkit object (and its clone) with its kind. */
export const KIND_PROPERTY = '__sabkit' as const;

/**
 * The aliased form of the protocol, for objects whose every identifier may be a user's name
 * (typed-struct records, whose fields may be called `buffer` or `__sabkit`): the same fields
 * under names that are not identifiers, `'@sabkit'` (the kind), `'@buffer'`, `'@byteOffset'`.
 * `revive` treats both forms alike; each kind's reviver reads the form its objects use.
 */
export const ALIASED_KIND_PROPERTY = '@sabkit' as const;

/** What a sabkit object becomes after structured clone. */
export interface SharedDescriptor {
  readonly [KIND_PROPERTY]: string;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** A caller-provided place for an object's state: `byteOffset` bytes into `buffer`. */
export interface SharedRegion {
  /** The memory to use. Default: a new SharedArrayBuffer of exactly the object's size. */
  readonly buffer?: SharedArrayBuffer;
  /** Where in `buffer` the object starts; must be a multiple of the kind's alignment. Default 0. */
  readonly byteOffset?: number;
}

type Reviver = (descriptor: SharedDescriptor) => unknown;

/**
 * globalThis key of the thread's kind registry. The registry is per thread, not per copy of this
 * module: a program can hold two copies of atomics-sync (two installs of the package, or the pool
 * worker's bundle, which carries the codec and this module while the task's code imports the
 * package), and an object registered by one must revive through the other.
 */
const REVIVERS_KEY = Symbol.for('sabkit.atomics-sync.revivers.v1');
const revivers: Map<string, Reviver> = ((globalThis as Record<symbol, unknown>)[REVIVERS_KEY] ??= new Map<
  string,
  Reviver
>()) as Map<string, Reviver>;

/** Registers how to revive a kind. Each sabkit class registers itself when its module loads. */
export function registerKind(kind: string, reviver: Reviver): void {
  revivers.set(kind, reviver);
}

/**
 * globalThis key of the thread's kind loader (see setKindLoader): per thread, like the registry,
 * so that every copy of this module calls the one the thread installed.
 */
const KIND_LOADER_KEY = Symbol.for('sabkit.atomics-sync.kind-loader.v1');

/**
 * Installs, for this thread, what registers kinds on demand: `revive` calls `load` the first time
 * it meets a descriptor of a kind no module has registered yet, then looks the kind up again.
 * `load` must register synchronously (require the modules that define the kinds). It is called
 * once: a kind it does not register stays unknown (the descriptor is returned as it is), unless it
 * throws, when the error reaches revive's caller and the next unknown kind tries again.
 *
 * Why: registering every kind means loading the package indexes (~170 KB of code). A pool worker
 * needs them only for tasks that carry sabkit objects, and loading them up front took ~40 ms of a
 * core per worker, next to the first task of a fresh process.
 */
export function setKindLoader(load: (() => void) | undefined): void {
  (globalThis as Record<symbol, unknown>)[KIND_LOADER_KEY] = load;
}

/** The reviver of `kind`, registering kinds through the thread's kind loader if none is known yet. */
function reviverFor(kind: string): Reviver | undefined {
  const known = revivers.get(kind);
  if (known !== undefined) return known;
  const g = globalThis as Record<symbol, unknown>;
  const load = g[KIND_LOADER_KEY];
  if (typeof load !== 'function') return undefined;
  g[KIND_LOADER_KEY] = undefined;
  try {
    load();
  } catch (e) {
    g[KIND_LOADER_KEY] = load;
    throw e;
  }
  return revivers.get(kind);
}

/** True if `value` is a sabkit object or its structured-clone descriptor. */
export function isSharedDescriptor(value: unknown): value is SharedDescriptor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[KIND_PROPERTY] === 'string' &&
    hasSharedMemory() &&
    (value as Record<string, unknown>).buffer instanceof SharedArrayBuffer
  );
}

/**
 * Checks that `value` is a descriptor of `kind` (or a live object of it) and returns it. Used by
 * every `X.from`.
 */
export function expectDescriptor<D extends SharedDescriptor>(value: unknown, kind: string): D {
  if (!isSharedDescriptor(value)) {
    throw new ReviveError(
      `${kind}.from(value): value must be a ${kind} or its structured clone ({ ${KIND_PROPERTY}: "${kind}", ` +
        `buffer: SharedArrayBuffer, byteOffset }), got ${describe(value)}`,
    );
  }
  if (value[KIND_PROPERTY] !== kind) {
    throw new ReviveError(`${kind}.from(value): value is a serialised ${value[KIND_PROPERTY]}, not a ${kind}`);
  }
  checkRegion(kind, value.buffer, value.byteOffset, 0, 1);
  return value as D;
}

/**
 * Makes every sabkit descriptor inside `value` live again: the value itself, or inside arrays,
 * plain objects, Maps and Sets, to any depth. Live objects and everything else are returned as
 * they are; containers are changed in place (they are fresh clones on the receiving side).
 * Typed arrays and buffers are not walked, so large numeric payloads cost nothing here.
 */
export function revive<T>(value: T): T {
  return reviveInner(value, new Map()) as T;
}

// `done` maps every object already visited to what it became, so an object reached twice (the
// same Lock passed with every item) is revived once and every reference gets the live object.
function reviveInner(value: unknown, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value;
  if (done.has(value)) return done.get(value);
  const aliased = (value as Record<string, unknown>)[ALIASED_KIND_PROPERTY];
  if (typeof aliased === 'string' || isSharedDescriptor(value)) {
    // A live object's prototype is its class; only a clone (a plain object) needs reviving.
    const reviver =
      Object.getPrototypeOf(value) === Object.prototype
        ? reviverFor(typeof aliased === 'string' ? aliased : (value as SharedDescriptor)[KIND_PROPERTY])
        : undefined;
    const live = reviver ? reviver(value as SharedDescriptor) : value;
    done.set(value, live);
    return live;
  }
  done.set(value, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' && v !== null) value[i] = reviveInner(v, done);
    }
  } else if (value instanceof Map) {
    for (const [k, v] of value) if (typeof v === 'object' && v !== null) value.set(k, reviveInner(v, done));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const v of items) value.add(reviveInner(v, done));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        const v = rec[k];
        if (typeof v === 'object' && v !== null) rec[k] = reviveInner(v, done);
      }
    }
  }
  return value;
}

/**
 * Validates a region for an object of `kind` that needs `byteLength` bytes aligned to `align`, and
 * returns it (allocating a fresh zeroed SharedArrayBuffer when no buffer is given).
 */
export function allocateRegion(
  kind: string,
  byteLength: number,
  align: number,
  region: SharedRegion | undefined,
): { buffer: SharedArrayBuffer; byteOffset: number } {
  if (region?.buffer === undefined) {
    if (region?.byteOffset !== undefined && region.byteOffset !== 0) {
      throw new InvalidRegionError(`${kind}: byteOffset ${describe(region.byteOffset)} was given without a buffer`);
    }
    return { buffer: newSharedBuffer(byteLength, kind), byteOffset: 0 };
  }
  requireSharedMemory(kind);
  const byteOffset = region.byteOffset ?? 0;
  checkRegion(kind, region.buffer, byteOffset, byteLength, align);
  return { buffer: region.buffer, byteOffset };
}

/** Whether this runtime has SharedArrayBuffer (a browser page only when cross-origin isolated). */
export const hasSharedMemory = (): boolean => typeof globalThis.SharedArrayBuffer === 'function';

/**
 * Throws SharedMemoryUnavailableError, naming `what` and the two headers, if this runtime has no
 * SharedArrayBuffer. Why here: without it every object fails on its first allocation, and the bare
 * `ReferenceError: SharedArrayBuffer is not defined` says nothing of the cause (the page's headers).
 */
export function requireSharedMemory(what: string): void {
  if (hasSharedMemory()) return;
  const page = typeof (globalThis as { document?: unknown }).document === 'object' ? 'this page' : 'this context';
  throw new SharedMemoryUnavailableError(
    `${what}: SharedArrayBuffer is not available in ${page}: it must be cross-origin isolated ` +
      '(crossOriginIsolated is false). Serve the page with the headers ' +
      "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' " +
      "(or 'credentialless'); its workers' scripts need the same Cross-Origin-Embedder-Policy.",
  );
}

/** A new zeroed SharedArrayBuffer, or SharedMemoryUnavailableError naming `what`. */
export function newSharedBuffer(byteLength: number, what: string): SharedArrayBuffer {
  requireSharedMemory(what);
  return new SharedArrayBuffer(byteLength);
}

/** Throws InvalidRegionError unless [byteOffset, byteOffset + byteLength) fits in buffer and is aligned. */
export function checkRegion(
  kind: string,
  buffer: unknown,
  byteOffset: unknown,
  byteLength: number,
  align: number,
): void {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new InvalidRegionError(`${kind}: buffer must be a SharedArrayBuffer, got ${describe(buffer)}`);
  }
  if (typeof byteOffset !== 'number' || !Number.isInteger(byteOffset) || byteOffset < 0) {
    throw new InvalidRegionError(`${kind}: byteOffset must be a non-negative integer, got ${describe(byteOffset)}`);
  }
  if (byteOffset % align !== 0) {
    throw new InvalidRegionError(`${kind}: byteOffset must be a multiple of ${align}, got ${byteOffset}`);
  }
  if (byteOffset + byteLength > buffer.byteLength) {
    throw new InvalidRegionError(
      `${kind}: needs ${byteLength} bytes at byteOffset ${byteOffset}, but the buffer has only ` +
        `${buffer.byteLength} bytes`,
    );
  }
}

/** Defines the three protocol fields on a new object, enumerable so that structured clone keeps them. */
export function defineShared(target: object, kind: string, buffer: SharedArrayBuffer, byteOffset: number): void {
  Object.defineProperty(target, KIND_PROPERTY, { value: kind, enumerable: true });
  Object.defineProperty(target, 'buffer', { value: buffer, enumerable: true });
  Object.defineProperty(target, 'byteOffset', { value: byteOffset, enumerable: true });
}

/**
 * Defines a derived field (a typed-array view, a cache) that must NOT travel with the object:
 * non-enumerable, so structured clone skips it and the clone stays small.
 */
export function defineLocal(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true });
}

/**
 * Builds an object over memory that already holds one (what every `X.from` does): `new C(...args)`,
 * where the last argument is a symbol only C's module holds, telling the constructor to attach
 * instead of allocating and initialising. The symbol is an argument, never module state, so no
 * exception and no constructor run from inside another (a revival callback, a lock's own
 * construction) can leave a later `new C()` attaching. Public constructor signatures do not show
 * it; this is the one place that passes it past them.
 */
export function attachNew<T>(C: abstract new (...args: never[]) => T, ...args: unknown[]): T {
  return Reflect.construct(C, args) as T;
}
