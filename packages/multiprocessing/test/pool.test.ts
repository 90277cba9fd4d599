// Pool: every method on real workers, Python's states and errors, initializer and recycling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { Value } from '@sabkit/atomics-sync';
import { Pool, AsyncResult, Manager, defaultChunksize } from '../src/index.js';

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);
const square = { filename: tasks, name: 'square' };
const sleepMs = { filename: tasks, name: 'sleepMs' };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('map keeps input order for every kind of task, chunksize and input', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const rand = mulberry32(42);
  const items = Array.from({ length: 1000 }, () => Math.floor(rand() * 1e6) - 5e5);
  const expected = items.map((x) => x * x);
  assert.deepEqual(await pool.map((x: number) => x * x, items), expected);
  assert.deepEqual(await pool.map(square, items, 7), expected);
  assert.deepEqual(await pool.map(`${tasks.href}#square`, items, 1000), expected);
  assert.deepEqual(
    await pool.map({ filename: tasks, name: 'slowSquare' }, items.slice(0, 50), 3),
    expected.slice(0, 50),
  );
  assert.deepEqual(
    await pool.map(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, 0));
        return -x;
      },
      [1, 2, 3],
      2,
    ),
    [-1, -2, -3],
  );
  assert.deepEqual(await pool.map(square, new Set([3, 4])), [9, 16]);
  async function* gen() {
    for (let i = 0; i < 20; i++) yield i;
  }
  assert.deepEqual(
    await pool.map(square, gen()),
    Array.from({ length: 20 }, (_, i) => i * i),
  );
  assert.deepEqual(await pool.map(square, []), []);
  assert.deepEqual(await pool.map(`${tasks.href}`, [1]), ['default 1']);
});

test('hammer: 300 concurrent calls of every kind, seeded, each gets exactly its own results', {
  timeout: 60_000,
}, async () => {
  await using pool = new Pool(2);
  const rand = mulberry32(2024);
  const checks: Array<Promise<void>> = [];
  for (let c = 0; c < 300; c++) {
    const kind = Math.floor(rand() * 5);
    const base = Math.floor(rand() * 1e6);
    const n = 1 + Math.floor(rand() * 200);
    const items = Array.from({ length: n }, (_, i) => base + i);
    const chunksize = 1 + Math.floor(rand() * 80);
    if (kind === 0) {
      checks.push(
        pool
          .applyAsync((a: number, b: number) => a * 3 + b, [base, c])
          .get()
          .then((v) => assert.equal(v, base * 3 + c)),
      );
    } else if (kind === 1) {
      checks.push(
        pool
          .map((x: number) => x - 7, items, chunksize)
          .then((v) =>
            assert.deepEqual(
              v,
              items.map((x) => x - 7),
            ),
          ),
      );
    } else if (kind === 2) {
      checks.push(
        pool
          .starmap(
            (x: number, tag: string) => `${tag}:${x}`,
            items.map((x) => [x, `c${c}`] as [number, string]),
            chunksize,
          )
          .then((v) =>
            assert.deepEqual(
              v,
              items.map((x) => `c${c}:${x}`),
            ),
          ),
      );
    } else if (kind === 3) {
      checks.push(
        (async () => {
          const got: number[] = [];
          for await (const v of pool.imap((x: number) => x * 2, items, chunksize)) got.push(v);
          assert.deepEqual(
            got,
            items.map((x) => x * 2),
          );
        })(),
      );
    } else {
      checks.push(
        (async () => {
          const got: unknown[] = [];
          for await (const v of pool.imapUnordered((x: number) => ({ x }), items, {
            chunksize,
            maxChunksInFlight: 1 + (c % 4),
          }))
            got.push(v);
          assert.deepEqual(
            (got as Array<{ x: number }>).map((o) => o.x).sort((a, b) => a - b),
            items,
          );
        })(),
      );
    }
  }
  await Promise.all(checks);
});

test("Python's default chunksize: ceil(n / (4 × workers))", () => {
  assert.equal(defaultChunksize(100_000, 2), 12_500);
  assert.equal(defaultChunksize(10, 4), 1);
  assert.equal(defaultChunksize(33, 2), 5);
  assert.equal(defaultChunksize(0, 2), 1);
});

