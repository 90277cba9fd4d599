/**
 * StructArray: `length` records of one struct type, back to back (Python's `Array(Point, n)`).
 *
 *   byteOffset + i * stride   record i   (stride = Type.byteLength, which includes tail padding,
 *                                         so every record is aligned like the first)
 *
 * Zero-copy: `at(i)` / `get(i)` / iteration return live views of the records (one small object
 * each, no copy); `column('pos.x')` reads one field across all records (column.ts). The array
 * never writes memory it did not allocate: over a caller's buffer it is a view, and a fresh
 * SharedArrayBuffer is zeroed, a valid record of every type.
 *
 * Sharing protocol (own enumerable properties, kept by structured clone):
 *   __sabkit 'StructArray', buffer, byteOffset, length, __schema
 * `Type.arrayFrom(clone)`, `StructArray.from(clone)` or atomics-sync's `revive` make it live again.
 *
 * Layout: docs/layouts/struct.md
 */
import {
  IndexError,
  InvalidArgumentError,
  ReviveError,
  describe,
  newSharedBuffer,
  registerKind,
} from '@sabkit/atomics-sync/core';
import { makeColumn, type Column } from './column.js';
import { resolvePath } from './layout.js';
import { describeNode, layoutOf, type Layout } from './nodes.js';
import { type Memo, type StructBuffer, checkPlace, memoFor, toBuffer } from './memory.js';
import { checkInit } from './plain.js';
import { STRUCT_ARRAY_KIND, checkSameType, typeFromSchema } from './protocol.js';
import type {
  FieldsSpec,
  Init,
  LeafPath,
  PathValue,
  Plain,
  StructInstance,
  StructSchema,
  StructTypeSpec,
} from './types.js';
import { codegenAllowed, generateArrayClass } from './codegen.js';
import { MEM, type StructView, assignPlain, plainify, toPlain } from './view.js';
import { classesOf, viewAt } from './view-classes.js';

/** Where a StructArray's records are: `byteOffset` bytes into `buffer` (default: new memory). */
export interface StructRegion {
  readonly buffer?: StructBuffer;
  readonly byteOffset?: number;
}

/**
 * `n` records of one struct type back to back (C's `T[n]`), in a region of its own or the caller's.
 * `get(i)` is a zero-copy view (an index out of range throws `IndexError`), `column(path)` one
 * field across all records. Revive a clone with `Type.arrayFrom`.
 */
export class StructArray<F extends FieldsSpec = FieldsSpec> implements Iterable<StructInstance<F>> {
  declare readonly __sabkit: 'StructArray';
  declare readonly buffer: ArrayBuffer | SharedArrayBuffer;
  declare readonly byteOffset: number;
  declare readonly length: number;
  declare readonly __schema: StructSchema;
  readonly #type: StructTypeSpec<F>;
  readonly #layout: Layout;
  readonly #m: Memo;
  /** The memory, for the generated methods (codegen.ts), which cannot read #m. */
  [MEM]!: Memo;

