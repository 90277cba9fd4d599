/**
 * The scalar field types and their C ABI on x86-64 and aarch64 Linux (LP64): every scalar's
 * alignment equals its size, `bool` is C's `_Bool` (one byte, 0 or 1). All multi-byte scalars are
 * little-endian, as on both targets.
 */

export const SCALAR_KINDS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool'] as const;

/** Name of a scalar field type. */
export type ScalarKind = (typeof SCALAR_KINDS)[number];

/** The integer kinds (those that take atomic operations, bit-fields and enums). */
export type IntegerKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';

/** Byte order of a scalar in memory. */
export type Endian = 'little' | 'big';

/** Scalar kinds that have a typed array of their own (bool reads through a Uint8Array). */
export type NumericKind = Exclude<ScalarKind, 'bool'>;

/** What the layout needs of a scalar field type. */
export interface ScalarInfo {
  /** sizeof and alignof in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  /** log2(size): element index = byte offset >>> shift. */
  readonly shift: 0 | 1 | 2 | 3;
  /** Integer kinds can take atomic operations. */
  readonly integer: boolean;
  /** 64-bit integers read as bigint. */
  readonly big: boolean;
  /** The C type, for documentation and the layout test. */
  readonly c: string;
}

/** Size, alignment, kind and C name of every scalar field type. */
export const SCALARS: Readonly<Record<ScalarKind, ScalarInfo>> = Object.freeze({
  i8: { size: 1, shift: 0, integer: true, big: false, c: 'int8_t' },
  u8: { size: 1, shift: 0, integer: true, big: false, c: 'uint8_t' },
  i16: { size: 2, shift: 1, integer: true, big: false, c: 'int16_t' },
  u16: { size: 2, shift: 1, integer: true, big: false, c: 'uint16_t' },
  i32: { size: 4, shift: 2, integer: true, big: false, c: 'int32_t' },
  u32: { size: 4, shift: 2, integer: true, big: false, c: 'uint32_t' },
  i64: { size: 8, shift: 3, integer: true, big: true, c: 'int64_t' },
  u64: { size: 8, shift: 3, integer: true, big: true, c: 'uint64_t' },
  f32: { size: 4, shift: 2, integer: false, big: false, c: 'float' },
  f64: { size: 8, shift: 3, integer: false, big: false, c: 'double' },
  bool: { size: 1, shift: 0, integer: false, big: false, c: '_Bool' },
});

export function isScalarKind(value: unknown): value is ScalarKind {
  return typeof value === 'string' && Object.hasOwn(SCALARS, value);
}
