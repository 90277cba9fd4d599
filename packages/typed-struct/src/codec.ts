/**
 * Reading and writing one element anywhere in a buffer, through the DataView (little-endian) or the
 * typed arrays, for the paths that are not per-field accessors: element arrays, columns, init and
 * plain copies. Field accessors (view.ts) inline the same operations per kind.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import { StructRangeError } from './errors.js';
import type { BitsNode, EnumNode, StringNode } from './nodes.js';
import type { Memo } from './memory.js';
import { type Endian, SCALARS, SCALAR_KINDS, type ScalarKind } from './scalars.js';
import { fit, fitUtf8, readUtf8, writeUtf8 } from './utf8.js';

export type Reader = (m: Memo, abs: number) => unknown;
export type Writer = (m: Memo, abs: number, value: unknown) => void;
export interface Codec {
  readonly read: Reader;
  readonly write: Writer;
}

/** Reader and writer of a scalar at any byte offset (DataView, little-endian), unchecked. */
export function scalarCodec(kind: ScalarKind): Codec {
  return CODECS[kind];
}

function makeCodec(kind: ScalarKind, le: boolean): Codec {
  switch (kind) {
    case 'i8':
      return { read: (m, a) => m.dv.getInt8(a), write: (m, a, v) => m.dv.setInt8(a, v as number) };
    case 'u8':
      return { read: (m, a) => m.dv.getUint8(a), write: (m, a, v) => m.dv.setUint8(a, v as number) };
    case 'i16':
      return { read: (m, a) => m.dv.getInt16(a, le), write: (m, a, v) => m.dv.setInt16(a, v as number, le) };
    case 'u16':
      return { read: (m, a) => m.dv.getUint16(a, le), write: (m, a, v) => m.dv.setUint16(a, v as number, le) };
    case 'i32':
      return { read: (m, a) => m.dv.getInt32(a, le), write: (m, a, v) => m.dv.setInt32(a, v as number, le) };
    case 'u32':
      return { read: (m, a) => m.dv.getUint32(a, le), write: (m, a, v) => m.dv.setUint32(a, v as number, le) };
    case 'i64':
      return { read: (m, a) => m.dv.getBigInt64(a, le), write: (m, a, v) => m.dv.setBigInt64(a, v as bigint, le) };
    case 'u64':
      return { read: (m, a) => m.dv.getBigUint64(a, le), write: (m, a, v) => m.dv.setBigUint64(a, v as bigint, le) };
    case 'f32':
      return { read: (m, a) => m.dv.getFloat32(a, le), write: (m, a, v) => m.dv.setFloat32(a, v as number, le) };
    case 'f64':
      return { read: (m, a) => m.dv.getFloat64(a, le), write: (m, a, v) => m.dv.setFloat64(a, v as number, le) };
    case 'bool':
      return { read: (m, a) => m.dv.getUint8(a) !== 0, write: (m, a, v) => m.dv.setUint8(a, v ? 1 : 0) };
  }
}

const CODECS = Object.fromEntries(SCALAR_KINDS.map((k) => [k, Object.freeze(makeCodec(k, true))])) as Record<
  ScalarKind,
  Codec
>;
const BIG_CODECS = Object.fromEntries(SCALAR_KINDS.map((k) => [k, Object.freeze(makeCodec(k, false))])) as Record<
  ScalarKind,
  Codec
>;

/**
 * The one overflow rule (docs/typed-struct.md, "Stores and overflow"). A value of the wrong
 * JavaScript type is refused everywhere (InvalidArgumentError: a number for a 64-bit field, a
 * string for a number). A value of the right type is stored as C stores it, wrapping integers
 * modulo 2^bits and dropping fractions, unless the struct is `checked`, where a value the field
 * cannot hold exactly is refused (StructRangeError) and nothing is written.
 */
