// Round trips at the edges: NaN, -0, infinities, integer limits and wrap-around, i64/u64 limits,
// little-endian byte order, strings at full capacity and UTF-8 cut at the capacity (never half a
// character), through both accessor paths (typed arrays when aligned, DataView when packed) and
// through arrays, columns and plain copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressOf, array, string, struct, StructRangeError, type StructInstance } from '../src/index.js';

const fields = {
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
  b: 'bool',
} as const;
// The same fields aligned, and packed after a leading byte so every multi-byte field is misaligned.
const Aligned = struct(fields, { name: 'Aligned' });
const Packed = struct({ lead: 'u8', ...fields }, { name: 'PackedEdges', packed: true });

type Rec = StructInstance<typeof fields>;
type Loose = Record<string, unknown>;
// [field, written, read back]
const CASES: [keyof typeof fields, unknown, unknown][] = [
  ['f64', NaN, NaN],
  ['f64', -0, -0],
  ['f64', 0, 0],
  ['f64', Infinity, Infinity],
  ['f64', -Infinity, -Infinity],
  ['f64', Number.MIN_VALUE, Number.MIN_VALUE],
  ['f64', Number.MAX_VALUE, Number.MAX_VALUE],
  ['f64', 0.1, 0.1],
  ['f32', NaN, NaN],
  ['f32', -0, -0],
  ['f32', 1.1, Math.fround(1.1)],
  ['f32', 3.4028234663852886e38, 3.4028234663852886e38],
  ['f32', 1e39, Infinity],
  ['f32', 1e-46, 0],
  ['i8', -128, -128],
  ['i8', 127, 127],
  ['i8', 128, -128],
  ['i8', -129, 127],
  ['u8', 255, 255],
  ['u8', 256, 0],
  ['u8', -1, 255],
  ['i16', -32768, -32768],
  ['i16', 32767, 32767],
  ['i16', 32768, -32768],
  ['u16', 65535, 65535],
  ['u16', 65536, 0],
  ['i32', -(2 ** 31), -(2 ** 31)],
  ['i32', 2 ** 31 - 1, 2 ** 31 - 1],
  ['i32', 2 ** 31, -(2 ** 31)],
  ['i32', 1.9, 1],
  ['i32', -1.9, -1],
  ['u32', 2 ** 32 - 1, 2 ** 32 - 1],
  ['u32', -1, 2 ** 32 - 1],
  ['u32', 2 ** 32, 0],
  ['i64', -(2n ** 63n), -(2n ** 63n)],
  ['i64', 2n ** 63n - 1n, 2n ** 63n - 1n],
  ['i64', 2n ** 63n, -(2n ** 63n)],
  ['i64', -1n, -1n],
  ['u64', 0n, 0n],
  ['u64', 2n ** 64n - 1n, 2n ** 64n - 1n],
  ['u64', 2n ** 64n, 0n],
  ['u64', -1n, 2n ** 64n - 1n],
  ['b', true, true],
  ['b', false, false],
];

test('scalars round trip at their limits and wrap like C, aligned and packed alike', { timeout: 10_000 }, () => {
  const a = Aligned.create() as unknown as Rec;
  const buf = new ArrayBuffer(Packed.byteLength + 3);
  const p = Packed.view(buf, 3) as unknown as Rec; // odd offset: every field misaligned
  for (const [k, written, expected] of CASES) {
    for (const r of [a, p]) {
      const loose = r as unknown as Loose;
      loose[k] = written;
      assert.ok(
        Object.is(loose[k], expected),
        `${k} = ${String(written)} read back ${String(loose[k])}, expected ${String(expected)}`,
      );
    }
  }
});

