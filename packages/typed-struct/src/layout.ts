/**
 * Field specs -> C layout. The rules (x86-64 and aarch64 Linux, System V / AAPCS64 LP64 ABI):
 *
 *   scalar         sizeof = alignof = 1, 2, 4 or 8 (bool is 1)
 *   T[n]           sizeof = n * sizeof(T), alignof = alignof(T)
 *   string(n)      char[n]: sizeof n, alignof 1
 *   padding(n)     n bytes, alignof 1
 *   lock()         atomics-sync's Lock: Lock.BYTE_LENGTH bytes, alignof Lock.ALIGNMENT
 *   struct         each field at the next multiple of its alignment, in declaration order;
 *                  alignof = the largest field alignment; sizeof rounded up to it (tail padding)
 *   packed         __attribute__((packed)): every field alignment is 1, so no padding at all and
 *                  alignof 1; a nested struct keeps its own inner layout
 *
 * Besides `align` (C's alignof), each node records `natural`: the largest alignment any scalar in
 * it needs to be read through a typed array. It equals `align` except inside packed structs, and
 * decides at run time whether a view may use the typed-array accessors (see view-classes.ts).
 *
 * Node and Layout shapes: nodes.ts. Field specs and their nodes: specs.ts.
 * Layout: docs/layouts/struct.md
 */
import { Lock } from '@sabkit/atomics-sync';
import { IndexError, InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import { StructSchemaError } from './errors.js';
import { type FieldLayout, type Layout, type Node, describeNode } from './nodes.js';
import { checkSize, nodeOf } from './specs.js';
import type { Endian } from './scalars.js';
import type { FieldInfo, FieldSchema, FieldSpec, StructSchema } from './types.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** How a struct is declared besides its fields (all false/'little' for a plain C struct). */
export interface LayoutOptions {
  readonly packed: boolean;
  readonly union: boolean;
  readonly endian: Endian;
  readonly checked: boolean;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * Checks a struct or field name. Any identifier is a field name: records keep their own API off
 * their property names (view.ts), so `buffer`, `toJSON`, `constructor` or `__proto__` can mirror C.
 */
export function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new StructSchemaError(
      `${where}: name must be an identifier (letters, digits, _ and $, not starting with a digit), got ` +
        `${describe(name)}`,
    );
  }
  return name;
}

/**
 * Lays out `entries` (name, spec) in order. Positions are counted in bits so that bit-fields can
 * share bytes; every other field starts on a byte at a multiple of its alignment.
 *
 * Bit-fields (GCC on x86-64 and aarch64 Linux, System V / AAPCS64): a bit-field of declared type T
 * goes at the next free bit unless it would then cross a boundary of a sizeof(T) unit, in which
 * case it starts at that boundary; a named one raises the struct's alignment to alignof(T)
 * (unnamed ones do not); `T : 0` moves to the next T boundary. In a packed struct bit-fields are
 * placed bit after bit, crossing units (`: 0` still moves to the boundary). Checked against gcc
 * by test/layout-c.test.ts.
 */
export function buildLayout(name: string, entries: readonly (readonly [unknown, unknown])[], o: LayoutOptions): Layout {
  checkName(name, 'struct name');
  const { packed, union } = o;
  const fields: FieldLayout[] = [];
  const byName = new Map<string, FieldLayout>();
  let pos = 0; // next free bit (a struct); a union's members all start at 0
  let end = 0; // bits used so far (the union's largest member)
  let align = 1;
  let natural = 1;
  let flex: FieldLayout | undefined;
  for (const [fieldName, spec] of entries) {
    const n = checkName(fieldName, `struct ${name}: field ${describe(fieldName)}`);
    if (byName.has(n)) throw new StructSchemaError(`struct ${name}: duplicate field name "${n}"`);
    if (flex !== undefined)
      throw new StructSchemaError(
        `struct ${name}: the flexible array member ${flex.name} must be the last field, but ${n} follows it`,
      );
    const node = nodeOf(spec, `${name}.${n}`, false, o.endian);
    if (union && node.t === 'flex')
      throw new StructSchemaError(`union ${name}: a flexible array member cannot be a union member`);
    if (node.t === 'bits' && o.endian === 'big')
      throw new StructSchemaError(
        `struct ${name}.${n}: bit-fields in a big-endian struct are not supported (their bit order is the ` +
          "compiler's choice); declare the word as be(...) and mask it",
      );
    let start = union ? 0 : pos;
    let bit = 0;
    let a = packed ? 1 : node.align;
    if (node.t === 'bits') {
      const unit = node.size * 8;
      if (node.width === 0) start = alignUp(start, unit);
      else if (!packed && Math.floor(start / unit) !== Math.floor((start + node.width - 1) / unit))
        start = alignUp(start, unit);
      if (node.unnamed) a = 1;
      bit = start % 8;
      pos = union ? pos : start + node.width;
      end = Math.max(end, start + node.width);
    } else {
      start = alignUp(Math.ceil(start / 8), a) * 8;
      end = Math.max(end, start + node.size * 8);
      if (!union) pos = start + node.size * 8;
    }
    const offset = Math.floor(start / 8);
    if (packed) refuseLock(name, n, node, offset);
    const f: FieldLayout = Object.freeze({ name: n, offset, bit, node, spec: spec as FieldSpec });
    fields.push(f);
    byName.set(n, f);
    checkSize(Math.ceil(end / 8), `struct ${name}`);
    align = Math.max(align, a);
    natural = Math.max(natural, node.natural);
    if (node.t === 'flex') flex = f;
  }
  const size = checkSize(alignUp(Math.ceil(end / 8), align), `struct ${name}`);
  const schema: StructSchema = deepFreeze({
    name,
    packed,
    ...(union ? { union: true } : {}),
    ...(o.endian === 'big' ? { endian: 'big' as const } : {}),
    ...(o.checked ? { checked: true } : {}),
    fields: fields.map((f) => [f.name, schemaOf(f.node)] as const),
  });
  return {
    name,
    packed,
    union,
    checked: o.checked,
    size,
    align,
    natural,
    fields: Object.freeze(fields),
    byName,
    flex,
    schema,
    key: JSON.stringify(schema),
  };
}

