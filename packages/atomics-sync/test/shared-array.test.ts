// Typed cells, many values: SharedArray (with its lock; also exported as Array) and RawArray.
// Construction, Python's indexing and slicing, the zero-copy view, misuse, the lock's placement and
// snapshot guarantee, struct arrays, and workers hammering elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as mp from '../src/index.js';
import {
  SharedArray,
  RawArray,
  Lock,
  RLock,
  IndexError,
  InvalidArgumentError,
  InvalidRegionError,
  ReviveError,
  KIND_PROPERTY,
  revive,
} from '../src/index.js';
import { Point } from './fixtures/cell-point.js';
import { mulberry32, runCellWorkers } from './fixtures/cell-run.js';

test('construction from a length, an array, an iterable or a typed array; mp.Array is SharedArray', {
  timeout: 10_000,
}, () => {
  assert.equal(mp.Array, SharedArray);
  const zeros = new mp.Array('d', 4);
  assert.deepEqual(zeros.toArray(), [0, 0, 0, 0]);
  assert.equal(zeros.length, 4);
  assert.deepEqual(new SharedArray('i', [3, 1, 2]).toArray(), [3, 1, 2]);
  function* gen() {
    for (let i = 0; i < 5; i++) yield i * i;
  }
  assert.deepEqual(new RawArray('H', gen()).toArray(), [0, 1, 4, 9, 16]);
  assert.deepEqual(new SharedArray('q', new BigInt64Array([-1n, 2n])).toArray(), [-1n, 2n]);
  assert.deepEqual(new SharedArray('f', { length: 2, 0: 0.5, 1: 0.25 }).toArray(), [0.5, 0.25]);
  const empty = new SharedArray('i', 0);
  assert.equal(empty.length, 0);
  assert.deepEqual([...empty], []);
  assert.equal(empty.getLock().byteOffset, 0, 'a zero-length array still has its lock');
  const raw = new RawArray('u8', 3);
  assert.equal(raw.byteLength, 3);
  assert.equal(raw.buffer.byteLength, 3, 'a raw array has no lock and no padding');
});

test('indices follow Python: -length <= i < length, IndexError outside, for every method', { timeout: 10_000 }, () => {
  for (const a of [new SharedArray('i', [10, 20, 30]), new RawArray('i', [10, 20, 30])]) {
    assert.equal(a.get(0), 10);
    assert.equal(a.get(-1), 30);
    assert.equal(a.get(-3), 10);
    a.set(-2, 21);
    assert.equal(a.load(1), 21);
    assert.equal(a.add(-1, 1), 30);
    const calls: [string, (i: number) => unknown][] = [
      ['get', (i) => a.get(i)],
      ['set', (i) => a.set(i, 1)],
      ['load', (i) => a.load(i)],
      ['store', (i) => a.store(i, 1)],
      ['add', (i) => a.add(i, 1)],
      ['sub', (i) => a.sub(i, 1)],
      ['and', (i) => a.and(i, 1)],
      ['or', (i) => a.or(i, 1)],
      ['xor', (i) => a.xor(i, 1)],
      ['exchange', (i) => a.exchange(i, 1)],
      ['compareExchange', (i) => a.compareExchange(i, 0, 1)],
    ];
    for (const [name, call] of calls) {
      for (const i of [3, -4, 2 ** 32, -(2 ** 40)]) {
        assert.throws(
          () => call(i),
          (e: unknown) =>
            e instanceof IndexError && e.code === 'ERR_SABKIT_INDEX' && /out of range for length 3/.test(e.message),
          `${name}(${i})`,
        );
      }
      for (const i of [1.5, NaN, '0' as unknown as number, undefined as unknown as number]) {
        assert.throws(() => call(i), InvalidArgumentError, `${name}(${String(i)})`);
      }
    }
    assert.deepEqual(a.toArray(), [10, 21, 31], 'no rejected call changed an element');
  }
});

test('slice and toArray agree with Array.prototype.slice on seeded random bounds', { timeout: 10_000 }, () => {
  const rand = mulberry32(42);
  const values = Array.from({ length: 17 }, () => Math.floor(rand() * 2000) - 1000);
  const a = new SharedArray('i16', values);
  for (let k = 0; k < 500; k++) {
    const s = Math.floor(rand() * 41) - 20;
    const e = Math.floor(rand() * 41) - 20;
    assert.deepEqual(a.slice(s, e), values.slice(s, e), `slice(${s}, ${e})`);
    assert.deepEqual(a.slice(s), values.slice(s), `slice(${s})`);
  }
  assert.deepEqual(a.toArray(), values);
  assert.deepEqual([...a], values);
  assert.throws(() => a.slice(0.5), InvalidArgumentError);
});

