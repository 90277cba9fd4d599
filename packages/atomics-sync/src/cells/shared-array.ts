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
 *
 * Layout: docs/layouts/cells.md
 */
import { attachNew, registerKind, KIND_PROPERTY, type SharedRegion } from '../runtime/shared.js';
import { checkLength, elementTypeFromFields, resolveElementType } from './cell-store.js';
import type { CellLock, LockOption } from './cell-lock.js';
import {
  CELL_ATTACH,
  LockedCell,
  allocateLockedCell,
  attachedParts,
  reviveLockedCell,
  withLockRoom,
  type LockedCellDescriptor,
} from './cell-base.js';
import { type RawArray, attachRawArray, readLengthOrValues, type LengthOrValues } from './raw-array.js';
import { ReviveError, describe } from '../errors.js';
import type { CellInit, CellType, CellValue, IntOperand, NumericOperand } from './typecodes.js';

/** What a SharedArray becomes after structured clone. */
export interface SharedArrayDescriptor extends LockedCellDescriptor {
  readonly length: number;
}

/** Options of `new SharedArray(type, lengthOrValues, options)`. */
export interface SharedArrayOptions extends SharedRegion {
  /** true (default): a new RLock in the array's region; false: no lock; or a Lock/RLock to use. */
  readonly lock?: LockOption;
}

const KIND = 'SharedArray';

/**
 * Python's `multiprocessing.Array` (exported as `Array` too): a fixed-length array of scalars or
 * struct records in shared memory, with its own `RLock` by default. `get(i)`/`set(i, v)` and
 * indexing by position; an index out of range throws `IndexError`, a bad typecode or value
 * `InvalidArgumentError`. Revive a clone with `SharedArray.from`.
 */
export class SharedArray<T extends CellType = CellType>
  extends LockedCell<RawArray<T>>
  implements Iterable<CellValue<T>>
{
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;
  /** Number of elements (fixed). */
  declare readonly length: number;

  /**
   * A new array of `length` zeroed elements, or of the given values (any iterable or array-like;
   * struct arrays take objects of fields). Options: `lock` and a region `{ buffer, byteOffset }`.
   */
  constructor(type: T, lengthOrValues: LengthOrValues<T>, options?: SharedArrayOptions);
  constructor(type: T, lengthOrValues: LengthOrValues<T>, options?: SharedArrayOptions, attach?: symbol) {
    const [raw, lock] =
      attach === CELL_ATTACH
        ? attachedParts<RawArray<T>>(type, lengthOrValues)
        : SharedArray.#create(type, lengthOrValues, options);
    super(KIND, raw, lock, raw.length);
  }

  /** A new array's memory and lock; everything is checked before any memory is allocated or written. */
  static #create<T extends CellType>(
    type: T,
    lengthOrValues: LengthOrValues<T>,
    options: SharedArrayOptions | undefined,
  ): [RawArray<T>, CellLock | null] {
    const elem = resolveElementType(type);
    const { length, values } = readLengthOrValues(KIND, elem, lengthOrValues);
    const { buffer, byteOffset, lock } = allocateLockedCell(KIND, elem, length, options);
    const raw = attachRawArray<T>(buffer, byteOffset, elem, length);
    if (values) for (let i = 0; i < length; i++) raw.set(i, values[i] as CellInit<T>);
    else if (options?.buffer !== undefined) new Uint8Array(buffer, byteOffset, elem.size * length).fill(0);
    return [raw, lock];
  }

  /** Makes a SharedArray that travelled through postMessage / workerData live again, with its lock. */
  static from<T extends CellType = CellType>(value: unknown): SharedArray<T> {
    const revived = reviveLockedCell<SharedArrayDescriptor, RawArray<T>>(KIND, value, SharedArray, (d) => {
      const elem = elementTypeFromFields(KIND, d.type, d.struct);
      if (typeof d.length !== 'number' || !Number.isSafeInteger(d.length) || d.length < 0) {
        throw new ReviveError(`${KIND}.from(value): length must be a non-negative integer, got ${describe(d.length)}`);
      }
      return attachRawArray<T>(d.buffer, d.byteOffset, elem, d.length);
    });
    return revived ? attachNew(SharedArray<T>, ...revived, undefined, CELL_ATTACH) : (value as SharedArray<T>);
  }

  /** Bytes a SharedArray of `length` elements of `type` occupies (with its default lock unless lock is not true). */
  static byteLengthOf(type: CellType, length: number, options?: { lock?: LockOption }): number {
    return withLockRoom(KIND, resolveElementType(type).size * checkLength(KIND, length), options?.lock);
  }

  /** Element i read under the lock (negative i counts from the end); a struct array gives record i's live view. */
  get(i: number): CellValue<T> {
    if (this.isStruct) return this.raw.get(i);
    const took = this.takeLock();
    try {
      return this.raw.get(i);
    } finally {
      took?.release();
    }
  }

  /** Writes element i under the lock (checked; a struct array copies the given fields into record i). */
  set(i: number, v: CellInit<T>): void {
    const took = this.takeLock();
    try {
      this.raw.set(i, v);
    } finally {
      took?.release();
    }
  }

  /** Elements start .. end-1 copied under the lock, as a JS array (Python's arr[start:end]). */
  slice(start?: number, end?: number): CellValue<T>[] {
    const took = this.takeLock();
    try {
      return this.raw.slice(start, end);
    } finally {
      took?.release();
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
    return this.raw.load(i);
  }

  /** Atomic store to element i; never takes the lock. */
  store(i: number, v: NumericOperand<T>): NumericOperand<T> {
    return this.raw.store(i, v);
  }

  /** Atomic add to element i, lock-free; returns the previous value. */
  add(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.raw.add(i, delta);
  }

  /** Atomic subtract from element i, lock-free; returns the previous value. */
  sub(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.raw.sub(i, delta);
  }

  /** Atomic and on element i (integer arrays), lock-free; returns the previous value. */
  and(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.raw.and(i, v);
  }

  /** Atomic or on element i (integer arrays), lock-free; returns the previous value. */
  or(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.raw.or(i, v);
  }

  /** Atomic xor on element i (integer arrays), lock-free; returns the previous value. */
  xor(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.raw.xor(i, v);
  }

  /** Atomic exchange of element i (integer arrays), lock-free; returns the previous value. */
  exchange(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.raw.exchange(i, v);
  }

  /** Atomic compare-and-exchange of element i (integer arrays), lock-free; returns the previous value. */
  compareExchange(i: number, expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.raw.compareExchange(i, expected, replacement);
  }
}

registerKind(KIND, (d) => SharedArray.from(d));
