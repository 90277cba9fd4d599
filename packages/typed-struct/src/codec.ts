/**
 * Reading and writing one element anywhere in a buffer, through the DataView (little-endian) or the
 * typed arrays, for the paths that are not per-field accessors: element arrays, columns, init and
 * plain copies. Field accessors (view.ts) inline the same operations per kind.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { StructRangeError } from './errors.js';
import type { StringNode } from './nodes.js';
import type { Memo } from './memory.js';
import { SCALAR_KINDS, type ScalarKind } from './scalars.js';
import { fit, fitUtf8, readUtf8, writeUtf8 } from './utf8.js';

export type Reader = (m: Memo, abs: number) => unknown;
export type Writer = (m: Memo, abs: number, value: unknown) => void;

/** Reader and writer of a scalar at any byte offset (DataView, little-endian). */
export function scalarCodec(kind: ScalarKind): { read: Reader; write: Writer } {
  return CODECS[kind];
}

function makeCodec(kind: ScalarKind): { read: Reader; write: Writer } {
  switch (kind) {
    case 'i8':
      return { read: (m, a) => m.dv.getInt8(a), write: (m, a, v) => m.dv.setInt8(a, v as number) };
    case 'u8':
      return { read: (m, a) => m.dv.getUint8(a), write: (m, a, v) => m.dv.setUint8(a, v as number) };
    case 'i16':
      return { read: (m, a) => m.dv.getInt16(a, true), write: (m, a, v) => m.dv.setInt16(a, v as number, true) };
    case 'u16':
      return { read: (m, a) => m.dv.getUint16(a, true), write: (m, a, v) => m.dv.setUint16(a, v as number, true) };
    case 'i32':
      return { read: (m, a) => m.dv.getInt32(a, true), write: (m, a, v) => m.dv.setInt32(a, v as number, true) };
    case 'u32':
      return { read: (m, a) => m.dv.getUint32(a, true), write: (m, a, v) => m.dv.setUint32(a, v as number, true) };
    case 'i64':
      return { read: (m, a) => m.dv.getBigInt64(a, true), write: (m, a, v) => m.dv.setBigInt64(a, v as bigint, true) };
    case 'u64':
      return {
        read: (m, a) => m.dv.getBigUint64(a, true),
        write: (m, a, v) => m.dv.setBigUint64(a, v as bigint, true),
      };
    case 'f32':
      return { read: (m, a) => m.dv.getFloat32(a, true), write: (m, a, v) => m.dv.setFloat32(a, v as number, true) };
    case 'f64':
      return { read: (m, a) => m.dv.getFloat64(a, true), write: (m, a, v) => m.dv.setFloat64(a, v as number, true) };
    case 'bool':
      return { read: (m, a) => m.dv.getUint8(a) !== 0, write: (m, a, v) => m.dv.setUint8(a, v ? 1 : 0) };
  }
}

const CODECS = Object.fromEntries(SCALAR_KINDS.map((k) => [k, Object.freeze(makeCodec(k))])) as Record<
  ScalarKind,
  { read: Reader; write: Writer }
>;

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
