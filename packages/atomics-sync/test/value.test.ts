// Typed cells, one value: Value (with its lock) and RawValue. Limits of every typecode, the atomic
// operations against Atomics itself, typing, misuse, the lock's placement and semantics, and
// workers hammering a cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import {
  Value,
  RawValue,
  SharedArray,
  RawArray,
  Lock,
  RLock,
  SCALAR_TYPES,
  PYTHON_TYPECODES,
  InvalidArgumentError,
  InvalidRegionError,
  ReviveError,
  NoLockError,
  OwnerDeadError,
  KIND_PROPERTY,
  watchWorker,
  type ScalarCode,
} from '../src/index.js';
import { Point, type PointView } from './fixtures/cell-point.js';
import { mulberry32, runCellWorkers } from './fixtures/cell-run.js';

const WORKER = new URL('./fixtures/cell-worker.js', import.meta.url);

// Every store path of a cell, each read back by every read path.
type AnyCell = { value: unknown; load(): unknown; store(v: never): unknown; view: ArrayLike<unknown> };
const makers: [string, (code: ScalarCode, v: unknown) => AnyCell][] = [
  ['Value', (c, v) => new Value(c, v as never) as unknown as AnyCell],
  ['Value lock:false', (c, v) => new Value(c, v as never, { lock: false }) as unknown as AnyCell],
  ['RawValue', (c, v) => new RawValue(c, v as never) as unknown as AnyCell],
];

const LIMITS: [ScalarCode[], unknown[], unknown[]][] = [
  // codes, values that must round-trip exactly, values just outside the range
  [
    ['b', 'i8'],
    [-128, 127, 0, -1],
    [-129, 128],
  ],
  [
    ['B', 'u8'],
    [0, 255],
    [-1, 256],
  ],
  [
    ['h', 'i16'],
    [-32768, 32767],
    [-32769, 32768],
  ],
  [
    ['H', 'u16'],
    [0, 65535],
    [-1, 65536],
  ],
  [
    ['i', 'i32'],
    [-(2 ** 31), 2 ** 31 - 1],
    [-(2 ** 31) - 1, 2 ** 31],
  ],
  [
    ['I', 'u32'],
    [0, 2 ** 32 - 1],
    [-1, 2 ** 32],
  ],
  [
    ['l', 'q', 'i64'],
    [-(2n ** 63n), 2n ** 63n - 1n, -1n],
    [-(2n ** 63n) - 1n, 2n ** 63n],
  ],
  [
    ['L', 'Q', 'u64'],
    [0n, 2n ** 64n - 1n],
    [-1n, 2n ** 64n],
  ],
  [['f', 'f32'], [3.4028234663852886e38, -3.4028234663852886e38, 2 ** -149, NaN, -0, Infinity, -Infinity, 0.5], []],
  [['d', 'f64'], [NaN, -0, Number.MAX_VALUE, Number.MIN_VALUE, -Infinity, 3.1415927, 2 ** 53 + 2], []],
];

test('every typecode round-trips its limits through every store and read path', { timeout: 10_000 }, () => {
  const covered = new Set<string>();
  for (const [codes, good, bad] of LIMITS) {
    for (const code of codes) {
      covered.add(code);
      for (const [name, make] of makers) {
        for (const v of good) {
          const where = `${name}(${code}, ${String(v)})`;
          const c = make(code, v);
          assert.ok(Object.is(c.value, v), `${where}: value`);
          assert.ok(Object.is(c.load(), v), `${where}: load`);
          assert.ok(Object.is(c.view[0], v), `${where}: view`);
          const z = make(code, undefined);
          z.value = v;
          assert.ok(Object.is(z.load(), v), `${where}: value setter`);
          const s = make(code, undefined);
          assert.ok(Object.is(s.store(v as never), v), `${where}: store's result`);
          assert.ok(Object.is(s.value, v), `${where}: after store`);
        }
        for (const v of bad) {
          const c = make(code, good[0]);
          assert.throws(
            () => {
              c.value = v;
            },
            (e: unknown) => e instanceof InvalidArgumentError && /out of range/.test((e as Error).message),
            `${name}(${code}) = ${String(v)}`,
          );
          assert.throws(() => c.store(v as never), InvalidArgumentError);
          assert.ok(Object.is(c.value, good[0]), `${name}(${code}): a rejected store leaves the cell unchanged`);
        }
      }
    }
  }
  assert.deepEqual([...covered].filter((c) => c.length === 1).sort(), [...PYTHON_TYPECODES].sort());
  // f32 rounds on store; the store's result is the rounded value; past the f32 range is Infinity.
  const f = new Value('f', 0.1);
  assert.equal(f.value, Math.fround(0.1));
  assert.equal(f.store(1 / 3), Math.fround(1 / 3));
  assert.equal(new RawValue('f32', 1e39).value, Infinity);
  // Sizes: l/L are 64-bit (Linux x86-64), and every cell is aligned to its size.
  const sizes = Object.fromEntries(PYTHON_TYPECODES.map((c) => [c, RawValue.byteLengthOf(c)]));
  assert.deepEqual(sizes, { b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, f: 4, d: 8 });
  for (const t of SCALAR_TYPES) assert.equal(RawValue.alignmentOf(t.name), t.size);
});

