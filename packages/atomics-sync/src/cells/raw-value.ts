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
import { InvalidArgumentError } from '../errors.js';
import { checkRegion, defineShared, expectDescriptor, registerKind, KIND_PROPERTY, type SharedDescriptor, type SharedRegion } from '../runtime/shared.js';
import {
  ScalarStore, allocateElements, assignStruct, rehearseStruct, elementTypeFromFields, resolveElementType, typeFields, type ElementType, type StructRef,
} from './cell-store.js';
import type { StructTypeLike } from './struct-type.js';
import { checkStore, type CellInit, type CellType, type CellValue, type CellView, type IntOperand, type NumericOperand, type ScalarName } from './typecodes.js';

/** What a RawValue becomes after structured clone. */
export interface RawValueDescriptor extends SharedDescriptor {
  readonly type: ScalarName | 'struct';
  readonly struct: StructRef | null;
}

const KIND = 'RawValue';
// Set by attachRawValue for the constructor call it makes: attach, do not initialise.
let attaching: { buffer: SharedArrayBuffer; byteOffset: number; elem: ElementType } | undefined;

/** A RawValue over an element already in place (no initialisation), with a known element type. */
export function attachRawValue<T extends CellType>(buffer: SharedArrayBuffer, byteOffset: number, elem: ElementType): RawValue<T> {
  checkRegion(KIND, buffer, byteOffset, elem.size, elem.align);
  attaching = { buffer, byteOffset, elem };
  try {
    return new RawValue<T>(undefined as unknown as T);
  } finally {
    attaching = undefined;
  }
}

/** Checks `initial` for element type `t` before any memory is touched (struct values: rehearsed on a scratch record). */
export function checkInitial(kind: string, t: ElementType, initial: unknown): void {
  if (initial === undefined) return;
  if (t.scalar) checkStore(t.scalar, initial, `${kind}: initial`);
  else rehearseStruct(t.struct, initial, `${kind}: initial`);
}

export class RawValue<T extends CellType = CellType> {
  /** Kind tag in descriptors. */
  static readonly KIND = KIND;
  declare readonly [KIND_PROPERTY]: typeof KIND;
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Canonical type name ("i8" ... "f64"), or "struct". */
  declare readonly type: ScalarName | 'struct';
  /** The struct type's kind and schema (what a worker rebuilds it from), or null for scalars. */
  declare readonly struct: StructRef | null;

  readonly #elem: ElementType;
  readonly #store: ScalarStore | undefined;
  readonly #record: object | undefined;

  /**
   * A new cell holding `initial` (default zero). With `{ buffer, byteOffset }` the cell is placed
   * (and initialised) there; byteOffset must be a multiple of the type's alignment.
   */
  constructor(type: T, initial?: CellInit<T>, region?: SharedRegion) {
    const a = attaching;
    attaching = undefined;
    let elem: ElementType;
    let buffer: SharedArrayBuffer;
    let byteOffset: number;
    let write = false;
    if (a) {
      ({ elem, buffer, byteOffset } = a);
    } else {
      elem = resolveElementType(type);
      checkInitial(KIND, elem, initial);
      ({ buffer, byteOffset } = allocateElements(KIND, elem, 1, { bytes: 0, align: 1 }, region));
      write = initial !== undefined || region?.buffer !== undefined;
    }
    this.#elem = elem;
    defineShared(this, KIND, buffer, byteOffset);
    const { type: name, struct } = typeFields(elem);
    Object.defineProperty(this, 'type', { value: name, enumerable: true });
    Object.defineProperty(this, 'struct', { value: struct, enumerable: true });
    if (elem.scalar) {
      this.#store = new ScalarStore(elem.scalar, buffer, byteOffset, 1);
      if (write) this.#store.store(0, initial ?? (elem.scalar.kind === 'bigint' ? 0n : 0));
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

  /** Alignment a caller's byteOffset needs for `type`. */
  static alignmentOf(type: CellType): number {
    return resolveElementType(type).align;
  }

  /** Bytes this cell occupies from byteOffset. */
  get byteLength(): number {
    return this.#elem.size;
  }

  /** The struct type of a struct cell (rebuilt from its schema in a worker), else undefined. */
  get structType(): StructTypeLike | undefined {
    return this.#elem.struct;
  }

  /** The value (an atomic load), or for a struct cell the live record view. */
  get value(): CellValue<T> {
    return (this.#store ? this.#store.load(0) : this.#record) as CellValue<T>;
  }

  /** Stores a value (atomic, checked); a struct cell copies the given fields into its record. */
  set value(v: CellInit<T>) {
    if (this.#store) this.#store.store(0, v);
    else assignStruct(this.#elem.struct!, this.#record!, v, `${KIND}.value`);
  }

  /** Zero-copy typed array of length 1 over the cell (bytes for a struct); plain, non-atomic access. */
  get view(): CellView<T> {
    return (this.#store ? this.#store.array : new Uint8Array(this.buffer, this.byteOffset, this.#elem.size)) as CellView<T>;
  }

  /** Atomic load (sequentially consistent). */
  load(): NumericOperand<T> {
    return this.#scalar('load').load(0) as NumericOperand<T>;
  }

  /** Atomic store; returns the value stored (for f32, as rounded). */
  store(v: NumericOperand<T>): NumericOperand<T> {
    return this.#scalar('store').store(0, v) as NumericOperand<T>;
  }

  /** Atomic add (wrapping for integers; a CAS loop for floats); returns the previous value. */
  add(delta: NumericOperand<T>): NumericOperand<T> {
    return this.#scalar('add').add(0, delta) as NumericOperand<T>;
  }

  /** Atomic subtract; returns the previous value. */
  sub(delta: NumericOperand<T>): NumericOperand<T> {
    return this.#scalar('sub').sub(0, delta) as NumericOperand<T>;
  }

  /** Atomic bitwise and (integer cells); returns the previous value. */
  and(v: IntOperand<T>): IntOperand<T> {
    return this.#scalar('and').and(0, v) as IntOperand<T>;
  }

  /** Atomic bitwise or (integer cells); returns the previous value. */
  or(v: IntOperand<T>): IntOperand<T> {
    return this.#scalar('or').or(0, v) as IntOperand<T>;
  }

  /** Atomic bitwise xor (integer cells); returns the previous value. */
  xor(v: IntOperand<T>): IntOperand<T> {
    return this.#scalar('xor').xor(0, v) as IntOperand<T>;
  }

  /** Atomic exchange (integer cells); returns the previous value. */
  exchange(v: IntOperand<T>): IntOperand<T> {
    return this.#scalar('exchange').exchange(0, v) as IntOperand<T>;
  }

  /** Atomic compare-and-exchange (integer cells): returns the previous value, which equals `expected` iff it swapped. */
  compareExchange(expected: IntOperand<T>, replacement: IntOperand<T>): IntOperand<T> {
    return this.#scalar('compareExchange').compareExchange(0, expected, replacement) as IntOperand<T>;
  }

  #scalar(op: string): ScalarStore {
    const s = this.#store;
    if (s === undefined) throw new InvalidArgumentError(`${op}() needs a numeric cell; this cell holds a struct record (use its fields)`);
    return s;
  }
}

registerKind(KIND, (d) => RawValue.from(d));