test('view is a zero-copy typed array over the elements, both ways', { timeout: 10_000 }, () => {
  const a = new SharedArray('d', [1, 2, 3]);
  const v = a.view;
  assert.ok(v instanceof Float64Array);
  assert.equal(v.buffer, a.buffer);
  assert.equal(v.length, 3);
  v[1] = -2;
  assert.equal(a.get(1), -2);
  a.set(2, 9);
  assert.equal(v[2], 9);
  const big = new RawArray('Q', [2n ** 64n - 1n]);
  assert.ok(big.view instanceof BigUint64Array);
  assert.equal(big.view[0], 2n ** 64n - 1n);
  assert.equal(a.getObj().view.buffer, a.buffer, 'get_obj views the same memory');
  const structs = new RawArray(Point, 2);
  assert.ok(structs.view instanceof Uint8Array);
  assert.equal(structs.view.length, 48);
});

test('misuse: named errors, nothing allocated or written', { timeout: 10_000 }, () => {
  const sab = new SharedArrayBuffer(64);
  const bytes = new Uint8Array(sab);
  bytes.fill(0xcd);
  const region = { buffer: sab, byteOffset: 8 };
  const live = new SharedArray('i', [1, 2, 3]);
  const table: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    [
      'negative length',
      () => new SharedArray('i', -1),
      InvalidArgumentError,
      /length must be a non-negative integer, got -1/,
    ],
    ['fractional length', () => new RawArray('i', 2.5), InvalidArgumentError, /got 2.5/],
    ['NaN length', () => new SharedArray('d', NaN), InvalidArgumentError, /got NaN/],
    ['infinite length', () => new SharedArray('d', Infinity), InvalidArgumentError, /got Infinity/],
    ['string length', () => new SharedArray('d', '3' as never), InvalidArgumentError, /lengthOrValues must be/],
    ['null', () => new SharedArray('d', null as never), InvalidArgumentError, /lengthOrValues must be/],
    ['too many elements', () => new SharedArray('d', 2 ** 40), InvalidArgumentError, /cannot allocate/],
    ['unknown type', () => new SharedArray('x' as never, 1), InvalidArgumentError, /typecodes b B h H i I l L q Q f d/],
    [
      'a bad value among good ones',
      () => new SharedArray('b', [1, 2, 200], region),
      InvalidArgumentError,
      /initial value \[2\]: 200 is out of range/,
    ],
    [
      'a number in a u64 array',
      () => new SharedArray('Q', [1n, 2] as never, region),
      InvalidArgumentError,
      /initial value \[1\].*bigint/,
    ],
    [
      'a bad struct record',
      () => new SharedArray(Point, [{ x: 1 }, { x: 'a' }] as never, region),
      TypeError,
      /x must be a number/,
    ],
    [
      'a non-object struct record',
      () => new RawArray(Point, [1] as never, region),
      InvalidArgumentError,
      /plain object/,
    ],
    [
      'misaligned region',
      () => new SharedArray('i', 2, { buffer: sab, byteOffset: 2 }),
      InvalidRegionError,
      /multiple of 4/,
    ],
    [
      'region too small for elements + lock',
      () => new SharedArray('i', 14, region),
      InvalidRegionError,
      /needs 64 bytes at byteOffset 8/,
    ],
    ['set out of range', () => live.set(0, 2 ** 31), InvalidArgumentError, /out of range/],
    [
      'and() on a float array',
      () => new RawArray('d', 1).and(0, 1 as never),
      InvalidArgumentError,
      /needs an integer cell/,
    ],
    [
      'add() on a struct array',
      () => new SharedArray(Point, 1).add(0, 1 as never),
      InvalidArgumentError,
      /numeric array/,
    ],
    [
      'from() of another kind',
      () => SharedArray.from(structuredClone(new RawArray('i', 1))),
      ReviveError,
      /not a SharedArray/,
    ],
    [
      'from() with a negative length',
      () => SharedArray.from({ ...structuredClone(live), length: -1 }),
      ReviveError,
      /length must be/,
    ],
    [
      'from() with a length past the buffer',
      () => SharedArray.from({ ...structuredClone(live), length: 100 }),
      InvalidRegionError,
      /needs 400 bytes/,
    ],
    [
      'from() with a Python code as type',
      () =>
        RawArray.from({ [KIND_PROPERTY]: 'RawArray', buffer: sab, byteOffset: 0, length: 1, type: 'd', struct: null }),
      ReviveError,
      /type must be one of/,
    ],
    [
      'from() of a struct array without struct',
      () =>
        RawArray.from({
          [KIND_PROPERTY]: 'RawArray',
          buffer: sab,
          byteOffset: 0,
          length: 1,
          type: 'struct',
          struct: null,
        }),
      ReviveError,
      /struct: \{ kind, schema \}/,
    ],
    ['byteLengthOf a negative length', () => SharedArray.byteLengthOf('i', -2), InvalidArgumentError, /non-negative/],
  ];
  for (const [name, fn, cls, re] of table) {
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), name);
  }
  assert.ok(
    bytes.every((b) => b === 0xcd),
    "no rejected call wrote to the caller's buffer",
  );
  assert.deepEqual(live.toArray(), [1, 2, 3]);
});

