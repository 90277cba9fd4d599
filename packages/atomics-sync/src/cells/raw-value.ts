/**
 * RawValue: Python's `multiprocessing.sharedctypes.RawValue`, one typed cell in shared memory with
 * no lock. Also what `Value#getObj()` returns (Python's `get_obj()`), over the Value's memory.
 *
 * Layout (offsets from byteOffset; `size` and alignment are the element type's):
 *
 *   +0     the element: one scalar (1, 2, 4 or 8 bytes, little-endian as typed arrays are on
 *          every platform Node runs on) or one struct record (struct.byteLength bytes)
 *
 *   RawValue.byteLengthOf(type) = size;  RawValue.alignmentOf(type) = natural alignment
 *
 * Descriptor (what structured clone keeps): { __sabkit: "RawValue", buffer, byteOffset,
 * type: "i8" ... "f64" | "struct", struct: { kind, schema } | null }.
 *
 * Every access through `value`, load/store and the atomic methods is a sequentially consistent
 * Atomics operation (see cell-store.ts); `view` is the plain zero-copy typed array.
 *
 * Layout: docs/layouts/cells.md
 */
import {
  attachNew,
  checkRegion,
  expectDescriptor,
  registerKind,
  KIND_PROPERTY,
  type SharedDescriptor,
  type SharedRegion,
} from '../runtime/shared.js';
import {
  allocateElements,
  assignStruct,
  rehearseStruct,
  elementTypeFromFields,
  resolveElementType,
  type ElementType,
  type StructRef,
} from './cell-store.js';
import { CELL_ATTACH, RawCell } from './cell-base.js';
import {
  checkStore,
  type CellInit,
  type CellType,
  type CellValue,
  type CellView,
  type IntOperand,
  type NumericOperand,
  type ScalarName,
} from './typecodes.js';

/** What a RawValue becomes after structured clone. */
export interface RawValueDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
}

const KIND = 'RawValue';

/** A RawValue over an element already in place (no initialisation), with a known element type. */
export function attachRawValue<T extends CellType>(
  buffer: SharedArrayBuffer,
  byteOffset: number,
  elem: ElementType,
): RawValue<T> {
  checkRegion(KIND, buffer, byteOffset, elem.size, elem.align);
  return attachNew(RawValue<T>, elem, undefined, { buffer, byteOffset }, CELL_ATTACH);
}

/**
 * Checks `initial` for element type `t` before any memory is touched (struct values: rehearsed on a
 * scratch record).
 */
export function checkInitial(kind: string, t: ElementType, initial: unknown): void {
  if (initial === undefined) return;
  if (t.scalar) checkStore(t.scalar, initial, `${kind}: initial`);
  else rehearseStruct(t.struct, initial, `${kind}: initial`);
}

/**
 * Python's `RawValue`: a `Value` without a lock (reads and writes of one scalar are still single
 * atomic accesses, but read-modify-write sequences are the caller's to guard). Same typecodes and
 * errors as `Value`; revive a clone with `RawValue.from`.
 */
export class RawValue<T extends CellType = CellType> extends RawCell {
  /** Kind tag in descriptors. */
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;

  readonly #record: object | undefined;