test('apply, applyAsync with callbacks, starmap, starmapAsync, mapAsync', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  assert.equal(await pool.apply((a: number, b: number) => a * 10 + b, [4, 2]), 42);
  assert.equal(await pool.apply(() => 'no args'), 'no args');
  const seen: unknown[] = [];
  const r = pool.applyAsync({ filename: tasks, name: 'add' }, [20, 22], { callback: (v) => seen.push(v) });
  assert.ok(r instanceof AsyncResult);
  assert.equal(await r.get(10_000), 42);
  assert.equal(r.ready() && r.successful(), true);
  assert.deepEqual(seen, [42]);
  const errs: unknown[] = [];
  const bad = pool.applyAsync({ filename: tasks, name: 'failOn' }, [1, 1], { errorCallback: (e) => errs.push(e) });
  assert.equal(await bad.wait(10_000), true);
  assert.equal(bad.successful(), false);
  assert.ok(errs[0] instanceof RangeError);
  assert.deepEqual(
    await pool.starmap(
      (a: number, b: number) => a - b,
      [
        [5, 1],
        [9, 3],
        [1, 1],
      ],
    ),
    [4, 6, 0],
  );
  assert.deepEqual(
    await pool
      .starmapAsync(
        { filename: tasks, name: 'add' },
        [
          [1, 2],
          [3, 4],
        ],
        1,
      )
      .get(),
    [3, 7],
  );
  const lists: unknown[] = [];
  const m = pool.mapAsync(square, [1, 2, 3], { callback: (v) => lists.push(v) });
  assert.deepEqual(await m.get(), [1, 4, 9]);
  assert.deepEqual(lists, [[1, 4, 9]]);
  await assert.rejects(
    pool.starmap((a: number) => a, [[1], 2 as never]),
    { name: 'TypeError', message: /starmap.*item 1 .*not an array of arguments/ },
  );
});

test('imap and imapUnordered yield every result; an input error surfaces after the results before it', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  const n = 300;
  const out: number[] = [];
  for await (const v of pool.imap(
    (x: number) => x * 2,
    Array.from({ length: n }, (_, i) => i),
    4,
  ))
    out.push(v);
  assert.deepEqual(
    out,
    Array.from({ length: n }, (_, i) => i * 2),
  );
  const un: number[] = [];
  for await (const v of pool.imapUnordered(
    square,
    Array.from({ length: n }, (_, i) => i),
    { chunksize: 3, maxChunksInFlight: 2 },
  ))
    un.push(v as number);
  assert.deepEqual(
    un.sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i * i),
  );

  for (const method of ['imap', 'imapUnordered'] as const) {
    function* failing() {
      for (let i = 0; i < 25; i++) yield i;
      throw new EvalError('input failed at 25');
    }
    const got: number[] = [];
    await assert.rejects(
      async () => {
        for await (const v of pool[method](square, failing(), 4)) got.push(v as number);
      },
      { name: 'EvalError', message: 'input failed at 25' },
    );
    // 25 items in chunks of 4: the 6 complete chunks (24 items) run; the chunk the input failed
    // in (item 24, then the raise) is never submitted, as CPython's.
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: 24 }, (_, i) => i * i),
      method,
    );
  }
  // An endless async input, consumed in part.
  async function* naturals() {
    for (let i = 0; ; i++) yield i;
  }
  const first: number[] = [];
  for await (const v of pool.imap(square, naturals(), 8)) {
    first.push(v as number);
    if (first.length === 100) break;
  }
  assert.deepEqual(
    first,
    Array.from({ length: 100 }, (_, i) => i * i),
  );
  // A task error surfaces at its place.
  const before: number[] = [];
  await assert.rejects(
    async () => {
      for await (const v of pool.imap(
        (x: number) => {
          if (x === 7) throw new URIError('seven');
          return x;
        },
        Array.from({ length: 20 }, (_, i) => i),
      ))
        before.push(v);
    },
    { name: 'URIError', message: 'seven' },
  );
  assert.deepEqual(before, [0, 1, 2, 3, 4, 5, 6]);
});

