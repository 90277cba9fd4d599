/**
 * Field specs: the public constructors (array, string, padding, lock) and nodeOf, which checks any
 * spec, including one built by hand or read from a schema, and turns it into a layout node. Both
 * sides live here so that a spec is refused by the same rules whether it is made or parsed;
 * placing the nodes in a struct is layout.ts's part.
 */
import { Lock, describe } from '@sabkit/atomics-sync';
import { StructSchemaError } from './errors.js';
import { MAX_STRUCT_BYTES, type Node, layoutOf } from './nodes.js';
import { SCALARS, SCALAR_KINDS, isScalarKind } from './scalars.js';
import type { ArraySpec, LockSpec, PaddingSpec, StringOverflow, StringSpec } from './types.js';

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
export function nodeOf(spec: unknown, where: string, element = false): Node {
  if (typeof spec === 'string') {
    if (isScalarKind(spec)) {
      const { size } = SCALARS[spec];
      return { t: 'scalar', kind: spec, size, align: size, natural: size };
    }
  } else if ((typeof spec === 'object' || typeof spec === 'function') && spec !== null) {
    const layout = layoutOf(spec);
    if (layout !== undefined)
      return { t: 'struct', layout, spec, size: layout.size, align: layout.align, natural: layout.natural };
    const s = spec as {
      kind?: unknown;
      length?: unknown;
      element?: unknown;
      capacity?: unknown;
      overflow?: unknown;
      byteLength?: unknown;
    };
    switch (s.kind) {
      case 'array': {
        const length = positiveInt(s.length, `${where}: array length`);
        const elem = nodeOf(s.element, `${where}[]`, true);
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
    `${where}: unknown field type ${describe(spec)}; expected one of ${SCALAR_LIST}, array(), string(), ` +
      `padding(), lock() or a struct type`,
  );
}
