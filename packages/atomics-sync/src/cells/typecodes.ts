/**
 * The element types of typed shared cells (Value, SharedArray, RawValue, RawArray): Python's
 * `multiprocessing` typecodes and their JS names, one table, and the rules for what may be stored.
 *
 *   Python  JS    bytes  JS value  range / note
 *   b       i8    1      number    -128 .. 127
 *   B       u8    1      number    0 .. 255
 *   h       i16   2      number    -32768 .. 32767
 *   H       u16   2      number    0 .. 65535
 *   i       i32   4      number    -2^31 .. 2^31-1
 *   I       u32   4      number    0 .. 2^32-1
 *   l q     i64   8      bigint    -2^63 .. 2^63-1   (`l` is 64-bit, as C's long on Linux x86-64)
 *   L Q     u64   8      bigint    0 .. 2^64-1
 *   f       f32   4      number    rounded to the nearest float32 on store
 *   d       f64   8      number    any number, NaN and -0 included
 *
 * Every cell is aligned to its natural size (its byte count), which is what Atomics and the
 * C ABI both require.
 *
 * Storing a value is checked, unlike ctypes (which silently truncates `c_byte(300)` to 44): an
 * integer cell takes only an integer of its range, of the right JS type (number up to 32 bits,
 * bigint for 64); a float cell takes any number. Anything else is an InvalidArgumentError and the
 * cell is left untouched. Arithmetic (add, sub, and, or, xor) wraps modulo 2^bits as in C and as
 * Atomics does; its operand may be any integer the cell's width can hold signed or unsigned (so
 * `add(-1)` works on a u32 cell and `and(0xffff_ffff)` on an i32 one).
 */
import { InvalidArgumentError, describe } from '../errors.js';
import type { StructTypeLike } from './struct-type.js';

/** Typecodes whose values are JS numbers and whose cells support every Atomics operation. */
export type SmallIntCode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32';
/** 64-bit integer typecodes: values are bigints. */
export type BigIntCode = 'l' | 'L' | 'q' | 'Q' | 'i64' | 'u64';
/** Floating-point typecodes. */
export type FloatCode = 'f' | 'd' | 'f32' | 'f64';
/** Integer typecodes, Python's (`'i'`, `'q'`, …) and the explicit names (`'i32'`, `'u64'`, …). */
export type IntegerCode = SmallIntCode | BigIntCode;
/** Every scalar typecode a cell accepts: Python's `array`/`ctypes` codes and the explicit names. */
export type ScalarCode = IntegerCode | FloatCode;
/** What a cell may hold: a scalar typecode or a struct type (Python's `Value(Point)`). */
// biome-ignore lint/suspicious/noExplicitAny: a struct type of any fields; `unknown` would refuse every concrete one
export type CellType = ScalarCode | StructTypeLike<any>;
/** Canonical (JS) names of the scalar types; descriptors carry these. */
export type ScalarName = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64';

/** What reading a cell of type T gives: number, bigint, or the struct's view. */
export type CellValue<T> = T extends BigIntCode
  ? bigint
  : T extends SmallIntCode | FloatCode
    ? number
    : T extends StructTypeLike<infer V>
      ? V
      : never;
/** What a cell of type T may be initialised or assigned with (a struct takes a plain object of fields). */
export type CellInit<T> = T extends StructTypeLike<infer V> ? Partial<V> : CellValue<T>;
/** Operand of the integer-only atomics (and, or, xor, exchange, compareExchange): never for float and struct cells. */
export type IntOperand<T> = T extends BigIntCode ? bigint : T extends SmallIntCode ? number : never;
/** Operand of the atomic add/sub/load/store: integers and floats, never structs. */
export type NumericOperand<T> = T extends BigIntCode ? bigint : T extends SmallIntCode | FloatCode ? number : never;