test('an error in a task reaches get() and the pool keeps working', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const r = pool.applyAsync({ filename: tasks, name: 'failOn' }, [3, 3]);
  await assert.rejects(
    r.get(),
    (e: Error) => e instanceof RangeError && e.message === 'bad item 3' && /mp-tasks/.test(e.stack ?? ''),
  );
  await assert.rejects(
    pool.map(
      (x: number) => {
        if (x === 3) throw new RangeError(`bad item ${x}`);
        return x;
      },
      [1, 2, 3, 4],
    ),
    { name: 'RangeError', message: 'bad item 3' },
  );
  assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  assert.equal(await pool.apply(() => 'still here'), 'still here');
});

test('get(timeout) times out, and a later get() returns the result', { timeout: 30_000 }, async () => {
  await using pool = new Pool(1);
  const r = pool.applyAsync(sleepMs, [400]);
  await assert.rejects(r.get(20), { name: 'TimeoutError', code: 'ERR_SABKIT_TIMEOUT' });
  assert.equal(r.ready(), false);
  assert.equal(await r.get(), 400);
});

test('terminate while tasks run: workers stop, pending results reject with ClosedError', {
  timeout: 30_000,
}, async () => {
  const pool = new Pool(2);
  const running = [
    pool.applyAsync(sleepMs, [60_000]),
    pool.applyAsync(sleepMs, [60_000]),
    pool.applyAsync(sleepMs, [60_000]),
  ];
  const it = pool.imap(sleepMs, [60_000, 60_000]);
  const itNext = it.next();
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  await pool.terminate();
  for (const r of running)
    await assert.rejects(r.get(), { name: 'ClosedError', message: /terminated before this task finished/ });
  await assert.rejects(itNext, { name: 'ClosedError' });
  assert.ok(performance.now() - started < 30_000);
  await pool.join();
  assert.equal(pool.state, 'terminated');
  assert.throws(() => pool.applyAsync(square, [1]), { name: 'ClosedError', message: /Pool not running/ });
});

test('close then join waits for the submitted work; a closed pool refuses new work', { timeout: 30_000 }, async () => {
  const pool = new Pool(2);
  const results = Array.from({ length: 6 }, (_, i) => pool.applyAsync(sleepMs, [30 + i]));
  const mapped = pool.mapAsync(square, [1, 2, 3]);
  // An imap still being fed when the pool closes reads the rest of its input (as Python's feeder).
  const it = pool.imap(
    square,
    Array.from({ length: 50 }, (_, i) => i),
    { chunksize: 1, maxChunksInFlight: 1 },
  );
  await assert.rejects(pool.join(), { name: 'InvalidStateError', message: /still running/ });
  pool.close();
  assert.equal(pool.state, 'closed');
  assert.throws(() => pool.applyAsync(square, [1]), {
    name: 'ClosedError',
    code: 'ERR_SABKIT_CLOSED',
    message: /Pool not running \(it was closed\)/,
  });
  await assert.rejects(pool.map(square, [1]), { name: 'ClosedError' });
  assert.throws(() => pool.imap(square, [1]), { name: 'ClosedError' });
  await pool.join();
  assert.ok(
    results.every((r) => r.ready() && r.successful()),
    'join returned only after every task',
  );
  assert.equal(mapped.ready(), true);
  const all: number[] = [];
  for await (const v of it) all.push(v as number);
  assert.equal(all.length, 50);
});

test('inline closures fail fast with the explanatory error; the pool keeps working', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const offset = 10;
  await assert.rejects(
    pool.map((x: number) => x + offset, [1, 2, 3]),
    { name: 'InlineFunctionError', message: /refers to `offset`/ },
  );
  assert.throws(() => pool.applyAsync(Math.max, [1, 2]), { name: 'InlineFunctionError' });
  assert.throws(
    () =>
      pool.applyAsync(
        {
          f() {
            return this;
          },
        }.f,
      ),
    { name: 'InlineFunctionError', message: /uses `this`/ },
  );
  await assert.rejects(pool.apply({ filename: tasks, name: 'nope' }), {
    name: 'TaskModuleError',
    message: /no export named 'nope'/,
  });
  assert.deepEqual(await pool.map((x: number) => x + 10, [1]), [11]);
});

