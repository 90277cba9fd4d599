// The codec against structuredClone: seeded random value graphs (plain objects, arrays with holes,
// -0, NaN, undefined values, lone surrogates, long strings, Dates, Maps, Sets, RegExps, typed
// arrays sharing buffers, boxed primitives, big bigints, shared references, cycles, getters, class
// instances, "__proto__" keys) must decode to exactly what structuredClone gives, from shared and
// private regions, at odd offsets and with regions too small by one byte. Errors too (with their
// causes). Also: which values take the tree encoder (no node:v8), and which fall back to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { codec } from '../src/index.js';
import { cloneDiff } from './clone-equal.js';
import { mulberry32 } from './prng.js';

const { encodeInto, encode, decode, encodedKind, tryEncodeInto, lastDecodeMayRevive } = codec;

class Point {
  constructor(
    public x: number,
    public y: unknown,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, 1);
  }
}

function generator(seed: number) {
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const made: object[] = [];
  const keep = <T extends object>(o: T): T => {
    made.push(o);
    return o;
  };
  const chars = [
    'a',
    'Z',
    '0',
    ' ',
    'é',
    'ß',
    '€',
    '✓',
    '😀',
    '\ud800',
    '\udfff',
    '\u0000',
    '\u007f',
    '\u0080',
    '\uffff',
  ];
  const string = (): string => {
    const len = pick([0, 1, 3, 8, 42, 43, 64, 65, 200]);
    let s = '';
    const ascii = r() < 0.5;
    for (let i = 0; i < len; i++) s += ascii ? String.fromCharCode(97 + int(26)) : pick(chars);
    return s;
  };
  const key = (): string =>
    pick([
      'a',
      'b',
      'value',
      '0',
      '1',
      '42',
      '-1',
      '1.5',
      'é',
      '\ud800',
      '__proto__',
      'constructor',
      '__sabkit',
      '@sabkit',
      '__sabkitx',
      string(),
    ]);
  const number = (): number =>
    pick([0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 0.1, NaN, Infinity, -Infinity, 5e-324, int(1e6)]);
  const primitive = (): unknown => {
    switch (int(8)) {
      case 0:
        return undefined;
      case 1:
        return null;
      case 2:
        return r() < 0.5;
      case 3:
        return pick([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, -(2n ** 100n) + 7n]);
      case 4:
      case 5:
        return string();
      default:
        return number();
    }
  };
  const value = (depth: number): unknown => {
    if (depth > 4 || r() < 0.35) return primitive();
    if (made.length > 0 && r() < 0.08) return pick(made); // sharing, and cycles back up the path
    switch (int(14)) {
      case 0:
      case 1:
      case 2: {
        const o = keep({} as Record<string, unknown>);
        for (let i = int(6); i > 0; i--) {
          const k = key();
          const v = value(depth + 1);
          if (Object.hasOwn(o, k)) continue;
          if (k === '__proto__')
            Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
          else if (r() < 0.1) Object.defineProperty(o, k, { get: () => v, enumerable: true, configurable: true });
          else if (r() < 0.05) Object.defineProperty(o, `hidden${i}`, { value: v, enumerable: false });
          else o[k] = v;
        }
        if (r() < 0.1) delete o[Object.keys(o)[0]];
        return o;
      }
      case 3:
      case 4: {
        const a = keep([] as unknown[]);
        const n = int(7);
        for (let i = 0; i < n; i++) if (r() < 0.8) a[i] = value(depth + 1);
        if (r() < 0.2) a.length = n + int(3); // trailing holes
        return a;
      }
      case 5:
        return keep(Object.create(null));
      case 6:
        return keep(new Date(pick([0, -1, 8.64e15, NaN, 1_700_000_000_123.5])));
      case 7: {
        const m = keep(new Map<unknown, unknown>());
        for (let i = int(4); i > 0; i--) m.set(value(depth + 1), value(depth + 1));
        return m;
      }
      case 8: {
        const s = keep(new Set<unknown>());
        for (let i = int(4); i > 0; i--) s.add(value(depth + 1));
        return s;
      }
      case 9:
        return keep(pick([/a+b/g, /\d/imsuy, /\ud800/u, /x/]));
      case 10: {
        const buf = keep(new ArrayBuffer(16 + int(3) * 8));
        new Uint8Array(buf).forEach((_, i, u) => (u[i] = int(256)));
        const Ctors = [Uint8Array, Int16Array, Float64Array, BigInt64Array, Uint8ClampedArray, Float32Array];
        const C = pick(Ctors);
        const whole = keep(new C(buf));
        const part = keep(new C(buf, C.BYTES_PER_ELEMENT * 1, 1)); // same buffer: one buffer in the clone
        // A view of part of a buffer only nested: at the top level the codec carries just its
        // bytes (TAG_BYTES, documented in codec.ts).
        return pick([whole, [whole, part], { buf, part }, [keep(new DataView(buf, 3, 5))]]);
      }
      case 11:
        return keep(pick([new Number(-0), new String('s\ud800'), new Boolean(false), Object(5n)]));
      case 12:
        return keep(new Point(number(), value(depth + 1)));
      default:
        return keep(pick([new RangeError('range'), new Error('plain', { cause: value(depth + 1) }), new URIError()]));
    }
  };
  return () => {
    made.length = 0;
    return value(0);
  };
}

