/**
 * StructType: a C-layout record type, defined from its fields.
 *
 *     const Vec3 = struct({ x: 'f64', y: 'f64', z: 'f64' }, { name: 'Vec3' });
 *     const Particle = struct({ pos: Vec3, vel: Vec3, id: 'u32', alive: 'bool', name: string(12) });
 *     const p = Particle.create({ id: 7 });         // own zeroed SharedArrayBuffer
 *     const q = Particle.view(memory, 64);          // over existing memory (checked)
 *     p.pos.x += 1;                                  // number; p.id: number; p.name: string
 *
 * Layout rules: layout.ts. Instances: view.ts and view-classes.ts. The type implements atomics-sync's StructTypeLike,
 * so `new Value(Particle)` and `new SharedArray(Particle, n)` hold Particle records, and registers
 * its factory ("typed-struct") and the "Struct" kind, so that struct instances, StructArrays and
 * cells holding them revive in any thread that imported @sabkit/typed-struct.
 *
 * A received schema makes the same type again: types are cached by their canonical schema, so
 * reviving many records of one type builds its accessors once.
 */
import {
  InvalidArgumentError,
  ReviveError,
  describe,
  newSharedBuffer,
  registerKind,
  registerStructTypeFactory,
  type StructTypeLike,
} from '@sabkit/atomics-sync/core';
import { StructSchemaError } from './errors.js';
import { buildLayout, describeLayout, fieldInfos, resolvePath } from './layout.js';
import { LAYOUT, type Layout } from './nodes.js';
import { type StructBuffer, checkPlace, memoFor, toBuffer } from './memory.js';
import { STRUCT_KIND, STRUCT_TYPE_KIND, checkSameType, layoutFromSchema, schemaKey } from './protocol.js';
import { StructArray, type StructRegion } from './struct-array.js';
import type { Endian } from './scalars.js';
import type {
  AnyStruct,
  FieldsOf,
  TYPE_FIELDS,
  FieldInfo,
  FieldsSpec,
  Init,
  Plain,
  StructInstance,
  StructSchema,
  StructTypeSpec,
} from './types.js';
import {
  OFF,
  SHARE_BUFFER,
  SHARE_KIND,
  SHARE_OFFSET,
  SHARE_SCHEMA,
  StructView,
  assignPlain,
  isViewOf,
  toPlain,
} from './view.js';
import { setFlexibleLength, viewAt } from './view-classes.js';

/** `struct(fields, options)`. */
export interface StructOptions {
  /** Type name, for messages, `inspect` and C declarations (an identifier). Default "Struct". */
  readonly name?: string;
  /** C's __attribute__((packed)): no padding, alignment 1. Default false. */
  readonly packed?: boolean;
  /**
   * Byte order of the scalar fields that do not say (`be()`/`le()` do): 'big' is GCC's
   * `scalar_storage_order("big-endian")`, for network formats. Nested structs keep their own.
   */
  readonly endian?: Endian;
  /**
   * Checked stores: a value its field cannot hold exactly (300 in a u8, 1.5 in an i32) is refused
   * with StructRangeError instead of wrapping as C does. Default false. See "Stores and overflow".
   */
  readonly checked?: boolean;
}

const OPTIONS = ['name', 'packed', 'endian', 'checked'];

/**
 * A struct instance after structured clone: its sharing protocol under names no field can have
 * (docs/layouts/struct.md); atomics-sync's `revive` knows this aliased form.
 */