test('atomic operations return exactly what Atomics returns, and wrap like it (seeded differential run)', {
  timeout: 10_000,
}, () => {
  const rand = mulberry32(0xce11);
  const ops = ['add', 'sub', 'and', 'or', 'xor', 'exchange', 'compareExchange', 'store', 'load'] as const;
  for (const t of SCALAR_TYPES.filter((x) => x.kind !== 'float')) {
    const big = t.kind === 'bigint';
    const randIn = (lo: number | bigint, hi: number | bigint): number | bigint => {
      if (rand() < 0.2) return rand() < 0.5 ? lo : hi;
      if (!big) return Math.floor(rand() * ((hi as number) - (lo as number) + 1)) + (lo as number);
      const r = (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
      return (lo as bigint) + (r % ((hi as bigint) - (lo as bigint) + 1n));
    };
    for (const cellKind of ['Value', 'SharedArray'] as const) {
      const ref = new (t.ArrayType as unknown as new (n: number) => Int32Array)(3);
      const start = randIn(t.min, t.max);
      const cell =
        cellKind === 'Value'
          ? new Value(t.name, start as never)
          : new SharedArray(t.name, [start, start, start] as never);
      ref.fill(start as never);
      const at = cellKind === 'Value' ? [] : [1];
      const A = Atomics as unknown as Record<string, (...a: unknown[]) => unknown>;
      const C = cell as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (let k = 0; k < 2000; k++) {
        const op = ops[Math.floor(rand() * ops.length)];
        const operand = op === 'store' || op === 'exchange' ? randIn(t.min, t.max) : randIn(t.opMin, t.opMax);
        let got: unknown;
        let want: unknown;
        if (op === 'compareExchange') {
          const cur = A.load(ref, 1);
          const expected = rand() < 0.5 ? cur : randIn(t.min, t.max);
          const replacement = randIn(t.min, t.max);
          got = C[op](...at, expected, replacement);
          want = A[op](ref, 1, expected, replacement);
        } else if (op === 'load') {
          got = C.load(...at);
          want = A.load(ref, 1);
        } else {
          got = C[op](...at, operand);
          want = A[op](ref, 1, operand);
        }
        assert.equal(got, want, `${cellKind}<${t.name}>.${op}(${String(operand)}) at step ${k}`);
        assert.equal(
          cellKind === 'Value' ? (cell as Value).value : (cell as SharedArray).get(1),
          ref[1],
          `${t.name} after ${op}`,
        );
      }
      if (cellKind === 'SharedArray')
        assert.deepEqual((cell as SharedArray).toArray(), [start, ref[1], start], `${t.name}: neighbours untouched`);
    }
  }
  // Spot checks that read like the documentation.
  const i8 = new Value('b', 127);
  assert.equal(i8.add(1), 127);
  assert.equal(i8.value, -128);
  const u32 = new RawValue('I', 0);
  assert.equal(u32.sub(1), 0);
  assert.equal(u32.value, 2 ** 32 - 1);
  const q = new Value('Q', 2n ** 64n - 1n);
  assert.equal(q.add(1n), 2n ** 64n - 1n);
  assert.equal(q.value, 0n);
  assert.equal(q.compareExchange(1n, 5n), 0n);
  assert.equal(q.compareExchange(0n, 5n), 0n);
  assert.equal(q.value, 5n);
});

test('float add is a CAS loop on the bit pattern: exact, rounds like the type, ends on NaN, keeps -0', {
  timeout: 10_000,
}, () => {
  const d = new Value('d', 0.1);
  assert.equal(d.add(0.2), 0.1);
  assert.equal(d.value, 0.1 + 0.2);
  assert.equal(d.sub(0.2), 0.1 + 0.2);
  assert.equal(d.value, 0.1 + 0.2 - 0.2);
  const f = new RawValue('f', 0.1);
  assert.equal(f.add(0.2), Math.fround(0.1));
  assert.equal(f.value, Math.fround(Math.fround(0.1) + 0.2));
  const nan = new Value('d', NaN);
  assert.ok(Number.isNaN(nan.add(1) as number));
  assert.ok(Number.isNaN(nan.value));
  const z = new Value('d', -0);
  assert.ok(Object.is(z.add(-0), -0));
  assert.ok(Object.is(z.value, -0), '-0 + -0 is -0');
  const arr = new SharedArray('f64', [1, 2, 3]);
  assert.equal(arr.add(-1, 0.5), 3);
  assert.deepEqual(arr.toArray(), [1, 2, 3.5]);
  assert.equal(new RawArray('f32', 1).load(0), 0);
});

test('types: values are number or bigint by typecode, struct cells give their view, no casts needed', {
  timeout: 10_000,
}, () => {
  // These lines are checked by tsc (tsconfig.test.json): each @ts-expect-error must be an error.
  const d: number = new Value('d', 1.5).value;
  const q: bigint = new Value('q', 1n).value;
  const qq: bigint = new Value('q', 1n).add(2n);
  const u: bigint = new RawArray('Q', 3).get(0);
  const i: number = new SharedArray('i', [1, 2]).get(1);
  const view: Float64Array = new Value('d').view;
  const bview: BigUint64Array = new SharedArray('u64', 2).view;
  const p: PointView = new Value(Point).value;
  const ps: PointView[] = new SharedArray(Point, 2).toArray();
  const old: number = new RawValue('f', 1).add(0.5);
  // @ts-expect-error a float cell does not take a bigint
  assert.throws(() => new Value('d', 1n), InvalidArgumentError);
  // @ts-expect-error a 64-bit cell takes a bigint, not a number
  assert.throws(() => new Value('q', 1), InvalidArgumentError);
  // @ts-expect-error and() is for integer cells
  assert.throws(() => new Value('d').and(1), /needs an integer cell/);
  // @ts-expect-error an i32 cell reads as number
  const wrong: bigint = new Value('i').value;
  // @ts-expect-error "z" is not a typecode
  assert.throws(() => new Value('z'), InvalidArgumentError);
  // @ts-expect-error struct cells have no numeric atomics
  assert.throws(() => new Value(Point).add(1), /needs a numeric cell/);
  assert.equal(
    typeof d + typeof q + typeof qq + typeof u + typeof i + typeof old + typeof wrong,
    'numberbigintbigintbigintnumbernumbernumber',
  );
  assert.ok(view instanceof Float64Array && bview instanceof BigUint64Array);
  assert.equal(p.x + ps.length, 2);
});

test('misuse: each gets its named error and leaves shared memory untouched', { timeout: 10_000 }, () => {
  const sab = new SharedArrayBuffer(64);
  const bytes = new Uint8Array(sab);
  bytes.fill(0xab);
  const live = new Value('i', 5);
  const table: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    [
      'unknown typecode',
      () => new Value('z' as never),
      InvalidArgumentError,
      /typecodes b B h H i I l L q Q f d, the names i8 .* f64, or a struct type; got "z"/,
    ],
    ['Python char code', () => new RawValue('c' as never), InvalidArgumentError, /got "c"/],
    ['type not a string', () => new Value(4 as never), InvalidArgumentError, /got 4/],
    ['non-integer into i', () => new Value('i', 1.5), InvalidArgumentError, /takes an integer number, got 1.5/],
    ['string into d', () => new Value('d', '1' as never), InvalidArgumentError, /takes a number, got "1"/],
    ['number into q', () => new Value('q', 1 as never), InvalidArgumentError, /takes a bigint, got 1/],
    ['bigint into i', () => new Value('i', 1n as never), InvalidArgumentError, /integer number, got 1n/],
    [
      '300 into b (not truncated)',
      () => new Value('b', 300, { buffer: sab, byteOffset: 4 }),
      InvalidArgumentError,
      /out of range.*not truncated/,
    ],
    ['add operand too wide', () => live.add(2 ** 32), InvalidArgumentError, /does not fit the 32-bit width/],
    ['add non-integer', () => live.add(0.5), InvalidArgumentError, /integer number operand/],
    ['exchange out of range', () => new Value('h').exchange(40000), InvalidArgumentError, /out of range/],
    ['compareExchange bad expected', () => new Value('B').compareExchange(-1, 0), InvalidArgumentError, /expected/],
    ['bad lock option', () => new Value('i', 0, { lock: 'yes' as never }), InvalidArgumentError, /lock must be true/],
    ['a Semaphore-like as lock', () => new Value('i', 0, { lock: {} as never }), InvalidArgumentError, /lock must be/],
    [
      'misaligned region',
      () => new Value('d', 1, { buffer: sab, byteOffset: 4, lock: false }),
      InvalidRegionError,
      /multiple of 8/,
    ],
    [
      'region too small for value + lock',
      () => new Value('d', 1, { buffer: sab, byteOffset: 56 }),
      InvalidRegionError,
      /needs 16 bytes/,
    ],
    [
      'region not shared',
      () => new RawValue('i', 1, { buffer: new ArrayBuffer(8) as never }),
      InvalidRegionError,
      /SharedArrayBuffer/,
    ],
    ['getLock on a raw cell', () => new Value('i', 0, { lock: false }).getLock(), NoLockError, /lock: false/],
    ['withLock on a raw cell', () => new Value('i', 0, { lock: false }).withLock(() => 1), NoLockError, /no lock/],
    ['struct initial not an object', () => new Value(Point, 3 as never), InvalidArgumentError, /plain object/],
    [
      'struct initial with unknown field',
      () => new Value(Point, { z: 1 } as never, { buffer: sab, byteOffset: 8 }),
      InvalidArgumentError,
      /no field "z"/,
    ],
    [
      'struct field of the wrong type',
      () => new Value(Point, { x: 1, y: 'no' } as never, { buffer: sab, byteOffset: 8 }),
      TypeError,
      /y must be a number/,
    ],
    [
      'struct type with a bad alignment',
      () => new Value({ ...Point, alignment: 3 }),
      InvalidArgumentError,
      /power-of-two alignment/,
    ],
    [
      'from() of another kind',
      () => Value.from(structuredClone(new RawValue('i'))),
      ReviveError,
      /serialised RawValue, not a Value/,
    ],
    ['from() of a non-descriptor', () => RawValue.from({ type: 'i' }), ReviveError, /RawValue\.from\(value\)/],
    [
      'from() with an unknown type',
      () => Value.from({ ...structuredClone(live), type: 'i128' }),
      ReviveError,
      /type must be one of/,
    ],
    [
      'from() with a Python code as type',
      () => Value.from({ ...structuredClone(live), type: 'i' }),
      ReviveError,
      /type must be one of/,
    ],
    [
      'from() with a bad lock',
      () => Value.from({ ...structuredClone(live), lock: { [KIND_PROPERTY]: 'Event', buffer: sab, byteOffset: 0 } }),
      ReviveError,
      /lock must be null or a serialised Lock or RLock/,
    ],
    [
      'from() of a struct kind nobody registered',
      () => Value.from({ ...structuredClone(new Value(Point)), struct: { kind: 'nope', schema: {} } }),
      ReviveError,
      /no factory is registered/,
    ],
    [
      'from() past the buffer end',
      () => RawValue.from({ [KIND_PROPERTY]: 'RawValue', buffer: sab, byteOffset: 64, type: 'f64', struct: null }),
      InvalidRegionError,
      /only 64 bytes/,
    ],
  ];
  for (const [name, fn, cls, re] of table) {
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), name);
  }
  assert.ok(
    bytes.every((b) => b === 0xab),
    "no rejected call wrote to the caller's buffer",
  );
  assert.equal(live.value, 5);
});

