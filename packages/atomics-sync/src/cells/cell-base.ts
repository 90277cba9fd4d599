/**
 * What the four cells share, so that each file holds only what makes it differ:
 *  - RawCell (RawValue, RawArray): typed elements over shared memory with no lock: the element
 *    type, its scalar store, the descriptor fields `type` and `struct`.
 *  - LockedCell (Value, SharedArray): a raw cell plus the lock that guards it (Python's
 *    Synchronized wrappers): the `lock` option, getLock/getObj, withLock, revival with the lock.
 *
 * This file adds no memory of its own: each cell's layout is drawn at the top of its file (and in
 * docs/layouts/cells.md). Building over memory that already holds a cell goes through attachNew
 * with CELL_ATTACH (runtime/shared.ts says why it is an argument, not module state).
 */
import { InvalidArgumentError } from '../errors.js';
import { type SharedDescriptor, type SharedRegion, defineShared, expectDescriptor } from '../runtime/shared.js';
import type { WaitArg } from '../runtime/wait.js';
import {
  type ElementType,
  type StructRef,
  ScalarStore,
  allocateElements,
  resolveElementType,
  typeFields,
} from './cell-store.js';
import {
  type CellLock,
  type LockOption,
  enter,
  footprint,
  lockRoom,
  makeLock,
  noLock,
  reviveLock,
} from './cell-lock.js';
import type { StructTypeLike } from './struct-type.js';
import type { CellType, ScalarName } from './typecodes.js';

/**
 * The cells' constructors' hidden last argument, passed by their from() through attachNew: attach,
 * do not initialise.
 */
export const CELL_ATTACH = Symbol('cell: attach');

/** Typed elements over shared memory, no lock: the part RawValue and RawArray share. */
export abstract class RawCell {
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Canonical type name ("i8" ... "f64"), or "struct". */
  declare readonly type: ScalarName | 'struct';
  /** The struct type's kind and schema (what a worker rebuilds it from), or null for scalars. */
  declare readonly struct: StructRef | null;

  readonly #elem: ElementType;
  readonly #store: ScalarStore | undefined;
  /** Elements of an array; undefined for a single cell. */
  readonly #count: number | undefined;

  /**
   * Defines the shared fields of one cell (count undefined) or `count` array elements of `elem` at
   * byteOffset (already allocated or attached). An array's `length` comes before nothing else of
   * the descriptor's, so it is defined here, after `struct`, as before the base existed.
   */
  protected constructor(
    kind: string,
    elem: ElementType,
    buffer: SharedArrayBuffer,
    byteOffset: number,
    count?: number,
  ) {
    this.#elem = elem;
    this.#count = count;
    defineShared(this, kind, buffer, byteOffset);
    const { type: name, struct } = typeFields(elem);
    Object.defineProperty(this, 'type', { value: name, enumerable: true });
    Object.defineProperty(this, 'struct', { value: struct, enumerable: true });
    if (count !== undefined) Object.defineProperty(this, 'length', { value: count, enumerable: true });
    this.#store = elem.scalar ? new ScalarStore(elem.scalar, buffer, byteOffset, count ?? 1) : undefined;
  }

  /** Alignment a caller's byteOffset needs for `type`. */
  static alignmentOf(type: CellType): number {
    return resolveElementType(type).align;
  }

  /** The struct type of a struct cell (rebuilt from its schema in a worker), else undefined. */
  get structType(): StructTypeLike | undefined {
    return this.#elem.struct;
  }

  protected get elem(): ElementType {
    return this.#elem;
  }

  /** The scalar store, undefined for struct records. */
  protected get scalarStore(): ScalarStore | undefined {
    return this.#store;
  }

  /** The scalar store for an atomic method `op`; struct cells have none (their fields are the API). */
  protected scalar(op: string): ScalarStore {
    const s = this.#store;
    if (s === undefined) {
      throw new InvalidArgumentError(
        this.#count === undefined
          ? `${op}() needs a numeric cell; this cell holds a struct record (use its fields)`
          : `${op}() needs a numeric array; this array holds struct records (use their fields)`,
      );
    }
    return s;
  }
}

/** What LockedCell needs of the raw cell it wraps. */
interface RawLike {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
  readonly byteLength: number;
  readonly structType: StructTypeLike | undefined;
  readonly view: unknown;
}

/** What a Value or SharedArray becomes after structured clone: its raw cell's fields and its lock's. */
export interface LockedCellDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
  readonly lock: SharedDescriptor | null;
}

/** A raw cell and the lock that guards it: the part Value and SharedArray share. */
export abstract class LockedCell<R extends RawLike> {
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Canonical type name ("i8" ... "f64"), or "struct". */
  declare readonly type: ScalarName | 'struct';
  declare readonly struct: StructRef | null;
  /** The lock that guards the cell (travels with it), or null for a raw cell. */
  declare readonly lock: CellLock | null;

  readonly #raw: R;
  readonly #lock: CellLock | null;
  readonly #kind: string;
  // Private, not a plain field: own enumerable fields would travel in the structured clone.
  readonly #isStruct: boolean;