test('lock placement: elements at byteOffset, the RLock right after; a given lock is shared and revives', {
  timeout: 10_000,
}, () => {
  const a = new SharedArray('b', [1, 2, 3, 4, 5]);
  assert.equal(a.getLock().buffer, a.buffer);
  assert.equal(a.getLock().byteOffset, 8, '5 bytes rounded up to RLock.ALIGNMENT');
  assert.equal(a.byteLength, 8 + RLock.BYTE_LENGTH);
  assert.equal(SharedArray.byteLengthOf('b', 5), 8 + RLock.BYTE_LENGTH);
  assert.equal(SharedArray.byteLengthOf('b', 5, { lock: false }), 5);
  assert.equal(SharedArray.alignmentOf('d'), 8);
  assert.equal(RawArray.byteLengthOf(Point, 3), 72);
  const sab = new SharedArrayBuffer(128);
  const placed = new SharedArray('u32', [7, 8], { buffer: sab, byteOffset: 16 });
  assert.deepEqual([...new Uint32Array(sab, 16, 2)], [7, 8]);
  assert.equal(placed.getLock().byteOffset, 24);
  const lock = new Lock();
  const b = new SharedArray('i', 3, { lock });
  const clone = structuredClone({ b });
  const revived = revive(clone).b as SharedArray<'i'>;
  assert.ok(revived instanceof SharedArray);
  assert.ok(revived.getLock() instanceof Lock);
  lock.acquire();
  assert.equal(revived.getLock().locked(), true);
  lock.release();
  revived.set(2, 5);
  assert.equal(b.get(2), 5);
  assert.equal(
    b.withLock((obj) => obj.toArray().length),
    3,
  );
});

test('toArray takes the lock once: a snapshot never mixes two rounds of a writer holding the lock', {
  timeout: 60_000,
}, async () => {
  const arr = new SharedArray('i', 1000);
  const rounds = 2000;
  let snapshots = 0;
  let done = false;
  const run = runCellWorkers([{ mode: 'snapshot-writer', arr, rounds }]).finally(() => {
    done = true;
  });
  while (!done) {
    const s = arr.toArray();
    snapshots++;
    assert.ok(
      s.every((x) => x === s[0]),
      `snapshot ${snapshots} mixes rounds: ${s[0]} and ${s.find((x) => x !== s[0])}`,
    );
    await new Promise((r) => setImmediate(r));
  }
  await run;
  assert.deepEqual(new Set(arr.toArray()), new Set([rounds]));
  assert.ok(snapshots > 0);
});

test('2 workers, 10^6 atomic adds on seeded random elements of i32 and u64 arrays: exact per element', {
  timeout: 60_000,
}, async () => {
  const n = 250_000;
  const seeds = [7, 8];
  const expected = (len: number) => {
    const counts = new Array<number>(len).fill(0);
    for (const seed of seeds) {
      const rand = mulberry32(seed);
      for (let k = 0; k < n; k++) counts[Math.floor(rand() * len)]++;
    }
    return counts;
  };
  const i32 = new SharedArray('i', 16);
  const u64 = new SharedArray('Q', 13, { lock: false });
  await runCellWorkers([
    ...seeds.map((seed) => ({ mode: 'array-add', arr: i32, seed, n })),
    ...seeds.map((seed) => ({ mode: 'array-add', arr: u64, seed, n })),
  ]);
  assert.deepEqual(i32.toArray(), expected(16));
  assert.deepEqual(u64.toArray(), expected(13).map(BigInt));
});

test('struct arrays: element views at the right offsets, field assignment, iteration', { timeout: 10_000 }, () => {
  const a = new SharedArray(Point, [{ x: 1, y: 2, n: 3 }, { x: 4 }]);
  assert.equal(a.length, 2);
  const f64 = new Float64Array(a.buffer, 0, 6);
  const i32 = new Int32Array(a.buffer, 0, 12);
  assert.deepEqual([f64[0], f64[1], i32[4], f64[3], f64[4], i32[10]], [1, 2, 3, 4, 0, 0]);
  a.get(1).y = 5;
  assert.equal(f64[4], 5);
  a.set(-2, { n: 9 });
  assert.deepEqual([a.get(0).x, a.get(0).n], [1, 9], 'set writes only the given fields');
  assert.deepEqual(
    [...a].map((p) => p.x),
    [1, 4],
  );
  assert.throws(() => a.set(0, { x: 'no' } as never), TypeError);
  assert.throws(() => a.set(2, { x: 1 }), IndexError);
  assert.equal(a.get(0).x, 1, 'a rejected record write changed nothing');
  assert.equal(a.getLock().byteOffset, 48);
});
