// parallelFor / parallelReduce over ranges, typed arrays and SharedArrays, on a Pool, a Piscina or
// a pool of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedArray } from '@sabkit/atomics-sync';
import { Piscina } from '@sabkit/piscina';
import { Pool, parallelFor, parallelReduce } from '../src/index.js';
import { mulberry32 } from './prng.js';

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);

test('parallelFor visits every index of a count or a range exactly once', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const n = 100_003;
  const hits = new Int32Array(new SharedArrayBuffer(4 * n));
  await parallelFor(
    n,
    (i: number, h: Int32Array) => {
      Atomics.add(h, i, 1);
    },
    { pool, args: [hits] },
  );
  assert.ok(hits.every((x) => x === 1));
  for (const [start, stop, step] of [
    [5, 100, 7],
    [100, -3, -4],
    [0, 0, 1],
    [10, 3, 1],
    [-50, 50, 3],
  ] as const) {
    const seen = new Int32Array(new SharedArrayBuffer(4 * 256));
    await parallelFor(
      { start, stop, step },
      (i: number, s: Int32Array) => {
        Atomics.add(s, i + 100, 1);
      },
      { pool, args: [seen], chunks: 5 },
    );
    const expected: number[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) expected.push(i);
    const visited: number[] = [];
    seen.forEach((c, k) => {
      for (let j = 0; j < c; j++) visited.push(k - 100);
    });
    assert.deepEqual(
      visited.sort((a, b) => a - b),
      expected.sort((a, b) => a - b),
      `range(${start}, ${stop}, ${step})`,
    );
  }
});

test('parallelFor over typed arrays and SharedArrays: body(value, index, view, ...args)', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  const rand = mulberry32(7);
  const a = new Float64Array(new SharedArrayBuffer(8 * 50_000));
  for (let i = 0; i < a.length; i++) a[i] = rand();
  const before = Float64Array.from(a);
  await parallelFor(
    a,
    (x: number, i: number, v: Float64Array, k: number) => {
      v[i] = x * k + i;
    },
    { pool, args: [3] },
  );
  assert.ok(a.every((x, i) => x === before[i] * 3 + i));
  const s = new SharedArray(
    'i',
    Array.from({ length: 5000 }, (_, i) => i),
  );
  await parallelFor(
    s,
    (x: number, i: number, v: Int32Array) => {
      v[i] = -x;
    },
    { pool, minChunk: 100 },
  );
  assert.deepEqual(s.slice(0, 4), [0, -1, -2, -3]);
  assert.equal(s.get(4999), -4999);
});

test('parallelReduce: a sum of squares matches the serial one, for any chunking', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const rand = mulberry32(11);
  const n = 200_000;
  // Integers, so that every partial sum is exact and the comparison can be strict.
  const a = new Float64Array(new SharedArrayBuffer(8 * n));
  for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * 1000);
  let serial = 0;
  for (let i = 0; i < n; i++) serial += a[i] * a[i];
  for (const chunks of [1, 2, 7, 64, undefined]) {
    const r = await parallelReduce(
      a,
      (x: number) => x * x,
      (s: number, t: number) => s + t,
      0,
      { pool, chunks },
    );
    assert.equal(r, serial, `chunks=${chunks}`);
  }
  assert.equal(
    await parallelReduce(
      { start: 1, stop: 101 },
      { filename: tasks, name: 'cube' },
      { filename: tasks, name: 'plus' },
      0,
      { pool },
    ),
    25_502_500,
  );
  assert.equal(
    await parallelReduce(
      0,
      (i: number) => i,
      (x: number, y: number) => x + y,
      'identity' as unknown as number,
      { pool },
    ),
    'identity',
  );
  // Any associative combine: a max with -Infinity as identity.
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, a[i]);
  assert.equal(
    await parallelReduce(
      a,
      (x: number) => x,
      (p: number, q: number) => Math.max(p, q),
      -Infinity,
      { pool },
    ),
    max,
  );
});

test('loops run on a Piscina, or on a pool of their own when none is given', { timeout: 30_000 }, async () => {
  const engine = new Piscina({ maxThreads: 2 });
  try {
    const r = await parallelReduce(
      10_000,
      (i: number) => i,
      (x: number, y: number) => x + y,
      0,
      { pool: engine },
    );
    assert.equal(r, (10_000 * 9_999) / 2);
  } finally {
    await engine.destroy();
  }
  const out = new Int32Array(new SharedArrayBuffer(4 * 1000));
  await parallelFor(
    1000,
    (i: number, o: Int32Array) => {
      o[i] = i;
    },
    { args: [out] },
  );
  assert.equal(out[999], 999);
});

test('loop errors: closures, body errors, and misuse are named errors', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const scale = 2;
  const a = new Float64Array(new SharedArrayBuffer(8 * 4096));
  await assert.rejects(
    parallelFor(
      a,
      (x: number, i: number, v: Float64Array) => {
        v[i] = x * scale;
      },
      { pool },
    ),
    { name: 'InlineFunctionError', message: /refers to `scale`/ },
  );
  await assert.rejects(
    parallelFor(
      5000,
      (i: number) => {
        if (i === 4321) throw new RangeError('bad index');
      },
      { pool },
    ),
    { name: 'RangeError', message: 'bad index' },
  );
  const bad: Array<[() => Promise<unknown>, RegExp]> = [
    [() => parallelFor(new Float64Array(8), () => {}, { pool }), /must live in a SharedArrayBuffer/],
    [() => parallelFor({ start: 0, stop: 10, step: 0 }, () => {}, { pool }), /step must not be zero/],
    [() => parallelFor({ stop: 1.5 }, () => {}, { pool }), /stop must be a safe integer/],
    [() => parallelFor('x' as never, () => {}, { pool }), /source must be a count, a range/],
    [() => parallelFor(10, () => {}, { pool, chunks: 0 }), /chunks must be a positive integer/],
    [() => parallelFor(10, () => {}, { pool, args: 3 as never }), /args must be an array/],
    [() => parallelFor(10, () => {}, { pool: {} as never }), /pool must be a Pool or a Piscina/],
    [() => parallelReduce(10, () => 1, 42 as never, 0, { pool }), /combine must be a function/],
  ];
  for (const [run, re] of bad)
    await assert.rejects(
      run(),
      (e: Error & { code?: string }) => e.code === 'ERR_SABKIT_INVALID_ARGUMENT' && re.test(e.message),
      String(re),
    );
});
