/**
 * Value: Python's `multiprocessing.Value(typecode_or_type, *args, lock=True)`, one typed cell in
 * shared memory with a lock that guards it.
 *
 * Layout with the default lock (lock: true); offsets from byteOffset:
 *
 *   +0            the element (as RawValue: one scalar, or one struct record), `size` bytes
 *   +lockOffset   RLock, RLock.BYTE_LENGTH bytes; lockOffset = size rounded up to RLock.ALIGNMENT
 *
 *   Value.byteLengthOf(type) = lockOffset + RLock.BYTE_LENGTH
 *   Value.alignmentOf(type)  = max(natural alignment, RLock.ALIGNMENT)
 *
 * With lock: false, or a Lock/RLock given by the caller, the region holds only the element (the
 * given lock lives where it was made). The element is always at byteOffset, so a caller's buffer
 * (or WebAssembly memory mirrored into one) sees the value exactly there.
 *
 * Descriptor: { __sabkit: "Value", buffer, byteOffset, type, struct, lock: <the Lock or RLock's
 * descriptor> | null }; `Value.from` revives the cell and its lock together.
 *
 * What the lock covers, as in Python: each read and each write of `value` takes the lock, so it
 * is ordered with any critical section run under getLock() (a thread that already holds the lock
 * does not take it again, see cell-lock.ts `enter`). It does NOT make `v.value += 1` atomic: that
 * is a read (locked) and then a write (locked), and another thread can write in between. For a
 * read-modify-write, either hold the lock around it (`v.withLock((obj) => { obj.value += 1; })`,
 * or Python's `v.getLock().withLock(() => { v.value += 1; })`), or use the atomic methods
 * (`v.add(1)`), which never take the lock: they are atomic by themselves.
 *
 * A struct cell's `value` is the live record view; its field reads and writes go straight to
 * memory without the lock (hold it around multi-field updates). Assigning `value` an object of
 * fields copies them under the lock.
 */
import type { WaitArg } from '../runtime/wait.js';
import { defineShared, expectDescriptor, registerKind, KIND_PROPERTY, type SharedDescriptor, type SharedRegion } from '../runtime/shared.js';
import { allocateElements, elementTypeFromFields, resolveElementType, type StructRef } from './cell-store.js';
import { enter, footprint, lockRoom, makeLock, noLock, reviveLock, type CellLock, type LockOption } from './cell-lock.js';
import { RawValue, attachRawValue, checkInitial } from './raw-value.js';
import type { StructTypeLike } from './struct-type.js';
import type { CellInit, CellType, CellValue, CellView, IntOperand, NumericOperand, ScalarName } from './typecodes.js';

/** What a Value becomes after structured clone. */
export interface ValueDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
  readonly lock: SharedDescriptor | null;
}

/** Options of `new Value(type, initial, options)`. */
export interface ValueOptions extends SharedRegion {
  /** true (default): a new RLock in the cell's region; false: no lock (a raw cell); or a Lock/RLock to use. */
  readonly lock?: LockOption;
}

const KIND = 'Value';
let attaching: { raw: RawValue; lock: CellLock | null } | undefined;

export class Value<T extends CellType = CellType> {
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Canonical type name ("i8" ... "f64"), or "struct". */
  declare readonly type: ScalarName | 'struct';
  declare readonly struct: StructRef | null;
  /** The lock that guards the cell (travels with it), or null for a raw cell. */
  declare readonly lock: CellLock | null;

  readonly #raw: RawValue<T>;
  readonly #lock: CellLock | null;
  readonly #isStruct: boolean;

  /**
   * A new cell holding `initial` (default zero; for a struct, an object of fields). Options:
   * `lock` (see ValueOptions) and a region `{ buffer, byteOffset }` to place the cell (and its
   * default lock, after it) in; see Value.byteLengthOf / Value.alignmentOf.
   */
  constructor(type: T, initial?: CellInit<T>, options?: ValueOptions) {
    const a = attaching;
    attaching = undefined;
    let raw: RawValue<T>;
    let lock: CellLock | null;
    if (a) {
      raw = a.raw as RawValue<T>;
      lock = a.lock;
    } else {
      // Everything is checked before any memory is allocated or written.
      const elem = resolveElementType(type);
      checkInitial(KIND, elem, initial);
      const room = lockRoom(KIND, options?.lock);
      const { buffer, byteOffset, extraOffset } = allocateElements(KIND, elem, 1, room, options);
      lock = makeLock(options?.lock, buffer, byteOffset + extraOffset);
      raw = attachRawValue<T>(buffer, byteOffset, elem);
      if (initial !== undefined) raw.value = initial;
      else if (options?.buffer !== undefined) new Uint8Array(buffer, byteOffset, elem.size).fill(0);
    }
    this.#raw = raw;
    this.#lock = lock;
    this.#isStruct = raw.type === 'struct';
    defineShared(this, KIND, raw.buffer, raw.byteOffset);
    Object.defineProperty(this, 'type', { value: raw.type, enumerable: true });
    Object.defineProperty(this, 'struct', { value: raw.struct, enumerable: true });
    Object.defineProperty(this, 'lock', { value: lock, enumerable: true });
  }