/** Whether a structured clone has an own key `__sabkit` or `@sabkit` anywhere (what revive() looks for). */
function hasKindKey(v: unknown, seen = new Set<unknown>()): boolean {
  if (typeof v !== 'object' || v === null || seen.has(v)) return false;
  seen.add(v);
  if (v instanceof Map) return [...v].some(([k, x]) => hasKindKey(k, seen) || hasKindKey(x, seen));
  if (v instanceof Set) return [...v].some((x) => hasKindKey(x, seen));
  if (v instanceof Error) return hasKindKey((v as { cause?: unknown }).cause, seen);
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return false;
  if (Object.hasOwn(v, '__sabkit') || Object.hasOwn(v, '@sabkit')) return true;
  return Object.values(v).some((x) => hasKindKey(x, seen));
}

/** The number of values a strict encode counts: every element, property value, Map key and value. */
function countValues(v: unknown, seen = new Set<unknown>()): number {
  if (typeof v !== 'object' || v === null || seen.has(v)) return 0;
  seen.add(v);
  let n = 0;
  const add = (xs: unknown[]) => {
    n += xs.length;
    for (const x of xs) n += countValues(x, seen);
  };
  if (v instanceof Map) add([...v].flat());
  else if (v instanceof Set) add([...v]);
  else if (Array.isArray(v)) add(Array.from({ length: v.length }, (_, i) => v[i]));
  else if (v instanceof Error) n += countValues((v as { cause?: unknown }).cause, seen);
  else if (!ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && !(v instanceof Date) && !(v instanceof RegExp))
    add(Object.values(v));
  return n;
}

