// ClusterPool's API against a real redis-server and three sabkit-worker processes: the local
// Pool's names and meanings (map, starmap, apply, imap, AsyncResult, close/join/terminate),
// errors that keep their class, the closure rule, module tasks resolved under each worker's root,
// progress, AbortSignal and retries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { ClosedError, InvalidArgumentError, TimeoutError, registerErrorClass } from '@sabkit/atomics-sync';
import { ClusterPool, InlineFunctionError, TaskModuleError, reportProgress } from '@sabkit/cluster';
import { TestRedis } from './harness/redis.js';
import { startWorker, type TestWorker } from './harness/workers.js';
import { InventoryError } from './fixtures/tasks.js';

const Q = 'api';
let redis: TestRedis;
let workers: TestWorker[] = [];
let pool: ClusterPool;
let tmp: string;

before(
  async () => {
    redis = await TestRedis.start();
    workers = await Promise.all([0, 1, 2].map(() => startWorker(redis.url, Q)));
    pool = new ClusterPool({ connection: redis.url, queue: Q });
    await pool.ready();
    tmp = mkdtempSync(join(tmpdir(), 'sabkit-cluster-'));
  },
  { timeout: 60_000 },
);

after(
  async () => {
    await pool?.terminate();
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (process.env.DEBUG_HANDLES) setTimeout(() => console.log((process as any)._getActiveHandles()), 3000).unref();
  },
  { timeout: 60_000 },
);

test('map over 10,000 items on 3 worker processes: every result exact and in input order', {
  timeout: 60_000,
}, async () => {
  const items = Array.from({ length: 10_000 }, (_, i) => i);
  const before = pool.stats;
  const out = await pool.map((x: number) => x * 2 + 1, items);
  assert.equal(out.length, 10_000);
  for (let i = 0; i < out.length; i++) assert.equal(out[i], 2 * i + 1);
  const sent = pool.stats.sent - before.sent;
  // Chunked (not one job per item), and more than one chunk per worker so all three share it.
  assert.ok(sent > 3 && sent < 1000, `chunks sent: ${sent}`);
  assert.equal(pool.stats.duplicates, 0);
});

test('map of a module task under the workers root, objects in and out, fixed chunksize', {
  timeout: 60_000,
}, async () => {
  const items = Array.from({ length: 500 }, (_, i) => i - 250);
  assert.deepEqual(
    await pool.map('tasks.js#square', items, 7),
    items.map((x) => x * x),
  );
  const objs = await pool.map(
    (o: { id: number; tags: string[] }) => ({ id: o.id, n: o.tags.length }),
    [
      { id: 1, tags: ['a'] },
      { id: 2, tags: [] },
    ],
  );
  assert.deepEqual(objs, [
    { id: 1, n: 1 },
    { id: 2, n: 0 },
  ]);
  assert.deepEqual(await pool.map((x: number) => x, []), []);
});

test('arguments and results keep structured clone semantics, as the local Pool gives them', {
  timeout: 30_000,
}, async () => {
  const items: unknown[] = [
    -0,
    Number.NaN,
    undefined,
    10n ** 30n,
    new Date(86_400_000),
    new Map<unknown, unknown>([[1, { a: [undefined, -0] }]]),
    new Set(['x', 2]),
    new Float64Array([1.5, -0]),
    /ab+c/gi,
    { u: undefined, nested: { d: new Date(0) } },
    '\ud800 lone surrogate',
  ];
  // The task sees the value the caller sent (checked on the worker), and the caller gets back what it returned.
  const same = await pool.map((v: unknown) => [v, Object.prototype.toString.call(v)], items, 3);
  assert.deepStrictEqual(
    same,
    items.map((v) => [v, Object.prototype.toString.call(v)]),
  );
  assert.ok(Object.is((same[0] as unknown[])[0], -0), '-0 survives the trip both ways');
  const sparse = await pool.apply(() => {
    // biome-ignore lint/suspicious/noSparseArray: a hole must survive the trip
    const a: unknown[] = [1, , 3];
    return a;
  });
  assert.equal((sparse as unknown[]).length, 3);
  assert.ok(!(1 in (sparse as unknown[])), 'a hole stays a hole');
});

