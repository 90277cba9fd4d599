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
import { IndexError, InvalidArgumentError, Lock, describe } from '@sabkit/atomics-sync';
import { StructSchemaError } from './errors.js';
import { type FieldLayout, type Layout, type Node, describeNode } from './nodes.js';
import { checkSize, nodeOf } from './specs.js';
import type { FieldInfo, FieldSchema, FieldSpec, StructSchema } from './types.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set([
  'buffer',
  'byteOffset',
  'constructor',
  'toJSON',
  'then',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Checks a struct or field name. */
export function checkName(name: unknown, where: string, isField: boolean): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new StructSchemaError(
      `${where}: name must be an identifier (letters, digits, _ and $, not starting with a digit), got ` +
        `${describe(name)}`,
    );
  }
  if (isField && (RESERVED.has(name) || name.startsWith('__'))) {
    throw new StructSchemaError(
      `${where}: field name "${name}" is reserved (buffer, byteOffset, toJSON, then, names starting with __ ` +
        `and Object.prototype's names are taken by the instance)`,
    );
  }
  return name;
}

/** Lays out `entries` (name, spec) in order. */
export function buildLayout(name: string, entries: readonly (readonly [unknown, unknown])[], packed: boolean): Layout {
  checkName(name, 'struct name', false);
  if (entries.length === 0)
    throw new StructSchemaError(`struct ${name}: a struct needs at least one field (C has no empty structs)`);
  const fields: FieldLayout[] = [];
  const byName = new Map<string, FieldLayout>();
  let offset = 0;
  let align = 1;
  let natural = 1;
  let hasData = false;
  for (const [fieldName, spec] of entries) {
    const n = checkName(fieldName, `struct ${name}: field ${describe(fieldName)}`, true);
    if (byName.has(n)) throw new StructSchemaError(`struct ${name}: duplicate field name "${n}"`);
    const node = nodeOf(spec, `${name}.${n}`);
    const a = packed ? 1 : node.align;
    offset = alignUp(offset, a);
    if (packed) refuseLock(name, n, node, offset);
    const f: FieldLayout = Object.freeze({ name: n, offset, node, spec: spec as FieldSpec });
    fields.push(f);
    byName.set(n, f);
    offset = checkSize(offset + node.size, `struct ${name}`);
    align = Math.max(align, a);
    natural = Math.max(natural, node.natural);
    if (node.t !== 'padding') hasData = true;
  }
  if (!hasData) throw new StructSchemaError(`struct ${name}: a struct needs at least one field that is not padding`);
  const size = checkSize(alignUp(offset, align), `struct ${name}`);
  const schema: StructSchema = deepFreeze({
    name,
    packed,
    fields: fields.map((f) => [f.name, schemaOf(f.node)] as const),
  });
  return {
    name,
    packed,
    size,
    align,
    natural,
    fields: Object.freeze(fields),
    byName,
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
      return node.kind;
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
        byteLength: f.node.size,
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
  return `struct ${layout.name} { ${fields} } /* size ${layout.size}, align ${layout.align}${packed} */`;
}

/**
 * The node and byte offset (from the struct's start) at a dotted path: 'pos.x', 'tags.3',
 * 'verts.2.x'. InvalidArgumentError for an unknown name, IndexError for an index out of range.
 */
export function resolvePath(layout: Layout, path: unknown, who: string): { node: Node; offset: number } {
  if (typeof path !== 'string' || path === '')
    throw new InvalidArgumentError(
      `${who}: path must be a non-empty string such as "pos.x" or "tags.3", got ${describe(path)}`,
    );
  let node: Node = { t: 'struct', layout, spec: {}, size: layout.size, align: layout.align, natural: layout.natural };
  let offset = 0;
  for (const part of path.split('.')) {
    if (node.t === 'struct') {
      const f: FieldLayout | undefined = node.layout.byName.get(part);
      if (f === undefined) {
        throw new InvalidArgumentError(`${who}: ${node.layout.name} has no field "${part}" (path "${path}")`);
      }
      node = f.node;
      offset += f.offset;
    } else if (node.t === 'array') {
      const i = /^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : NaN;
      if (!(i < node.length))
        throw new IndexError(`${who}: index "${part}" in path "${path}" is not an integer in [0, ${node.length})`);
      offset += i * node.elem.size;
      node = node.elem;
    } else {
      throw new InvalidArgumentError(`${who}: path "${path}" goes into a ${describeNode(node)}, which has no parts`);
    }
  }
  return { node, offset };
}
