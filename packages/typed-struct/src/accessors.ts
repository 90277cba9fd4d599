/**
 * What each field's accessor does, worked out once per struct type: a Plan per field, which
 * view-classes.ts turns into property descriptors, either by generating each type's accessor
 * source (codegen.ts) or, where code generation is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'), by closures (closureDescriptor below). Both read the same plans and run the same
 * codecs, so they differ in speed only: generated accessors are distinct functions per type and
 * field, each with its own inline caches, while the closures of one kind share theirs across
 * every type in the program, which V8 then cannot specialise once many types meet one accessor.
 */
import { describe, InvalidArgumentError } from '@sabkit/atomics-sync/core';
import { StructFieldError } from './errors.js';
import { type Codec, bitsCodec, checkedScalarCodec, enumCodec, readString, writeString } from './codec.js';
import type { Memo } from './memory.js';
import { type FieldLayout, type Layout, type Node, hasProperty, isData } from './nodes.js';
import { assignValue } from './plain.js';
import { SCALARS } from './scalars.js';
import { KIDS, MEM, OFF, type StructView, plainify } from './view.js';

/** Makes the live value of a composite field (struct, array, lock, bytes) at a byte offset. */
export type Make = (m: Memo, abs: number) => unknown;

/** The typed arrays of a Memo, by the scalar kind they read. */
export const TYPED_NAME = {
  i8: 'i8',
  u8: 'u8',
  i16: 'i16',
  u16: 'u16',
  i32: 'i32',
  u32: 'u32',
  i64: 'i64',
  u64: 'u64',
  f32: 'f32',
  f64: 'f64',
  bool: 'u8',
} as const;

export type Plan =
  /** An aligned little-endian scalar read through the Memo's typed array of its kind. */
  | { readonly t: 'typed'; readonly f: FieldLayout; readonly kind: keyof typeof TYPED_NAME }
  /** A scalar the typed arrays cannot reach (misaligned in a packed struct, or big-endian): the DataView. */
  | {
      readonly t: 'dv';
      readonly f: FieldLayout;
      readonly kind: keyof typeof TYPED_NAME;
      readonly le: boolean;
      readonly codec: Codec;
    }
  /** Any other leaf (checked scalars, bit-fields, enums, strings): its codec. */
  | { readonly t: 'codec'; readonly f: FieldLayout; readonly codec: Codec }
  /** A struct, array, lock, bytes or flexible array: a cached child view; `assign` for data. */
  | {
      readonly t: 'child';
      readonly f: FieldLayout;
      readonly slot: number;
      readonly make: Make;
      readonly assign?: Node;
    };

/** The plans of a layout's fields with properties; `aligned`: records start at a multiple of layout.natural. */
export function plansOf(layout: Layout, aligned: boolean, makerOf: (node: Node, where: string) => Make): Plan[] {
  const plans: Plan[] = [];
  let slot = 0;
  for (const f of layout.fields) {
    const node = f.node;
    const where = `${layout.name}.${f.name}`;
    if (!hasProperty(node)) continue;
    switch (node.t) {
      case 'scalar':
        // The record starts at a multiple of layout.natural, a multiple of every scalar size in it.
        // Bools and checked stores go through the codec, which does their conversion or check.
        if (
          aligned &&
          node.endian === 'little' &&
          f.offset % node.size === 0 &&
          !layout.checked &&
          node.kind !== 'bool'
        )
          plans.push({ t: 'typed', f, kind: node.kind });
        else {
          const codec = checkedScalarCodec(node.kind, node.endian, layout.checked, where);
          if (layout.checked) plans.push({ t: 'codec', f, codec });
          else plans.push({ t: 'dv', f, kind: node.kind, le: node.endian === 'little', codec });
        }
        break;
      case 'bits':
        plans.push({ t: 'codec', f, codec: bitsCodec(node, f.bit, layout.checked, where) });
        break;
      case 'enum':
        plans.push({ t: 'codec', f, codec: enumCodec(node, layout.checked, where) });
        break;
      case 'string': {
        const cap = node.capacity;
        plans.push({
          t: 'codec',
          f,
          codec: { read: (m, a) => readString(m, a, cap), write: (m, a, v) => writeString(m, a, node, v, where) },
        });
        break;
      }
      default:
        plans.push({
          t: 'child',
          f,
          slot: slot++,
          make: makerOf(node, where),
          assign: isData(node) ? node : undefined,
        });
    }
  }
  return plans;
}