test('the initializer runs once per worker, at its start, before its tasks', { timeout: 30_000 }, async () => {
  const runs = new Int32Array(new SharedArrayBuffer(4));
  await using pool = new Pool({
    processes: 2,
    initializer: { filename: tasks, name: 'countInit' },
    initargs: [runs, 'ready'],
  });
  // At start, as in Python: both workers run it with no task submitted yet. (Not after tasks: a
  // pool terminated while a worker still boots never runs that worker, here as in Python; and an
  // idle worker may take over the first tasks of one still booting.)
  const deadline = Date.now() + 20_000;
  while (Atomics.load(runs, 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Atomics.load(runs, 0), 2, 'both workers ran the initializer at start');
  const states = await pool.map(
    { filename: tasks, name: 'initState' },
    Array.from({ length: 40 }, (_, i) => i),
    1,
  );
  const threads = new Set(states.map((s) => (s as { threadId: number }).threadId));
  for (const s of states as Array<{ runs: number; tag: string }>) assert.deepEqual([s.runs, s.tag], [1, 'ready']);
  assert.ok(threads.size >= 1 && threads.size <= 2);
  assert.equal(Atomics.load(runs, 0), 2, 'once each: tasks did not run it again');
});

test('maxTasksPerChild recycles workers; each new worker runs the initializer', { timeout: 30_000 }, async () => {
  const runs = new Int32Array(new SharedArrayBuffer(4));
  await using pool = new Pool({
    processes: 2,
    maxTasksPerChild: 2,
    initializer: (a: Int32Array) => {
      Atomics.add(a, 0, 1);
    },
    initargs: [runs],
  });
  const states = await pool.map(
    { filename: tasks, name: 'initState' },
    Array.from({ length: 12 }, (_, i) => i),
    1,
  );
  const perThread = new Map<number, number>();
  for (const s of states as Array<{ threadId: number }>)
    perThread.set(s.threadId, (perThread.get(s.threadId) ?? 0) + 1);
  assert.ok(perThread.size >= 6, `12 chunks at 2 per worker need at least 6 workers, saw ${perThread.size}`);
  for (const [, count] of perThread) assert.ok(count <= 2, 'no worker ran more than maxTasksPerChild chunks');
  assert.ok(Atomics.load(runs, 0) >= perThread.size, 'every worker that ran a task ran the initializer first');
});

test("a failing initializer makes that worker's tasks fail with InitializerError", { timeout: 30_000 }, async () => {
  await using pool = new Pool({ processes: 1, initializer: { filename: tasks, name: 'failingInit' } });
  await assert.rejects(
    pool.apply(square, [2]),
    (e: Error) => e.name === 'InitializerError' && /initializer broke/.test(e.message) && e.cause instanceof TypeError,
  );
});

test('sabkit objects and manager proxies in arguments arrive live; worker identity', { timeout: 30_000 }, async () => {
  await using pool = new Pool(2);
  const counter = new Value('i', 0);
  await pool.map(
    (c: Value<'i'>) => {
      c.add(1);
    },
    Array.from({ length: 50 }, () => counter),
    5,
  );
  assert.equal(counter.value, 50);
  await using manager = new Manager();
  const d = manager.dict<number, number>();
  await pool.starmap(
    (dd: { set(k: number, v: number): void }, i: number) => dd.set(i, i * i),
    Array.from({ length: 10 }, (_, i) => [d, i] as [typeof d, number]),
  );
  assert.equal(d.size, 10);
  assert.equal(d.get(9), 81);
  const who = (await pool.apply({ filename: tasks, name: 'whoAmI' })) as {
    threadId: number;
    name: string;
    parent: number;
  };
  assert.equal(who.name, `PoolWorker-${who.threadId}`);
  assert.equal(who.parent, threadId);
});

test('chunks of numbers: results that stop being numbers, async functions, -0 and NaN', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  const items = Array.from({ length: 500 }, (_, i) => i);
  assert.deepEqual(
    await pool.map((x: number) => (x < 250 ? x / 2 : `s${x}`), items, 100),
    items.map((x) => (x < 250 ? x / 2 : `s${x}`)),
  );
  assert.deepEqual(
    await pool.map(async (x: number) => x + 1, items, 100),
    items.map((x) => x + 1),
  );
  assert.deepEqual(
    await pool.map((x: number) => [x], items.slice(0, 70), 70),
    items.slice(0, 70).map((x) => [x]),
  );
  const odd = [-0, NaN, Infinity, -Infinity, 2 ** 53, 1e-310, ...items];
  const back = await pool.map((x: number) => x, odd, 100);
  assert.ok(Object.is(back[0], -0) && Number.isNaN(back[1]) && back[2] === Infinity && back[5] === 1e-310);
  assert.deepEqual(back.slice(6), items);
  await assert.rejects(
    pool.map(
      (x: number) => {
        if (x === 321) throw new RangeError('n321');
        return x;
      },
      items,
      100,
    ),
    { name: 'RangeError', message: 'n321' },
  );
});

