/**
 * Struct instances: a view of one record at (memory, byteOffset). It holds no data of its own;
 * every field is an accessor on a per-type prototype (view-classes.ts) that reads or writes the
 * buffer at `byteOffset + fieldOffset`.
 *
 * A record's string-keyed properties are its fields and nothing else, so that any C field name
 * (`buffer`, `byteOffset`, `toJSON`, `constructor`, `__proto__`, `__x`) can be mirrored:
 *  - its state is in symbol-keyed own properties (MEM the buffer's Memo, OFF the byte offset,
 *    KIDS the lazily made child views of nested structs, arrays and locks);
 *  - its sharing protocol (what structured clone keeps) is in own enumerable properties whose
 *    names are not identifiers and so never a field's: '@sabkit' ("Struct"), '@buffer',
 *    '@byteOffset', '@schema' (atomics-sync's revive knows this aliased form);
 *  - its API is static: `addressOf(record)`, `typeOf(record)`, `Type.toObject(record)`; only
 *    `toJSON` and util.inspect's symbol stay on the prototype (a field named toJSON shadows it:
 *    use `JSON.stringify(Type.toObject(record))` there).
 * Below the prototypes sits GUARD, a Proxy that an assignment to a name no prototype has reaches:
 * it throws StructFieldError, so `p.typo = 1` fails as it would in C instead of adding a property
 * (reads of unknown names pass through to Object.prototype, so `await`, JSON and String() work).
 *
 * The state lives in own properties defined by the class-field syntax (define semantics), so
 * constructing a view never reaches GUARD; that keeps construction a plain allocation, which V8
 * removes altogether when the view does not escape (`arr.get(i).x` in a loop allocates nothing).
 */
import { describe } from '@sabkit/atomics-sync/core';
import { StructFieldError } from './errors.js';
import type { Memo } from './memory.js';
import { hasProperty, type Layout } from './nodes.js';
import { checkInit, plainStruct, writeStruct } from './plain.js';
import type { StructSchema } from './types.js';

export const MEM: unique symbol = Symbol('typed-struct.memory');
export const OFF: unique symbol = Symbol('typed-struct.byteOffset');
export const KIDS: unique symbol = Symbol('typed-struct.children');
/** On each per-type class prototype: the layout of its records. */
export const CLASS_LAYOUT: unique symbol = Symbol('typed-struct.layout');

/** The record's sharing protocol, under names no field can have (docs/layouts/struct.md). */
export const SHARE_KIND = '@sabkit';
export const SHARE_BUFFER = '@buffer';
export const SHARE_OFFSET = '@byteOffset';
export const SHARE_SCHEMA = '@schema';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The prototype every record class sits on (records are `instanceof StructView`). It is never
 * constructed: each type's class declares the state fields itself and has StructView.prototype
 * set as its prototype's prototype (recordClass below, or codegen.ts). Measured on Node 20, a
 * subclass whose base class declares fields is not inlined into the caller's loop (~40 ns per
 * `arr.get(i).x`), while a class declaring its own fields is, allocation removed (~2 ns).
 */
export class StructView {
  declare [MEM]: Memo;
  declare [OFF]: number;
  declare [KIDS]: unknown[] | undefined;
  declare '@sabkit': 'Struct';
  declare '@buffer': ArrayBuffer | SharedArrayBuffer;
  declare '@byteOffset': number;
  declare '@schema': StructSchema;
  declare readonly [CLASS_LAYOUT]: Layout;

  static isView(value: unknown): value is StructView {
    return typeof value === 'object' && value !== null && (value as StructView)[MEM] !== undefined;
  }
  static memoOf(v: StructView): Memo {
    return v[MEM];
  }
  static layoutOf(v: StructView): Layout {
    return v[CLASS_LAYOUT];
  }

  /** A plain copy for JSON.stringify (64-bit fields as decimal strings: JSON has no bigint). */
  toJSON(): unknown {
    return plainStruct(this[CLASS_LAYOUT], this[MEM], this[OFF], true);
  }

  [INSPECT](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `${this[CLASS_LAYOUT].name} ${inspect(plainStruct(this[CLASS_LAYOUT], this[MEM], this[OFF]), options)}`;
  }
}

/** A record class for a type (without generated accessors: view-classes.ts defines them on it). */
export function recordClass(): new (m: Memo, abs: number, schema: StructSchema) => StructView {
  const C = class {
    [MEM]: Memo;
    [OFF]: number;
    [KIDS]: unknown[] | undefined;
    '@sabkit': 'Struct';
    '@buffer': ArrayBuffer | SharedArrayBuffer;
    '@byteOffset': number;
    '@schema': StructSchema;
    constructor(m: Memo, abs: number, schema: StructSchema) {
      this[MEM] = m;
      this[OFF] = abs;
      this[KIDS] = undefined;
      this['@sabkit'] = 'Struct';
      this['@buffer'] = m.buffer;
      this['@byteOffset'] = abs;
      this['@schema'] = schema;
    }
  };
  Object.setPrototypeOf(C.prototype, StructView.prototype);
  return C as unknown as new (
    m: Memo,
    abs: number,
    schema: StructSchema,
  ) => StructView;
}

/** Names a record can be given: its fields with a property. */
function fieldList(layout: Layout): string {
  return (
    layout.fields
      .filter((f) => hasProperty(f.node))
      .map((f) => f.name)
      .join(', ') || 'none'
  );
}

const GUARD = new Proxy(Object.prototype, {
  set(target, key, value, receiver) {
    if (typeof key === 'symbol')
      return Reflect.defineProperty(receiver, key, { value, writable: true, configurable: true });
    const layout = (receiver as StructView)[CLASS_LAYOUT];
    if (layout === undefined) return Reflect.set(target, key, value, receiver);
    throw new StructFieldError(
      `${layout.name} has no field "${key}" to assign ${describe(value)} to (fields: ${fieldList(layout)}); ` +
        'a record has exactly the fields of its struct, as in C',
    );
  },
});
Object.setPrototypeOf(StructView.prototype, GUARD);

/** True if `v` is an instance of the struct with this layout (either class). */
export function isViewOf(v: unknown, layout: Layout): v is StructView {
  return StructView.isView(v) && v[CLASS_LAYOUT].key === layout.key;
}

/** A plain-object copy of the record's data (`json`: 64-bit integers as strings). */
export function toPlain(v: StructView, json = false): Record<string, unknown> {
  return plainStruct(v[CLASS_LAYOUT], v[MEM], v[OFF], json);
}

/** Records inside `value` (from another struct's fields) as plain values, so they can be copied in. */
export function plainify(value: unknown): unknown {
  if (StructView.isView(value)) return toPlain(value);
  if (Array.isArray(value)) return value.some((x) => typeof x === 'object' && x !== null) ? value.map(plainify) : value;
  return value;
}

/** Validates `init` against the struct `v`, then writes it. */
export function assignPlain(v: StructView, init: unknown): void {
  const layout = v[CLASS_LAYOUT];
  const p = plainify(init);
  checkInit(layout, p, layout.name, v[MEM], v[OFF]);
  writeStruct(layout, v[MEM], v[OFF], p as Record<string, unknown>, layout.name);
}
