/**
 * ElementArray: the live view of an array field whose elements cannot be a typed array: bool
 * arrays (they read as booleans), string arrays, and numeric arrays that a packed struct leaves
 * misaligned. It has the members of ScalarArray (those typed arrays share), and `[i]` indexing
 * through accessors defined once per array type on its prototype.
 *
 * `view[i]` through a prototype accessor costs ~100 ns in V8 (integer-keyed accessors take a slow
 * path); `at(i)` is an ordinary method call and much faster. Numeric arrays in aligned structs
 * are real typed arrays and pay neither. The accessors are defined once per array type, on first
 * use, one per element: a very long bool or string array pays that once.
 */
import { IndexError, describe } from '@sabkit/atomics-sync/core';
import {
  type Reader,
  type Writer,
  checkScalar,
  checkString,
  checkedScalarCodec,
  enumCodec,
  readString,
  writeString,
} from './codec.js';
import type { ArrayNode } from './nodes.js';
import type { Memo } from './memory.js';
import type { ScalarArray } from './types.js';

const classes = new WeakMap<ArrayNode, new (m: Memo, abs: number) => ElementArray<unknown>>();

/**
 * Below ElementArray.prototype: an assignment to an index the prototype has no accessor for
 * (out of range) is ignored, as a typed array ignores it, instead of adding a property that
 * reads back. Other names are set as on any object (typed arrays accept them too).
 */
const INDEX_GUARD = new Proxy(Object.prototype, {
  set(target, key, value, receiver) {
    if (typeof key === 'string' && (key === '-0' || String(Number(key)) === key)) return true;
    return Reflect.set(target, key, value, receiver);
  },
});
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class ElementArray<T> implements ScalarArray<T> {
  [index: number]: T;
  readonly #m: Memo;
  readonly #o: number;
  readonly #n: number;
  readonly #size: number;
  readonly #read: Reader;
  readonly #write: Writer;
  /** Throws if a value cannot be stored (strings only); lets set/fill validate before writing. */
  readonly #check: ((value: unknown) => void) | undefined;

  protected constructor(m: Memo, abs: number, node: ArrayNode, where: string) {
    this.#m = m;
    this.#o = abs;
    this.#n = node.length;
    const elem = node.elem;
    this.#size = elem.size;
    if (elem.t === 'string') {
      this.#read = (mm, a) => readString(mm, a, elem.capacity);
      this.#write = (mm, a, v) => writeString(mm, a, elem, v, `${where}[]`);
      this.#check = (v) => checkString(elem, v, `${where}[]`);
    } else if (elem.t === 'scalar') {
      ({ read: this.#read, write: this.#write } = checkedScalarCodec(elem.kind, elem.endian, false, `${where}[]`));
      this.#check = (v) => checkScalar(elem.kind, v, false, `${where}[]`);
    } else if (elem.t === 'enum') {
      ({ read: this.#read, write: this.#write } = enumCodec(elem, false, `${where}[]`));
      const scratch = { buffer: new ArrayBuffer(8), dv: new DataView(new ArrayBuffer(8)) } as unknown as Memo;
      this.#check = (v) => this.#write(scratch, 0, v);
    } else {
      throw new TypeError(`ElementArray holds scalars or strings, not ${elem.t}`);
    }
  }

  /** The view class of an array type: `[i]` accessors for i < length on its prototype. */
  static create<T>(m: Memo, abs: number, node: ArrayNode, where: string): ElementArray<T> {
    let C = classes.get(node);
    if (C === undefined) {
      const Sub = class extends ElementArray<unknown> {
        constructor(mm: Memo, a: number) {
          super(mm, a, node, where);
        }
      };
      for (let i = 0; i < node.length; i++) {
        Object.defineProperty(Sub.prototype, i, {
          get(this: ElementArray<unknown>) {
            return this.#read(this.#m, this.#o + i * this.#size);
          },
          set(this: ElementArray<unknown>, v: unknown) {
            this.#write(this.#m, this.#o + i * this.#size, v);
          },
          enumerable: true,
        });
      }
      C = Sub;
      classes.set(node, C);
    }
    return new C(m, abs) as ElementArray<T>;
  }

  get length(): number {
    return this.#n;
  }

  at(index: number): T | undefined {
    const i = index < 0 ? index + this.#n : Math.trunc(index);
    if (!(i >= 0 && i < this.#n)) return undefined;
    return this.#read(this.#m, this.#o + i * this.#size) as T;
  }

  set(values: ArrayLike<T>, offset = 0): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + values.length > this.#n) {
      throw new IndexError(
        `set(values, offset): ${values.length} values at offset ${describe(offset)} do not fit in ${this.#n} elements`,
      );
    }
    // Validate everything before the first write (string elements can be refused).
    const check = this.#check;
    if (check !== undefined) for (let i = 0; i < values.length; i++) check(values[i]);
    for (let i = 0; i < values.length; i++) this.#write(this.#m, this.#o + (offset + i) * this.#size, values[i]);
  }

  fill(value: T, start = 0, end = this.#n): this {
    const n = this.#n;
    const s = start < 0 ? Math.max(n + start, 0) : Math.min(start, n);
    const e = end < 0 ? Math.max(n + end, 0) : Math.min(end, n);
    if (s < e) this.#check?.(value);
    for (let i = s; i < e; i++) this.#write(this.#m, this.#o + i * this.#size, value);
    return this;
  }

  indexOf(value: T, fromIndex = 0): number {
    for (let i = fromIndex < 0 ? Math.max(this.#n + fromIndex, 0) : fromIndex; i < this.#n; i++) {
      if (this.#read(this.#m, this.#o + i * this.#size) === value) return i;
    }
    return -1;
  }

  includes(value: T, fromIndex = 0): boolean {
    // includes() finds NaN, as Array#includes does (indexOf, which compares with ===, does not).
    if (Number.isNaN(value)) {
      for (const v of this) if (Number.isNaN(v)) return true;
      return false;
    }
    return this.indexOf(value, fromIndex) !== -1;
  }

  join(separator = ','): string {
    return Array.from(this).join(separator);
  }

  forEach(callback: (value: T, index: number) => void): void {
    for (let i = 0; i < this.#n; i++) callback(this.#read(this.#m, this.#o + i * this.#size) as T, i);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#n; i++) yield this.#read(this.#m, this.#o + i * this.#size) as T;
  }

  toJSON(): unknown[] {
    return Array.from(this, (v) => (typeof v === 'bigint' ? v.toString() : v));
  }

  [INSPECT](): T[] {
    return Array.from(this);
  }
}

Object.setPrototypeOf(ElementArray.prototype, INDEX_GUARD);