/** The error for a value of the wrong JavaScript type given to a typed field's setter. */
export function badType(layout: Layout, name: string, kind: string, value: unknown): never {
  const info = SCALARS[kind as keyof typeof SCALARS];
  const want = kind === 'bool' ? 'boolean' : info.big ? 'bigint' : 'number';
  const hint =
    info.big && typeof value === 'number'
      ? ` (64-bit fields take a bigint: ${Number.isSafeInteger(value) ? `${value}n` : 'BigInt(value)'})`
      : '';
  throw new InvalidArgumentError(
    `${layout.name}.${name} is ${kind} and takes a ${want}, got ${describe(value)}${hint}`,
  );
}

/** log2(size) of each typed kind: element index = byte offset >>> shift. */
export const SCALARS_SHIFT = Object.fromEntries(Object.entries(SCALARS).map(([k, v]) => [k, v.shift])) as Record<
  keyof typeof SCALARS,
  number
>;

/** The JavaScript type a typed scalar kind takes. */
export function jsType(kind: string): 'boolean' | 'bigint' | 'number' {
  return kind === 'bool' ? 'boolean' : SCALARS[kind as keyof typeof SCALARS].big ? 'bigint' : 'number';
}

/** Assigning a lock field: a field error (a lock is state, not data). */
export function readOnly(layout: Layout, name: string): never {
  throw new StructFieldError(`${layout.name}.${name} is a lock, which cannot be assigned`);
}

/** Child views: made on first read, then cached in the record (so `p.pos === p.pos`). */
export function childGet(v: StructView, slot: number, slots: number, make: Make, off: number): unknown {
  const c = v[KIDS] ?? (v[KIDS] = new Array(slots));
  let x = c[slot];
  if (x === undefined) x = c[slot] = make(v[MEM], v[OFF] + off);
  return x;
}

/** Whole-field assignment of a struct or array field: copies, as C struct assignment does. */
export function childSet(v: StructView, node: Node, off: number, value: unknown, where: string, checked: boolean) {
  assignValue(node, v[MEM], v[OFF] + off, plainify(value), where, checked);
}

/** The descriptor of one plan by closures (the fallback where code cannot be generated). */
export function closureDescriptor(layout: Layout, p: Plan, slots: number): PropertyDescriptor {
  const off = p.f.offset;
  const name = p.f.name;
  switch (p.t) {
    case 'typed': {
      const arr = TYPED_NAME[p.kind];
      const shift = SCALARS[p.kind].shift;
      const want = jsType(p.kind);
      return {
        get(this: StructView) {
          return this[MEM][arr][(this[OFF] + off) >>> shift];
        },
        set(this: StructView, v: unknown) {
          if (typeof v !== want) badType(layout, name, p.kind, v);
          (this[MEM][arr] as unknown as unknown[])[(this[OFF] + off) >>> shift] = v;
        },
      };
    }
    case 'dv':
    case 'codec': {
      const { read, write } = p.codec;
      return {
        get(this: StructView) {
          return read(this[MEM], this[OFF] + off);
        },
        set(this: StructView, v: unknown) {
          write(this[MEM], this[OFF] + off, v);
        },
      };
    }
    case 'child': {
      const { slot, make, assign } = p;
      const get = function (this: StructView) {
        return childGet(this, slot, slots, make, off);
      };
      if (assign === undefined)
        return {
          get,
          set() {
            readOnly(layout, name);
          },
        };
      const where = `${layout.name}.${name}`;
      return {
        get,
        set(this: StructView, v: unknown) {
          childSet(this, assign, off, v, where, layout.checked);
        },
      };
    }
  }
}
