/**
 * Field specs: the public constructors (array, string, padding, lock) and nodeOf, which checks any
 * spec, including one built by hand or read from a schema, and turns it into a layout node. Both
 * sides live here so that a spec is refused by the same rules whether it is made or parsed;
 * placing the nodes in a struct is layout.ts's part.
 */
import { Lock } from '@sabkit/atomics-sync';
import { describe } from '@sabkit/atomics-sync/core';
import { StructSchemaError } from './errors.js';
import { MAX_STRUCT_BYTES, type Node, layoutOf } from './nodes.js';
import { type Endian, type IntegerKind, SCALARS, SCALAR_KINDS, type ScalarKind, isScalarKind } from './scalars.js';
import type {
  ArraySpec,
  BitsSpec,
  BytesSpec,
  EnumSpec,
  FlexSpec,
  LockSpec,
  PaddingSpec,
  ScalarSpec,
  StringOverflow,
  StringSpec,
} from './types.js';

export const SCALAR_LIST = SCALAR_KINDS.map((k) => `'${k}'`).join(', ');

function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new StructSchemaError(
      `${what} must be a positive integer, got ` +
        `${describe(value)}${typeof value === 'number' && value < 0 ? ' (negative)' : ''}`,
    );
  }
  return value;
}

/** `array(element, length)`: a fixed-length array of scalars, strings, structs or arrays. */
export function array<const E extends ArraySpec['element']>(element: E, length: number): ArraySpec<E> {
  positiveInt(length, 'array(element, length): length');
  nodeOf(element, 'array(element, length): element', true);
  return Object.freeze({ kind: 'array', element, length });
}

/** `string(capacity)`: UTF-8 in `capacity` bytes; overflow 'error' (default) or 'truncate' at a character boundary. */
export function string(capacity: number, options: { overflow?: StringOverflow } = {}): StringSpec {
  positiveInt(capacity, 'string(capacity): capacity');
  const overflow = options?.overflow ?? 'error';
  if (overflow !== 'error' && overflow !== 'truncate') {
    throw new StructSchemaError(
      `string(capacity, { overflow }): overflow must be 'error' or 'truncate', got ${describe(overflow)}`,
    );
  }
  return Object.freeze({ kind: 'string', capacity, overflow });
}

/** `padding(byteLength)`: bytes that keep their place in the layout and have no property. */
export function padding(byteLength: number): PaddingSpec {
  positiveInt(byteLength, 'padding(byteLength): byteLength');
  return Object.freeze({ kind: 'padding', byteLength });
}

function integerKind(kind: unknown, what: string, bool = false): IntegerKind {
  if (!isScalarKind(kind) || !(SCALARS[kind].integer || (bool && kind === 'bool'))) {
    throw new StructSchemaError(
      `${what} must be an integer type ('i8' … 'u64'${bool ? " or 'bool'" : ''}), got ${describe(kind)}`,
    );
  }
  return kind as IntegerKind;
}

function scalarSpec<K extends ScalarKind>(kind: K, endian: Endian, who: string): ScalarSpec<K> {
  if (!isScalarKind(kind))
    throw new StructSchemaError(`${who}: kind must be one of ${SCALAR_LIST}, got ${describe(kind)}`);
  return Object.freeze({ kind: 'scalar', type: kind, endian });
}

/** `be('u32')`: a scalar stored big-endian (network byte order), whatever the struct's byte order. */
export function be<const K extends ScalarKind>(kind: K): ScalarSpec<K> {
  return scalarSpec(kind, 'big', 'be(kind)');
}

/** `le('u32')`: a scalar stored little-endian, in a struct declared `{ endian: 'big' }`. */
export function le<const K extends ScalarKind>(kind: K): ScalarSpec<K> {
  return scalarSpec(kind, 'little', 'le(kind)');
}

/**
 * `bits('u32', 3)`: C's bit-field `uint32_t name : 3`, laid out by the platform ABI's rules (see
 * layout.ts). Signed kinds read sign-extended; 'bool' takes width 1; 64-bit kinds read as bigint.
 * Width 0 is C's `T : 0` and has no property; `{ unnamed: true }` is `T : width` without a name.
 */
export function bits<
  const K extends IntegerKind | 'bool',
  const W extends number = number,
  const U extends boolean = false,