/**
 * A lock is only ever used through Atomics, which need it at a multiple of Lock.ALIGNMENT; a
 * packed struct has alignment 1, so its records can start at any byte and no offset inside one is
 * safe. Refused when the schema is made rather than at the first lock() access. (An integer field
 * in a packed struct stays allowed: it is ordinary data, and atomics.* refuses it per call.)
 */
function refuseLock(struct: string, field: string, node: Node, offset: number): void {
  const found = lockIn(node);
  if (found === undefined) return;
  const at = offset + found.offset;
  const where = `${struct}.${field}${found.path}`;
  const why = at % Lock.ALIGNMENT === 0 ? ' of a record that, packed (alignment 1), may itself start at any byte' : '';
  throw new StructSchemaError(
    `struct ${struct}: ${where} is a lock in a packed struct; a lock must sit at a multiple of ` +
      `${Lock.ALIGNMENT} bytes for Atomics, but it would land at offset ${at}${why}. ` +
      'Keep the lock in a struct that is not packed',
  );
}

/** The first lock inside a node: its path below the node ('.mu', '.0') and its offset in it. */
function lockIn(node: Node): { path: string; offset: number } | undefined {
  switch (node.t) {
    case 'lock':
      return { path: '', offset: 0 };
    case 'array': {
      const inner = lockIn(node.elem);
      return inner && { path: `.0${inner.path}`, offset: inner.offset };
    }
    case 'struct':
      for (const f of node.layout.fields) {
        const inner = lockIn(f.node);
        if (inner !== undefined) return { path: `.${f.name}${inner.path}`, offset: f.offset + inner.offset };
      }
      return undefined;
    default:
      return undefined;
  }
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function schemaOf(node: Node): FieldSchema {
  switch (node.t) {
    case 'scalar':
      return node.endian === 'little' ? node.kind : { scalar: node.kind, endian: node.endian };
    case 'bits':
      return { bits: node.kind, width: node.width, unnamed: node.unnamed };
    case 'enum':
      return { enum: node.kind, names: node.names, read: node.read };
    case 'bytes':
      return { bytes: node.size };
    case 'flex':
      return { flexible: schemaOf(node.elem) };
    case 'array':
      return { array: schemaOf(node.elem), length: node.length };
    case 'string':
      return { string: node.capacity, overflow: node.overflow };
    case 'padding':
      return { padding: node.size };
    case 'lock':
      return { lock: true };
    case 'struct':
      return { struct: node.layout.schema };
  }
}

export function fieldInfos(layout: Layout): readonly FieldInfo[] {
  return Object.freeze(
    layout.fields.map((f) =>
      Object.freeze({
        name: f.name,
        offset: f.offset,
        ...(f.node.t === 'bits' ? { bit: f.bit, bitWidth: f.node.width } : {}),
        byteLength: f.node.t === 'bits' ? Math.ceil((f.bit + f.node.width) / 8) : f.node.size,
        alignment: layout.packed ? 1 : f.node.align,
        type: describeNode(f.node),
        spec: f.spec,
      }),
    ),
  );
}

/** C-like declaration of a layout, for messages and StructType.toString(). */
export function describeLayout(layout: Layout): string {
  const fields = fieldInfos(layout)
    .map((f) => `${f.type} ${f.name} @${f.offset}`)
    .join('; ');
  const packed = layout.packed ? ', packed' : '';
  const big = layout.schema.endian === 'big' ? ', big-endian' : '';
  const checked = layout.checked ? ', checked' : '';
  const kw = layout.union ? 'union' : 'struct';
  return `${kw} ${layout.name} { ${fields} } /* size ${layout.size}, align ${layout.align}${packed}${big}${checked} */`;
}

/**
 * The node and byte offset (from the struct's start) at a dotted path: 'pos.x', 'tags.3',
 * 'verts.2.x'. InvalidArgumentError for an unknown name, IndexError for an index out of range.
 */
export function resolvePath(layout: Layout, path: unknown, who: string): { node: Node; offset: number; bit: number } {
  if (typeof path !== 'string' || path === '')
    throw new InvalidArgumentError(
      `${who}: path must be a non-empty string such as "pos.x" or "tags.3", got ${describe(path)}`,
    );
  let node: Node = { t: 'struct', layout, spec: {}, size: layout.size, align: layout.align, natural: layout.natural };
  let offset = 0;
  let bit = 0;
  for (const part of path.split('.')) {
    if (node.t === 'struct') {
      const f: FieldLayout | undefined = node.layout.byName.get(part);
      if (f === undefined) {
        throw new InvalidArgumentError(`${who}: ${node.layout.name} has no field "${part}" (path "${path}")`);
      }
      node = f.node;
      offset += f.offset;
      bit = f.bit;
    } else if (node.t === 'array' || node.t === 'flex') {
      const i = /^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : NaN;
      if (!(i < (node.t === 'flex' ? Number.MAX_SAFE_INTEGER : node.length)))
        throw new IndexError(
          `${who}: index "${part}" in path "${path}" is not an integer in ` +
            `[0, ${node.t === 'flex' ? '∞' : node.length})`,
        );
      offset += i * node.elem.size;
      node = node.elem;
    } else {
      throw new InvalidArgumentError(`${who}: path "${path}" goes into a ${describeNode(node)}, which has no parts`);
    }
  }
  return { node, offset, bit };
}