test('seeded fuzz: codec round trips equal structuredClone, in shared and private regions', { timeout: 60_000 }, () => {
  const next = generator(13);
  const shared = new Uint8Array(new SharedArrayBuffer(1 << 20));
  const priv = new Uint8Array(1 << 20);
  let tree = 0;
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const v = next();
    const expected = structuredClone(v);
    const dst = i % 2 === 0 ? shared : priv;
    const offset = i % 13;
    const n = encodeInto(v, dst, offset, dst.byteLength - offset);
    assert.ok(n > 0, `case ${i}: encodeInto returned ${n}`);
    if (encodedKind(dst, offset) === codec.TAG_TREE) tree++;
    const got = decode(dst, offset, n);
    const diff = cloneDiff(expected, got);
    assert.equal(diff, undefined, `case ${i}: ${diff} in ${inspect(v, { depth: 8 })}`);
    // One byte too little: -needed, exactly, and encode() gives the same bytes.
    const full = encode(v);
    assert.equal(full.byteLength, n, `case ${i}: encode() length`);
    if (n > 1) assert.equal(encodeInto(v, priv, 0, n - 1), -n, `case ${i}: -needed`);
    assert.deepEqual(encode(v), full, `case ${i}: encode() after a short encodeInto`);
    // The decoder says whether revive() could find a descriptor: exactly when a kind key is there.
    decode(full, 0, full.byteLength);
    const kind = encodedKind(full, 0);
    assert.equal(lastDecodeMayRevive(), kind === codec.TAG_V8 || hasKindKey(expected), `case ${i}: mayRevive`);
    // The strict encoder (the pool's): the same bytes, or 0 exactly for what node:v8 had to carry
    // or a value too large for it; -needed, then encode(), as encodeInto.
    const t = tryEncodeInto(v, shared, 7, shared.byteLength - 7);
    const large = countValues(v) > codec.STRICT_MAX_VALUES;
    if (kind === codec.TAG_V8 || (kind === codec.TAG_TREE && large)) assert.equal(t, 0, `case ${i}: refused`);
    else {
      assert.equal(t, n, `case ${i}: tryEncodeInto length`);
      assert.deepEqual(shared.slice(7, 7 + t), full, `case ${i}: tryEncodeInto bytes`);
      if (n > 1) {
        assert.equal(tryEncodeInto(v, priv, 0, n - 1), -n, `case ${i}: strict -needed`);
        assert.deepEqual(encode(v), full, `case ${i}: encode() after a short tryEncodeInto`);
      }
    }
  }
  // Objects must take the tree encoder, not node:v8 (nothing here forces the fallback).
  assert.ok(tree > N / 2, `only ${tree} of ${N} values used the tree encoder`);
});

test('the tree encoder carries objects and errors without node:v8; deep nesting goes to V8', {
  timeout: 10_000,
}, () => {
  const u8 = new Uint8Array(4096);
  const tree = [
    { a: 1, b: 1 },
    [1, 'x', { y: [null] }],
    new Map([[{}, new Set([1])]]),
    new Date(5),
    /re/g,
    [new Uint8Array(3)],
    2n ** 70n,
    new Point(1, 2),
    new TypeError('t', { cause: [1] }),
  ];
  for (const v of tree) {
    const n = encodeInto(v, u8, 0, u8.byteLength);
    assert.equal(encodedKind(u8, 0), codec.TAG_TREE, `${String(v)} takes the tree encoder`);
    assert.equal(cloneDiff(structuredClone(v), decode(u8, 0, n)), undefined);
  }
  let deep: unknown = { leaf: new Error('x') };
  for (let i = 0; i < 70; i++) deep = { deep };
  const n = encodeInto(deep, u8, 0, u8.byteLength);
  assert.equal(encodedKind(u8, 0), codec.TAG_V8);
  assert.equal(cloneDiff(structuredClone(deep), decode(u8, 0, n)), undefined);
  assert.throws(() => encodeInto({ f() {} }, u8, 0, u8.byteLength), /could not be cloned|cannot encode/);
  assert.throws(() => encodeInto([Symbol('s')], u8, 0, u8.byteLength), /could not be cloned|cannot encode/);
});

