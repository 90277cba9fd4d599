// codec.ts: value <-> bytes in a caller's region. Sizes of the fast paths, exact "needed" answers,
// no write outside the region, the v8 path, the memo, and rejection of non-encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, codec } from '../src/index.js';
import { mulberry32 } from './prng.js';

const { encodeInto, encode, decode, encodedKind } = codec;

function roundTrip(v: unknown, shared = true, offset = 3): unknown {
  const buf = shared ? new SharedArrayBuffer(1 << 16) : new ArrayBuffer(1 << 16);
  const u8 = new Uint8Array(buf);
  const n = encodeInto(v, u8, offset, u8.byteLength - offset);
  assert.ok(n > 0, `encodeInto returned ${n}`);
  return decode(u8, offset, n);
}

test('fast paths: sizes and tags', { timeout: 10_000 }, () => {
  const u8 = new Uint8Array(4096);
  const cases: [unknown, number, number][] = [
    [undefined, 1, codec.TAG_UNDEFINED],
    [null, 1, codec.TAG_NULL],
    [false, 1, codec.TAG_FALSE],
    [true, 1, codec.TAG_TRUE],
    [7, 5, codec.TAG_INT32],
    [-(2 ** 31), 5, codec.TAG_INT32],
    [2 ** 31, 9, codec.TAG_FLOAT64],
    [-0, 9, codec.TAG_FLOAT64],
    [NaN, 9, codec.TAG_FLOAT64],
    [0.5, 9, codec.TAG_FLOAT64],
    [5n, 9, codec.TAG_BIGINT64],
    [2n ** 63n - 1n, 9, codec.TAG_BIGINT64],
    ['', 1, codec.TAG_STRING],
    ['abc', 4, codec.TAG_STRING],
    ['é', 3, codec.TAG_STRING],
    ['😀', 5, codec.TAG_STRING],
    [new Uint16Array(3), 14, codec.TAG_BYTES],
    [new ArrayBuffer(5), 13, codec.TAG_BYTES],
    [2n ** 64n, -1, codec.TAG_TREE],
    [{}, 3, codec.TAG_TREE],
    [[1], 5, codec.TAG_TREE],
    [new Error('e'), -1, codec.TAG_TREE],
  ];
  for (const [v, size, tag] of cases) {
    const n = encodeInto(v, u8, 0, 4096);
    if (size > 0) assert.equal(n, size, `size of ${String(v)}`);
    assert.equal(encodedKind(u8, 0), tag, `tag of ${String(v)}`);
    assert.deepStrictEqual(decode(u8, 0, n), v);
  }
});

test('a region that is too small: -needed exactly, and no byte written outside the region', { timeout: 10_000 }, () => {
  const values: unknown[] = [
    1,
    1.5,
    9n,
    'ascii text',
    'ünïcödé ✓',
    'x'.repeat(40),
    new Float64Array([1, 2]),
    { a: 1, b: 'two' },
    new Map([[1, 2]]),
    2n ** 100n,
  ];
  for (const v of values) {
    const full = encode(v);
    for (const room of [0, 1, full.byteLength - 1]) {
      const u8 = new Uint8Array(full.byteLength + 16).fill(0xee);
      const n = encodeInto(v, u8, 8, room);
      assert.equal(n, -full.byteLength, `needed for ${String(v)} with room ${room}`);
      for (let i = 0; i < 8; i++) assert.equal(u8[i], 0xee, 'byte before the region');
      for (let i = 8 + room; i < u8.length; i++) assert.equal(u8[i], 0xee, `byte ${i} after the region (room ${room})`);
    }
    const exact = new Uint8Array(full.byteLength);
    assert.equal(encodeInto(v, exact, 0, exact.byteLength), full.byteLength, 'the exact room is enough');
    assert.deepEqual(exact, full);
  }
});

test('strings around the ASCII loop threshold, and in shared memory', { timeout: 10_000 }, () => {
  for (const len of [0, 1, 31, 32, 33, 1000]) {
    for (const ch of ['a', 'é', '中', '😀']) {
      const s = ch.repeat(len);
      assert.equal(roundTrip(s), s);
      assert.equal(roundTrip(s, false, 0), s);
    }
  }
  assert.equal(roundTrip('abc\u0000def'), 'abc\u0000def');
  assert.equal(roundTrip('\ud800'), '\ud800', 'a lone surrogate travels intact (TAG_STRING16)');
  assert.deepStrictEqual(roundTrip(['\ud800']), ['\ud800'], 'inside an object too');
});

test('typed arrays and buffers come back as fresh copies of the same type', { timeout: 10_000 }, () => {
  const sab = new SharedArrayBuffer(16);
  const views = [
    new Int8Array([-1, 2]),
    new Uint8Array([255]),
    new Uint8ClampedArray([3]),
    new Int16Array([-300]),
    new Uint16Array([60000]),
    new Int32Array([-5]),
    new Uint32Array([4e9]),
    new Float32Array([0.5]),
    new Float64Array([Math.PI]),
    new BigInt64Array([-1n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new Float64Array(sab, 8, 1),
    new Uint8Array(new ArrayBuffer(10), 3, 4),
  ];
  for (const v of views) {
    const got = roundTrip(v) as ArrayBufferView;
    assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(v));
    assert.ok(got.buffer instanceof ArrayBuffer, 'never shared');
    assert.equal(got.byteOffset, 0);
    assert.deepEqual([...new Uint8Array(got.buffer)], [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]);
  }
  const ab = roundTrip(new Uint8Array([1, 2, 3]).buffer) as ArrayBuffer;
  assert.ok(ab instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(ab)], [1, 2, 3]);
});

