/**
 * RawArray: Python's `multiprocessing.sharedctypes.RawArray`, a fixed-length run of typed
 * elements in shared memory with no lock. Also what `SharedArray#getObj()` returns (Python's
 * `get_obj()`), over the SharedArray's memory.
 *
 * Layout (offsets from byteOffset; `size` = the element size, which is also the stride: a struct's
 * byteLength includes its tail padding, so every record stays aligned):
 *
 *   +0            element 0
 *   +size         element 1
 *   ...
 *   +size*(n-1)   element n-1
 *
 *   RawArray.byteLengthOf(type, n) = size * n;  RawArray.alignmentOf(type) = natural alignment
 *
 * Descriptor: { __sabkit: "RawArray", buffer, byteOffset, length, type: "i8" ... "f64" | "struct",
 * struct: { kind, schema } | null }.
 *
 * Indices follow Python: -length <= i < length (negative counts from the end), anything else is an
 * IndexError. get/set and the atomic methods are sequentially consistent Atomics operations on one
 * element; `view` (the zero-copy typed array) and toArray/slice are plain bulk copies.
 *
 * Layout: docs/layouts/cells.md
 */
import { InvalidArgumentError, ReviveError, describe } from '../errors.js';
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
  checkLength,
  rehearseStruct,
  elementTypeFromFields,
  normaliseIndex,
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

/** What a RawArray becomes after structured clone. */
export interface RawArrayDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
  readonly length: number;
}

const KIND = 'RawArray';

/** A RawArray over elements already in place (no initialisation), with a known element type. */
export function attachRawArray<T extends CellType>(
  buffer: SharedArrayBuffer,
  byteOffset: number,
  elem: ElementType,
  length: number,
): RawArray<T> {
  checkRegion(KIND, buffer, byteOffset, elem.size * length, elem.align);
  return attachNew(RawArray<T>, elem, length, { buffer, byteOffset }, CELL_ATTACH);
}

/** A length, or the initial values (any iterable or array-like), as Python's `size_or_initializer`. */
export type LengthOrValues<T> = number | Iterable<CellInit<T>> | ArrayLike<CellInit<T>>;

/**
 * Reads `lengthOrValues` into a length and (if values were given) a checked list of them, before
 * any memory is allocated or touched.
 */
