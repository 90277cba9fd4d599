/**
 * SharedArray: Python's `multiprocessing.Array(typecode_or_type, size_or_initializer, lock=True)`,
 * a fixed-length run of typed elements in shared memory with a lock that guards it. The package
 * also exports it as `Array`, so `import * as mp from '@sabkit/atomics-sync'` reads like Python
 * (`new mp.Array('i', 10)`); import it as SharedArray where the global Array is in scope.
 *
 * Layout with the default lock (lock: true); offsets from byteOffset, n = length:
 *
 *   +0               elements 0 .. n-1, as RawArray (stride = element size)
 *   +lockOffset      RLock, RLock.BYTE_LENGTH bytes; lockOffset = size*n rounded up to RLock.ALIGNMENT
 *
 *   SharedArray.byteLengthOf(type, n) = lockOffset + RLock.BYTE_LENGTH
 *   SharedArray.alignmentOf(type)     = max(natural alignment, RLock.ALIGNMENT)
 *
 * With lock: false or a given Lock/RLock, the region holds only the elements.
 *
 * Descriptor: { __sabkit: "SharedArray", buffer, byteOffset, length, type, struct, lock: <the
 * lock's descriptor> | null }; `SharedArray.from` revives the array and its lock together.
 *
 * What the lock covers, as in Python's SynchronizedArray: get(i) and set(i, v) each take it for
 * that one element (so they are ordered with critical sections under getLock()), slice() and
 * toArray() take it once for the whole copy (a consistent snapshot against writers that hold the
 * lock), iteration takes it per element. `a.set(i, a.get(i) + 1)` is NOT atomic: hold the lock
 * around it (withLock) or use the lock-free atomic methods (`a.add(i, 1)`). The `view` typed array
 * is plain memory: no lock, no atomics.
 */
import type { WaitArg } from '../runtime/wait.js';
import { defineShared, expectDescriptor, registerKind, KIND_PROPERTY, type SharedDescriptor, type SharedRegion } from '../runtime/shared.js';
import { allocateElements, checkLength, elementTypeFromFields, resolveElementType, type StructRef } from './cell-store.js';
import { enter, footprint, lockRoom, makeLock, noLock, reviveLock, type CellLock, type LockOption } from './cell-lock.js';
import { RawArray, attachRawArray, readLengthOrValues, type LengthOrValues } from './raw-array.js';
import { ReviveError, describe } from '../errors.js';
import type { StructTypeLike } from './struct-type.js';
import type { CellInit, CellType, CellValue, CellView, IntOperand, NumericOperand, ScalarName } from './typecodes.js';

/** What a SharedArray becomes after structured clone. */
export interface SharedArrayDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
  readonly length: number;
  readonly lock: SharedDescriptor | null;
}

/** Options of `new SharedArray(type, lengthOrValues, options)`. */
export interface SharedArrayOptions extends SharedRegion {
  /** true (default): a new RLock in the array's region; false: no lock; or a Lock/RLock to use. */
  readonly lock?: LockOption;
}

const KIND = 'SharedArray';
let attaching: { raw: RawArray; lock: CellLock | null } | undefined;

export class SharedArray<T extends CellType = CellType> implements Iterable<CellValue<T>> {
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Canonical type name ("i8" ... "f64"), or "struct". */
  declare readonly type: ScalarName | 'struct';
  declare readonly struct: StructRef | null;
  /** Number of elements (fixed). */
  declare readonly length: number;
  /** The lock that guards the array (travels with it), or null for a raw array. */
  declare readonly lock: CellLock | null;

  readonly #raw: RawArray<T>;
  readonly #lock: CellLock | null;
  readonly #isStruct: boolean;

  /**
   * A new array of `length` zeroed elements, or of the given values (any iterable or array-like;
   * struct arrays take objects of fields). Options: `lock` and a region `{ buffer, byteOffset }`.
   */
  constructor(type: T, lengthOrValues: LengthOrValues<T>, options?: SharedArrayOptions) {
    const a = attaching;
    attaching = undefined;
    let raw: RawArray<T>;
    let lock: CellLock | null;
    if (a) {
      raw = a.raw as RawArray<T>;
      lock = a.lock;
    } else {
      // Everything is checked before any memory is allocated or written.
      const elem = resolveElementType(type);
      const { length, values } = readLengthOrValues(KIND, elem, lengthOrValues);
      const room = lockRoom(KIND, options?.lock);
      const { buffer, byteOffset, extraOffset } = allocateElements(KIND, elem, length, room, options);
      lock = makeLock(options?.lock, buffer, byteOffset + extraOffset);
      raw = attachRawArray<T>(buffer, byteOffset, elem, length);
      if (values) for (let i = 0; i < length; i++) raw.set(i, values[i] as CellInit<T>);
      else if (options?.buffer !== undefined) new Uint8Array(buffer, byteOffset, elem.size * length).fill(0);
    }
    this.#raw = raw;
    this.#lock = lock;
    this.#isStruct = raw.type === 'struct';
    defineShared(this, KIND, raw.buffer, raw.byteOffset);
    Object.defineProperty(this, 'type', { value: raw.type, enumerable: true });
    Object.defineProperty(this, 'struct', { value: raw.struct, enumerable: true });
    Object.defineProperty(this, 'length', { value: raw.length, enumerable: true });
    Object.defineProperty(this, 'lock', { value: lock, enumerable: true });
  }

