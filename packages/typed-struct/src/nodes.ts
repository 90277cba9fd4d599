/**
 * The layout tree that specs become: one node per field (scalar, array, string, padding, lock or
 * nested struct) with its C size and alignment, and the Layout of a whole struct. Kept apart from
 * the code that builds it (specs.ts parses a field spec, layout.ts places fields) so that views,
 * codecs, columns and atomics, which only read layouts, depend on the shape and not on the rules.
 *
 * `align` is C's alignof; `natural` is the largest alignment any scalar in the node needs to be read
 * through a typed array. They differ only inside packed structs (see layout.ts).
 *
 * Layout: docs/layouts/struct.md
 */
import type { ScalarKind } from './scalars.js';
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
  /** Filled by view-classes.ts: the instance classes. */
  classes?: unknown;
  /** Filled by atomics.ts: per-field atomic targets. */
  atomicSlots?: unknown;
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