  /**
   * A new cell holding `initial` (default zero). With `{ buffer, byteOffset }` the cell is placed
   * (and initialised) there; byteOffset must be a multiple of the type's alignment.
   */
  constructor(type: T, initial?: CellInit<T>, region?: SharedRegion);
  constructor(type: T, initial?: CellInit<T>, region?: SharedRegion, attach?: symbol) {
    const attaching = attach === CELL_ATTACH;
    // Attaching, `type` is the element type attachRawValue resolved.
    const elem = attaching ? (type as unknown as ElementType) : resolveElementType(type);
    if (!attaching) checkInitial(KIND, elem, initial);
    const { buffer, byteOffset } = attaching
      ? (region as Required<SharedRegion>)
      : allocateElements(KIND, elem, 1, { bytes: 0, align: 1 }, region);
    super(KIND, elem, buffer, byteOffset);
    const write = !attaching && (initial !== undefined || region?.buffer !== undefined);
    if (elem.scalar) {
      if (write) this.scalarStore!.store(0, initial ?? (elem.scalar.kind === 'bigint' ? 0n : 0));
    } else {
      this.#record = elem.struct.view(buffer, byteOffset) as object;
      if (write) {
        if (initial === undefined) new Uint8Array(buffer, byteOffset, elem.size).fill(0);
        else assignStruct(elem.struct, this.#record, initial, `${KIND}: initial`);
      }
    }
  }

  /** Attaches to a RawValue sent from another thread (its structured clone), over the same memory. */
  static from<T extends CellType = CellType>(value: unknown): RawValue<T> {
    const d = expectDescriptor<RawValueDescriptor>(value, KIND);
    if (value instanceof RawValue) return value as RawValue<T>;
    return attachRawValue<T>(d.buffer, d.byteOffset, elementTypeFromFields(KIND, d.type, d.struct));
  }

  /** Bytes one cell of `type` occupies (its element size). */
  static byteLengthOf(type: CellType): number {
    return resolveElementType(type).size;
  }

  /** Bytes this cell occupies from byteOffset. */
  get byteLength(): number {
    return this.elem.size;
  }

  /** The value (an atomic load), or for a struct cell the live record view. */
  get value(): CellValue<T> {
    const s = this.scalarStore;
    return (s ? s.load(0) : this.#record) as CellValue<T>;
  }

  /** Stores a value (atomic, checked); a struct cell copies the given fields into its record. */
  set value(v: CellInit<T>) {
    const s = this.scalarStore;
    if (s) s.store(0, v);
    else assignStruct(this.elem.struct!, this.#record!, v, `${KIND}.value`);
  }

  /** Zero-copy typed array of length 1 over the cell (bytes for a struct); plain, non-atomic access. */
  get view(): CellView<T> {
    const s = this.scalarStore;
    return (s ? s.array : new Uint8Array(this.buffer, this.byteOffset, this.elem.size)) as CellView<T>;
  }

  /** Atomic load (sequentially consistent). */
  load(): NumericOperand<T> {
    return this.scalar('load').load(0) as NumericOperand<T>;
  }

  /** Atomic store; returns the value stored (for f32, as rounded). */
  store(v: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('store').store(0, v) as NumericOperand<T>;
  }

  /** Atomic add (wrapping for integers; a CAS loop for floats); returns the previous value. */
  add(delta: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('add').add(0, delta) as NumericOperand<T>;
  }

  /** Atomic subtract; returns the previous value. */
  sub(delta: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('sub').sub(0, delta) as NumericOperand<T>;
  }

  /** Atomic bitwise and (integer cells); returns the previous value. */
  and(v: IntOperand<T>): IntOperand<T> {
    return this.scalar('and').and(0, v) as IntOperand<T>;
  }

  /** Atomic bitwise or (integer cells); returns the previous value. */
  or(v: IntOperand<T>): IntOperand<T> {
    return this.scalar('or').or(0, v) as IntOperand<T>;
  }

  /** Atomic bitwise xor (integer cells); returns the previous value. */
  xor(v: IntOperand<T>): IntOperand<T> {
    return this.scalar('xor').xor(0, v) as IntOperand<T>;
  }

  /** Atomic exchange (integer cells); returns the previous value. */
  exchange(v: IntOperand<T>): IntOperand<T> {
    return this.scalar('exchange').exchange(0, v) as IntOperand<T>;
  }

  /**
   * Atomic compare-and-exchange (integer cells): returns the previous value, which equals
   * `expected` iff it swapped.
   */
  compareExchange(expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.scalar('compareExchange').compareExchange(0, expected, replacement) as IntOperand<T>;
  }
}

registerKind(KIND, (d) => RawValue.from(d));