test('starmap, apply, async iterables as input', { timeout: 30_000 }, async () => {
  assert.deepEqual(
    await pool.starmap(
      (a: number, b: number) => a * b,
      [
        [2, 3],
        [4, 5],
      ],
    ),
    [6, 20],
  );
  assert.equal(await pool.apply({ module: 'tasks.js', name: 'square' }, [12]), 144);
  async function* gen() {
    for (let i = 0; i < 30; i++) yield i;
  }
  assert.deepEqual(
    await pool.map((x: number) => 100 - x, gen()),
    Array.from({ length: 30 }, (_, i) => 100 - i),
  );
});

test('applyAsync: ready() and get(timeout) as Python AsyncResult', { timeout: 30_000 }, async () => {
  const r = pool.applyAsync('tasks.js#sleepy', [5, 600]);
  assert.equal(r.ready(), false);
  await assert.rejects(r.get(20), TimeoutError);
  await assert.rejects(r.get(-1), TimeoutError);
  assert.equal(await r.get(), 5);
  assert.equal(r.ready(), true);
  assert.equal(r.successful(), true);
  let seen: unknown;
  const m = pool.mapAsync((x: number) => x + 1, [1, 2], { callback: (v) => (seen = v) });
  assert.deepEqual(await m.get(10_000), [2, 3]);
  assert.deepEqual(seen, [2, 3]);
});

test('imap keeps order, imapUnordered gives every result; both read their input boundedly', {
  timeout: 60_000,
}, async () => {
  let read = 0;
  function* endless() {
    for (let i = 0; ; i++) {
      read++;
      yield i;
    }
  }
  const got: number[] = [];
  for await (const v of pool.imap((x: number) => x * 10, endless(), { chunksize: 5, maxChunksInFlight: 4 })) {
    got.push(v);
    if (got.length === 60) break;
  }
  assert.deepEqual(
    got,
    Array.from({ length: 60 }, (_, i) => i * 10),
  );
  assert.ok(read <= 60 + 5 * 5, `read ${read} items of an endless input`);
  const un: number[] = [];
  for await (const v of pool.imapUnordered('tasks.js#square', [1, 2, 3, 4, 5, 6, 7], 2)) un.push(v as number);
  assert.deepEqual(
    un.sort((a, b) => a - b),
    [1, 4, 9, 16, 25, 36, 49],
  );
});

test('a task error keeps its class, message, stack, code and fields', { timeout: 30_000 }, async () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const e = (await pool
    .starmap(
      'tasks.js#failOn',
      items.map((x) => [x, 42]),
      10,
    )
    .catch((x) => x)) as InventoryError;
  assert.equal(e.name, 'InventoryError');
  assert.equal(e.message, 'sku A-42 is out of stock');
  assert.equal(e.code, 'E_STOCK');
  assert.equal(e.sku, 'A-42');
  assert.match(String(e.stack), /InventoryError: sku A-42[\s\S]*at failOn/);
  registerErrorClass(InventoryError);
  const again = await pool.apply('tasks.js#failOn', [7, 7]).catch((x) => x);
  assert.ok(again instanceof InventoryError, 'a registered class arrives as itself');
  const te = await pool.apply((s: unknown) => (s as number).toFixed(2), ['x']).catch((x) => x);
  assert.ok(te instanceof TypeError);
});

test('an inline function that closes over a variable is refused before anything is sent', {
  timeout: 10_000,
}, async () => {
  const k = 3;
  const sent = pool.stats.sent;
  await assert.rejects(
    pool.map((x: number) => x * k, [1]),
    (e: Error) => {
      assert.ok(e instanceof InlineFunctionError);
      assert.match(e.message, /closure: it refers to `k`/);
      return true;
    },
  );
  assert.throws(() => pool.applyAsync(() => reportProgress(1)), InlineFunctionError);
  assert.equal(pool.stats.sent, sent);
});

test('a module missing on the workers gives a TaskModuleError naming it, the path and the root', {
  timeout: 30_000,
}, async () => {
  const e = (await pool.map('lib/not-there.js#run', [1, 2, 3]).catch((x) => x)) as TaskModuleError;
  assert.ok(e instanceof TaskModuleError, String(e));
  assert.equal(e.code, 'ERR_SABKIT_TASK_MODULE');
  assert.match(e.message, /the task module 'lib\/not-there\.js' cannot be found on worker/);
  assert.match(e.message, /fixtures\/lib\/not-there\.js does not exist/);
  assert.match(e.message, /--root/);
  const noExport = (await pool.apply('tasks.js#nope', [1]).catch((x) => x)) as TaskModuleError;
  assert.ok(noExport instanceof TaskModuleError);
  assert.match(noExport.message, /has no export named 'nope'/);
  for (const bad of ['/etc/passwd#x', '../escape.js', 'a/../../b.js', 'file:///x.js', '']) {
    assert.throws(() => pool.applyAsync(bad, []), InvalidArgumentError, bad);
  }
});