test("lock: the default RLock shares the value's buffer; a given lock is shared; lock:false has none", {
  timeout: 10_000,
}, () => {
  const v = new Value('b', -3);
  const lock = v.getLock();
  assert.ok(lock instanceof RLock);
  assert.equal(lock.buffer, v.buffer, 'one SharedArrayBuffer for the value and its lock');
  assert.equal(lock.byteOffset, 4, 'after the 1-byte value, aligned to RLock.ALIGNMENT');
  assert.equal(v.byteLength, 4 + RLock.BYTE_LENGTH);
  assert.equal(Value.byteLengthOf('b'), 4 + RLock.BYTE_LENGTH);
  assert.equal(Value.byteLengthOf('d', { lock: false }), 8);
  assert.equal(Value.alignmentOf('b'), RLock.ALIGNMENT);
  assert.equal(Value.alignmentOf('b', { lock: false }), 1);
  assert.equal(v.buffer.byteLength, Value.byteLengthOf('b'));
  // In a caller's region: the value sits exactly at byteOffset, the lock right after it.
  const sab = new SharedArrayBuffer(64);
  new Uint8Array(sab).fill(0xff);
  const placed = new Value('d', undefined, { buffer: sab, byteOffset: 16 });
  assert.equal(placed.value, 0, "the constructor initialises a caller's region");
  placed.value = 2.5;
  assert.equal(new Float64Array(sab)[2], 2.5);
  assert.equal(placed.getLock().byteOffset, 24);
  assert.equal(placed.getLock().locked(), false);
  // A given Lock is used as is, and revives with the cell.
  const given = new Lock();
  const a = new Value('i', 0, { lock: given });
  const b = new SharedArray('i', 4, { lock: given });
  assert.equal(a.getLock(), given);
  assert.equal(b.getLock(), given);
  assert.equal(a.byteLength, 4);
  const a2 = Value.from(structuredClone(a));
  assert.ok(a2.getLock() instanceof Lock);
  given.acquire();
  assert.equal(a2.getLock().locked(), true, 'the revived lock is the same memory');
  given.release();
  // get_obj: the raw cell over the same memory, no lock.
  const obj = a.getObj();
  assert.ok(obj instanceof RawValue);
  obj.value = 9;
  assert.equal(a.value, 9);
  assert.equal(new Value('i', 0, { lock: false }).getObj().value, 0);
  // withLock holds the lock for fn and gives the raw cell (so a plain Lock does not self-deadlock).
  assert.equal(
    a.withLock((o) => {
      assert.equal(given.locked(), true);
      return o.add(1);
    }),
    9,
  );
  assert.equal(given.locked(), false);
  assert.equal(a.value, 10);
  // Inside a critical section the thread already holds the lock, so value does not take it again:
  // no re-entry with the RLock, and no self-deadlock with a plain Lock (where Python deadlocks).
  v.getLock().withLock(() => {
    v.value += 1;
    assert.equal((v.getLock() as RLock).depth, 1);
  });
  assert.equal(v.value, -2);
  given.withLock(() => {
    a.value += 1;
  });
  assert.equal(a.value, 11);
  assert.equal(given.locked(), false);
  // Struct cells: one region too, and the view lives in it.
  const s = new Value(Point, { x: 1, y: 2, n: 3 });
  assert.equal(s.getLock().byteOffset, 24);
  assert.deepEqual([s.value.x, s.value.y, s.value.n], [1, 2, 3]);
  s.value = { y: 5 };
  assert.deepEqual([s.value.x, s.value.y], [1, 5], 'assigning fields writes only those fields');
  assert.equal(new Float64Array(s.buffer)[1], 5);
  assert.deepEqual(structuredClone(s).struct, {
    kind: 'test-point',
    schema: { name: 'Point', fields: ['x', 'y', 'n'] },
  });
});