>(kind: K, width: W, options: { unnamed?: U } = {}): BitsSpec<K> & { readonly unnamed: W extends 0 ? true : U } {
  const k = integerKind(kind, 'bits(kind, width): kind', true) as K;
  const max = k === 'bool' ? 1 : SCALARS[k].size * 8;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 0 || width > max) {
    throw new StructSchemaError(
      `bits(kind, width): width must be an integer in [0, ${max}] for ${k} (C refuses a bit-field wider than ` +
        `its type), got ${describe(width)}`,
    );
  }
  const unnamed = width === 0 || options?.unnamed === true;
  return Object.freeze({ kind: 'bits', type: k, width, unnamed }) as unknown as BitsSpec<K> & {
    readonly unnamed: W extends 0 ? true : U;
  };
}

/**
 * `enumType({ red: 0, green: 1 }, { type: 'u8', read: 'name' })`: C's `enum`, stored as an integer
 * of `type` (default: what GCC makes a plain `enum`, 'u32' when no value is negative, else
 * 'i32'). Reads as the name of the stored value (`read: 'name'`, the default; a value without a
 * name reads as its number) or as the value (`read: 'value'`); takes either a name or a value.
 */
export function enumType<const N extends Record<string, number>, const R extends 'name' | 'value' = 'name'>(
  names: N,
  options: { type?: IntegerKind; read?: R } = {},
): EnumSpec<N, R> {
  // GCC's choice for a plain C `enum`: unsigned int when no value is negative, else int.
  const values = typeof names === 'object' && names !== null ? Object.values(names) : [];
  const type = integerKind(options?.type ?? (values.some((v) => v < 0) ? 'i32' : 'u32'), 'enumType(names, { type })');
  const read = (options?.read ?? 'name') as R;
  if (read !== 'name' && read !== 'value')
    throw new StructSchemaError(`enumType(names, { read }): read must be 'name' or 'value', got ${describe(read)}`);
  checkEnumNames(names, type, 'enumType(names)');
  return Object.freeze({ kind: 'enum', type, names: Object.freeze({ ...names }), read }) as EnumSpec<N, R>;
}

function checkEnumNames(names: unknown, type: IntegerKind, where: string): Readonly<Record<string, number>> {
  if (typeof names !== 'object' || names === null || Array.isArray(names) || Object.keys(names).length === 0)
    throw new StructSchemaError(
      `${where}: names must be an object of { name: value } (at least one), got ${describe(names)}`,
    );
  const { min, max } = intRange(type);
  for (const [k, v] of Object.entries(names)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new StructSchemaError(
        `${where}: ${k} = ${describe(v)} is not an integer that ${type} holds ([${min}, ${max}])`,
      );
  }
  return names as Record<string, number>;
}

/** The range of an integer kind, as numbers (64-bit bounds rounded: used for enum values, which are safe integers). */
export function intRange(kind: IntegerKind): { min: number; max: number } {
  const b = SCALARS[kind].size * 8;
  const signed = kind.startsWith('i');
  return signed ? { min: -(2 ** (b - 1)), max: 2 ** (b - 1) - 1 } : { min: 0, max: 2 ** b - 1 };
}

/** `bytes(n)`: C's `char name[n]` as bytes, NULs included: reads as a live Uint8Array of n bytes. */
export function bytes(length: number): BytesSpec {
  positiveInt(length, 'bytes(length): length');
  return Object.freeze({ kind: 'bytes', length });
}

/**
 * `flexible(element)`: C's trailing flexible array member `T name[]`. The last field only; adds no
 * size (only its alignment); the elements run from its offset to the end of the record's memory.
 */
export function flexible<const E extends ArraySpec['element']>(element: E): FlexSpec<E> {
  nodeOf(element, 'flexible(element): element', true);
  return Object.freeze({ kind: 'flex', element });
}

export const LOCK_SPEC: LockSpec = Object.freeze({ kind: 'lock' });
/** `lock()`: an atomics-sync Lock inside the struct (all-zero memory is an unlocked lock). */
export function lock(): LockSpec {
  return LOCK_SPEC;
}

export function checkSize(size: number, where: string): number {
  if (size > MAX_STRUCT_BYTES)
    throw new StructSchemaError(`${where}: ${size} bytes is more than the largest struct (${MAX_STRUCT_BYTES} bytes)`);
  return size;
}