  /** Makes a Value that travelled through postMessage / workerData live again, with its lock. */
  static from<T extends CellType = CellType>(value: unknown): Value<T> {
    const d = expectDescriptor<ValueDescriptor>(value, KIND);
    if (value instanceof Value) return value as Value<T>;
    const raw = attachRawValue<T>(d.buffer, d.byteOffset, elementTypeFromFields(KIND, d.type, d.struct));
    attaching = { raw, lock: reviveLock(KIND, d.lock) };
    try {
      return new Value<T>(undefined as unknown as T);
    } finally {
      attaching = undefined;
    }
  }

  /** Bytes a Value of `type` occupies from byteOffset (with its default lock unless lock is not true). */
  static byteLengthOf(type: CellType, options?: { lock?: LockOption }): number {
    const elem = resolveElementType(type);
    const room = lockRoom(KIND, options?.lock);
    return room.bytes ? Math.ceil(elem.size / room.align) * room.align + room.bytes : elem.size;
  }

  /** Alignment a caller's byteOffset needs for a Value of `type`. */
  static alignmentOf(type: CellType, options?: { lock?: LockOption }): number {
    return Math.max(resolveElementType(type).align, lockRoom(KIND, options?.lock).align);
  }

  /** The lock (Python's get_lock()); NoLockError for a cell made with lock: false. */
  getLock(): CellLock {
    if (this.#lock === null) throw noLock(KIND);
    return this.#lock;
  }

  /** The unsynchronized cell over the same memory (Python's get_obj()): no lock on any access. */
  getObj(): RawValue<T> {
    return this.#raw;
  }

  /** Runs fn(getObj()) holding the lock (Python's `with v:`); for read-modify-write sequences. */
  withLock<R>(fn: (obj: RawValue<T>) => R, timeout?: number | null): R {
    return this.getLock().withLock(() => fn(this.#raw), timeout);
  }

  /** Async form of withLock: waits for the lock without blocking the thread. */
  withLockAsync<R>(fn: (obj: RawValue<T>) => Promise<R> | R, wait?: WaitArg): Promise<R> {
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

  /** The value, read under the lock (an atomic load). A struct cell gives its live record view. */
  get value(): CellValue<T> {
    const lock = this.#lock;
    if (lock === null || this.#isStruct) return this.#raw.value;
    const took = enter(lock);
    try {
      return this.#raw.value;
    } finally {
      if (took) lock.release();
    }
  }

  /** Writes the value under the lock (checked; a struct cell copies the given fields). */
  set value(v: CellInit<T>) {
    const lock = this.#lock;
    if (lock === null) {
      this.#raw.value = v;
      return;
    }
    const took = enter(lock);
    try {
      this.#raw.value = v;
    } finally {
      if (took) lock.release();
    }
  }

  /** Zero-copy typed array of length 1 over the cell (bytes for a struct); plain access, no lock. */
  get view(): CellView<T> {
    return this.#raw.view;
  }

  /** Atomic load; never takes the lock. */
  load(): NumericOperand<T> {
    return this.#raw.load();
  }

  /** Atomic store; never takes the lock. Returns the value stored (for f32, as rounded). */
  store(v: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.store(v);
  }

  /** Atomic add, lock-free (wrapping for integers, a CAS loop for floats); returns the previous value. */
  add(delta: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.add(delta);
  }

  /** Atomic subtract, lock-free; returns the previous value. */
  sub(delta: NumericOperand<T>): NumericOperand<T> {
    return this.#raw.sub(delta);
  }

  /** Atomic and (integer cells), lock-free; returns the previous value. */
  and(v: IntOperand<T>): IntOperand<T> {
    return this.#raw.and(v);
  }

  /** Atomic or (integer cells), lock-free; returns the previous value. */
  or(v: IntOperand<T>): IntOperand<T> {
    return this.#raw.or(v);
  }

  /** Atomic xor (integer cells), lock-free; returns the previous value. */
  xor(v: IntOperand<T>): IntOperand<T> {
    return this.#raw.xor(v);
  }

  /** Atomic exchange (integer cells), lock-free; returns the previous value. */
  exchange(v: IntOperand<T>): IntOperand<T> {
    return this.#raw.exchange(v);
  }

  /** Atomic compare-and-exchange (integer cells), lock-free; returns the previous value. */
  compareExchange(expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.#raw.compareExchange(expected, replacement);
  }

  toString(): string {
    return this.#isStruct ? `Value(struct)` : `Value(${this.type}, ${String(this.#raw.load())})`;
  }
}

registerKind(KIND, (d) => Value.from(d));