export function readLengthOrValues(
  kind: string,
  t: ElementType,
  lengthOrValues: unknown,
): { length: number; values: unknown[] | undefined } {
  if (typeof lengthOrValues === 'number') return { length: checkLength(kind, lengthOrValues), values: undefined };
  let values: unknown[];
  if (
    typeof lengthOrValues === 'object' &&
    lengthOrValues !== null &&
    typeof (lengthOrValues as Iterable<unknown>)[Symbol.iterator] === 'function'
  ) {
    values = [...(lengthOrValues as Iterable<unknown>)];
  } else if (
    typeof lengthOrValues === 'object' &&
    lengthOrValues !== null &&
    typeof (lengthOrValues as ArrayLike<unknown>).length === 'number'
  ) {
    values = Array.prototype.slice.call(lengthOrValues as ArrayLike<unknown>);
  } else {
    throw new InvalidArgumentError(
      `${kind}: lengthOrValues must be a non-negative integer length or an iterable of initial values, got ` +
        `${describe(lengthOrValues)}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (t.scalar) checkStore(t.scalar, v, `${kind}: initial value [${i}]`);
    else rehearseStruct(t.struct, v, `${kind}: initial value [${i}]`);
  }
  return { length: values.length, values };
}

/**
 * Python's `RawArray`: a `SharedArray` without a lock, iterable, with `view` (a typed array over
 * its elements) for numeric loops. Same typecodes and errors as `SharedArray`; revive a clone with
 * `RawArray.from`.
 */
export class RawArray<T extends CellType = CellType> extends RawCell implements Iterable<CellValue<T>> {
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;
  /** Number of elements (fixed). */
  declare readonly length: number;

  readonly #length: number;

  /**
   * A new array of `length` zeroed elements, or of the given initial values. With
   * `{ buffer, byteOffset }` the elements are placed (and initialised) there.
   */
  constructor(type: T, lengthOrValues: LengthOrValues<T>, region?: SharedRegion);
  constructor(type: T, lengthOrValues: LengthOrValues<T>, region?: SharedRegion, attach?: symbol) {
    const attaching = attach === CELL_ATTACH;
    // Attaching, `type` is the element type and `lengthOrValues` the length attachRawArray checked.
    const elem = attaching ? (type as unknown as ElementType) : resolveElementType(type);
    const { length, values } = attaching
      ? { length: lengthOrValues as number, values: undefined }
      : readLengthOrValues(KIND, elem, lengthOrValues);
    const { buffer, byteOffset } = attaching
      ? (region as Required<SharedRegion>)
      : allocateElements(KIND, elem, length, { bytes: 0, align: 1 }, region);
    super(KIND, elem, buffer, byteOffset, length);
    this.#length = length;
    const zero = !attaching && values === undefined && region?.buffer !== undefined;
    if (zero) new Uint8Array(buffer, byteOffset, elem.size * length).fill(0);
    if (values) for (let i = 0; i < length; i++) this.#setAt(i, values[i]);
  }

  /** Attaches to a RawArray sent from another thread (its structured clone), over the same memory. */
  static from<T extends CellType = CellType>(value: unknown): RawArray<T> {
    const d = expectDescriptor<RawArrayDescriptor>(value, KIND);
    if (value instanceof RawArray) return value as RawArray<T>;
    const elem = elementTypeFromFields(KIND, d.type, d.struct);
    if (typeof d.length !== 'number' || !Number.isSafeInteger(d.length) || d.length < 0) {
      throw new ReviveError(`${KIND}.from(value): length must be a non-negative integer, got ${describe(d.length)}`);
    }
    return attachRawArray<T>(d.buffer, d.byteOffset, elem, d.length);
  }

  /** Bytes `length` elements of `type` occupy. */
  static byteLengthOf(type: CellType, length: number): number {
    return resolveElementType(type).size * checkLength(KIND, length);
  }

  /** Bytes the elements occupy from byteOffset. */
  get byteLength(): number {
    return this.elem.size * this.#length;
  }

  /** Zero-copy typed array over all elements (bytes for a struct array); plain, non-atomic access. */
  get view(): CellView<T> {
    return (
      this.scalarStore ? this.scalarStore.array : new Uint8Array(this.buffer, this.byteOffset, this.byteLength)
    ) as CellView<T>;
  }

  /** Element i (an atomic load), or for a struct array a live view of record i. */
  get(i: number): CellValue<T> {
    const j = this.#index(i);
    const s = this.scalarStore;
    if (s !== undefined) return s.load(j) as CellValue<T>;
    return this.elem.struct!.view(this.buffer, this.byteOffset + j * this.elem.size) as CellValue<T>;
  }

  /** Stores element i (atomic, checked); for a struct array, copies the given fields into record i. */
  set(i: number, v: CellInit<T>): void {
    this.#setAt(this.#index(i), v);
  }

  /**
   * Elements start .. end-1 as a plain JS array (Python's slice; negative bounds count from the
   * end). A plain bulk copy: each element is a value it held at some moment during the copy, but
   * elements written meanwhile by other threads may come from before or after those writes (take
   * SharedArray's lock for a snapshot).
   */
  slice(start?: number, end?: number): CellValue<T>[] {
    const n = this.#length;
    const lo = clampBound(start ?? 0, n, 'start');
    const hi = clampBound(end ?? n, n, 'end');
    const s = this.scalarStore;
    if (s !== undefined)
      return Array.from(s.array.subarray(lo, Math.max(lo, hi)) as ArrayLike<number | bigint>) as CellValue<T>[];
    const out: CellValue<T>[] = [];
    for (let i = lo; i < hi; i++) out.push(this.get(i));
    return out;
  }

  /** All elements as a plain JS array (a copy for scalars; live record views for structs). */
  toArray(): CellValue<T>[] {
    return this.slice();
  }

  *[Symbol.iterator](): IterableIterator<CellValue<T>> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** Atomic load of element i. */
  load(i: number): NumericOperand<T> {
    return this.scalar('load').load(this.#index(i)) as NumericOperand<T>;
  }

  /** Atomic store to element i; returns the value stored (for f32, as rounded). */
  store(i: number, v: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('store').store(this.#index(i), v) as NumericOperand<T>;
  }

  /** Atomic add to element i (wrapping for integers, a CAS loop for floats); returns the previous value. */
  add(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('add').add(this.#index(i), delta) as NumericOperand<T>;
  }

  /** Atomic subtract from element i; returns the previous value. */
  sub(i: number, delta: NumericOperand<T>): NumericOperand<T> {
    return this.scalar('sub').sub(this.#index(i), delta) as NumericOperand<T>;
  }

  /** Atomic bitwise and on element i (integer arrays); returns the previous value. */
  and(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.scalar('and').and(this.#index(i), v) as IntOperand<T>;
  }

  /** Atomic bitwise or on element i (integer arrays); returns the previous value. */
  or(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.scalar('or').or(this.#index(i), v) as IntOperand<T>;
  }

  /** Atomic bitwise xor on element i (integer arrays); returns the previous value. */
  xor(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.scalar('xor').xor(this.#index(i), v) as IntOperand<T>;
  }

  /** Atomic exchange of element i (integer arrays); returns the previous value. */
  exchange(i: number, v: IntOperand<T>): IntOperand<T> {
    return this.scalar('exchange').exchange(this.#index(i), v) as IntOperand<T>;
  }

  /** Atomic compare-and-exchange of element i (integer arrays): returns the previous value. */
  compareExchange(i: number, expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.scalar('compareExchange').compareExchange(this.#index(i), expected, replacement) as IntOperand<T>;
  }

  #setAt(j: number, v: unknown): void {
    const s = this.scalarStore;
    if (s !== undefined) s.store(j, v, `${KIND}[${j}]`);
    else assignStruct(this.elem.struct!, this.get(j) as object, v, `${KIND}[${j}]`);
  }

  #index(i: number): number {
    // Fast path: a non-negative integer below 2^32 that is in range.
    return i >>> 0 === i && i < this.#length ? i : normaliseIndex(KIND, i, this.#length);
  }
}

/** Python's slice-bound rule: negative counts from the end, then clamp to [0, n]. */
function clampBound(b: unknown, n: number, param: string): number {
  if (typeof b !== 'number' || !Number.isInteger(b))
    throw new InvalidArgumentError(`slice: ${param} must be an integer, got ${describe(b)}`);
  return b < 0 ? Math.max(0, b + n) : Math.min(b, n);
}

registerKind(KIND, (d) => RawArray.from(d));