test("value's setter takes the cell's lock: a write from a worker waits while the lock is held", {
  timeout: 20_000,
}, async () => {
  const lock = new Lock();
  const cell = new Value('i', 0, { lock });
  lock.acquire();
  const w = new Worker(WORKER, { workerData: { mode: 'set', cell, value: 7 } });
  try {
    await once(w, 'message');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(cell.getObj().value, 0, "the worker's write did not get past the held lock");
    lock.release();
    const [m] = await once(w, 'message');
    assert.equal(m.done, true);
    assert.equal(cell.value, 7);
  } finally {
    if (lock.locked() && cell.getObj().value === 0) lock.release();
    await w.terminate();
  }
});

test('a cell whose lock holder died: the next access reports OwnerDeadError once, then works', {
  timeout: 20_000,
}, async () => {
  const cell = new Value('i', 1);
  const w = new Worker(WORKER, { workerData: { mode: 'die-holding', cell } });
  watchWorker(w);
  try {
    await once(w, 'exit');
    assert.equal(cell.getLock().locked(), true, 'the dead worker still owns the lock word');
    assert.throws(() => cell.value, OwnerDeadError);
    assert.equal(cell.getLock().locked(), false, 'the access released the lock it took over');
    assert.equal(cell.value, -1, 'what the dead owner wrote is visible');
    cell.value = 2;
    assert.equal(cell.value, 2);
  } finally {
    await w.terminate();
  }
});