test('typed arrays over shared memory stay shared in map items, starmap and apply arguments', {
  timeout: 30_000,
}, async () => {
  await using pool = new Pool(2);
  // Small views: the engine would carry their bytes (a private copy) if they were not packed.
  const cells = Array.from({ length: 8 }, () => new Int32Array(new SharedArrayBuffer(8)));
  await pool.map(
    (v: Int32Array) => {
      v[0] = 7;
    },
    cells,
    2,
  );
  assert.ok(cells.every((v) => v[0] === 7));
  const f64 = new Float64Array(new SharedArrayBuffer(64), 8, 3);
  await pool.starmap(
    (v: Float64Array, i: number) => {
      v[i] = i + 0.5;
    },
    [
      [f64, 0],
      [f64, 2],
    ],
  );
  assert.deepEqual([...f64], [0.5, 0, 2.5]);
  const dv = new DataView(new SharedArrayBuffer(16));
  await pool.apply((d: DataView) => d.setUint16(2, 0xbeef), [dv]);
  assert.equal(dv.getUint16(2), 0xbeef);
  // A plain (unshared) view is still a copy, as with postMessage.
  const plain = new Int32Array(2);
  await pool.apply(
    (v: Int32Array) => {
      v[0] = 1;
    },
    [plain],
  );
  assert.equal(plain[0], 0);
});

test('misuse: options and arguments are checked with named errors', { timeout: 30_000 }, async () => {
  for (const [opts, re] of [
    [0, /processes must be a positive integer/],
    [{ processes: 1.5 }, /processes must be a positive integer/],
    [{ maxTasksPerChild: 0 }, /maxTasksPerChild must be a positive integer/],
    [{ initargs: 'x' }, /initargs must be an array/],
    [{ initializer: 42 }, /initializer must be a function/],
    ['x', /options must be a number of processes or an object/],
  ] as const) {
    assert.throws(
      () => new Pool(opts as never),
      (e: Error & { code?: string }) => e.code === 'ERR_SABKIT_INVALID_ARGUMENT' && re.test(e.message),
      String(re),
    );
  }
  await using pool = new Pool(1);
  assert.throws(() => pool.mapAsync(square, [1], 0), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
    message: /chunksize must be a positive integer/,
  });
  assert.throws(() => pool.mapAsync(square, 42 as never), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
    message: /iterable must be/,
  });
  assert.throws(() => pool.applyAsync(square, 5 as never), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
    message: /args must be an array/,
  });
  assert.throws(() => pool.applyAsync(square, [1], { callback: 3 as never }), {
    message: /callback must be a function/,
  });
  assert.throws(() => pool.imap(square, [1], { chunksize: -1 }), { message: /chunksize must be a positive integer/ });
  assert.throws(() => pool.imap(square, null as never), { message: /iterable must be/ });
  await assert.rejects(pool.map(square, [1], 2.5), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
});
