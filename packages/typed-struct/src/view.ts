/**
 * Struct instances: a view of one record at (buffer, byteOffset). It holds no data of its own;
 * every field is an accessor on a per-type prototype, made once when the type is created, that
 * reads or writes the buffer at `byteOffset + fieldOffset`.
 *
 * Own enumerable properties (what structured clone keeps, the sharing protocol of atomics-sync):
 *   __sabkit 'Struct', buffer, byteOffset, __schema (the type's StructSchema)
 * Private per-thread state: #m the buffer's Memo (memory.ts), #o the byte offset, #c the lazily
 * made child views (nested structs, arrays, locks), so `p.pos` allocates once, not per access.
 *
 * The accessor factories are static methods of StructView because they read that private state;
 * which accessor each field gets, and the per-type classes they go on, is view-classes.ts's part.
 * Closures over the field offsets rather than `new Function` source: they measure the same (V8
 * inlines both), and work where eval is forbidden (CSP).
 *
 * Accessors are made once per type, not once per buffer. Classes per (type, buffer) would let
 * each accessor capture its buffer's typed arrays as constants, which measured about 1.7x faster
 * when a loop walks many records through many views (the typed array loaded from #m is not a
 * constant, so V8 re-checks it per access); but every Type.create() makes a buffer, and records
 * from many buffers would then meet call sites as many hidden classes (megamorphic, far slower).
 * On one record, field access equals hand-written typed-array code; across many records the
 * column views (column.ts) are the fast path. Figures: benchmarks/suites/typed-struct.mjs.
 */
import { readString, writeString } from './codec.js';
import type { Memo } from './memory.js';
import type { FieldLayout, Layout, Node } from './nodes.js';
import { assignValue, checkInit, plainStruct, writeStruct } from './plain.js';
import type { StructSchema } from './types.js';

