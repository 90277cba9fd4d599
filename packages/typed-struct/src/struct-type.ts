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
  type SharedDescriptor,
  type StructTypeLike,
} from '@sabkit/atomics-sync';
import { StructSchemaError } from './errors.js';
import { buildLayout, describeLayout, fieldInfos, resolvePath } from './layout.js';
import { LAYOUT, type Layout } from './nodes.js';
import { type StructBuffer, checkPlace, memoFor, toBuffer } from './memory.js';
import { STRUCT_KIND, STRUCT_TYPE_KIND, checkSameType, layoutFromSchema, schemaKey } from './protocol.js';
import { StructArray, type StructRegion } from './struct-array.js';
import type {
  TYPE_FIELDS,
  FieldInfo,
  FieldsSpec,
  Init,
  Plain,
  StructInstance,
  StructSchema,
  StructTypeSpec,
} from './types.js';
import { type StructView, assignPlain, isViewOf, toPlain } from './view.js';
import { viewAt } from './view-classes.js';

export interface StructOptions {
  /** Type name, for messages, `inspect` and C declarations (an identifier). Default "Struct". */
  readonly name?: string;
  /** C's __attribute__((packed)): no padding, alignment 1. Default false. */
  readonly packed?: boolean;
}

/** A struct instance after structured clone. */
export interface StructDescriptor extends SharedDescriptor {
  readonly __schema: StructSchema;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const byKey = new Map<string, StructType<FieldsSpec>>();
let pending: Layout | undefined;

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
        if (k !== 'name' && k !== 'packed')
          throw new StructSchemaError(`struct(fields, options): unknown option "${k}" (options are name and packed)`);
      }
      if (options.packed !== undefined && typeof options.packed !== 'boolean') {
        throw new StructSchemaError(
          `struct(fields, options): packed must be a boolean, got ${describe(options.packed)}`,
        );
      }
      layout = buildLayout(options.name ?? 'Struct', Object.entries(fields), options.packed ?? false);
    }
    this[LAYOUT] = layout;
    this.name = layout.name;
    this.byteLength = layout.size;
    this.alignment = layout.align;
    this.packed = layout.packed;
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

  /** A new zeroed record in its own SharedArrayBuffer, with `init` written in (validated first). */
  create(init?: Init<F>): StructInstance<F> {
    const layout = this[LAYOUT];
    const v = viewAt(layout, memoFor(newSharedBuffer(layout.size, `${this.name || 'struct'}.create`)), 0);
    if (init !== undefined) assignPlain(v, init);
    return v as unknown as StructInstance<F>;
  }

  /**
   * A live view of the record at `byteOffset` in `buffer` (ArrayBuffer, SharedArrayBuffer or
   * WebAssembly.Memory). Writes nothing. InvalidRegionError if the record does not fit or
   * byteOffset is not a multiple of `alignment`.
   */
  view(buffer: StructBuffer, byteOffset = 0): StructInstance<F> {
    const layout = this[LAYOUT];
    const who = `${layout.name}.view(buffer, byteOffset)`;
    const buf = toBuffer(buffer, who);
    checkPlace(who, buf, byteOffset, layout.size, layout.align);
    return viewAt(layout, memoFor(buf), byteOffset) as unknown as StructInstance<F>;
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
      d.__sabkit !== STRUCT_KIND ||
      !(d.buffer instanceof SharedArrayBuffer || (d.buffer as unknown) instanceof ArrayBuffer)
    ) {
      throw new ReviveError(
        `${who}: value must be a ${layout.name} record or its structured clone ({ __sabkit: "Struct", ` +
          `buffer, byteOffset, __schema }), got ${describe(value)}`,
      );
    }
    checkSameType(layout, d.__schema, who);
    return this.view(d.buffer as SharedArrayBuffer, d.byteOffset as number);
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

registerStructTypeFactory(STRUCT_TYPE_KIND, (schema) => StructType.fromSchema(schema) as StructTypeLike);
registerKind(STRUCT_KIND, (d) => StructType.fromSchema((d as StructDescriptor).__schema).from(d));