test('tryEncodeInto refuses shared memory at any depth (encodeInto copies it), and big values', {
  timeout: 10_000,
}, () => {
  const next = generator(21);
  const r = mulberry32(5);
  const dst = new Uint8Array(new SharedArrayBuffer(1 << 16));
  const sab = new SharedArrayBuffer(16);
  const views = [new Int32Array(sab), new Uint8Array(sab, 4, 4), new DataView(sab), sab];
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    // A random value with a view of shared memory (or the buffer itself) put somewhere inside.
    const s = views[i % views.length];
    let v = next();
    const wrap = Math.floor(r() * 4);
    if (wrap === 0) v = s;
    else if (wrap === 1) v = { x: v, s };
    else if (wrap === 2) v = [v, [1, { deep: [s] }]];
    else v = new Map<unknown, unknown>([[v, new Set([s])]]);
    assert.equal(tryEncodeInto(v, dst, 0, dst.byteLength), 0, `case ${i}: shared memory refused`);
    assert.equal(tryEncodeInto(v, dst, 0, 3), 0, `case ${i}: refused before the room is counted`);
    refused++;
    if (s instanceof SharedArrayBuffer) continue;
    // encodeInto still carries it, as a private copy (what node:v8 does too).
    const n = encodeInto(v, dst, 0, dst.byteLength);
    assert.ok(n > 0);
  }
  assert.equal(refused, 400);
  // Past STRICT_MAX_VALUES values: refused whole, however small the values.
  const max = codec.STRICT_MAX_VALUES;
  assert.ok(
    tryEncodeInto(
      Array.from({ length: max }, (_, i) => i),
      dst,
      0,
      dst.byteLength,
    ) > 0,
  );
  assert.equal(
    tryEncodeInto(
      Array.from({ length: max + 1 }, (_, i) => i),
      dst,
      0,
      dst.byteLength,
    ),
    0,
  );
  const wide = Object.fromEntries(Array.from({ length: max / 2 + 1 }, (_, i) => [`k${i}`, [i]]));
  assert.equal(tryEncodeInto(wide, dst, 0, dst.byteLength), 0);
  // What only node:v8 carries, and functions (encodeInto raises structured clone's error for those).
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = { deep };
  assert.equal(tryEncodeInto(deep, dst, 0, dst.byteLength), 0);
  assert.equal(tryEncodeInto({ f() {} }, dst, 0, dst.byteLength), 0);
  // Typed arrays over private memory still go: top-level and nested.
  assert.ok(tryEncodeInto(new Float64Array(4), dst, 0, dst.byteLength) > 0);
  assert.ok(tryEncodeInto({ a: new Float64Array(4) }, dst, 0, dst.byteLength) > 0);
});

test("a kind key found through the decoder's key cache still marks the value (mayRevive)", { timeout: 10_000 }, () => {
  const dst = new Uint8Array(4096);
  // The same shapes again and again: the second decode of each takes the cached key strings.
  const values = [{ a: 1 }, { __sabkit: 'Lock', a: 1 }, { a: { '@sabkit': 'S' } }, [{ b: 2 }], { __sabkit: 1 }];
  for (let round = 0; round < 3; round++) {
    for (const v of values) {
      const n = encodeInto(v, dst, 0, dst.byteLength);
      decode(dst, 0, n);
      assert.equal(lastDecodeMayRevive(), hasKindKey(v), `${inspect(v)} round ${round}`);
    }
  }
  decode(encode(5), 0, 5);
  assert.equal(lastDecodeMayRevive(), false);
});

test('lone surrogates survive at the top level, short and long, in shared and private regions', {
  timeout: 10_000,
}, () => {
  const shared = new Uint8Array(new SharedArrayBuffer(4096));
  for (const s of ['\ud800', 'a\udc00b', '\ud83d', `${'x'.repeat(100)}\udbff`, '😀\ud800😀', '\ud800'.repeat(70)]) {
    for (const dst of [shared, new Uint8Array(4096)]) {
      const n = encodeInto(s, dst, 1, 4000);
      assert.equal(encodedKind(dst, 1), codec.TAG_STRING16);
      assert.equal(decode(dst, 1, n), s);
      assert.equal(decode(dst, 1, n), structuredClone(s));
    }
  }
  // Well-formed strings keep the UTF-8 tag.
  assert.equal(encodedKind(encode('😀 ok'), 0), codec.TAG_STRING);
});

test('malformed tree bytes raise InvalidArgumentError, never hang or crash', { timeout: 10_000 }, () => {
  const next = generator(7);
  const r = mulberry32(99);
  let checked = 0;
  for (let i = 0; i < 500; i++) {
    const bytes = encode(next());
    if (bytes[0] !== codec.TAG_TREE) continue;
    const broken = bytes.slice(0, Math.max(1, Math.floor(r() * bytes.byteLength)));
    if (broken.byteLength === bytes.byteLength) continue;
    checked++;
    assert.throws(() => decode(broken, 0, broken.byteLength), /not a sabkit encoding/);
  }
  assert.ok(checked > 50);
});