  /** Makes a SharedArray that travelled through postMessage / workerData live again, with its lock. */
  static from<T extends CellType = CellType>(value: unknown): SharedArray<T> {
    const d = expectDescriptor<SharedArrayDescriptor>(value, KIND);
    if (value instanceof SharedArray) return value as SharedArray<T>;
    const elem = elementTypeFromFields(KIND, d.type, d.struct);
    if (typeof d.length !== 'number' || !Number.isSafeInteger(d.length) || d.length < 0) {
      throw new ReviveError(`${KIND}.from(value): length must be a non-negative integer, got ${describe(d.length)}`);
    }
    const raw = attachRawArray<T>(d.buffer, d.byteOffset, elem, d.length);
    attaching = { raw, lock: reviveLock(KIND, d.lock) };
    try {
      return new SharedArray<T>(undefined as unknown as T, 0);
    } finally {
      attaching = undefined;
    }
  }

  /** Bytes a SharedArray of `length` elements of `type` occupies (with its default lock unless lock is not true). */
  static byteLengthOf(type: CellType, length: number, options?: { lock?: LockOption }): number {
    const data = resolveElementType(type).size * checkLength(KIND, length);
    const room = lockRoom(KIND, options?.lock);
    return room.bytes ? Math.ceil(data / room.align) * room.align + room.bytes : data;
  }

  /** Alignment a caller's byteOffset needs for a SharedArray of `type`. */
  static alignmentOf(type: CellType, options?: { lock?: LockOption }): number {
    return Math.max(resolveElementType(type).align, lockRoom(KIND, options?.lock).align);
  }

  /** The lock (Python's get_lock()); NoLockError for an array made with lock: false. */
  getLock(): CellLock {
    if (this.#lock === null) throw noLock(KIND);
    return this.#lock;
  }

  /** The unsynchronized array over the same memory (Python's get_obj()). */
  getObj(): RawArray<T> {
    return this.#raw;
  }

  /** Runs fn(getObj()) holding the lock (Python's `with arr:`). */
  withLock<R>(fn: (obj: RawArray<T>) => R, timeout?: number | null): R {
    return this.getLock().withLock(() => fn(this.#raw), timeout);
  }

  /** Async form of withLock: waits for the lock without blocking the thread. */
  withLockAsync<R>(fn: (obj: RawArray<T>) => Promise<R> | R, wait?: WaitArg): Promise<R> {
    return this.getLock().withLockAsync(() => fn(this.#raw), wait);
  }

  get structType(): StructTypeLike | undefined {
    return this.#raw.structType;
  }

  /** Bytes the array occupies from byteOffset (its default lock included). */
  get byteLength(): number {
    return footprint(this.buffer, this.byteOffset, this.#raw.byteLength, this.#lock);
  }

  /** Zero-copy typed array over the elements (bytes for a struct array); plain access, no lock. */
  get view(): CellView<T> {
    return this.#raw.view;
  }

  /** Element i read under the lock (negative i counts from the end); a struct array gives record i's live view. */
  get(i: number): CellValue<T> {
    const lock = this.#lock;
    if (lock === null || this.#isStruct) return this.#raw.get(i);
    const took = enter(lock);
    try {
      return this.#raw.get(i);
    } finally {
      if (took) lock.release();
    }
  }

  /** Writes element i under the lock (checked; a struct array copies the given fields into record i). */
  set(i: number, v: CellInit<T>): void {
    const lock = this.#lock;
    if (lock === null) return this.#raw.set(i, v);
    const took = enter(lock);
    try {
      this.#raw.set(i, v);
    } finally {
      if (took) lock.release();
    }
  }

  /** Elements start .. end-1 copied under the lock, as a JS array (Python's arr[start:end]). */
  slice(start?: number, end?: number): CellValue<T>[] {
    const lock = this.#lock;
    if (lock === null) return this.#raw.slice(start, end);
    const took = enter(lock);
    try {
      return this.#raw.slice(start, end);
    } finally {
      if (took) lock.release();
    }
  }

  /** All elements copied under the lock (Python's arr[:]). */
  toArray(): CellValue<T>[] {
    return this.slice();
  }

  *[Symbol.iterator](): IterableIterator<CellValue<T>> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Atomic load of element i; never takes the lock. */
  load(i: number): NumericOperand<T> {
    return this.#raw.load(i);
  }

  /** Atomic store to element i; never takes the lock. */
  store(i: number, v: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.store(i, v);
  }

  /** Atomic add to element i, lock-free; returns the previous value. */
  add(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.add(i, delta);
  }

  /** Atomic subtract from element i, lock-free; returns the previous value. */
  sub(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.sub(i, delta);
  }

  /** Atomic and on element i (integer arrays), lock-free; returns the previous value. */
  and(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.#raw.and(i, v);
  }

  /** Atomic or on element i (integer arrays), lock-free; returns the previous value. */
  or(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.#raw.or(i, v);
  }

  /** Atomic xor on element i (integer arrays), lock-free; returns the previous value. */
  xor(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.#raw.xor(i, v);
  }

  /** Atomic exchange of element i (integer arrays), lock-free; returns the previous value. */
  exchange(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.#raw.exchange(i, v);
  }

  /** Atomic compare-and-exchange of element i (integer arrays), lock-free; returns the previous value. */
  compareExchange(i: number, expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.#raw.compareExchange(i, expected, replacement);
  }
}

registerKind(KIND, (d) => SharedArray.from(d));
