/**
 * Column: one leaf field ('x', 'pos.x', 'tags.3') across every element of a StructArray, without
 * copying. Element i of the column sits at byte `arrayOffset + i * stride + fieldOffset`.
 *
 * Where those bytes are aligned for the field's type (any non-packed struct), the column is a
 * strided window on a typed array: `data[start + i * stride]` is element i, with `data`, `start`
 * and `stride` public so hot loops can index the typed array directly; when the struct has this
 * one field (stride 1) `dense` is a plain typed array of the column. Otherwise (packed, strings)
 * get/set go through the DataView or the UTF-8 codec.
 */
import { IndexError, InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import {
  type Reader,
  type Writer,
  bitsCodec,
  checkedScalarCodec,
  enumCodec,
  readString,
  writeString,
} from './codec.js';
import { codegenAllowed, generateColumnClass } from './codegen.js';
import type { Node } from './nodes.js';
import { SCALARS } from './scalars.js';
import type { Memo } from './memory.js';

type AnyTyped =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;
/** The typed array a column of T values lives in (bool columns: Uint8Array of 0/1). */
export type ColumnData<T> = T extends bigint
  ? BigInt64Array | BigUint64Array
  : T extends number | boolean
    ? Exclude<AnyTyped, BigInt64Array | BigUint64Array>
    : never;

const TYPED = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
  bool: Uint8Array,
} as const;

/**
 * One field across every record of a `StructArray` (`column('pos.x')`): `get`/`set`/`fill`/
 * `toArray`, and `data`/`start`/`stride` for loops over the typed array underneath. An index out
 * of range throws `IndexError`.
 */
export abstract class Column<T> implements Iterable<T> {
  /** The dotted path of the field. */
  readonly path: string;
  /** Number of elements (the StructArray's length). */
  readonly length: number;
  /** Typed array holding the column (element i at data[start + i * stride]), or undefined if misaligned or a string. */
  readonly data: ColumnData<T> | undefined;
  /** Index in `data` of element 0. */
  readonly start: number;
  /** Distance in `data` elements between consecutive elements (the struct size / the field size). */
  readonly stride: number;

  protected constructor(path: string, length: number, data: ColumnData<T> | undefined, start: number, stride: number) {
    this.path = path;
    this.length = length;
    this.data = data;
    this.start = start;
    this.stride = stride;
  }

  /** Value of element i; IndexError outside [0, length). */
  abstract get(i: number): T;
  /** Stores value in element i; IndexError outside [0, length). */
  abstract set(i: number, value: T): void;

  /** The column as one plain typed array, when the elements are contiguous (stride 1); else undefined. */
  get dense(): ColumnData<T> | undefined {
    const d = this.data as AnyTyped | undefined;
    return d !== undefined && this.stride === 1
      ? (d.subarray(this.start, this.start + this.length) as ColumnData<T>)
      : undefined;
  }

  /** The error for a bad index; callers `throw` it themselves, so the optimiser sees that branch end. */
  protected outOfRange(i: unknown): IndexError {
    return new IndexError(`column "${this.path}": index ${describe(i)} is not an integer in [0, ${this.length})`);
  }

  /** The error for a value of the wrong JavaScript type (the one overflow rule, codec.ts). */
  protected badValue(v: unknown): InvalidArgumentError {
    return new InvalidArgumentError(`column "${this.path}": ${describe(v)} is not a value of this column's type`);
  }

  /** Stores `value` in every element (the first store validates it, so a bad value writes nothing). */
  fill(value: T): this {
    if (this.length > 0) this.set(0, value);
    for (let i = 1; i < this.length; i++) this.set(i, value);
    return this;
  }

  toArray(): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  [Symbol.for('nodejs.util.inspect.custom')](
    _d: number,
    options: object,
    inspect: (v: unknown, o: object) => string,
  ): string {
    const shown = Array.from({ length: Math.min(this.length, 32) }, (_, i) => this.get(i));
    const more = this.length > 32 ? ` ... ${this.length - 32} more` : '';
    return `Column(${JSON.stringify(this.path)} x ${this.length}) ${inspect(shown, options)}${more}`;
  }
}