/** Makes the live value of a composite field (struct, array, lock) at a byte offset. */
export type Make = (m: Memo, abs: number) => unknown;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class StructView {
  declare readonly __sabkit: 'Struct';
  declare readonly buffer: ArrayBuffer | SharedArrayBuffer;
  declare readonly byteOffset: number;
  declare readonly __schema: StructSchema;
  readonly #m: Memo;
  readonly #o: number;
  readonly #layout: Layout;
  #c: unknown[] | undefined = undefined;

  constructor(m: Memo, abs: number, layout: Layout) {
    // Plain assignments (not defineProperty): one hidden class per type, cheap construction.
    (this as { __sabkit: string }).__sabkit = 'Struct';
    (this as { buffer: unknown }).buffer = m.buffer;
    (this as { byteOffset: number }).byteOffset = abs;
    (this as { __schema: StructSchema }).__schema = layout.schema;
    this.#m = m;
    this.#o = abs;
    this.#layout = layout;
  }

  static isView(value: unknown): value is StructView {
    return typeof value === 'object' && value !== null && #m in value;
  }
  static memoOf(v: StructView): Memo {
    return v.#m;
  }
  static layoutOf(v: StructView): Layout {
    return v.#layout;
  }

  toJSON(): unknown {
    return plainStruct(this.#layout, this.#m, this.#o);
  }

  [INSPECT](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `${this.#layout.name} ${inspect(plainStruct(this.#layout, this.#m, this.#o), options)}`;
  }

  /** Accessor of a scalar field at `off` through the typed array of its kind. */
  static typedAccessor(kind: string, off: number): PropertyDescriptor {
    type V = StructView;
    switch (kind) {
      case 'i8':
        return {
          get(this: V) {
            return this.#m.i8[this.#o + off];
          },
          set(this: V, v: number) {
            this.#m.i8[this.#o + off] = v;
          },
        };
      case 'u8':
        return {
          get(this: V) {
            return this.#m.u8[this.#o + off];
          },
          set(this: V, v: number) {
            this.#m.u8[this.#o + off] = v;
          },
        };
      case 'bool':
        return {
          get(this: V) {
            return this.#m.u8[this.#o + off] !== 0;
          },
          set(this: V, v: boolean) {
            this.#m.u8[this.#o + off] = v ? 1 : 0;
          },
        };
      case 'i16':
        return {
          get(this: V) {
            return this.#m.i16[(this.#o + off) >>> 1];
          },
          set(this: V, v: number) {
            this.#m.i16[(this.#o + off) >>> 1] = v;
          },
        };
      case 'u16':
        return {
          get(this: V) {
            return this.#m.u16[(this.#o + off) >>> 1];
          },
          set(this: V, v: number) {
            this.#m.u16[(this.#o + off) >>> 1] = v;
          },
        };
      case 'i32':
        return {
          get(this: V) {
            return this.#m.i32[(this.#o + off) >>> 2];
          },
          set(this: V, v: number) {
            this.#m.i32[(this.#o + off) >>> 2] = v;
          },
        };
      case 'u32':
        return {
          get(this: V) {
            return this.#m.u32[(this.#o + off) >>> 2];
          },
          set(this: V, v: number) {
            this.#m.u32[(this.#o + off) >>> 2] = v;
          },
        };
      case 'f32':
        return {
          get(this: V) {
            return this.#m.f32[(this.#o + off) >>> 2];
          },
          set(this: V, v: number) {
            this.#m.f32[(this.#o + off) >>> 2] = v;
          },
        };
      case 'i64':
        return {
          get(this: V) {
            return this.#m.i64[(this.#o + off) >>> 3];
          },
          set(this: V, v: bigint) {
            this.#m.i64[(this.#o + off) >>> 3] = v;
          },
        };
      case 'u64':
        return {
          get(this: V) {
            return this.#m.u64[(this.#o + off) >>> 3];
          },
          set(this: V, v: bigint) {
            this.#m.u64[(this.#o + off) >>> 3] = v;
          },
        };
      case 'f64':
        return {
          get(this: V) {
            return this.#m.f64[(this.#o + off) >>> 3];
          },
          set(this: V, v: number) {
            this.#m.f64[(this.#o + off) >>> 3] = v;
          },
        };
    }
    throw new TypeError(`no typed accessor for ${kind}`);
  }

  /** Accessor of a scalar field at `off` through the DataView (any alignment, little-endian). */
  static dataViewAccessor(kind: string, off: number): PropertyDescriptor {
    type V = StructView;
    switch (kind) {
      case 'i8':
        return {
          get(this: V) {
            return this.#m.dv.getInt8(this.#o + off);
          },
          set(this: V, v: number) {
            this.#m.dv.setInt8(this.#o + off, v);
          },
        };
      case 'u8':
        return {
          get(this: V) {
            return this.#m.dv.getUint8(this.#o + off);
          },
          set(this: V, v: number) {
            this.#m.dv.setUint8(this.#o + off, v);
          },
        };
      case 'bool':
        return {
          get(this: V) {
            return this.#m.dv.getUint8(this.#o + off) !== 0;
          },
          set(this: V, v: boolean) {
            this.#m.dv.setUint8(this.#o + off, v ? 1 : 0);
          },
        };
      case 'i16':
        return {
          get(this: V) {
            return this.#m.dv.getInt16(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setInt16(this.#o + off, v, true);
          },
        };
      case 'u16':
        return {
          get(this: V) {
            return this.#m.dv.getUint16(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setUint16(this.#o + off, v, true);
          },
        };
      case 'i32':
        return {
          get(this: V) {
            return this.#m.dv.getInt32(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setInt32(this.#o + off, v, true);
          },
        };
      case 'u32':
        return {
          get(this: V) {
            return this.#m.dv.getUint32(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setUint32(this.#o + off, v, true);
          },
        };
      case 'f32':
        return {
          get(this: V) {
            return this.#m.dv.getFloat32(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setFloat32(this.#o + off, v, true);
          },
        };
      case 'i64':
        return {
          get(this: V) {
            return this.#m.dv.getBigInt64(this.#o + off, true);
          },
          set(this: V, v: bigint) {
            this.#m.dv.setBigInt64(this.#o + off, v, true);
          },
        };
      case 'u64':
        return {
          get(this: V) {
            return this.#m.dv.getBigUint64(this.#o + off, true);
          },
          set(this: V, v: bigint) {
            this.#m.dv.setBigUint64(this.#o + off, v, true);
          },
        };
      case 'f64':
        return {
          get(this: V) {
            return this.#m.dv.getFloat64(this.#o + off, true);
          },
          set(this: V, v: number) {
            this.#m.dv.setFloat64(this.#o + off, v, true);
          },
        };
    }
    throw new TypeError(`no DataView accessor for ${kind}`);
  }

  static stringAccessor(f: FieldLayout, where: string): PropertyDescriptor {
    const off = f.offset;
    const node = f.node;
    if (node.t !== 'string') throw new TypeError('not a string field');
    const cap = node.capacity;
    return {
      get(this: StructView) {
        return readString(this.#m, this.#o + off, cap);
      },
      set(this: StructView, v: string) {
        writeString(this.#m, this.#o + off, node, v, where);
      },
    };
  }

  /**
   * Accessor of a nested struct, array or lock: the live view is made on first read, then cached.
   * Assigning a struct or array field copies the value in, as C struct assignment does (a record
   * or array of the same shape, or plain values; validated before the first byte is written).
   * Lock fields cannot be assigned.
   */
  static childAccessor(
    off: number,
    slot: number,
    slots: number,
    make: Make,
    node: Node | undefined,
    where: string,
  ): PropertyDescriptor {
    const get = function (this: StructView) {
      const c = this.#c ?? (this.#c = new Array(slots));
      let v = c[slot];
      if (v === undefined) v = c[slot] = make(this.#m, this.#o + off);
      return v;
    };
    if (node === undefined) return { get };
    return {
      get,
      set(this: StructView, v: unknown) {
        assignValue(node, this.#m, this.#o + off, plainify(v), where);
      },
    };
  }
}

/** True if `v` is an instance of the struct with this layout (either class). */
export function isViewOf(v: unknown, layout: Layout): v is StructView {
  return StructView.isView(v) && StructView.layoutOf(v).key === layout.key;
}

/** A plain-object copy of the record's data. */
export function toPlain(v: StructView): Record<string, unknown> {
  return plainStruct(StructView.layoutOf(v), StructView.memoOf(v), v.byteOffset);
}

/** Records inside `value` (from another struct's fields) as plain values, so they can be copied in. */
export function plainify(value: unknown): unknown {
  if (StructView.isView(value)) return toPlain(value);
  if (Array.isArray(value)) return value.some((x) => typeof x === 'object' && x !== null) ? value.map(plainify) : value;
  return value;
}

/** Validates `init` against the struct `v`, then writes it. */
export function assignPlain(v: StructView, init: unknown): void {
  const layout = StructView.layoutOf(v);
  const p = plainify(init);
  checkInit(layout, p);
  writeStruct(layout, StructView.memoOf(v), v.byteOffset, p as Record<string, unknown>, layout.name);
}
