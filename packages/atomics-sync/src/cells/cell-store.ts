/**
 * The element machinery under every typed cell: atomic access to element i of a run of scalars
 * (ScalarStore), checked assignment of struct records, and the shape checks shared by the four
 * cell classes. Value and RawValue use element 0; SharedArray and RawArray use 0 .. length-1.
 *
 * Every access through the cells' API is a sequentially consistent Atomics operation on the
 * element's own memory, so it never tears and is ordered with every other thread's atomics:
 * - integer cells: Atomics on the matching typed array (Int8Array ... BigUint64Array);
 * - float cells: Atomics on a same-width integer array aliasing the element (Int32Array for f32,
 *   BigInt64Array for f64; Atomics does not take float arrays), converting between the bit
 *   pattern and the number through a thread-local scratch buffer.
 * The zero-copy `view` typed array is the plain, unordered path: fastest, but a racing write can
 * be seen late, and a 64-bit or float element may in principle tear (the spec allows it; no
 * 64-bit hardware V8 runs on does it for aligned elements, and cells are always aligned).
 *
 * Float add is a compare-exchange loop on the bit pattern (the usual way to build a floating
 * fetch-add from CAS, as C++20's atomic<double>::fetch_add is lowered on x86-64): read the bits,
 * compute old + delta, and publish the new bits only if the element still holds the bits read.
 * Comparing bits rather than numbers is what makes the loop finish when the cell holds NaN
 * (NaN !== NaN) and keeps -0 and +0 apart.
 */
import { InvalidArgumentError, IndexError, ReviveError, describe } from '../errors.js';
import { checkStructType, isStructTypeLike, structTypeFromSchema, type StructTypeLike } from './struct-type.js';
import { allocateRegion, type SharedRegion } from '../runtime/shared.js';
import {
  SCALAR_TYPES,
  checkOperand,
  checkStore,
  expectScalar,
  scalarInfo,
  type NumericArray,
  type ScalarInfo,
} from './typecodes.js';

// Thread-local scratch for float <-> bits conversion; never shared, never held across a call.
const scratch = new ArrayBuffer(8);
const scratchF64 = new Float64Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchI32 = new Int32Array(scratch);

type AnyArray = NumericArray & { [i: number]: number | bigint };
// Atomics' signatures are per array kind; one loose view of them keeps the dispatch in one place.
const A = Atomics as unknown as {
  load(a: AnyArray, i: number): number | bigint;
  store(a: AnyArray, i: number, v: number | bigint): number | bigint;
  add(a: AnyArray, i: number, v: number | bigint): number | bigint;
  sub(a: AnyArray, i: number, v: number | bigint): number | bigint;
  and(a: AnyArray, i: number, v: number | bigint): number | bigint;
  or(a: AnyArray, i: number, v: number | bigint): number | bigint;
  xor(a: AnyArray, i: number, v: number | bigint): number | bigint;
  exchange(a: AnyArray, i: number, v: number | bigint): number | bigint;
  compareExchange(a: AnyArray, i: number, e: number | bigint, r: number | bigint): number | bigint;
};

/** Atomic operations on elements of a run of scalars of one type. Indices are checked by the caller. */
export class ScalarStore {
  readonly info: ScalarInfo;
  /** The zero-copy typed array over the elements (plain access). */
  readonly array: AnyArray;
  /** What Atomics operates on: `array` itself for integers, its integer alias for floats. */
  readonly #bits: AnyArray;
  readonly #float: boolean;
  readonly #f64: boolean;

  constructor(info: ScalarInfo, buffer: SharedArrayBuffer, byteOffset: number, length: number) {
    this.info = info;
    this.array = new info.ArrayType(buffer, byteOffset, length) as AnyArray;
    this.#bits =
      info.BitsType === info.ArrayType ? this.array : (new info.BitsType(buffer, byteOffset, length) as AnyArray);
    this.#float = info.kind === 'float';
    this.#f64 = info.name === 'f64';
  }