test('progress: reportProgress in a task reaches onProgress', { timeout: 30_000 }, async () => {
  const seen: Array<{ step: number; of: number }> = [];
  const jobs = new Set<string>();
  const n = await pool.apply('tasks.js#withProgress', [5], {
    onProgress: (data, info) => {
      seen.push(data as { step: number; of: number });
      jobs.add(info.jobId);
    },
  });
  assert.equal(n, 5);
  assert.ok(seen.length >= 1, 'at least one progress report');
  assert.equal(jobs.size, 1);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].step > seen[i - 1].step);
  assert.equal(reportProgress(3), false, 'outside a cluster worker it does nothing');
});

test('AbortSignal: the call rejects with its reason and its waiting chunks leave the queue', {
  timeout: 60_000,
}, async () => {
  const ac = new AbortController();
  const p = pool.map(
    'tasks.js#sleepy',
    Array.from({ length: 30 }, (_, i) => i),
    1,
  );
  void p.catch(() => {});
  const items = Array.from({ length: 300 }, (_, i) => i);
  const q = pool.starmap(
    'tasks.js#sleepy',
    items.map((i) => [i, 50]),
    { chunksize: 1, signal: ac.signal },
  );
  setTimeout(() => ac.abort(new Error('enough')), 300);
  await assert.rejects(q, /enough/);
  await p; // the other call is unaffected
  const queue = new Queue(Q, { connection: { url: redis.url } });
  try {
    for (let i = 0; i < 100; i++) {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed');
      if (counts.wait + counts.active + counts.delayed === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
    assert.deepEqual(counts, { wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  } finally {
    await queue.close();
  }
  // imap: the pending next() rejects with the reason, and its chunks are withdrawn.
  const ac2 = new AbortController();
  const it = pool.imap(
    'tasks.js#sleepy',
    Array.from({ length: 50 }, (_, i) => i),
    { signal: ac2.signal },
  );
  assert.deepEqual(await it.next(), { value: 0, done: false });
  ac2.abort(new Error('stop iterating'));
  await assert.rejects(it.next(), /stop iterating/);
  const aborted = AbortSignal.abort(new Error('before'));
  await assert.rejects(pool.apply('tasks.js#square', [2], { signal: aborted }), /before/);
});

test('retries only when asked: attempts with backoff', { timeout: 30_000 }, async () => {
  const once = join(tmp, 'once');
  await assert.rejects(pool.apply('tasks.js#flaky', [once, 2]), /flaky: failure 1 of 2/);
  const retrying = new ClusterPool({
    connection: redis.url,
    queue: Q,
    attempts: 3,
    backoff: { type: 'fixed', delay: 50 },
  });
  try {
    assert.equal(await retrying.apply('tasks.js#flaky', [join(tmp, 'thrice'), 2]), 'ok after 3 runs');
    await assert.rejects(retrying.apply('tasks.js#flaky', [join(tmp, 'never'), 5]), /flaky: failure 3 of 5/);
  } finally {
    await retrying.terminate();
  }
});

test('close/join finish the work; terminate rejects what is pending; await using', { timeout: 60_000 }, async () => {
  const p2 = new ClusterPool({ connection: redis.url, queue: Q });
  const r = p2.mapAsync('tasks.js#sleepy', [1, 2, 3]);
  p2.close();
  assert.throws(() => p2.applyAsync('tasks.js#square', [1]), ClosedError);
  await assert.rejects(
    p2
      .join()
      .then(() => p2.join())
      .then(() => Promise.reject(new Error('ok'))),
    /ok/,
  );
  assert.deepEqual(await r.get(), [1, 2, 3]);
  const p3 = new ClusterPool({ connection: redis.url, queue: Q });
  const slow = assert.rejects(p3.starmap('tasks.js#sleepy', [[1, 5_000]]), ClosedError);
  await new Promise((res) => setTimeout(res, 200));
  await p3.terminate();
  await slow;
  let inner: ClusterPool | undefined;
  {
    await using p4 = new ClusterPool({ connection: redis.url, queue: Q });
    inner = p4;
    assert.equal(await p4.apply((x: number) => x + 1, [1]), 2);
  }
  assert.equal(inner.state, 'terminated');
});