  /** `length` (arrays) is defined before `lock`, so descriptors keep their field order. */
  protected constructor(kind: string, raw: R, lock: CellLock | null, length?: number) {
    this.#raw = raw;
    this.#lock = lock;
    this.#kind = kind;
    this.#isStruct = raw.type === 'struct';
    defineShared(this, kind, raw.buffer, raw.byteOffset);
    Object.defineProperty(this, 'type', { value: raw.type, enumerable: true });
    Object.defineProperty(this, 'struct', { value: raw.struct, enumerable: true });
    if (length !== undefined) Object.defineProperty(this, 'length', { value: length, enumerable: true });
    Object.defineProperty(this, 'lock', { value: lock, enumerable: true });
  }

  /** Alignment a caller's byteOffset needs for a cell of `type` (with its default lock unless lock is not true). */
  static alignmentOf(type: CellType, options?: { lock?: LockOption }): number {
    return Math.max(
      resolveElementType(type).align,
      /* biome-ignore lint/complexity/noThisInStatic: `this` is the subclass called (Value,
         SharedArray...), whose KIND decides the lock's room */
      lockRoom((this as unknown as { KIND: string }).KIND, options?.lock).align,
    );
  }

  /** The lock (Python's get_lock()); NoLockError for a cell made with lock: false. */
  getLock(): CellLock {
    if (this.#lock === null) throw noLock(this.#kind);
    return this.#lock;
  }

  /** The unsynchronized cell over the same memory (Python's get_obj()): no lock on any access. */
  getObj(): R {
    return this.#raw;
  }

  /** Runs fn(getObj()) holding the lock (Python's `with v:`); for read-modify-write sequences. */
  withLock<X>(fn: (obj: R) => X, timeout?: number | null): X {
    return this.getLock().withLock(() => fn(this.#raw), timeout);
  }

  /** Async form of withLock: waits for the lock without blocking the thread. */
  withLockAsync<X>(fn: (obj: R) => Promise<X> | X, wait?: WaitArg): Promise<X> {
    return this.getLock().withLockAsync(() => fn(this.#raw), wait);
  }

  /** The struct type of a struct cell (rebuilt from its schema in a worker), else undefined. */
  get structType(): StructTypeLike | undefined {
    return this.#raw.structType;
  }

  /** Bytes the cell occupies from byteOffset (its default lock included). */
  get byteLength(): number {
    return footprint(this.buffer, this.byteOffset, this.#raw.byteLength, this.#lock);
  }

  /** Zero-copy typed array over the cell (bytes for structs); plain access, no lock, no atomics. */
  get view(): R['view'] {
    return this.#raw.view;
  }

  protected get raw(): R {
    return this.#raw;
  }

  /** Struct cells hand out live record views, which no lock can cover, so their reads skip the lock. */
  protected get isStruct(): boolean {
    return this.#isStruct;
  }

  /**
   * Takes the lock for one of the cell's own accesses; returns it if this call took it (release it
   * after), null if there is none or this thread holds it already (see cell-lock.ts `enter`).
   */
  protected takeLock(): CellLock | null {
    const lock = this.#lock;
    return lock !== null && enter(lock) ? lock : null;
  }
}

/**
 * The raw cell and lock a LockedCell's from() passed to its constructor, in the places of its
 * first two public parameters (the constructor's hidden last argument says so).
 */
export function attachedParts<R>(raw: unknown, lock: unknown): [R, CellLock | null] {
  return [raw as R, lock as CellLock | null];
}

/** Bytes of `dataBytes` of elements plus the default lock after them, when the `lock` option makes one. */
export function withLockRoom(kind: string, dataBytes: number, lock: unknown): number {
  const room = lockRoom(kind, lock);
  return room.bytes ? Math.ceil(dataBytes / room.align) * room.align + room.bytes : dataBytes;
}

/**
 * Allocates `count` elements of `type` and the cell's lock (the `lock` option) in a new buffer or
 * the caller's region. Everything is checked before any memory is allocated or written.
 */
export function allocateLockedCell(
  kind: string,
  elem: ElementType,
  count: number,
  options: (SharedRegion & { lock?: LockOption }) | undefined,
): { buffer: SharedArrayBuffer; byteOffset: number; lock: CellLock | null } {
  const room = lockRoom(kind, options?.lock);
  const { buffer, byteOffset, extraOffset } = allocateElements(kind, elem, count, room, options);
  return { buffer, byteOffset, lock: makeLock(options?.lock, buffer, byteOffset + extraOffset) };
}

/**
 * The revival every LockedCell's from() does: the descriptor checked as `kind`, the raw cell
 * attached by `attachRaw`, the lock revived. Returns undefined for a live cell (from returns it).
 */
export function reviveLockedCell<D extends LockedCellDescriptor, R>(
  kind: string,
  value: unknown,
  live: abstract new (...args: never[]) => unknown,
  attachRaw: (d: D) => R,
): [R, CellLock | null] | undefined {
  const d = expectDescriptor<D>(value, kind);
  if (value instanceof live) return undefined;
  const raw = attachRaw(d);
  return [raw, reviveLock(kind, d.lock)];
}
