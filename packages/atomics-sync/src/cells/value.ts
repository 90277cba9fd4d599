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
 *
 * Layout: docs/layouts/cells.md
 */
import { attachNew, registerKind, KIND_PROPERTY, type SharedRegion } from '../runtime/shared.js';
import { elementTypeFromFields, resolveElementType } from './cell-store.js';
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
import { type RawValue, attachRawValue, checkInitial } from './raw-value.js';
import type { CellInit, CellType, CellValue, IntOperand, NumericOperand } from './typecodes.js';

/** What a Value becomes after structured clone. */
export interface ValueDescriptor extends LockedCellDescriptor {}

/** Options of `new Value(type, initial, options)`. */
export interface ValueOptions extends SharedRegion {
  /** true (default): a new RLock in the cell's region; false: no lock (a raw cell); or a Lock/RLock to use. */
  readonly lock?: LockOption;
}

const KIND = 'Value';

/**
 * Python's `multiprocessing.Value`: one scalar (typecode `'i'`, `'d'`, `'u64'`, …) or struct record in
 * shared memory, with its own `RLock` by default (`{ lock: false }` for none). `value` reads and
 * writes it; integer cells have atomic `add`/`sub`/… A bad typecode or an initial value out of the
 * type's range throws `InvalidArgumentError`. Revive a clone with `Value.from`.
 */
export class Value<T extends CellType = CellType> extends LockedCell<RawValue<T>> {
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;

  /**
   * A new cell holding `initial` (default zero; for a struct, an object of fields). Options:
   * `lock` (see ValueOptions) and a region `{ buffer, byteOffset }` to place the cell (and its
   * default lock, after it) in; see Value.byteLengthOf / Value.alignmentOf.
   */
  constructor(type: T, initial?: CellInit<T>, options?: ValueOptions);
  constructor(type: T, initial?: CellInit<T>, options?: ValueOptions, attach?: symbol) {
    super(
      KIND,
      ...(attach === CELL_ATTACH ? attachedParts<RawValue<T>>(type, initial) : Value.#create(type, initial, options)),
    );
  }

  /** A new cell's memory and lock; everything is checked before any memory is allocated or written. */
  static #create<T extends CellType>(
    type: T,
    initial: CellInit<T> | undefined,
    options: ValueOptions | undefined,
  ): [RawValue<T>, CellLock | null] {
    const elem = resolveElementType(type);
    checkInitial(KIND, elem, initial);
    const { buffer, byteOffset, lock } = allocateLockedCell(KIND, elem, 1, options);
    const raw = attachRawValue<T>(buffer, byteOffset, elem);
    if (initial !== undefined) raw.value = initial;
    else if (options?.buffer !== undefined) new Uint8Array(buffer, byteOffset, elem.size).fill(0);
    return [raw, lock];
  }

  /** Makes a Value that travelled through postMessage / workerData live again, with its lock. */
  static from<T extends CellType = CellType>(value: unknown): Value<T> {
    const revived = reviveLockedCell<ValueDescriptor, RawValue<T>>(KIND, value, Value, (d) =>
      attachRawValue<T>(d.buffer, d.byteOffset, elementTypeFromFields(KIND, d.type, d.struct)),
    );
    return revived ? attachNew(Value<T>, ...revived, undefined, CELL_ATTACH) : (value as Value<T>);
  }

  /** Bytes a Value of `type` occupies from byteOffset (with its default lock unless lock is not true). */
  static byteLengthOf(type: CellType, options?: { lock?: LockOption }): number {
    return withLockRoom(KIND, resolveElementType(type).size, options?.lock);
  }

  /** The value, read under the lock (an atomic load). A struct cell gives its live record view. */
  get value(): CellValue<T> {
    if (this.isStruct) return this.raw.value;
    const took = this.takeLock();
    try {
      return this.raw.value;
    } finally {
      took?.release();
    }
  }

  /** Writes the value under the lock (checked; a struct cell copies the given fields). */
  set value(v: CellInit<T>) {
    const took = this.takeLock();
    try {
      this.raw.value = v;
    } finally {
      took?.release();
    }
  }

  /** Atomic load; never takes the lock. */
  load(): NumericOperand<T> {
    return this.raw.load();
  }

  /** Atomic store; never takes the lock. Returns the value stored (for f32, as rounded). */
  store(v: NumericOperand<T>): NumericOperand<T> {
    return this.raw.store(v);
  }

  /** Atomic add, lock-free (wrapping for integers, a CAS loop for floats); returns the previous value. */
  add(delta: NumericOperand<T>): NumericOperand<T> {
    return this.raw.add(delta);
  }

  /** Atomic subtract, lock-free; returns the previous value. */
  sub(delta: NumericOperand<T>): NumericOperand<T> {
    return this.raw.sub(delta);
  }

  /** Atomic and (integer cells), lock-free; returns the previous value. */
  and(v: IntOperand<T>): IntOperand<T> {
    return this.raw.and(v);
  }

  /** Atomic or (integer cells), lock-free; returns the previous value. */
  or(v: IntOperand<T>): IntOperand<T> {
    return this.raw.or(v);
  }

  /** Atomic xor (integer cells), lock-free; returns the previous value. */
  xor(v: IntOperand<T>): IntOperand<T> {
    return this.raw.xor(v);
  }

  /** Atomic exchange (integer cells), lock-free; returns the previous value. */
  exchange(v: IntOperand<T>): IntOperand<T> {
    return this.raw.exchange(v);
  }

  /** Atomic compare-and-exchange (integer cells), lock-free; returns the previous value. */
  compareExchange(expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.raw.compareExchange(expected, replacement);
  }

  override toString(): string {
    return this.isStruct ? `Value(struct)` : `Value(${this.type}, ${String(this.raw.load())})`;
  }
}

registerKind(KIND, (d) => Value.from(d));
