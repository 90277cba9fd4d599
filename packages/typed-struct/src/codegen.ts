/**
 * Generated accessors: each struct type's record class and StructArray methods as source, compiled
 * once per type with `new Function` (never from user strings: every name in the source is a
 * checked identifier, emitted through JSON.stringify, and every value a number the layout
 * computed). Why: V8 keeps inline caches per function. Closures made by one factory share theirs
 * across every struct type in the program, so once a few types are in use, a field getter or
 * `StructArray.get` sees many classes and stops being inlined; `arr.get(i).x` then allocates a
 * view per call (about 20 ns an element, measured). A function of its own per type and field
 * stays monomorphic: V8 inlines `get`, the constructor and the getter into the caller's loop
 * and removes the view altogether (escape analysis), so the loop runs within 1-2x of a hand-written
 * DataView loop (benchmarks/suites/typed-struct.mjs).
 *
 * Where eval is forbidden (a Content-Security-Policy without 'unsafe-eval'), `new Function`
 * throws; typed-struct then uses the closures of accessors.ts: same behaviour, slower loops.
 * `setCodegen(false)` forces that path (the tests run both).
 */
import type { Layout } from './nodes.js';
import { type Plan, SCALARS_SHIFT, TYPED_NAME, badType, childGet, childSet, jsType, readOnly } from './accessors.js';
import { KIDS, MEM, OFF, type StructView } from './view.js';

let allowed: boolean | undefined;
/** Counts generated sources (each gets its number: see generateViewClass). */
let generated = 0;

/** True if this realm lets typed-struct compile accessors (tried once). */
export function codegenAllowed(): boolean {
  if (allowed === undefined) {
    try {
      allowed = new Function('return 1')() === 1;
    } catch {
      allowed = false;
    }
  }
  return allowed;
}

/** Turns generated accessors on or off for types defined from now on (tests; CSP detection is automatic). */
export function setCodegen(enabled: boolean): void {
  allowed = enabled ? undefined : false;
}

const H = { badType, childGet, childSet, readOnly };

/** DataView method suffix of each scalar kind, and what turns its read into the field's value. */
const DV: Record<string, [string, string]> = {
  i8: ['Int8', ''],
  u8: ['Uint8', ''],
  i16: ['Int16', ''],
  u16: ['Uint16', ''],
  i32: ['Int32', ''],
  u32: ['Uint32', ''],
  i64: ['BigInt64', ''],
  u64: ['BigUint64', ''],
  f32: ['Float32', ''],
  f64: ['Float64', ''],
  bool: ['Uint8', ' !== 0'],
};

import type { Memo } from './memory.js';

type ViewClass = new (m: Memo, abs: number, schema: unknown) => StructView;

/** The record class of `layout` with one generated accessor per plan. */
export function generateViewClass(layout: Layout, base: object, plans: readonly Plan[], slots: number): ViewClass {
  // The class declares its own fields (no `extends`: see StructView) and sits on `base`. The
  // comment makes each type's source unique: V8 caches compiled sources by their text, and two
  // types compiled from one text would share, and so pollute, each other's inline caches.
  const lines: string[] = [
    `"use strict"; // typed-struct record class ${layout.name} #${++generated}`,
    'const C = class {',
    '  [MEM]; [OFF]; [KIDS]; "@sabkit"; "@buffer"; "@byteOffset"; "@schema";',
    '  constructor(m, abs, schema) {',
    '    this[MEM] = m; this[OFF] = abs; this[KIDS] = undefined; this["@sabkit"] = "Struct";',
    '    this["@buffer"] = m.buffer; this["@byteOffset"] = abs; this["@schema"] = schema;',
    '  }',
    '};',
    'Object.setPrototypeOf(C.prototype, Base);',
    'const P = C.prototype;',
  ];
  plans.forEach((p, i) => {
    const off = p.f.offset;
    const name = JSON.stringify(p.f.name);
    const def = (get: string, set: string) =>
      lines.push(
        `Object.defineProperty(P, ${name}, { get: function () { ${get} }, set: function (v) { ${set} }, ` +
          'enumerable: true, configurable: false });',
      );
    switch (p.t) {
      case 'typed': {
        const shift = SCALARS_SHIFT[p.kind];
        const at = `this[MEM].${TYPED_NAME[p.kind]}[(this[OFF] + ${off}) >>> ${shift}]`;
        def(`return ${at};`, `if (typeof v !== "${jsType(p.kind)}") H.badType(L, ${name}, "${p.kind}", v); ${at} = v;`);
        break;
      }
      case 'dv': {
        const [name2, extra] = DV[p.kind];
        const at = `this[OFF] + ${off}`;
        const le = p.kind.endsWith('8') || p.kind === 'bool' ? '' : `, ${p.le}`;
        const read = `this[MEM].dv.get${name2}(${at}${le})${extra}`;
        const value = p.kind === 'bool' ? 'v ? 1 : 0' : 'v';
        def(
          `return ${read};`,
          `if (typeof v !== "${jsType(p.kind)}") H.badType(L, ${name}, "${p.kind}", v); ` +
            `this[MEM].dv.set${name2}(${at}, ${value}${le});`,
        );
        break;
      }
      case 'codec':
        lines.push(`const R${i} = Plans[${i}].codec.read, W${i} = Plans[${i}].codec.write;`);
        def(`return R${i}(this[MEM], this[OFF] + ${off});`, `W${i}(this[MEM], this[OFF] + ${off}, v);`);
        break;
      case 'child': {
        lines.push(`const M${i} = Plans[${i}].make, N${i} = Plans[${i}].assign;`);
        const get =
          `const c = this[KIDS]; if (c !== undefined) { const x = c[${p.slot}]; if (x !== undefined) return x; } ` +
          `return H.childGet(this, ${p.slot}, ${slots}, M${i}, ${off});`;
        const where = JSON.stringify(`${layout.name}.${p.f.name}`);
        def(
          get,
          p.assign === undefined
            ? `H.readOnly(L, ${name});`
            : `H.childSet(this, N${i}, ${off}, v, ${where}, L.checked);`,
        );
        break;
      }
    }
  });
  lines.push('return C;');
  const make = new Function('Base', 'L', 'Plans', 'H', 'MEM', 'OFF', 'KIDS', lines.join('\n'));
  return make(base, layout, plans, H, MEM, OFF, KIDS) as ViewClass;
}