test("Python's example: a worker sets Value('d') to 3.1415927 and negates every element of Array('i', range(10))", {
  timeout: 20_000,
}, async () => {
  const num = new Value('d', 0.0);
  const arr = new SharedArray(
    'i',
    Array.from({ length: 10 }, (_, i) => i),
  );
  const [r] = await runCellWorkers([{ mode: 'seed', num, arr }]);
  assert.deepEqual(r, { numKind: 'Value', arrKind: 'SharedArray', lockKind: 'RLock' });
  assert.equal(num.value, 3.1415927);
  assert.deepEqual(arr.toArray(), [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
});

test('2 workers, 10^6 atomic adds in total on an i32 Value, then on an i64 Value: the exact total', {
  timeout: 60_000,
}, async () => {
  const i32 = new Value('i', 0);
  const i64 = new Value('q', 2n ** 40n);
  const n = 500_000;
  await runCellWorkers([
    { mode: 'add', cell: i32, n, delta: 1 },
    { mode: 'add', cell: i32, n, delta: 1 },
  ]);
  assert.equal(i32.value, 2 * n);
  await runCellWorkers([
    { mode: 'add', cell: i64, n, delta: 3n },
    { mode: 'add', cell: i64, n, delta: 3n },
  ]);
  assert.equal(i64.value, 2n ** 40n + 6n * BigInt(n));
  const wrap = new Value('i', 2 ** 31 - 1);
  await runCellWorkers([
    { mode: 'add', cell: wrap, n: 1000, delta: 1 },
    { mode: 'add', cell: wrap, n: 1000, delta: 1 },
  ]);
  assert.equal(wrap.value, -(2 ** 31) + 1999, 'adds wrap at 2^31 and none is lost');
});

test('f64 atomic add from 2 workers: the exact sum of integers as doubles', { timeout: 60_000 }, async () => {
  const cell = new Value('d', 0);
  const n = 200_000;
  await runCellWorkers([
    { mode: 'fadd', cell, from: 0, to: n },
    { mode: 'fadd', cell, from: n, to: 2 * n },
  ]);
  // Every partial sum is an integer below 2^53, so any interleaving gives this sum exactly.
  assert.equal(cell.value, ((2 * n - 1) * (2 * n)) / 2);
});

test('lock-protected value += 1 with getLock() from 2 workers: exact, with the default RLock and a given Lock', {
  timeout: 60_000,
}, async () => {
  const n = 20_000;
  for (const cell of [new Value('i', 0), new Value('i', 0, { lock: new Lock() })]) {
    await runCellWorkers([
      { mode: 'locked-inc', cell, n },
      { mode: 'locked-inc', cell, n },
    ]);
    assert.equal(cell.value, 2 * n);
    assert.equal(cell.getLock().locked(), false);
  }
});

test('struct Value and SharedArray with a test StructTypeLike, revived and updated by 2 workers', {
  timeout: 60_000,
}, async () => {
  const v = new Value(Point, { x: 0, y: 100 });
  const a = new SharedArray(Point, [{ x: 1 }, { x: 2 }, { x: 3, y: -7 }]);
  const n = 3000;
  const results = await runCellWorkers([
    { mode: 'struct', v, a, n },
    { mode: 'struct', v, a, n },
  ]);
  for (const r of results) assert.deepEqual(r, { sameType: true, lastY: -7, kind: 'test-point' });
  assert.deepEqual([v.value.x, v.value.y, v.value.n], [2 * n, 100 - 2 * n, 2 * n]);
  assert.equal(v.value.x + v.value.y, 100);
  assert.deepEqual(
    a.toArray().map((p) => p.n),
    [2000, 2000, 2000],
  );
  assert.deepEqual(
    a.toArray().map((p) => p.x),
    [0.5, 2, 3],
  );
  assert.equal(a.view.byteLength, 3 * 24);
});