  /**
   * `length` records of `type` in a new SharedArrayBuffer, or over `region` (ArrayBuffer,
   * SharedArrayBuffer or WebAssembly.Memory; byteOffset a multiple of type.alignment).
   */
  constructor(type: StructTypeSpec<F>, length: number, region?: StructRegion) {
    const layout = layoutOf(type);
    if (layout === undefined)
      throw new InvalidArgumentError(`StructArray(type, length): type must be a struct type, got ${describe(type)}`);
    const who = `StructArray(${layout.name}, length)`;
    if (layout.flex !== undefined)
      throw new InvalidArgumentError(
        `${who}: ${layout.name} ends in a flexible array member; C has no arrays of such structs (each record's ` +
          'length is its own)',
      );
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(
        `${who}: length must be a non-negative integer, got ` +
          `${describe(length)}${typeof length === 'number' && length < 0 ? ' (negative)' : ''}`,
      );
    }
    const bytes = length * layout.size;
    if (region !== undefined && (typeof region !== 'object' || region === null)) {
      throw new InvalidArgumentError(`${who}: region must be { buffer, byteOffset }, got ${describe(region)}`);
    }
    let buffer: ArrayBuffer | SharedArrayBuffer;
    let byteOffset = 0;
    if (region?.buffer === undefined) {
      if (region?.byteOffset !== undefined && region.byteOffset !== 0)
        throw new InvalidArgumentError(`${who}: byteOffset ${describe(region.byteOffset)} was given without a buffer`);
      buffer = newSharedBuffer(bytes, who);
    } else {
      buffer = toBuffer(region.buffer, who);
      byteOffset = checkPlace(who, buffer, region.byteOffset ?? 0, bytes, layout.align);
    }
    (this as { __sabkit: string }).__sabkit = STRUCT_ARRAY_KIND;
    (this as { buffer: unknown }).buffer = buffer;
    (this as { byteOffset: number }).byteOffset = byteOffset;
    (this as { length: number }).length = length;
    (this as { __schema: StructSchema }).__schema = layout.schema;
    this.#type = type;
    this.#layout = layout;
    this.#m = memoFor(buffer);
    this[MEM] = this.#m;
    // `new StructArray(...)` returns an instance of the type's own subclass, whose get/at/iteration
    // are generated for it (codegen.ts); the subclass's super() call lands here with new.target set.
    if (new.target === StructArray && codegenAllowed() && layout.size > 0) {
      const aligned = this.#m.fast && byteOffset % layout.natural === 0 && layout.size % layout.natural === 0;
      // biome-ignore lint/correctness/noConstructorReturn: the per-type subclass, see above
      return new (arrayClassOf(layout, aligned))(type, length, { buffer, byteOffset }) as this;
    }
  }

  /**
   * Makes a StructArray that travelled through postMessage / workerData live again over the same
   * memory. With `type`, checks that the array holds that type (ReviveError otherwise).
   */
  static from<G extends FieldsSpec = FieldsSpec>(value: unknown, type?: StructTypeSpec<G>): StructArray<G> {
    if (value instanceof StructArray) {
      if (type !== undefined) checkSameType(layoutOf(type)!, value.__schema, `${type.name}.arrayFrom(value)`);
      return value as unknown as StructArray<G>;
    }
    const d = value as Partial<StructArray> | null;
    const who = type ? `${type.name}.arrayFrom(value)` : 'StructArray.from(value)';
    if (
      typeof d !== 'object' ||
      d === null ||
      d.__sabkit !== STRUCT_ARRAY_KIND ||
      !(d.buffer instanceof SharedArrayBuffer || (d.buffer as unknown) instanceof ArrayBuffer)
    ) {
      throw new ReviveError(
        `${who}: value must be a StructArray or its structured clone ({ __sabkit: "StructArray", buffer, ` +
          `byteOffset, length, __schema }), got ${describe(value)}`,
      );
    }
    const t = type ?? typeFromSchema<G>(d.__schema);
    if (type !== undefined) checkSameType(layoutOf(type)!, d.__schema, who);
    return new StructArray<G>(t, d.length as number, { buffer: d.buffer, byteOffset: d.byteOffset });
  }

  /** The records' type. */
  get type(): StructTypeSpec<F> {
    return this.#type;
  }
  /** Bytes from one record to the next (the type's byteLength). */
  get stride(): number {
    return this.#layout.size;
  }
  get byteLength(): number {
    return this.length * this.#layout.size;
  }

  /** Live view of record i (negative i counts from the end, as Array.prototype.at); undefined outside. */
  at(i: number): StructInstance<F> | undefined {
    const n = this.length;
    const k = i < 0 ? i + n : i;
    if (!(k >>> 0 === k && k < n)) return undefined;
    return viewAt(this.#layout, this.#m, this.byteOffset + k * this.#layout.size) as unknown as StructInstance<F>;
  }

  /** Live view of record i; IndexError outside [0, length). */
  get(i: number): StructInstance<F> {
    if (!(i >>> 0 === i && i < this.length)) badIndex(this as unknown as StructArray, i);
    return viewAt(this.#layout, this.#m, this.byteOffset + i * this.#layout.size) as unknown as StructInstance<F>;
  }

  /** Writes `values` into record i (validated first). */
  set(i: number, values: Init<F>): void {
    const v = this.get(i);
    assignPlain(v as unknown as StructView, values);
  }

  /** One leaf field across all records: `column('pos.x')`, `column('tags.3')`. */
  column<P extends LeafPath<F>>(path: P): Column<PathValue<F, P>> {
    const who = `StructArray(${this.#layout.name}).column(path)`;
    const { node, offset, bit } = resolvePath(this.#layout, path, who);
    if (node.t !== 'scalar' && node.t !== 'string' && node.t !== 'bits' && node.t !== 'enum') {
      const hint =
        node.t === 'struct'
          ? ` (e.g. "${path}.${node.layout.fields[0].name}")`
          : node.t === 'array'
            ? ` (e.g. "${path}.0")`
            : '';
      throw new InvalidArgumentError(
        `${who}: "${path}" is ${describeNode(node)}; a column is one scalar, string, bit-field or enum field${hint}`,
      );
    }
    return makeColumn(
      path,
      node,
      this.#m,
      this.byteOffset,
      this.length,
      this.#layout.size,
      offset,
      bit,
      this.#layout.checked,
    );
  }

  /** Records [start, end) as a StructArray over the same memory (negative indices count from the end). */
  subarray(start = 0, end = this.length): StructArray<F> {
    const n = this.length;
    const s = Math.min(Math.max(start < 0 ? n + start : start, 0), n);
    const e = Math.min(Math.max(end < 0 ? n + end : end, s), n);
    if (!Number.isInteger(s) || !Number.isInteger(e))
      throw new InvalidArgumentError(
        `subarray(start, end): integers expected, got ${describe(start)}, ${describe(end)}`,
      );
    return new StructArray<F>(this.#type, e - s, {
      buffer: this.buffer,
      byteOffset: this.byteOffset + s * this.#layout.size,
    });
  }

  forEach(callback: (record: StructInstance<F>, index: number) => void): void {
    for (let i = 0; i < this.length; i++) callback(this.at(i)!, i);
  }

  *[Symbol.iterator](): IterableIterator<StructInstance<F>> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }

  /** Plain copies of all records, for JSON (64-bit integers as decimal strings). */
  toJSON(): Plain<F>[] {
    const out = new Array<Plain<F>>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = toPlain(this.at(i) as unknown as StructView, true) as Plain<F>;
    return out;
  }

  /** Validates `values` for every record, then writes them all (Python's `arr[:] = ...`). */
  assignAll(values: ArrayLike<Init<F>>): void {
    if (
      typeof values !== 'object' ||
      values === null ||
      typeof values.length !== 'number' ||
      values.length > this.length
    ) {
      throw new InvalidArgumentError(
        `assignAll(values): values must be an array of at most ${this.length} records, got ${describe(values)}`,
      );
    }
    const plain = Array.from(values, plainify);
    for (let i = 0; i < plain.length; i++) checkInit(this.#layout, plain[i], `${this.#layout.name}[${i}]`);
    for (let i = 0; i < plain.length; i++) assignPlain(this.at(i) as unknown as StructView, plain[i]);
  }

  [Symbol.for('nodejs.util.inspect.custom')](
    _d: number,
    options: object,
    inspect: (v: unknown, o: object) => string,
  ): string {
    const shown = this.length <= 16 ? this.toJSON() : this.subarray(0, 16).toJSON();
    const more = this.length > 16 ? ` ... ${this.length - 16} more` : '';
    return `StructArray(${this.#layout.name} x ${this.length}) ${inspect(shown, options)}${more}`;
  }
}

function badIndex(a: StructArray, i: unknown): never {
  throw new IndexError(
    `StructArray(${a.type.name}).get(i): index ${describe(i)} is not an integer in [0, ${a.length})`,
  );
}

/** The generated subclass of StructArray for a layout (records all aligned, or not). */
function arrayClassOf(layout: Layout, aligned: boolean): typeof StructArray {
  const cache = (layout.arrayClasses ??= {}) as { aligned?: typeof StructArray; unaligned?: typeof StructArray };
  const key = aligned ? 'aligned' : 'unaligned';
  const cs = classesOf(layout);
  return (cache[key] ??= generateArrayClass(StructArray, aligned ? cs.aligned : cs.unaligned, layout, { badIndex }));
}

registerKind(STRUCT_ARRAY_KIND, (d) => StructArray.from(d));