test('multi-byte fields are little-endian at their C offsets', { timeout: 10_000 }, () => {
  const buf = new ArrayBuffer(Math.max(Aligned.byteLength, Packed.byteLength + 1));
  const dv = new DataView(buf);
  for (const [T, base] of [
    [Aligned, 0],
    [Packed, 1],
  ] as const) {
    const r = T.view(buf, base) as unknown as Rec;
    r.u32 = 0x01020304;
    const at = base + T.offsetOf('u32');
    assert.deepEqual([...new Uint8Array(buf, at, 4)], [4, 3, 2, 1]);
    r.f64 = Math.PI;
    assert.equal(dv.getFloat64(base + T.offsetOf('f64'), true), Math.PI);
    r.i64 = -2n;
    assert.equal(dv.getBigInt64(base + T.offsetOf('i64'), true), -2n);
    dv.setUint16(base + T.offsetOf('u16'), 0xbeef, true);
    assert.equal(r.u16, 0xbeef);
    // C's _Bool is 0 or 1, but any non-zero byte written by foreign code reads as true.
    new Uint8Array(buf)[base + T.offsetOf('b')] = 2;
    assert.equal(r.b, true);
    new Uint8Array(buf).fill(0);
  }
});

test('arrays, columns and plain copies keep NaN, -0 and 64-bit limits', { timeout: 10_000 }, () => {
  const A = struct(
    { f: array('f64', 3), big: array('i64', 2), u: array('u64', 1), flags: array('bool', 2) },
    { name: 'A' },
  );
  const PA = struct({ lead: 'u8', f: array('f64', 3), big: array('i64', 2) }, { name: 'PA', packed: true });
  const r = A.create({
    f: [NaN, -0, Infinity],
    big: [-(2n ** 63n), 2n ** 63n - 1n],
    u: [2n ** 64n - 1n],
    flags: [true, false],
  });
  assert.ok(r.f instanceof Float64Array);
  assert.ok(Object.is(r.f[0], NaN) && Object.is(r.f[1], -0) && r.f[2] === Infinity);
  assert.deepEqual([...r.big], [-(2n ** 63n), 2n ** 63n - 1n]);
  assert.equal(r.u[0], 2n ** 64n - 1n);
  const plain = A.toObject(r);
  assert.ok(Object.is(plain.f[1], -0));
  assert.deepEqual(plain.flags, [true, false]);
  // Misaligned arrays (packed) are ElementArrays with the same values.
  const p = PA.create({ f: [NaN, -0, 1], big: [-(2n ** 63n), 5n] });
  assert.ok(!(p.f instanceof Float64Array));
  assert.ok(Object.is(p.f[0], NaN) && Object.is(p.f[1], -0) && p.f[2] === 1);
  assert.ok(Object.is(p.f.at(-2), -0));
  p.f[2] = -0;
  assert.ok(Object.is(p.f[2], -0));
  assert.deepEqual([...p.big], [-(2n ** 63n), 5n]);
  assert.ok(p.f.includes(NaN));
  // Columns over aligned and packed arrays.
  const arr = A.array(3);
  arr.column('f.1').set(2, -0);
  arr.column('big.1').set(1, 2n ** 63n - 1n);
  assert.ok(Object.is(arr.get(2).f[1], -0));
  assert.equal(arr.get(1).big[1], 2n ** 63n - 1n);
  const parr = PA.array(2);
  parr.column('f.0').set(1, NaN);
  assert.ok(Object.is(parr.get(1).f[0], NaN));
  assert.equal(parr.column('f.0').data, undefined, 'a misaligned column has no typed array');
});