test('the v8 path: structured-clone semantics for objects', { timeout: 10_000 }, () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const got = roundTrip(cyclic) as Record<string, unknown>;
  assert.equal(got.self, got, 'cycles survive');
  class Point {
    constructor(public x = 1) {}
  }
  const p = roundTrip(new Point()) as object;
  assert.equal(Object.getPrototypeOf(p), Object.prototype, 'class instances become plain objects, as with postMessage');
  const e = roundTrip(new TypeError('bad', { cause: 'why' })) as Error;
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, 'bad');
  assert.deepStrictEqual(roundTrip(new Date(5)), new Date(5));
  assert.deepStrictEqual(roundTrip(new Set([1, new Map([[2, [3]]])])), new Set([1, new Map([[2, [3]]])]));
});

test('typed arrays inside objects never alias the region they were decoded from', { timeout: 10_000 }, () => {
  const u8 = new Uint8Array(new SharedArrayBuffer(1 << 20)); // Buffer.from brings its pool slab (64 KiB on Node 24)
  const value = {
    bytes: new Uint8Array([1, 2, 3]),
    f: new Float64Array([2.5]),
    buf: Buffer.from('hi'),
    dv: new DataView(new ArrayBuffer(2)),
  };
  const n = encodeInto(value, u8, 8, u8.byteLength - 8);
  const got = decode(u8, 8, n) as typeof value;
  u8.fill(0xff); // the ring moves on
  assert.deepEqual([...got.bytes], [1, 2, 3]);
  assert.deepEqual([...got.f], [2.5]);
  assert.equal(Buffer.from(got.buf).toString(), 'hi'); // a Uint8Array, as structuredClone gives
  for (const v of [got.bytes, got.f, got.buf, got.dv]) assert.ok(v.buffer instanceof ArrayBuffer, 'not shared');
  for (const v of [got.bytes, got.f, got.dv]) assert.equal(v.buffer.byteLength, v.byteLength, 'its own buffer');
  // As structured clone does, a Buffer from Node's pool brings its whole (private) pool slab.
  assert.equal(got.buf.buffer.byteLength, value.buf.buffer.byteLength);
  assert.equal(got.dv.byteLength, 2);
});

test('encode() reuses the serialisation of an encodeInto that did not fit', { timeout: 10_000 }, () => {
  const v = { big: 'y'.repeat(500) };
  const small = new Uint8Array(16);
  const n = encodeInto(v, small, 0, 16);
  assert.ok(n < -16);
  const bytes = encode(v);
  assert.equal(bytes.byteLength, -n);
  assert.deepStrictEqual(decode(bytes, 0, bytes.byteLength), v);
  assert.deepStrictEqual(decode(encode(v), 0, -n), v, 'and a second encode serialises afresh');
});

test('values that cannot be encoded, and bytes that are not an encoding', { timeout: 10_000 }, () => {
  const u8 = new Uint8Array(64);
  for (const bad of [
    () => 0,
    Symbol('s'),
    new SharedArrayBuffer(4),
    { sab: new SharedArrayBuffer(4) },
    new WeakMap(),
  ]) {
    assert.throws(() => encodeInto(bad, u8, 0, 64), InvalidArgumentError, String(typeof bad));
  }
  assert.throws(() => encodeInto(new SharedArrayBuffer(4), u8, 0, 64), /cannot travel through a queue or pipe/);
  assert.throws(() => decode(new Uint8Array([0]), 0, 1), InvalidArgumentError, 'tag 0 is no tag');
  assert.throws(() => decode(new Uint8Array([99]), 0, 1), InvalidArgumentError);
  assert.throws(
    () => decode(new Uint8Array([codec.TAG_INT32, 1, 2]), 0, 3),
    InvalidArgumentError,
    'wrong length for an int32',
  );
  assert.throws(
    () => decode(new Uint8Array([codec.TAG_BYTES, 4, 1]), 0, 3),
    InvalidArgumentError,
    'odd bytes for an Int16Array',
  );
  assert.throws(() => decode(new Uint8Array([codec.TAG_BYTES, 200]), 0, 2), InvalidArgumentError, 'unknown type code');
});

test('seeded fuzz: random values at random offsets round-trip', { timeout: 10_000 }, () => {
  const rnd = mulberry32(2024);
  const u8 = new Uint8Array(new SharedArrayBuffer(1 << 16));
  const gen = (depth: number): unknown => {
    switch (Math.floor(rnd() * (depth > 2 ? 7 : 10))) {
      case 0:
        return Math.floor(rnd() * 2 ** 32) - 2 ** 31;
      case 1:
        return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40);
      case 2:
        return String.fromCodePoint(
          ...Array.from({ length: Math.floor(rnd() * 50) }, () => Math.floor(rnd() * 0xd7ff)),
        );
      case 3:
        return BigInt(Math.floor(rnd() * 2 ** 53)) * (rnd() < 0.5 ? -1n : 1n) * (rnd() < 0.2 ? 2n ** 80n : 1n);
      case 4:
        return new Float32Array(Array.from({ length: Math.floor(rnd() * 10) }, () => rnd()));
      case 5:
        return [undefined, null, true, false][Math.floor(rnd() * 4)];
      case 6:
        return new Date(Math.floor(rnd() * 1e12));
      case 7:
        return Array.from({ length: Math.floor(rnd() * 5) }, () => gen(depth + 1));
      case 8:
        return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, (_, i) => [`k${i}`, gen(depth + 1)]));
      default:
        return new Map(Array.from({ length: Math.floor(rnd() * 4) }, () => [gen(depth + 1), gen(depth + 1)]));
    }
  };
  for (let i = 0; i < 2000; i++) {
    const v = gen(0);
    const off = Math.floor(rnd() * 1000);
    const n = encodeInto(v, u8, off, u8.byteLength - off);
    assert.deepStrictEqual(decode(u8, off, n), v);
  }
});