export function checkScalar(kind: ScalarKind, value: unknown, checked: boolean, where: string): void {
  const info = SCALARS[kind];
  const want = kind === 'bool' ? 'boolean' : info.big ? 'bigint' : 'number';
  if (typeof value !== want) {
    const hint =
      info.big && typeof value === 'number'
        ? ` (64-bit fields take a bigint: ${Number.isSafeInteger(value) ? `${value}n` : 'BigInt(value)'})`
        : '';
    throw new InvalidArgumentError(`${where} is ${kind} and takes a ${want}, got ${describe(value)}${hint}`);
  }
  if (!checked) return;
  if (info.integer) {
    const bits = BigInt(info.size * 8);
    const signed = kind.startsWith('i');
    const min = signed ? -(1n << (bits - 1n)) : 0n;
    const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    const ok = info.big
      ? (value as bigint) >= min && (value as bigint) <= max
      : Number.isInteger(value) && (value as number) >= Number(min) && (value as number) <= Number(max);
    if (!ok)
      throw new StructRangeError(`${where} is ${kind} and holds integers in [${min}, ${max}], got ${describe(value)}`);
  } else if (kind === 'f32' && Number.isFinite(value) && Math.abs(value as number) > F32_MAX) {
    throw new StructRangeError(`${where} is f32, whose largest finite value is ${F32_MAX}, got ${describe(value)}`);
  }
}
const F32_MAX = 3.4028234663852886e38;

/** A scalar's codec that checks each value by the one overflow rule first. */
export function checkedScalarCodec(kind: ScalarKind, endian: Endian, checked: boolean, where: string): Codec {
  const { read, write } = (endian === 'big' ? BIG_CODECS : CODECS)[kind];
  return {
    read,
    write: (m, a, v) => {
      checkScalar(kind, v, checked, where);
      write(m, a, v);
    },
  };
}

/** Bits [bit, bit + width) from the byte at `abs`, as an unsigned number (width <= 32) or bigint. */
function readBitsRaw(m: Memo, abs: number, bit: number, width: number): number {
  let v = 0;
  const n = (bit + width + 7) >>> 3;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + m.dv.getUint8(abs + i);
  return Math.floor(v / 2 ** bit) % 2 ** width;
}
function readBitsBig(m: Memo, abs: number, bit: number, width: number): bigint {
  let v = 0n;
  const n = (bit + width + 7) >>> 3;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(m.dv.getUint8(abs + i));
  return (v >> BigInt(bit)) & ((1n << BigInt(width)) - 1n);
}
function writeBitsBig(m: Memo, abs: number, bit: number, width: number, value: bigint): void {
  const n = (bit + width + 7) >>> 3;
  let word = 0n;
  for (let i = n - 1; i >= 0; i--) word = (word << 8n) | BigInt(m.dv.getUint8(abs + i));
  const mask = ((1n << BigInt(width)) - 1n) << BigInt(bit);
  word = (word & ~mask) | ((value << BigInt(bit)) & mask);
  for (let i = 0; i < n; i++, word >>= 8n) m.dv.setUint8(abs + i, Number(word & 0xffn));
}

/** Codec of a bit-field (any position, packed or not): read-modify-write of the bytes it spans. */
export function bitsCodec(node: BitsNode, bit: number, checked: boolean, where: string): Codec {
  const { kind, width } = node;
  if (kind === 'bool') {
    return {
      read: (m, a) => readBitsRaw(m, a, bit, 1) !== 0,
      write: (m, a, v) => {
        checkScalar('bool', v, false, where);
        writeBitsBig(m, a, bit, 1, v ? 1n : 0n);
      },
    };
  }
  const signed = kind.startsWith('i');
  const big = SCALARS[kind].big;
  const lo = signed ? -(2n ** BigInt(width - 1)) : 0n;
  const hi = signed ? 2n ** BigInt(width - 1) - 1n : 2n ** BigInt(width) - 1n;
  const check = (v: unknown): bigint => {
    checkScalar(kind, v, false, where);
    if (!big && !Number.isFinite(v)) return 0n; // NaN and Infinity store 0, as a typed array does
    const b = big ? (v as bigint) : BigInt(Math.trunc(v as number));
    if (checked && (b < lo || b > hi || (!big && !Number.isInteger(v))))
      throw new StructRangeError(
        `${where} is a ${width}-bit ${kind} bit-field holding [${lo}, ${hi}], got ${describe(v)}`,
      );
    return b;
  };
  if (big) {
    return {
      read: (m, a) => {
        const v = readBitsBig(m, a, bit, width);
        return signed ? BigInt.asIntN(width, v) : v;
      },
      write: (m, a, v) => writeBitsBig(m, a, bit, width, check(v)),
    };
  }
  const half = 2 ** (width - 1);
  return {
    read: (m, a) => {
      const v = readBitsRaw(m, a, bit, width);
      return signed && v >= half ? v - 2 * half : v;
    },
    write: (m, a, v) => writeBitsBig(m, a, bit, width, check(v)),
  };
}