/** What a StructArray class needs from struct-array.ts (kept here as a shape, not an import: no circle). */
export interface ArrayHelpers {
  /** Throws the IndexError of `get(i)`. */
  badIndex(array: unknown, i: unknown): never;
}

/**
 * `get`, `at` and iteration of StructArrays of `layout`, as a subclass of `Base` (StructArray)
 * whose methods make records of class `V` directly. `stride` is the record size.
 */
export function generateArrayClass<B>(Base: B, V: ViewClass, layout: Layout, A: ArrayHelpers): B {
  const size = layout.size;
  const src = `"use strict"; // typed-struct array class ${layout.name} #${++generated}
  const S = L.schema;
  // Always a fresh view, also when done (value is then a view past the end, which for...of,
  // spread and Array.from ignore): one allocation site is what lets V8 remove it in the loop.
  class It {
    constructor(m, o, n) { this.m = m; this.o = o; this.end = o + n * ${size}; }
    next() {
      const o = this.o;
      const done = !(o < this.end);
      if (!done) this.o = o + ${size};
      return { value: new V(this.m, o, S), done };
    }
    [Symbol.iterator]() { return this; }
  }
  // Named StructArray, as the class it stands for (constructor.name, inspect, stack traces).
  return class StructArray extends Base {
    get(i) {
      if (!(i >>> 0 === i && i < this.length)) A.badIndex(this, i);
      return new V(this[MEM], this.byteOffset + i * ${size}, S);
    }
    at(i) {
      const n = this.length;
      const k = i < 0 ? i + n : i;
      if (!(k >>> 0 === k && k < n)) return undefined;
      return new V(this[MEM], this.byteOffset + k * ${size}, S);
    }
    forEach(callback) {
      const m = this[MEM], o = this.byteOffset, n = this.length;
      for (let i = 0; i < n; i++) callback(new V(m, o + i * ${size}, S), i);
    }
    [Symbol.iterator]() { return new It(this[MEM], this.byteOffset, this.length); }
  };`;
  return new Function('Base', 'V', 'L', 'A', 'MEM', src)(Base, V, layout, A, MEM) as B;
}

/**
 * A typed column class for one element kind: `get`/`set` of their own per kind, so that a loop
 * over an f64 column is not slowed by the u32 columns elsewhere in the program (one shared `get`
 * would see every typed-array kind at its element load). `Base` is column.ts's Column.
 */
export function generateColumnClass<B>(Base: B, kind: string, want: string, bool: boolean): B {
  const load = bool ? 'this.#d[this.#s + i * this.#k] !== 0' : 'this.#d[this.#s + i * this.#k]';
  const store = bool ? 'this.#d[this.#s + i * this.#k] = v ? 1 : 0' : 'this.#d[this.#s + i * this.#k] = v';
  const src = `"use strict"; // typed-struct ${kind} column class #${++generated}
  return class TypedColumn extends Base {
    #d; #s; #k; #n;
    constructor(path, length, data, start, stride) {
      super(path, length, data, start, stride);
      this.#d = data; this.#s = start; this.#k = stride; this.#n = length;
    }
    get(i) {
      if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
      return ${load};
    }
    set(i, v) {
      if (!(i >>> 0 === i && i < this.#n)) throw this.outOfRange(i);
      if (typeof v !== "${want}") throw this.badValue(v);
      ${store};
    }
  };`;
  return new Function('Base', src)(Base) as B;
}
