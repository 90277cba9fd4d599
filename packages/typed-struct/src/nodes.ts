/**
 * The layout tree that specs become: one node per field (scalar, array, string, padding, lock,
 * nested struct, bit-field, enum, bytes, flexible array member) with its C size and alignment,
 * and the Layout of a whole struct. Kept apart from the code that builds it (specs.ts parses a
 * field spec, layout.ts places fields) so that views, codecs, columns and atomics, which only
 * read layouts, depend on the shape and not on the rules.
 *
 * `align` is C's alignof; `natural` is the largest alignment any scalar in the node needs to be read
 * through a typed array. They differ only inside packed structs (see layout.ts).
 *
 * Layout: docs/layouts/struct.md
 */
import type { Endian, IntegerKind, ScalarKind } from './scalars.js';
import type { FieldSpec, StringOverflow, StructSchema } from './types.js';

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
  /** Byte order in memory; 'big' is read through the DataView (network formats). */
  readonly endian: Endian;
}
/** A C bit-field `T name : width` (width 0: C's unnamed `T : 0`, which only moves to the next unit). */
export interface BitsNode extends NodeBase {
  readonly t: 'bits';
  /** The declared type: its size is the storage unit a bit-field may not straddle (unless packed). */
  readonly kind: IntegerKind | 'bool';
  readonly width: number;
  /** No property (C's unnamed bit-fields); always true for width 0. */
  readonly unnamed: boolean;
}
/** An integer field whose values have names (C's `enum`): reads as a name, or as a value. */
export interface EnumNode extends NodeBase {
  readonly t: 'enum';
  readonly kind: IntegerKind;
  readonly names: Readonly<Record<string, number>>;
  readonly read: 'name' | 'value';
  readonly endian: Endian;
}
/** `char name[n]` holding bytes (NULs included): reads as a live Uint8Array. */
export interface BytesNode extends NodeBase {
  readonly t: 'bytes';
  readonly length: number;
}
/** C's trailing flexible array member `T name[]`: sizeof 0, the elements run to the end of the memory. */
export interface FlexNode extends NodeBase {
  readonly t: 'flex';
  readonly elem: Node;
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
export type Node =
  | ScalarNode
  | ArrayNode
  | StringNode
  | PaddingNode
  | LockNode
  | StructNode
  | BitsNode
  | EnumNode
  | BytesNode
  | FlexNode;

export interface FieldLayout {
  readonly name: string;
  /** Byte offset; for a bit-field, the byte that holds its lowest bit. */
  readonly offset: number;
  /** Bit-fields: the position of the lowest bit in the byte at `offset` (0-7); else 0. */
  readonly bit: number;
  readonly node: Node;
  readonly spec: FieldSpec;
}

export interface Layout {
  readonly name: string;
  readonly packed: boolean;
  /** C `union`: every member at offset 0. */
  readonly union: boolean;
  /** Setters refuse out-of-range and wrongly typed values instead of wrapping (see docs). */
  readonly checked: boolean;
  readonly size: number;
  readonly align: number;
  readonly natural: number;
  readonly fields: readonly FieldLayout[];
  readonly byName: ReadonlyMap<string, FieldLayout>;
  readonly schema: StructSchema;
  /** Canonical JSON of the schema: equal keys, identical layouts. */
  readonly key: string;
  /** The trailing flexible array member, if any. */
  readonly flex: FieldLayout | undefined;
  /** Filled by view-classes.ts: the instance classes. */
  classes?: unknown;
  /** Filled by struct-array.ts: the generated StructArray subclasses. */
  arrayClasses?: unknown;
  /** Filled by atomics.ts: per-field atomic targets. */
  atomicSlots?: unknown;
}

/** False for locks, padding and unnamed bit-fields: state or filler, not data, so never copied or assigned. */
export function isData(node: Node): boolean {
  if (node.t === 'padding' || node.t === 'lock' || (node.t === 'bits' && node.unnamed)) return false;
  return node.t === 'array' || node.t === 'flex' ? isData(node.elem) : true;
}

/** True if the node has a property on records (everything but padding and unnamed bit-fields). */
export function hasProperty(node: Node): boolean {
  return node.t !== 'padding' && !(node.t === 'bits' && node.unnamed);
}

/** Readable type of a node: 'f64', 'u8[4]', 'Vec3[2]', 'string(16)', 'padding(3)', 'lock'. */
export function describeNode(node: Node): string {
  switch (node.t) {
    case 'scalar':
      return node.endian === 'big' ? `be(${node.kind})` : node.kind;
    case 'bits':
      return `${node.kind}:${node.width}`;
    case 'enum':
      return `enum(${node.kind})`;
    case 'bytes':
      return `bytes(${node.length})`;
    case 'flex':
      return `${describeNode(node.elem)}[]`;
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