/** Codec of an enum field: names in and out ('name' mode) or values, stored as its integer type. */
export function enumCodec(node: EnumNode, checked: boolean, where: string): Codec {
  const base = checkedScalarCodec(node.kind, node.endian, false, where);
  const byValue = new Map<number | bigint, string>();
  for (const [k, v] of Object.entries(node.names)) if (!byValue.has(v)) byValue.set(v, k);
  const big = SCALARS[node.kind].big;
  const names = Object.keys(node.names);
  const toValue = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!Object.hasOwn(node.names, v))
        throw new InvalidArgumentError(`${where} is an enum of ${names.join(', ')}; got the name ${describe(v)}`);
      return node.names[v];
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || (checked && !byValue.has(v)))
      throw new InvalidArgumentError(
        `${where} is an enum of ${names.join(', ')} and takes one of those names or ` +
          `${checked ? 'their values' : 'an integer'}, got ${describe(v)}`,
      );
    return v;
  };
  const read = big ? (m: Memo, a: number) => Number(base.read(m, a)) : base.read;
  const write: Writer = big
    ? (m, a, v) => base.write(m, a, BigInt(toValue(v) as number))
    : (m, a, v) => base.write(m, a, toValue(v));
  if (node.read === 'value') return { read, write };
  return {
    read: (m, a) => {
      const v = read(m, a) as number;
      return byValue.get(v) ?? v;
    },
    write,
  };
}

/** Reads a string field of `node` at `abs`. */
export function readString(m: Memo, abs: number, capacity: number): string {
  return m.fast ? readUtf8(m.u8, abs, capacity) : readUtf8(new Uint8Array(m.buffer, abs, capacity), 0, capacity);
}

/**
 * Checks that `value` can be stored in the string field `node` (a string, no U+0000, fits unless
 * the field truncates); leaves the measured prefix in `fit`. Touches no memory.
 */
export function checkString(node: StringNode, value: unknown, where: string): void {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${where} must be a string, got ${describe(value)}`);
  fitUtf8(value, node.capacity);
  if (fit.nul)
    throw new StructRangeError(
      `${where}: a string field cannot hold U+0000 (C strings end at the first NUL), got ${describe(value)}`,
    );
  if (!fit.complete && node.overflow === 'error') {
    const units = fit.units;
    fitUtf8(value, Infinity);
    const need = fit.bytes;
    fitUtf8(value, node.capacity);
    fit.units = units;
    throw new StructRangeError(
      `${where}: ${describe(value)} needs ${need} bytes of UTF-8 but the field holds ${node.capacity} ` +
        `(declare it with string(${node.capacity}, { overflow: 'truncate' }) to cut it at a character boundary)`,
    );
  }
}

/** Stores `value` in the string field at `abs`: validated first, then bytes and zero fill. */
export function writeString(m: Memo, abs: number, node: StringNode, value: unknown, where: string): void {
  checkString(node, value, where);
  const cap = node.capacity;
  const u8 = m.fast ? m.u8 : new Uint8Array(m.buffer, abs, cap);
  const at = m.fast ? abs : 0;
  const n = writeUtf8(u8, at, value as string, fit.units);
  u8.fill(0, at + n, at + cap);
}