test('strings: full capacity, multi-byte characters, and cuts at the capacity', { timeout: 10_000 }, () => {
  const S = struct(
    { s8: string(8), t5: string(5, { overflow: 'truncate' }), t7: string(7, { overflow: 'truncate' }), e3: string(3) },
    { name: 'S' },
  );
  const r = S.create();
  const bytes = (off: number, n: number) => [...new Uint8Array(addressOf(r).buffer, addressOf(r).byteOffset + off, n)];

  // Exactly the capacity: no NUL terminator, reads back whole.
  r.s8 = 'abcdefgh';
  assert.equal(r.s8, 'abcdefgh');
  r.s8 = 'éééé'; // 4 x 2 bytes = 8
  assert.equal(r.s8, 'éééé');
  // A shorter string clears the stale bytes after it.
  r.s8 = 'ab';
  assert.deepEqual(bytes(S.offsetOf('s8'), 8), [0x61, 0x62, 0, 0, 0, 0, 0, 0]);
  assert.equal(r.s8, 'ab');
  r.s8 = '';
  assert.equal(r.s8, '');

  // Truncating fields cut between characters: 'a' (1) + 'é' (2) + '€' (3) = 6 > 5 -> 'aé'.
  r.t5 = 'aé€';
  assert.equal(r.t5, 'aé');
  assert.deepEqual(bytes(S.offsetOf('t5'), 5), [0x61, 0xc3, 0xa9, 0, 0]);
  r.t5 = '€€'; // 6 bytes -> one euro sign, never half of the second
  assert.equal(r.t5, '€');
  r.t7 = '😀😀'; // surrogate pairs, 4 bytes each -> one emoji
  assert.equal(r.t7, '😀');
  r.t7 = 'ab😀c';
  assert.equal(r.t7, 'ab😀c');

  // Error fields refuse, and leave the old value intact.
  r.e3 = 'ok';
  assert.throws(
    () => {
      r.e3 = 'a€';
    },
    (e: unknown) =>
      e instanceof StructRangeError && /needs 4 bytes of UTF-8 but the field holds 3/.test((e as Error).message),
  );
  assert.equal(r.e3, 'ok');

  // Foreign bytes: an incomplete sequence at the end (cut by the capacity or a NUL) is dropped,
  // other malformed bytes read as U+FFFD.
  const u8 = new Uint8Array(addressOf(r).buffer, addressOf(r).byteOffset + S.offsetOf('e3'), 3);
  u8.set([0x61, 0xe2, 0x82]);
  assert.equal(r.e3, 'a');
  u8.set([0xe2, 0x82, 0x00]);
  assert.equal(r.e3, '');
  u8.set([0x61, 0xff, 0x62]);
  assert.equal(r.e3, 'a\ufffdb');
  u8.set([0xc0, 0x80, 0x41]); // overlong NUL
  assert.equal(r.e3, '\ufffd\ufffdA');
  // A lone surrogate is written as U+FFFD, as TextEncoder does.
  r.s8 = 'x\ud800y';
  assert.equal(r.s8, 'x\ufffdy');
});

test('UTF-8 agrees with Buffer on random strings, and truncation keeps the longest whole-character prefix', {
  timeout: 20_000,
}, () => {
  let seed = 0xc0ffee;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ranges = [
    [0x20, 0x7e],
    [0x80, 0x7ff],
    [0x800, 0xd7ff],
    [0xe000, 0xfffd],
    [0x10000, 0x10ffff],
  ];
  const T = struct({ full: string(64), cut: string(13, { overflow: 'truncate' }) }, { name: 'T' });
  const r = T.create();
  for (let n = 0; n < 2000; n++) {
    let s = '';
    const len = Math.floor(rnd() * 12);
    for (let i = 0; i < len; i++) {
      const [lo, hi] = ranges[Math.floor(rnd() * ranges.length)];
      s += String.fromCodePoint(lo + Math.floor(rnd() * (hi - lo + 1)));
    }
    r.full = s;
    assert.equal(r.full, s);
    const enc = Buffer.from(s, 'utf8');
    assert.deepEqual(Buffer.from(new Uint8Array(addressOf(r).buffer, addressOf(r).byteOffset, enc.length)), enc);
    r.cut = s;
    const got = r.cut;
    assert.ok(s.startsWith(got), 'truncation gives a prefix');
    const gotBytes = Buffer.byteLength(got);
    assert.ok(gotBytes <= 13);
    const next = [...s.slice(got.length)][0];
    if (next !== undefined)
      assert.ok(gotBytes + Buffer.byteLength(next) > 13, 'the next character would not have fitted');
  }
});