export interface StructDescriptor {
  readonly '@sabkit': 'Struct';
  readonly '@buffer': SharedArrayBuffer | ArrayBuffer;
  readonly '@byteOffset': number;
  readonly '@schema': StructSchema;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const byKey = new Map<string, StructType<FieldsSpec>>();
let pending: Layout | undefined;
let makingUnion = false;

export class StructType<F extends FieldsSpec = FieldsSpec>
  implements StructTypeLike<StructInstance<F>>, StructTypeSpec<F>
{
  declare readonly [TYPE_FIELDS]?: F;
  /** atomics-sync's StructTypeLike: which factory rebuilds this type from its schema. */
  readonly structTypeKind = STRUCT_TYPE_KIND;
  readonly name: string;
  /** sizeof: bytes of one record, tail padding included. */
  readonly byteLength: number;
  /** alignof: byteOffsets of records must be multiples of it. */
  readonly alignment: number;
  readonly packed: boolean;
  /** True for a `union(...)`: every field at offset 0. */
  readonly union: boolean;
  /** The fields in declaration order with their offsets, sizes and alignments. */
  readonly fields: readonly FieldInfo[];
  /** @internal */
  readonly [LAYOUT]: Layout;

  constructor(fields: F, options: StructOptions = {}) {
    let layout = pending;
    pending = undefined;
    if (layout === undefined) {
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
        throw new StructSchemaError(
          `struct(fields): fields must be an object of { name: type }, got ${describe(fields)}`,
        );
      }
      if (typeof options !== 'object' || options === null)
        throw new StructSchemaError(`struct(fields, options): options must be an object, got ${describe(options)}`);
      for (const k of Object.keys(options)) {
        if (!OPTIONS.includes(k))
          throw new StructSchemaError(
            `struct(fields, options): unknown option "${k}" (options are ${OPTIONS.join(', ')})`,
          );
      }
      for (const k of ['packed', 'checked'] as const) {
        if (options[k] !== undefined && typeof options[k] !== 'boolean')
          throw new StructSchemaError(`struct(fields, options): ${k} must be a boolean, got ${describe(options[k])}`);
      }
      if (options.endian !== undefined && options.endian !== 'little' && options.endian !== 'big')
        throw new StructSchemaError(
          `struct(fields, options): endian must be 'little' or 'big', got ${describe(options.endian)}`,
        );
      const union = makingUnion;
      makingUnion = false;
      layout = buildLayout(options.name ?? (union ? 'Union' : 'Struct'), Object.entries(fields), {
        packed: options.packed ?? false,
        union,
        endian: options.endian ?? 'little',
        checked: options.checked ?? false,
      });
    }
    this[LAYOUT] = layout;
    this.name = layout.name;
    this.byteLength = layout.size;
    this.alignment = layout.align;
    this.packed = layout.packed;
    this.union = layout.union;
    this.fields = fieldInfos(layout);
    Object.defineProperty(this, LAYOUT, { enumerable: false });
    Object.freeze(this);
    if (!byKey.has(layout.key)) byKey.set(layout.key, this as unknown as StructType<FieldsSpec>);
  }

  /**
   * The type a schema describes (the schema of `toSchema()`, after structured clone or JSON).
   * Returns the type already known in this thread for that schema, if any.
   */
  static fromSchema(schema: unknown): StructType<FieldsSpec> {
    const quick = byKey.get(schemaKey(schema));
    if (quick !== undefined) return quick;
    const layout = layoutFromSchema(schema, (x) => StructType.fromSchema(x));
    const known = byKey.get(layout.key);
    if (known !== undefined) return known;
    pending = layout;
    return new StructType<FieldsSpec>({});
  }

  /**
   * A new zeroed record in its own SharedArrayBuffer, with `init` written in (validated first).
   * A struct ending in a flexible array member gets room for `flexibleLength` elements (default:
   * as many as `init` gives for it, else 0).
   */
  create(init?: Init<F>, flexibleLength?: number): StructInstance<F> {
    const layout = this[LAYOUT];
    const flex = layout.flex;
    let extra = 0;
    if (flex !== undefined && flex.node.t === 'flex') {
      const given = (init as Record<string, ArrayLike<unknown> | undefined> | undefined)?.[flex.name]?.length ?? 0;
      const n = flexibleLength ?? given;
      if (!Number.isSafeInteger(n) || n < 0)
        throw new InvalidArgumentError(
          `${layout.name}.create(init, flexibleLength): flexibleLength must be a non-negative integer, ` +
            `got ${describe(n)}`,
        );
      // C: malloc(offsetof(S, flex) + n * sizeof(elem)), rounded up to the struct's size at least.
      extra = Math.max(0, flex.offset + n * flex.node.elem.size - layout.size);
    } else if (flexibleLength !== undefined) {
      throw new InvalidArgumentError(
        `${layout.name}.create(init, flexibleLength): ${layout.name} has no flexible array member`,
      );
    }
    const v = viewAt(layout, memoFor(newSharedBuffer(layout.size + extra, `${this.name || 'struct'}.create`)), 0);
    if (init !== undefined) assignPlain(v, init);
    return v as unknown as StructInstance<F>;
  }

  /**
   * A live view of the record at `byteOffset` in `buffer` (ArrayBuffer, SharedArrayBuffer or
   * WebAssembly.Memory). Writes nothing. InvalidRegionError if the record does not fit or
   * byteOffset is not a multiple of `alignment`. A struct ending in a flexible array member sees
   * `flexibleLength` elements of it (checked to fit), or by default all that fit in the buffer.
   */
  view(buffer: StructBuffer, byteOffset = 0, flexibleLength?: number): StructInstance<F> {
    const layout = this[LAYOUT];
    const who = `${layout.name}.view(buffer, byteOffset${flexibleLength === undefined ? '' : ', flexibleLength'})`;
    const buf = toBuffer(buffer, who);
    checkPlace(who, buf, byteOffset, layout.size, layout.align);
    const v = viewAt(layout, memoFor(buf), byteOffset);
    // C knows a flexible array's length from its own fields; a view given one sees that many.
    if (flexibleLength !== undefined) setFlexibleLength(layout, v, flexibleLength, who);
    return v as unknown as StructInstance<F>;
  }