  load(i: number): number | bigint {
    if (!this.#float) return A.load(this.#bits, i);
    return this.#toFloat(A.load(this.#bits, i));
  }

  /** Stores `v` (checked) and returns the value the element now holds (f32: rounded). */
  store(i: number, v: unknown, param = 'value'): number | bigint {
    checkStore(this.info, v, param);
    if (!this.#float) return A.store(this.#bits, i, v as number | bigint);
    const bits = this.#toBits(v as number);
    A.store(this.#bits, i, bits);
    return this.#f64 ? (v as number) : Math.fround(v as number);
  }

  add(i: number, delta: unknown): number | bigint {
    checkOperand(this.info, delta, 'delta');
    if (!this.#float) return A.add(this.#bits, i, delta as number | bigint);
    return this.#floatAdd(i, delta as number);
  }

  sub(i: number, delta: unknown): number | bigint {
    checkOperand(this.info, delta, 'delta');
    if (!this.#float) return A.sub(this.#bits, i, delta as number | bigint);
    // Negation is exact in IEEE 754, so old + (-delta) is old - delta, bit for bit.
    return this.#floatAdd(i, -(delta as number));
  }

  and(i: number, v: unknown): number | bigint {
    this.#intOnly('and');
    checkOperand(this.info, v, 'value');
    return A.and(this.#bits, i, v as number | bigint);
  }

  or(i: number, v: unknown): number | bigint {
    this.#intOnly('or');
    checkOperand(this.info, v, 'value');
    return A.or(this.#bits, i, v as number | bigint);
  }

  xor(i: number, v: unknown): number | bigint {
    this.#intOnly('xor');
    checkOperand(this.info, v, 'value');
    return A.xor(this.#bits, i, v as number | bigint);
  }

  exchange(i: number, v: unknown): number | bigint {
    this.#intOnly('exchange');
    checkStore(this.info, v, 'value');
    return A.exchange(this.#bits, i, v as number | bigint);
  }

  compareExchange(i: number, expected: unknown, replacement: unknown): number | bigint {
    this.#intOnly('compareExchange');
    checkStore(this.info, expected, 'expected');
    checkStore(this.info, replacement, 'replacement');
    return A.compareExchange(this.#bits, i, expected as number | bigint, replacement as number | bigint);
  }

  #floatAdd(i: number, delta: number): number {
    const bits = this.#bits;
    for (;;) {
      const old = A.load(bits, i);
      const oldValue = this.#toFloat(old);
      const next = this.#toBits(oldValue + delta);
      if (A.compareExchange(bits, i, old, next) === old) return oldValue;
    }
  }

  #toFloat(bits: number | bigint): number {
    if (this.#f64) {
      scratchI64[0] = bits as bigint;
      return scratchF64[0];
    }
    scratchI32[0] = bits as number;
    return scratchF32[0];
  }

  #toBits(v: number): number | bigint {
    if (this.#f64) {
      scratchF64[0] = v;
      return scratchI64[0];
    }
    scratchF32[0] = v;
    return scratchI32[0];
  }

  #intOnly(op: string): void {
    if (this.#float)
      throw new InvalidArgumentError(
        `${op}() needs an integer cell; this cell holds ${this.info.name} (float cells have load, store, add and sub)`,
      );
  }
}

/** What a cell's descriptor says about its struct type, enough to rebuild it in another thread. */
export interface StructRef {
  readonly kind: string;
  readonly schema: unknown;
}

/** The element type of a cell: a scalar row of the table, or a struct type. */
export type ElementType =
  | {
      readonly scalar: ScalarInfo;
      readonly struct: undefined;
      readonly size: number;
      readonly align: number;
      readonly name: string;
    }
  | {
      readonly scalar: undefined;
      readonly struct: StructTypeLike;
      readonly size: number;
      readonly align: number;
      readonly name: 'struct';
    };

/** Resolves what a user passed as a cell type; throws InvalidArgumentError naming the valid codes. */
export function resolveElementType(type: unknown, param = 'type'): ElementType {
  if (isStructTypeLike(type)) {
    const struct = checkStructType(type, param);
    return { scalar: undefined, struct, size: struct.byteLength, align: struct.alignment, name: 'struct' };
  }
  const scalar = expectScalar(type, param);
  return { scalar, struct: undefined, size: scalar.size, align: scalar.size, name: scalar.name };
}

/** The descriptor fields that name a cell's element type. */
export function typeFields(t: ElementType): { type: string; struct: StructRef | null } {
  return { type: t.name, struct: t.struct ? { kind: t.struct.structTypeKind, schema: t.struct.toSchema() } : null };
}

/** Rebuilds the element type from a descriptor's `type` and `struct` fields (ReviveError if bad). */
export function elementTypeFromFields(kind: string, type: unknown, struct: unknown): ElementType {
  if (type === 'struct') {
    const ref = struct as StructRef | null;
    if (typeof ref !== 'object' || ref === null || typeof ref.kind !== 'string') {
      throw new ReviveError(
        `${kind}.from(value): a struct cell's descriptor needs struct: { kind, schema }, got ${describe(struct)}`,
      );
    }
    const rebuilt = structTypeFromSchema(ref.kind, ref.schema);
    if (!isStructTypeLike(rebuilt))
      throw new ReviveError(`${kind}.from(value): the "${ref.kind}" factory did not return a struct type`);
    return resolveElementType(rebuilt, `${kind}.from(value): struct`);
  }
  const scalar = scalarInfo(type);
  if (!scalar || scalar.name !== type) {
    throw new ReviveError(
      `${kind}.from(value): type must be one of ${SCALAR_TYPES.map((t) => t.name).join(' ')} or "struct", ` +
        `got ${describe(type)}`,
    );
  }
  return resolveElementType(type);
}

/**
 * Checks that assigning the fields of `source` (a plain object) to a record of `struct` would
 * succeed: every named field exists, and the struct type's own setters accept every value, tried
 * on a scratch record so no shared byte changes. Throws InvalidArgumentError (or the struct
 * type's own error) otherwise.
 */
export function rehearseStruct(struct: StructTypeLike, source: unknown, param: string): void {
  if (typeof source !== 'object' || source === null || Array.isArray(source) || ArrayBuffer.isView(source)) {
    throw new InvalidArgumentError(
      `${param}: a struct cell is assigned from a plain object of fields, got ${describe(source)}`,
    );
  }
  const scratchRecord = struct.view(new ArrayBuffer(struct.byteLength), 0) as Record<string, unknown>;
  for (const k of Object.keys(source)) {
    if (!(k in scratchRecord)) throw new InvalidArgumentError(`${param}: the struct type has no field ${describe(k)}`);
    scratchRecord[k] = (source as Record<string, unknown>)[k];
  }
}

/**
 * Assigns the fields of `source` to the live record `target`, after rehearsing the assignment
 * (so a bad field throws before any shared byte changes). Only the named fields are written:
 * fields other threads update concurrently are not overwritten with stale copies.
 */
export function assignStruct(struct: StructTypeLike, target: object, source: unknown, param: string): void {
  rehearseStruct(struct, source, param);
  for (const k of Object.keys(source as object))
    (target as Record<string, unknown>)[k] = (source as Record<string, unknown>)[k];
}

/** Normalises an element index by Python's rule (-length <= i < length); IndexError otherwise. */
export function normaliseIndex(kind: string, i: unknown, length: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new InvalidArgumentError(`${kind}: an index must be an integer, got ${describe(i)}`);
  }
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new IndexError(`${kind}: index ${i} is out of range for length ${length}`);
  return j;
}

/** Checks an array length: a non-negative safe integer (Python's ValueError for a negative one). */
export function checkLength(kind: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${kind}: length must be a non-negative integer, got ${describe(n)}`);
  }
  return n;
}

/** Allocates (or checks) a region for `length` elements with room for `extra` bytes after them. */
export function allocateElements(
  kind: string,
  t: ElementType,
  length: number,
  extra: { bytes: number; align: number },
  region: SharedRegion | undefined,
) {
  const dataBytes = t.size * length;
  const align = Math.max(t.align, extra.align);
  const extraOffset = extra.bytes > 0 ? Math.ceil(dataBytes / extra.align) * extra.align : dataBytes;
  try {
    return { ...allocateRegion(kind, extraOffset + extra.bytes, align, region), extraOffset };
  } catch (e) {
    // new SharedArrayBuffer(too much) throws a bare RangeError; say what was asked for.
    if (e instanceof RangeError)
      throw new InvalidArgumentError(
        `${kind}: cannot allocate ${length} elements of ${t.name} (${extraOffset + extra.bytes} bytes)`,
        { cause: e },
      );
    throw e;
  }
}
