/**
 * Plain copies of structs (toJSON, Type.toObject) and writing plain values in (Type.create(init),
 * Type.assign, whole-field assignment). Writing validates the whole value first, then writes: a
 * bad value never leaves a struct half-assigned. Values follow the one overflow rule of codec.ts
 * (wrong JavaScript type refused; range wraps, or is refused in a checked struct), the same rule
 * as the field setters.
 *
 * Everything here works on (layout or node, memory, byte offset) and knows nothing of record
 * objects, so that view.ts, whose accessors call it, can import it without a circle; turning
 * records found inside a value into plain values (plainify) is view.ts's part.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import {
  bitsCodec,
  checkScalar,
  checkString,
  checkedScalarCodec,
  enumCodec,
  readString,
  writeString,
} from './codec.js';
import { StructRangeError } from './errors.js';
import { hasProperty, isData, type Layout, type Node } from './nodes.js';
import type { Memo } from './memory.js';

/** Elements of a flexible array member at `abs` that fit in the memory. */
export function flexLength(node: Node & { t: 'flex' }, m: Memo, abs: number): number {
  return node.elem.size === 0 ? 0 : Math.max(0, Math.floor((m.buffer.byteLength - abs) / node.elem.size));
}

/** Sets `out[name]` (a plain property even for "__proto__"). */
function put(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

/** Plain value of the node at `abs` (structs -> objects, arrays -> arrays; padding and locks left out). */
function plainAt(node: Node, m: Memo, abs: number, bit: number, json: boolean, checked: boolean): unknown {
  switch (node.t) {
    case 'scalar': {
      const v = checkedScalarCodec(node.kind, node.endian, false, '').read(m, abs);
      return json && typeof v === 'bigint' ? v.toString() : v;
    }
    case 'bits': {
      const v = bitsCodec(node, bit, false, '').read(m, abs);
      return json && typeof v === 'bigint' ? v.toString() : v;
    }
    case 'enum':
      return enumCodec(node, checked, '').read(m, abs);
    case 'string':
      return readString(m, abs, node.capacity);
    case 'bytes':
      return Array.from(new Uint8Array(m.buffer, abs, node.length));
    case 'struct':
      return plainStruct(node.layout, m, abs, json);
    case 'array':
    case 'flex': {
      const n = node.t === 'array' ? node.length : flexLength(node, m, abs);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = plainAt(node.elem, m, abs + i * node.elem.size, 0, json, checked);
      return out;
    }
    default:
      return undefined;
  }
}

export function plainStruct(layout: Layout, m: Memo, abs: number, json = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of layout.fields)
    if (isData(f.node)) put(out, f.name, plainAt(f.node, m, abs + f.offset, f.bit, json, layout.checked));
  return out;
}

function arrayLike(value: unknown, where: string): ArrayLike<unknown> {
  const a = value as ArrayLike<unknown> | null;
  if (typeof a !== 'object' || a === null || typeof a.length !== 'number')
    throw new InvalidArgumentError(
      `${where} is an array field and takes an array (or array-like), got ${describe(value)}`,
    );
  return a;
}