// get/set read private copies of data, start, stride and length: measured ~30% faster than the
// public fields (V8 does not hoist these loads out of the caller's loop either way; the raw
// data[start + i * stride] loop, with locals, is the fastest path).
class TypedColumn<T> extends Column<T> {
  readonly #want: 'number' | 'bigint';
  readonly #d: AnyTyped;
  readonly #s: number;
  readonly #k: number;
  readonly #n: number;
  constructor(path: string, length: number, data: AnyTyped, start: number, stride: number) {
    super(path, length, data as ColumnData<T>, start, stride);
    this.#want = data instanceof BigInt64Array || data instanceof BigUint64Array ? 'bigint' : 'number';
    this.#d = data;
    this.#s = start;
    this.#k = stride;
    this.#n = length;
  }
  get(i: number): T {
    if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
    return this.#d[this.#s + i * this.#k] as T;
  }
  set(i: number, value: T): void {
    if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
    if (typeof value !== this.#want) throw this.badValue(value);
    this.#d[this.#s + i * this.#k] = value as number;
  }
}

class BoolColumn extends Column<boolean> {
  readonly #d: Uint8Array;
  readonly #s: number;
  readonly #k: number;
  readonly #n: number;
  constructor(path: string, length: number, data: Uint8Array, start: number, stride: number) {
    super(path, length, data, start, stride);
    this.#d = data;
    this.#s = start;
    this.#k = stride;
    this.#n = length;
  }
  get(i: number): boolean {
    if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
    return this.#d[this.#s + i * this.#k] !== 0;
  }
  set(i: number, value: boolean): void {
    if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
    if (typeof value !== 'boolean') throw this.badValue(value);
    this.#d[this.#s + i * this.#k] = value ? 1 : 0;
  }
}

/** Misaligned scalars and strings: per-element codec calls. */
class CodecColumn<T> extends Column<T> {
  readonly #m: Memo;
  readonly #base: number;
  readonly #bytes: number;
  readonly #read: Reader;
  readonly #write: Writer;
  constructor(path: string, length: number, m: Memo, base: number, strideBytes: number, read: Reader, write: Writer) {
    super(path, length, undefined, 0, 0);
    this.#m = m;
    this.#base = base;
    this.#bytes = strideBytes;
    this.#read = read;
    this.#write = write;
  }
  get(i: number): T {
    if (!(i >>> 0 === i && i < this.length)) throw this.outOfRange(i);
    return this.#read(this.#m, this.#base + i * this.#bytes) as T;
  }
  set(i: number, value: T): void {
    if (!(i >>> 0 === i && i < this.length)) throw this.outOfRange(i);
    this.#write(this.#m, this.#base + i * this.#bytes, value);
  }
}

type TypedColumnClass = new (
  path: string,
  length: number,
  data: AnyTyped,
  start: number,
  stride: number,
) => Column<unknown>;
/** Generated typed column classes, one per scalar kind (codegen.ts). */
const columnClasses: Partial<Record<string, TypedColumnClass>> = {};

/**
 * The column of the leaf `node` at `fieldOffset` in each of `length` records of `strideBytes`
 * bytes from `arrayOffset`.
 */
export function makeColumn<T>(
  path: string,
  node: Node,
  m: Memo,
  arrayOffset: number,
  length: number,
  strideBytes: number,
  fieldOffset: number,
  bit = 0,
  checked = false,
): Column<T> {
  const base = arrayOffset + fieldOffset;
  if (node.t === 'bits' || node.t === 'enum' || (node.t === 'scalar' && node.endian === 'big')) {
    const where = `column "${path}"`;
    const { read, write } =
      node.t === 'bits'
        ? bitsCodec(node, bit, checked, where)
        : node.t === 'enum'
          ? enumCodec(node, checked, where)
          : checkedScalarCodec(node.kind, node.endian, checked, where);
    return new CodecColumn<T>(path, length, m, base, strideBytes, read, write);
  }
  if (node.t === 'string') {
    const cap = node.capacity;
    const where = `column "${path}"`;
    return new CodecColumn<T>(
      path,
      length,
      m,
      base,
      strideBytes,
      (mm, a) => readString(mm, a, cap),
      (mm, a, v) => writeString(mm, a, node, v, where),
    );
  }
  if (node.t !== 'scalar') throw new TypeError(`column of a ${node.t}`);
  const size = node.size;
  if (!checked && m.fast && arrayOffset % size === 0 && strideBytes % size === 0 && fieldOffset % size === 0) {
    const Ctor = TYPED[node.kind];
    const data = new Ctor(m.buffer as ArrayBuffer, arrayOffset, (length * strideBytes) / size);
    const start = (fieldOffset / size) | 0; // small integers: V8 keeps them Smis, and indexes with integer math
    const stride = (strideBytes / size) | 0;
    if (codegenAllowed()) {
      const C = (columnClasses[node.kind] ??= generateColumnClass(
        TypedColumn as unknown as TypedColumnClass,
        node.kind,
        node.kind === 'bool' ? 'boolean' : SCALARS[node.kind].big ? 'bigint' : 'number',
        node.kind === 'bool',
      ));
      return new C(path, length, data, start, stride) as unknown as Column<T>;
    }
    return (
      node.kind === 'bool'
        ? new BoolColumn(path, length, data as Uint8Array, start, stride)
        : new TypedColumn<T>(path, length, data, start, stride)
    ) as Column<T>;
  }
  const { read, write } = checkedScalarCodec(node.kind, 'little', checked, `column "${path}"`);
  return new CodecColumn<T>(path, length, m, base, strideBytes, read, write);
}