interface TypedArrayOf {
  b: Int8Array;
  i8: Int8Array;
  B: Uint8Array;
  u8: Uint8Array;
  h: Int16Array;
  i16: Int16Array;
  H: Uint16Array;
  u16: Uint16Array;
  i: Int32Array;
  i32: Int32Array;
  I: Uint32Array;
  u32: Uint32Array;
  l: BigInt64Array;
  q: BigInt64Array;
  i64: BigInt64Array;
  L: BigUint64Array;
  Q: BigUint64Array;
  u64: BigUint64Array;
  f: Float32Array;
  f32: Float32Array;
  d: Float64Array;
  f64: Float64Array;
}
/** The zero-copy view of a cell's memory: the matching typed array, or bytes for a struct type. */
export type CellView<T> = T extends ScalarCode ? TypedArrayOf[T] : Uint8Array;

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;
type NumericArrayCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray;

/** One row of the table. */
export interface ScalarInfo {
  readonly name: ScalarName;
  /** Python's typecode(s) for this type. */
  readonly codes: readonly string[];
  /** Size and alignment in bytes. */
  readonly size: number;
  readonly kind: 'int' | 'bigint' | 'float';
  /** Whether the integer type is signed (false for floats). */
  readonly signed: boolean;
  /** Store range (inclusive), numbers or bigints; ±Infinity for floats. */
  readonly min: number | bigint;
  readonly max: number | bigint;
  /** Operand range of the wrapping arithmetic: min(signed) .. max(unsigned) of the width. */
  readonly opMin: number | bigint;
  readonly opMax: number | bigint;
  readonly ArrayType: NumericArrayCtor;
  /**
   * For floats, the same-width integer array that aliases the cell for Atomics (Atomics does not
   * take Float32Array/Float64Array): Int32Array for f32, BigInt64Array for f64. For integers,
   * ArrayType itself.
   */
  readonly BitsType: NumericArrayCtor;
}

function int(
  name: ScalarName,
  codes: string[],
  size: number,
  signed: boolean,
  ArrayType: NumericArrayCtor,
): ScalarInfo {
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return {
    name,
    codes,
    size,
    kind: 'int',
    signed,
    min,
    max,
    opMin: -(2 ** (bits - 1)),
    opMax: 2 ** bits - 1,
    ArrayType,
    BitsType: ArrayType,
  };
}
function big(name: ScalarName, codes: string[], signed: boolean, ArrayType: NumericArrayCtor): ScalarInfo {
  const min = signed ? -(2n ** 63n) : 0n;
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  return {
    name,
    codes,
    size: 8,
    kind: 'bigint',
    signed,
    min,
    max,
    opMin: -(2n ** 63n),
    opMax: 2n ** 64n - 1n,
    ArrayType,
    BitsType: ArrayType,
  };
}
function float(
  name: ScalarName,
  codes: string[],
  size: number,
  ArrayType: NumericArrayCtor,
  BitsType: NumericArrayCtor,
): ScalarInfo {
  return {
    name,
    codes,
    size,
    kind: 'float',
    signed: false,
    min: -Infinity,
    max: Infinity,
    opMin: -Infinity,
    opMax: Infinity,
    ArrayType,
    BitsType,
  };
}

/** The type table, in Python's typecode order. */
export const SCALAR_TYPES: readonly ScalarInfo[] = Object.freeze([
  int('i8', ['b'], 1, true, Int8Array),
  int('u8', ['B'], 1, false, Uint8Array),
  int('i16', ['h'], 2, true, Int16Array),
  int('u16', ['H'], 2, false, Uint16Array),
  int('i32', ['i'], 4, true, Int32Array),
  int('u32', ['I'], 4, false, Uint32Array),
  big('i64', ['l', 'q'], true, BigInt64Array),
  big('u64', ['L', 'Q'], false, BigUint64Array),
  float('f32', ['f'], 4, Float32Array, Int32Array),
  float('f64', ['d'], 8, Float64Array, BigInt64Array as NumericArrayCtor),
]);