/** Throws unless `value` can be stored in `node` (`room`: elements a flexible array member has). */
function checkValue(node: Node, value: unknown, where: string, checked: boolean, bit: number, room: number): void {
  switch (node.t) {
    case 'scalar':
      checkScalar(node.kind, value, checked, where);
      return;
    case 'bits':
    case 'enum': {
      // The codecs check before they write: write into a scratch copy of the bytes to check.
      const scratch = { buffer: new ArrayBuffer(9), dv: new DataView(new ArrayBuffer(9)) } as unknown as Memo;
      (node.t === 'bits' ? bitsCodec(node, bit, checked, where) : enumCodec(node, checked, where)).write(
        scratch,
        0,
        value,
      );
      return;
    }
    case 'string':
      checkString(node, value, where);
      return;
    case 'struct':
      checkInit(node.layout, value, where);
      return;
    case 'bytes': {
      const a = arrayLike(value, where);
      if (a.length > node.length) throw new StructRangeError(`${where} holds ${node.length} bytes, got ${a.length}`);
      for (let i = 0; i < a.length; i++) checkScalar('u8', a[i], checked, `${where}[${i}]`);
      return;
    }
    case 'array':
    case 'flex': {
      const a = arrayLike(value, where);
      const n = node.t === 'array' ? node.length : room;
      if (a.length > n) throw new StructRangeError(`${where} holds ${n} elements, got ${a.length}`);
      for (let i = 0; i < a.length; i++) checkValue(node.elem, a[i], `${where}[${i}]`, checked, 0, 0);
      return;
    }
    default:
      throw new InvalidArgumentError(`${where} is ${node.t === 'lock' ? 'a lock' : 'padding'}, which takes no value`);
  }
}

/**
 * Throws unless `init` is a valid (partial) value of `layout`; writes nothing. `m`/`abs` (where
 * the record is) let a flexible array member's room be known.
 */
export function checkInit(layout: Layout, init: unknown, where: string = layout.name, m?: Memo, abs = 0): void {
  if (typeof init !== 'object' || init === null || Array.isArray(init)) {
    throw new InvalidArgumentError(`${where} takes an object of field values, got ${describe(init)}`);
  }
  for (const k of Object.keys(init)) {
    const v = (init as Record<string, unknown>)[k];
    const f = layout.byName.get(k);
    if (f === undefined || !hasProperty(f.node))
      throw new InvalidArgumentError(
        `${where} has no field "${k}" (fields: ${layout.fields
          .filter((x) => hasProperty(x.node))
          .map((x) => x.name)
          .join(', ')})`,
      );
    const room = f.node.t === 'flex' && m !== undefined ? flexLength(f.node, m, abs + f.offset) : 0;
    if (v !== undefined) checkValue(f.node, v, `${where}.${k}`, layout.checked, f.bit, room);
  }
}

function writeValue(node: Node, m: Memo, abs: number, value: unknown, where: string, bit: number, checked: boolean) {
  switch (node.t) {
    case 'scalar':
      checkedScalarCodec(node.kind, node.endian, false, where).write(m, abs, value);
      return;
    case 'bits':
      bitsCodec(node, bit, checked, where).write(m, abs, value);
      return;
    case 'enum':
      enumCodec(node, checked, where).write(m, abs, value);
      return;
    case 'string':
      writeString(m, abs, node, value, where);
      return;
    case 'bytes': {
      const a = value as ArrayLike<number>;
      const u8 = new Uint8Array(m.buffer, abs, node.length);
      u8.set(a as ArrayLike<number>);
      u8.fill(0, a.length);
      return;
    }
    case 'struct':
      writeStruct(node.layout, m, abs, value as Record<string, unknown>, where);
      return;
    case 'array':
    case 'flex': {
      const a = value as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++)
        writeValue(node.elem, m, abs + i * node.elem.size, a[i], `${where}[${i}]`, 0, checked);
      return;
    }
  }
}

export function writeStruct(layout: Layout, m: Memo, abs: number, init: Record<string, unknown>, where: string): void {
  for (const k of Object.keys(init)) {
    const v = init[k];
    if (v === undefined) continue;
    const f = layout.byName.get(k)!;
    writeValue(f.node, m, abs + f.offset, v, `${where}.${k}`, f.bit, layout.checked);
  }
}

/** Whole-field assignment (`p.pos = q.pos`, `p.tags = q.tags`) of a plain value: validated, then written. */
export function assignValue(node: Node, m: Memo, abs: number, value: unknown, where: string, checked: boolean): void {
  const room = node.t === 'flex' ? flexLength(node, m, abs) : 0;
  checkValue(node, value, where, checked, 0, room);
  writeValue(node, m, abs, value, where, 0, checked);
}
