/**
 * Plain copies of structs (toJSON, Type.toObject) and writing plain values in (Type.create(init),
 * Type.assign). Writing validates the whole value first, then writes: a bad value never leaves a
 * struct half-assigned.
 *
 * Everything here works on (layout or node, memory, byte offset) and knows nothing of record
 * objects, so that view.ts, whose accessors call it, can import it without a circle; turning
 * records found inside a value into plain values (plainify) is view.ts's part.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { checkString, readString, scalarCodec, writeString } from './codec.js';
import { StructRangeError } from './errors.js';
import { isData, type Layout, type Node } from './nodes.js';
import type { Memo } from './memory.js';
import { SCALARS } from './scalars.js';

/** Plain value of the node at `abs` (structs -> objects, arrays -> arrays; padding and locks left out). */
function plainAt(node: Node, m: Memo, abs: number): unknown {
  switch (node.t) {
    case 'scalar':
      return scalarCodec(node.kind).read(m, abs);
    case 'string':
      return readString(m, abs, node.capacity);
    case 'struct':
      return plainStruct(node.layout, m, abs);
    case 'array': {
      const out = new Array(node.length);
      for (let i = 0; i < node.length; i++) out[i] = plainAt(node.elem, m, abs + i * node.elem.size);
      return out;
    }
    default:
      return undefined;
  }
}

export function plainStruct(layout: Layout, m: Memo, abs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of layout.fields) if (isData(f.node)) out[f.name] = plainAt(f.node, m, abs + f.offset);
  return out;
}

function checkValue(node: Node, value: unknown, where: string): void {
  switch (node.t) {
    case 'scalar': {
      const info = SCALARS[node.kind];
      const want = node.kind === 'bool' ? 'boolean' : info.big ? 'bigint' : 'number';
      if (typeof value !== want)
        throw new InvalidArgumentError(`${where} is ${node.kind} and takes a ${want}, got ${describe(value)}`);
      if (info.integer) {
        // The checked path: an integer within the type's range (field setters wrap instead, as C and typed arrays do).
        const bits = BigInt(info.size * 8);
        const signed = node.kind.startsWith('i');
        const min = signed ? -(1n << (bits - 1n)) : 0n;
        const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
        const ok = info.big
          ? (value as bigint) >= min && (value as bigint) <= max
          : Number.isInteger(value) && (value as number) >= Number(min) && (value as number) <= Number(max);
        if (!ok)
          throw new StructRangeError(
            `${where} is ${node.kind} and holds integers in [${min}, ${max}], got ${describe(value)}`,
          );
      }
      return;
    }
    case 'string':
      checkString(node, value, where);
      return;
    case 'struct':
      checkInit(node.layout, value, where);
      return;
    case 'array': {
      const a = value as ArrayLike<unknown> | null;
      if (typeof a !== 'object' || a === null || typeof a.length !== 'number') {
        throw new InvalidArgumentError(
          `${where} is an array field and takes an array (or array-like), got ${describe(value)}`,
        );
      }
      if (a.length > node.length) throw new StructRangeError(`${where} holds ${node.length} elements, got ${a.length}`);
      for (let i = 0; i < a.length; i++) checkValue(node.elem, a[i], `${where}[${i}]`);
      return;
    }
    default:
      throw new InvalidArgumentError(`${where} is ${node.t === 'lock' ? 'a lock' : 'padding'}, which takes no value`);
  }
}

/** Throws unless `init` is a valid (partial) value of `layout`; writes nothing. */
export function checkInit(layout: Layout, init: unknown, where: string = layout.name): void {
  if (typeof init !== 'object' || init === null || Array.isArray(init)) {
    throw new InvalidArgumentError(`${where} takes an object of field values, got ${describe(init)}`);
  }
  for (const [k, v] of Object.entries(init)) {
    const f = layout.byName.get(k);
    if (f === undefined)
      throw new InvalidArgumentError(
        `${where} has no field "${k}" (fields: ${layout.fields
          .filter((x) => x.node.t !== 'padding')
          .map((x) => x.name)
          .join(', ')})`,
      );
    if (v !== undefined) checkValue(f.node, v, `${where}.${k}`);
  }
}

function writeValue(node: Node, m: Memo, abs: number, value: unknown, where: string): void {
  switch (node.t) {
    case 'scalar':
      scalarCodec(node.kind).write(m, abs, value);
      return;
    case 'string':
      writeString(m, abs, node, value, where);
      return;
    case 'struct':
      writeStruct(node.layout, m, abs, value as Record<string, unknown>, where);
      return;
    case 'array': {
      const a = value as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++) writeValue(node.elem, m, abs + i * node.elem.size, a[i], `${where}[${i}]`);
      return;
    }
  }
}

export function writeStruct(layout: Layout, m: Memo, abs: number, init: Record<string, unknown>, where: string): void {
  for (const [k, v] of Object.entries(init)) {
    if (v === undefined) continue;
    const f = layout.byName.get(k)!;
    writeValue(f.node, m, abs + f.offset, v, `${where}.${k}`);
  }
}

/** Whole-field assignment (`p.pos = q.pos`, `p.tags = q.tags`) of a plain value: validated, then written. */
export function assignValue(node: Node, m: Memo, abs: number, value: unknown, where: string): void {
  checkValue(node, value, where);
  writeValue(node, m, abs, value, where);
}
