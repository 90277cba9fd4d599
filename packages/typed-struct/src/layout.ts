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
 * decides at run time whether a view may use the typed-array accessors (see view.ts).
 *
 * Layout: docs/layouts/struct.md
 */
import { IndexError, InvalidArgumentError, Lock, describe } from '@sabkit/atomics-sync';
import { StructSchemaError } from './errors.js';
import { SCALARS, SCALAR_KINDS, isScalarKind, type ScalarKind } from './scalars.js';
import type {
  ArraySpec,
  FieldInfo,
  FieldSchema,
  FieldSpec,
  LockSpec,
  PaddingSpec,
  StringOverflow,
  StringSpec,
  StructSchema,
} from './types.js';

/** Property of a StructType that holds its Layout (how layout code recognises a struct type). */
export const LAYOUT: unique symbol = Symbol('typed-struct.layout');

/** The layout of a struct type, or undefined if `value` is not one. */
export function layoutOf(value: unknown): Layout | undefined {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    ? (value as { [LAYOUT]?: Layout })[LAYOUT]
    : undefined;
}

/** Largest struct: byte offsets must stay exact for `>>>` indexing. */
export const MAX_STRUCT_BYTES = 2 ** 32 - 1;

interface NodeBase {
  readonly size: number;
  readonly align: number;
  readonly natural: number;
}
export interface ScalarNode extends NodeBase {
  readonly t: 'scalar';
  readonly kind: ScalarKind;
}
export interface ArrayNode extends NodeBase {
  readonly t: 'array';
  readonly elem: Node;
  readonly length: number;
}
export interface StringNode extends NodeBase {
  readonly t: 'string';
  readonly capacity: number;
  readonly overflow: StringOverflow;
}
export interface PaddingNode extends NodeBase {
  readonly t: 'padding';
}
export interface LockNode extends NodeBase {
  readonly t: 'lock';
}
export interface StructNode extends NodeBase {
  readonly t: 'struct';
  readonly layout: Layout;
  readonly spec: object;
}
export type Node = ScalarNode | ArrayNode | StringNode | PaddingNode | LockNode | StructNode;

export interface FieldLayout {
  readonly name: string;
  readonly offset: number;
  readonly node: Node;
  readonly spec: FieldSpec;
}

export interface Layout {
  readonly name: string;
  readonly packed: boolean;
  readonly size: number;
  readonly align: number;
  readonly natural: number;
  readonly fields: readonly FieldLayout[];
  readonly byName: ReadonlyMap<string, FieldLayout>;
  readonly schema: StructSchema;
  /** Canonical JSON of the schema: equal keys, identical layouts. */
  readonly key: string;
  /** Filled by view.ts: the instance classes. */
  classes?: unknown;
  /** Filled by atomics.ts: per-field atomic targets. */
  atomicSlots?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set([
  'buffer',
  'byteOffset',
  'constructor',
  'toJSON',
  'then',
  ...Object.getOwnPropertyNames(Object.prototype),
]);
export const SCALAR_LIST = SCALAR_KINDS.map((k) => `'${k}'`).join(', ');

function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new StructSchemaError(
      `${what} must be a positive integer, got ${describe(value)}${typeof value === 'number' && value < 0 ? ' (negative)' : ''}`,
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

function checkSize(size: number, where: string): number {
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
    `${where}: unknown field type ${describe(spec)}; expected one of ${SCALAR_LIST}, array(), string(), padding(), lock() or a struct type`,
  );
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Checks a struct or field name. */
export function checkName(name: unknown, where: string, isField: boolean): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new StructSchemaError(
      `${where}: name must be an identifier (letters, digits, _ and $, not starting with a digit), got ${describe(name)}`,
    );
  }
  if (isField && (RESERVED.has(name) || name.startsWith('__'))) {
    throw new StructSchemaError(
      `${where}: field name "${name}" is reserved (buffer, byteOffset, toJSON, then, names starting with __ and Object.prototype's names are taken by the instance)`,
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
  throw new StructSchemaError(
    `struct ${struct}: ${where} is a lock in a packed struct; a lock must sit at a multiple of ${Lock.ALIGNMENT} bytes for Atomics, but it would land at offset ${at}${at % Lock.ALIGNMENT === 0 ? ' of a record that, packed (alignment 1), may itself start at any byte' : ''}. Keep the lock in a struct that is not packed`,
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

/** False for locks and arrays of locks: state, not data, so never copied or assigned. */
export function isData(node: Node): boolean {
  if (node.t === 'padding' || node.t === 'lock') return false;
  return node.t === 'array' ? isData(node.elem) : true;
}

/** Readable type of a node: 'f64', 'u8[4]', 'Vec3[2]', 'string(16)', 'padding(3)', 'lock'. */
export function describeNode(node: Node): string {
  switch (node.t) {
    case 'scalar':
      return node.kind;
    case 'array':
      return `${describeNode(node.elem)}[${node.length}]`;
    case 'string':
      return `string(${node.capacity})`;
    case 'padding':
      return `padding(${node.size})`;
    case 'lock':
      return 'lock';
    case 'struct':
      return node.layout.name;
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
  return `struct ${layout.name} { ${fields} } /* size ${layout.size}, align ${layout.align}${layout.packed ? ', packed' : ''} */`;
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