  /** Makes a record that travelled through postMessage / workerData live again, over the same memory. */
  from(value: unknown): StructInstance<F> {
    const layout = this[LAYOUT];
    if (isViewOf(value, layout)) return value as unknown as StructInstance<F>;
    const d = value as Partial<StructDescriptor> | null;
    const who = `${layout.name}.from(value)`;
    if (
      typeof d !== 'object' ||
      d === null ||
      d[SHARE_KIND] !== STRUCT_KIND ||
      !(d[SHARE_BUFFER] instanceof SharedArrayBuffer || (d[SHARE_BUFFER] as unknown) instanceof ArrayBuffer)
    ) {
      throw new ReviveError(
        `${who}: value must be a ${layout.name} record or its structured clone ({ "@sabkit": "Struct", ` +
          `"@buffer", "@byteOffset", "@schema" }), got ${describe(value)}`,
      );
    }
    checkSameType(layout, d[SHARE_SCHEMA], who);
    return this.view(d[SHARE_BUFFER] as SharedArrayBuffer, d[SHARE_OFFSET] as number);
  }

  /** An array of `length` records in its own SharedArrayBuffer, or over `region` (never written). */
  array(length: number, region?: StructRegion): StructArray<F> {
    return new StructArray<F>(this, length, region);
  }

  /** Makes a StructArray of this type that travelled to this thread live again. */
  arrayFrom(value: unknown): StructArray<F> {
    return StructArray.from<F>(value, this);
  }

  /** True if `value` is a live record of this type (or of a type with the same schema). */
  is(value: unknown): value is StructInstance<F> {
    return isViewOf(value, this[LAYOUT]);
  }

  /** Writes the fields present in `values` into `target` (all validated before the first write). */
  assign<T extends StructInstance<F>>(target: T, values: Init<F>): T {
    this.#check(target, 'assign');
    assignPlain(target as unknown as StructView, values);
    return target;
  }

  /** A plain-object copy of `target`'s data. */
  toObject(target: StructInstance<F>): Plain<F> {
    this.#check(target, 'toObject');
    return toPlain(target as unknown as StructView) as Plain<F>;
  }

  /** offsetof for a dotted path: 'pos.x', 'tags.3', 'verts.2.x'. */
  offsetOf(path: string): number {
    return resolvePath(this[LAYOUT], path, `${this.name}.offsetOf(path)`).offset;
  }

  /** Structured-cloneable description; StructType.fromSchema(schema) rebuilds this type anywhere. */
  toSchema(): StructSchema {
    return this[LAYOUT].schema;
  }

  toString(): string {
    return describeLayout(this[LAYOUT]);
  }

  [INSPECT](): string {
    return `StructType ${this.toString()}`;
  }

  #check(target: unknown, what: string): void {
    if (!isViewOf(target, this[LAYOUT]))
      throw new InvalidArgumentError(
        `${this.name}.${what}(target): target must be a ${this.name} record, got ${describe(target)}`,
      );
  }
}

/** Defines a struct type: `struct({ x: 'f64', id: 'u32' }, { name: 'Point' })`. */
export function struct<const F extends FieldsSpec>(fields: F, options?: StructOptions): StructType<F> {
  return new StructType<F>(fields, options);
}

/**
 * Defines a C union: every field at offset 0, sizeof the largest rounded up to the largest
 * alignment. `union({ i: 'u32', f: 'f32' }, { name: 'Word' })`. Its records are views like a
 * struct's: writing one member changes the bytes the others read.
 */
export function union<const F extends FieldsSpec>(fields: F, options?: StructOptions): StructType<F> {
  makingUnion = true;
  try {
    return new StructType<F>(fields, options);
  } finally {
    makingUnion = false;
  }
}

/** Where a record lives: its memory, byte offset and size (what `p.buffer` / `p.byteOffset` were). */
export function addressOf(record: AnyStruct): {
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
} {
  if (!StructView.isView(record))
    throw new InvalidArgumentError(`addressOf(record): record must be a struct record, got ${describe(record)}`);
  const v = record as unknown as StructView;
  return { buffer: StructView.memoOf(v).buffer, byteOffset: v[OFF], byteLength: StructView.layoutOf(v).size };
}

/** The struct type of a record (the one known in this thread for its schema). */
export function typeOf<T extends AnyStruct>(record: T): StructType<FieldsOf<T>> {
  if (!StructView.isView(record))
    throw new InvalidArgumentError(`typeOf(record): record must be a struct record, got ${describe(record)}`);
  return StructType.fromSchema(StructView.layoutOf(record as unknown as StructView).schema) as unknown as StructType<
    FieldsOf<T>
  >;
}

registerStructTypeFactory(STRUCT_TYPE_KIND, (schema) => StructType.fromSchema(schema) as StructTypeLike);
registerKind(STRUCT_KIND, (d) => StructType.fromSchema((d as unknown as StructDescriptor)[SHARE_SCHEMA]).from(d));