const byCode = new Map<string, ScalarInfo>();
for (const t of SCALAR_TYPES) {
  byCode.set(t.name, t);
  for (const c of t.codes) byCode.set(c, t);
}

/** Python's typecodes in Python's order. */
export const PYTHON_TYPECODES = Object.freeze(['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'] as const);

/** The valid scalar type names, for error messages. */
export const VALID_TYPES_TEXT =
  `one of the typecodes ${PYTHON_TYPECODES.join(' ')}, the names ` +
  `${SCALAR_TYPES.map((t) => t.name).join(' ')}, or a struct type`;

/** The table row for a typecode or JS name, or undefined. */
export function scalarInfo(code: unknown): ScalarInfo | undefined {
  return typeof code === 'string' ? byCode.get(code) : undefined;
}

/** Like scalarInfo, but throws InvalidArgumentError naming the valid codes. */
export function expectScalar(code: unknown, param: string): ScalarInfo {
  const t = scalarInfo(code);
  if (!t) throw new InvalidArgumentError(`${param} must be ${VALID_TYPES_TEXT}; got ${describe(code)}`);
  return t;
}

/** Whether `v` may be stored in a cell of type `t` (see the file comment for the rule). No allocation. */
export function fitsStore(t: ScalarInfo, v: unknown): boolean {
  if (t.kind === 'int')
    return typeof v === 'number' && v >= (t.min as number) && v <= (t.max as number) && Number.isInteger(v);
  if (t.kind === 'bigint') {
    // asIntN/asUintN(64) compile to a truncation; BigInt range comparisons do not.
    return typeof v === 'bigint' && (t.signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) === v;
  }
  return typeof v === 'number';
}

/** Whether `v` is a valid operand of the wrapping arithmetic (add, sub, and, or, xor) on `t`. */
export function fitsOperand(t: ScalarInfo, v: unknown): boolean {
  if (t.kind === 'int')
    return typeof v === 'number' && v >= (t.opMin as number) && v <= (t.opMax as number) && Number.isInteger(v);
  if (t.kind === 'bigint') return typeof v === 'bigint' && (BigInt.asIntN(64, v) === v || BigInt.asUintN(64, v) === v);
  return typeof v === 'number';
}

/** Throws unless `v` may be stored in a cell of type `t`. */
export function checkStore(t: ScalarInfo, v: unknown, param: string): void {
  if (!fitsStore(t, v)) throw valueError(t, v, param, false);
}

/** Throws unless `v` is a valid operand of the wrapping arithmetic on `t`. */
export function checkOperand(t: ScalarInfo, v: unknown, param: string): void {
  if (!fitsOperand(t, v)) throw valueError(t, v, param, true);
}

// Outlined: builds the message only once a check has failed.
function valueError(t: ScalarInfo, v: unknown, param: string, operand: boolean): InvalidArgumentError {
  const what = operand ? ' operand' : '';
  if (t.kind === 'float')
    return new InvalidArgumentError(`${param}: cell type ${t.name} takes a number${what}, got ${describe(v)}`);
  if (t.kind === 'bigint' && typeof v !== 'bigint')
    return new InvalidArgumentError(`${param}: cell type ${t.name} takes a bigint${what}, got ${describe(v)}`);
  if (t.kind === 'int' && (typeof v !== 'number' || !Number.isInteger(v))) {
    return new InvalidArgumentError(`${param}: cell type ${t.name} takes an integer number${what}, got ${describe(v)}`);
  }
  if (operand) {
    return new InvalidArgumentError(
      `${param}: operand ${describe(v)} does not fit the ${t.size * 8}-bit width of cell type ${t.name} ` +
        `(${describe(t.opMin)} .. ${describe(t.opMax)})`,
    );
  }
  return new InvalidArgumentError(
    `${param}: ${describe(v)} is out of range for cell type ${t.name} (${describe(t.min)} .. ` +
      `${describe(t.max)}); stored values are not truncated`,
  );
}