/** The layout node of a field spec; StructSchemaError (naming `where`) if it is not one. */
export function nodeOf(spec: unknown, where: string, element = false, endian: Endian = 'little'): Node {
  if (typeof spec === 'string') {
    if (isScalarKind(spec)) {
      const { size } = SCALARS[spec];
      return { t: 'scalar', kind: spec, endian, size, align: size, natural: size };
    }
  } else if ((typeof spec === 'object' || typeof spec === 'function') && spec !== null) {
    const layout = layoutOf(spec);
    if (layout !== undefined && layout.flex !== undefined)
      throw new StructSchemaError(
        `${where}: ${layout.name} ends in a flexible array member, so it cannot be a field or an array element ` +
          '(C allows such a struct only at the end of memory)',
      );
    if (layout !== undefined)
      return { t: 'struct', layout, spec, size: layout.size, align: layout.align, natural: layout.natural };
    const s = spec as {
      kind?: unknown;
      length?: unknown;
      element?: unknown;
      capacity?: unknown;
      overflow?: unknown;
      byteLength?: unknown;
      type?: unknown;
      endian?: unknown;
      width?: unknown;
      unnamed?: unknown;
      names?: unknown;
      read?: unknown;
    };
    switch (s.kind) {
      case 'scalar': {
        if (!isScalarKind(s.type) || (s.endian !== 'big' && s.endian !== 'little')) break;
        const { size } = SCALARS[s.type];
        return { t: 'scalar', kind: s.type, endian: s.endian, size, align: size, natural: size };
      }
      case 'bits': {
        if (element)
          throw new StructSchemaError(
            `${where}: a bit-field cannot be an array element (C has no arrays of bit-fields)`,
          );
        const kind = integerKind(s.type, `${where}: bit-field type`, true) as IntegerKind | 'bool';
        const spec2 = bits(kind, s.width as number, { unnamed: s.unnamed === true }) as BitsSpec;
        const size = SCALARS[kind].size;
        // size/align: the storage unit; layout.ts places bit-fields by bits, not by these.
        return { t: 'bits', kind, width: spec2.width, unnamed: spec2.unnamed, size, align: size, natural: size };
      }
      case 'enum': {
        const kind = integerKind(s.type, `${where}: enum type`);
        const names = checkEnumNames(s.names, kind, where);
        if (s.read !== 'name' && s.read !== 'value')
          throw new StructSchemaError(`${where}: enum read must be 'name' or 'value', got ${describe(s.read)}`);
        const { size } = SCALARS[kind];
        return { t: 'enum', kind, names, read: s.read, endian, size, align: size, natural: size };
      }
      case 'bytes': {
        const length = positiveInt(s.length, `${where}: bytes length`);
        return { t: 'bytes', length, size: checkSize(length, where), align: 1, natural: 1 };
      }
      case 'flex': {
        if (element) throw new StructSchemaError(`${where}: a flexible array member cannot be an array element`);
        const elem = nodeOf(s.element, `${where}[]`, true, endian);
        if (elem.t === 'struct' && elem.layout.flex)
          throw new StructSchemaError(
            `${where}: the element ${elem.layout.name} itself ends in a flexible array member`,
          );
        return { t: 'flex', elem, size: 0, align: elem.align, natural: elem.natural };
      }
      case 'array': {
        const length = positiveInt(s.length, `${where}: array length`);
        const elem = nodeOf(s.element, `${where}[]`, true, endian);
        return {
          t: 'array',
          elem,
          length,
          size: checkSize(elem.size * length, where),
          align: elem.align,
          natural: elem.natural,
        };
      }
      case 'string': {
        const capacity = positiveInt(s.capacity, `${where}: string capacity`);
        const overflow = s.overflow ?? 'error';
        if (overflow !== 'error' && overflow !== 'truncate')
          throw new StructSchemaError(
            `${where}: string overflow must be 'error' or 'truncate', got ${describe(overflow)}`,
          );
        return { t: 'string', capacity, overflow, size: checkSize(capacity, where), align: 1, natural: 1 };
      }
      case 'padding':
        if (element) throw new StructSchemaError(`${where}: padding cannot be an array element`);
        return {
          t: 'padding',
          size: checkSize(positiveInt(s.byteLength, `${where}: padding byteLength`), where),
          align: 1,
          natural: 1,
        };
      case 'lock':
        return { t: 'lock', size: Lock.BYTE_LENGTH, align: Lock.ALIGNMENT, natural: Lock.ALIGNMENT };
    }
  }
  throw new StructSchemaError(
    `${where}: unknown field type ${describe(spec)}; expected one of ${SCALAR_LIST}, be(), le(), array(), ` +
      'string(), bytes(), bits(), enumType(), flexible(), padding(), lock() or a struct type',
  );
}
